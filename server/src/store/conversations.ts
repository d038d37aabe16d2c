/**
 * Conversations in memory: the serving copy, a bounded hot set in front of
 * the durable store (DESIGN.md §5). One conversation, its tail of newest
 * messages and its dedup are in conversation.ts; this file keeps the set of
 * them within its memory budget and finds what is not loaded in the store.
 *
 * ## The hot set
 *
 * Memory holds, per loaded conversation, its metadata and a tail of its
 * newest messages; everything older is read from the durable store on
 * demand.
 *
 * One conversation keeps at most `maxTailMessages` (200) in its tail; the
 * whole hot set is kept under a byte budget (`hotSetBytes`, from
 * `CS_HOT_SET_MB`, default 64 MiB of estimated message and conversation
 * size). Past it, the least recently used conversations lose their committed
 * tail messages first; conversations nobody watches and with nothing in
 * flight are dropped altogether (they load again, in one query, when named).
 * A conversation that was never written (a visitor who only opened the
 * widget) is dropped a few seconds after nobody watches it: it costs nothing
 * once the socket has closed.
 *
 * With `CS_JOURNAL=off` there is no store to read back from, so nothing with
 * messages is ever dropped: memory then grows with the history (tests and
 * benchmarks only).
 */
import { cs } from '../../../proto/gen/chat.js';
import { Conversation, conversationIdFor, epochFor, newEpochSalt, type HotSetHooks } from './conversation.js';
import { Quotas, type QuotaOptions } from './quotas.js';
import type { BrowseFilter, ColdReader, ConversationRow, DurableStore } from './records.js';
import { VisitorProfiles } from './visitor-profiles.js';

export { Conversation, conversationIdFor, epochFor, messageBytes, type Side } from './conversation.js';
export { VisitorProfiles } from './visitor-profiles.js';
export type { StoredMessage, VisitorProfile } from './records.js';

/** Settings of the hot set (see the module comment). */
/** How often the sweep of unwritten conversations runs, ms. */
const SWEEP_EVERY_MS = 250;
/** Sweep ticks a whole pass over the hot set takes at least (every conversation looked at about every 2 s). */
const SWEEP_SLICES = 8;

export interface HotSetOptions extends QuotaOptions {
  /** Estimated bytes of conversations and messages kept in memory. Default 64 MiB (`CS_HOT_SET_MB`). */
  hotSetBytes?: number;
  /** Tail messages a trimmed conversation keeps (the newest, for live reads). Default 20. */
  keepPerConversation?: number;
  /**
   * Most tail messages one conversation holds before its older committed ones
   * leave memory (it is cut to half of this). A long-running conversation then
   * costs a few hundred messages of memory, not its whole history. Default 200.
   */
  maxTailMessages?: number;
  /** Most visitor profiles cached. Default 20000. */
  profileCacheSize?: number;
}

/** Every loaded conversation, visitor profiles and known agents, in front of a durable store. */
export class ConversationStore {
  /** Loaded conversations, least recently used first (Map order; a use moves one to the end). */
  private readonly byId = new Map<string, Conversation>();
  /** Loaded conversations per visitor. */
  private readonly byVisitor = new Map<string, Conversation[]>();
  readonly visitors: VisitorProfiles;
  /** Agent ids seen (sign-ins and assignments), for transfer lists. */
  readonly agentIds = new Set<string>();
  /** Per-client limits on what may be stored (abuse). */
  readonly quotas: Quotas;
  private readonly cold: ColdReader | undefined;
  /** Salt of the epochs of conversations made in memory (see `epochFor`). */
  private epochSalt: string;
  private readonly budget: number;
  private readonly keep: number;
  private readonly maxTail: number;
  /** Conversations whose tail passed `maxTail` since the last trim. */
  private readonly longTails = new Set<Conversation>();
  private bytesInUse = 0;
  private trimScheduled = false;
  /**
   * The estimate a budget trim could not get under its target (nothing more
   * was droppable: every conversation watched or, without a store, holding
   * messages), or 0. Past the budget, the next trim waits until the estimate
   * grew a tenth of the budget beyond it: a pass walks every conversation,
   * and one per event-loop turn stalled the socket loop (issue 16).
   */
  private trimStuckAt = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  /** Where the sweep of unwritten conversations goes on. */
  private sweepCursor: IterableIterator<Conversation> | undefined;
  /** Sweep ticks so far: the clock of the approximate LRU order (`touch`). */
  private tick = 0;
  /** Conversations being deleted by retention: not loaded again meanwhile. */
  private readonly purging = new Set<string>();
  private inUse: (conversationId: string) => boolean = () => false;
  private readonly hooks: HotSetHooks = {
    mergesLater: false,
    resized: (conversation, delta) => {
      if (this.byId.get(conversation.id) === conversation) this.bytesInUse += delta;
      if (delta > 0 && this.cold && conversation.hotMessages > this.maxTail) {
        this.longTails.add(conversation);
        this.scheduleTrim();
      }
      if (delta > 0 && this.overBudget()) this.scheduleTrim();
    },
  };

  constructor(
    readonly durable: DurableStore,
    options: HotSetOptions = {},
  ) {
    this.cold = durable.persistent ? durable.reader : undefined;
    this.hooks = { ...this.hooks, mergesLater: durable.onReadable !== undefined };
    this.epochSalt = this.cold?.epochSalt() || newEpochSalt();
    this.budget = options.hotSetBytes ?? 64 * 1024 * 1024;
    this.keep = options.keepPerConversation ?? 20;
    this.maxTail = Math.max(1, options.maxTailMessages ?? 200);
    this.visitors = new VisitorProfiles(this.cold, options.profileCacheSize ?? 20_000);
    this.quotas = new Quotas(options);
    for (const agentId of this.cold?.assignees() ?? []) this.agentIds.add(agentId);
    // Merged messages may leave memory; a conversation is never dropped before (it is loaded, holding them).
    durable.onReadable?.((conversationId, seq) => {
      const conversation = this.byId.get(conversationId);
      if (!conversation) return;
      conversation.readableSeq = Math.max(conversation.readableSeq, seq);
      // What waited for this merge may leave memory now, not only at the conversation's next message
      // (and a trim that found nothing droppable before may find something now).
      if (conversation.hotMessages > this.maxTail) this.longTails.add(conversation);
      if (this.bytesInUse > this.budget) this.trimStuckAt = 0;
      if (conversation.hotMessages > this.maxTail || this.overBudget()) this.scheduleTrim();
    });
    this.sweepTimer = setInterval(() => this.sweepUnwritten(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /** Tells the store which conversations open sessions watch (those are never dropped from memory). */
  setInUse(inUse: (conversationId: string) => boolean): void {
    this.inUse = inUse;
  }

  /** Estimated bytes the hot set holds. */
  get bytes(): number {
    return this.bytesInUse;
  }

  /** Conversations in memory. */
  get loaded(): number {
    return this.byId.size;
  }

  /** The conversation with this id: from memory, or loaded from the store. */
  get(id: string): Conversation | undefined {
    const hot = this.byId.get(id);
    if (hot) {
      this.touch(hot);
      return hot;
    }
    if (!this.cold || this.purging.has(id)) return undefined;
    const row = this.cold.conversation(id);
    return row ? this.load(row) : undefined;
  }

  /**
   * The object to write through: `conversation` itself while it is the one in
   * memory; put back when it was dropped and nobody loaded it again; else the
   * copy loaded meanwhile (a caller held a reference across an await).
   */
  live(conversation: Conversation): Conversation {
    const current = this.byId.get(conversation.id);
    if (current) return current;
    this.add(conversation);
    return conversation;
  }

  /** The visitor's conversations (loaded ones and stored ones), newest activity first, at most `limit`. */
  ofVisitor(visitorId: string, limit = 50): Conversation[] {
    const found = new Map<string, Conversation>();
    for (const conversation of this.byVisitor.get(visitorId) ?? []) found.set(conversation.id, conversation);
    for (const row of this.cold?.conversationsOfVisitor(visitorId, limit) ?? []) {
      if (!found.has(row.id) && !this.purging.has(row.id)) found.set(row.id, this.byId.get(row.id) ?? this.load(row));
    }
    return [...found.values()].sort((a, b) => b.lastActivityMs - a.lastActivityMs).slice(0, limit);
  }

  /** How many conversations the visitor has (stored, plus loaded ones not stored yet). */
  conversationCount(visitorId: string): number {
    const unstored = (this.byVisitor.get(visitorId) ?? []).filter((c) => !c.stored).length;
    return (this.cold?.countOfVisitor(visitorId) ?? (this.byVisitor.get(visitorId)?.length ?? 0) - unstored) + unstored;
  }

  /** True when site + visitor + topic already has a conversation (in memory or stored). */
  has(site: string, visitorId: string, topic: string): boolean {
    return this.get(conversationIdFor(site, visitorId, topic)) !== undefined;
  }

  /** Conversations with at least one message, newest activity first (the agents' inbox). */
  inbox(limit: number): Conversation[] {
    const found = new Map<string, Conversation>();
    for (const row of this.cold?.inbox(limit) ?? []) {
      if (!this.purging.has(row.id)) found.set(row.id, this.byId.get(row.id) ?? this.load(row));
    }
    // Committed ones only: a row still being written may be taken back by a crash.
    for (const conversation of this.byId.values()) if (conversation.servedSeq > 0) found.set(conversation.id, conversation);
    return [...found.values()].sort((a, b) => b.lastActivityMs - a.lastActivityMs).slice(0, limit);
  }

  /**
   * Conversations with at least one message matching `filter`, newest
   * activity first, at most `limit` (the JSON API's list, issue 9). Read
   * from the store's rows, so it lists every stored conversation, not only
   * the ones in memory; it loads nothing into the hot set: a conversation in
   * memory is its live object, any other a detached copy read from its row
   * (its messages, for a preview or unread count, come from the store).
   */
  browse(filter: BrowseFilter, limit: number): Conversation[] {
    const matches = (c: Conversation): boolean =>
      c.lastSeq > 0 && (filter.status === undefined || c.status === filter.status) && (filter.site === undefined || c.site === filter.site) && (filter.assigneeId === undefined || c.assigneeId === filter.assigneeId);
    const found: Conversation[] = [];
    if (!this.cold) {
      for (const conversation of this.byId.values()) if (matches(conversation)) found.push(conversation);
    } else {
      for (const row of this.cold.browse(filter, limit)) {
        if (this.purging.has(row.id)) continue;
        const conversation = this.byId.get(row.id) ?? Conversation.fromRow(row, this.cold, undefined);
        // A change in memory not committed yet (a status just set) counts: the live object decides.
        if (matches(conversation)) found.push(conversation);
      }
    }
    return found.sort((a, b) => b.lastActivityMs - a.lastActivityMs).slice(0, limit);
  }

  /**
   * True when one of the newest `scan` messages of `conversation` (events and
   * notes aside) contains `needle`, given in lower case. With SQLite the
   * store's read connection scans them (ASCII case folding); memory only,
   * the messages in memory are compared with full Unicode folding.
   */
  textContains(conversation: Conversation, needle: string, scan: number): boolean {
    const from = Math.max(0, conversation.lastSeq - scan);
    if (this.cold) return this.cold.textContains(conversation.id, from, needle);
    for (let seq = conversation.lastSeq; seq > from; seq--) {
      const m = conversation.message(seq);
      if (m && m.kind !== cs.v1.MessageKind.EVENT && m.kind !== cs.v1.MessageKind.NOTE && m.text.toLowerCase().includes(needle)) return true;
    }
    return false;
  }

  /** Every site key with a conversation that has messages, sorted. */
  sites(): string[] {
    const sites = new Set(this.cold?.sites() ?? []);
    for (const conversation of this.byId.values()) if (conversation.lastSeq > 0) sites.add(conversation.site);
    return [...sites].sort();
  }

  /** The conversation for site + visitor + topic, made (in memory only, with its derived epoch) if new. */
  getOrCreate(site: string, visitorId: string, topic: string, nowMs: number): { conversation: Conversation; created: boolean } {
    const id = conversationIdFor(site, visitorId, topic);
    const existing = this.get(id);
    if (existing) return { conversation: existing, created: false };
    const conversation = new Conversation(id, site, visitorId, topic, epochFor(this.epochSalt, id), nowMs, this.cold, 0, this.hooks);
    this.add(conversation);
    return { conversation, created: true };
  }

  /**
   * Retention: deletes up to `limit` resolved conversations whose last
   * activity is older than `beforeMs` and that nobody has open, through the
   * store's small transactions; `onPurged` then gets their ids (their
   * attachments go with them). @returns how many were deleted.
   */
  async purgeExpired(beforeMs: number, limit: number, onPurged?: (ids: readonly string[]) => void): Promise<number> {
    if (!this.cold) return 0;
    const ids = this.cold.expired(beforeMs, limit).filter((id) => {
      const hot = this.byId.get(id);
      return !this.inUse(id) && (!hot || (hot.pendingWrites === 0 && hot.status === cs.v1.ConversationStatus.RESOLVED && hot.lastActivityMs < beforeMs));
    });
    if (ids.length === 0) return 0;
    // From now on conversations are made under a new salt: one deleted here that comes back gets a new epoch.
    this.epochSalt = newEpochSalt();
    for (const id of ids) {
      this.purging.add(id);
      const hot = this.byId.get(id);
      if (hot) this.remove(hot);
    }
    try {
      await this.durable.purge(ids, this.epochSalt);
    } finally {
      for (const id of ids) this.purging.delete(id);
    }
    onPurged?.(ids);
    return ids.length;
  }

  /** Stops the timers. */
  dispose(): void {
    clearInterval(this.sweepTimer);
  }

  private load(row: ConversationRow): Conversation {
    const conversation = Conversation.fromRow(row, this.cold, this.hooks);
    this.add(conversation);
    return conversation;
  }

  private add(conversation: Conversation): void {
    this.byId.set(conversation.id, conversation);
    this.bytesInUse += conversation.bytes;
    const list = this.byVisitor.get(conversation.visitorId);
    if (list) list.push(conversation);
    else this.byVisitor.set(conversation.visitorId, [conversation]);
    if (this.overBudget()) this.scheduleTrim();
  }

  /** Over the budget, and (after a trim that could not get under it) grown a tenth of the budget since. */
  private overBudget(): boolean {
    return this.bytesInUse > this.budget && this.bytesInUse > this.trimStuckAt + this.budget / 10;
  }

  private remove(conversation: Conversation): void {
    if (this.byId.get(conversation.id) !== conversation) return;
    this.byId.delete(conversation.id);
    this.bytesInUse -= conversation.bytes;
    const list = this.byVisitor.get(conversation.visitorId);
    const at = list ? list.indexOf(conversation) : -1;
    if (list && at >= 0) list.splice(at, 1);
    if (list && list.length === 0) this.byVisitor.delete(conversation.visitorId);
  }

  /**
   * Moves a conversation to the most recently used end, at most once per
   * sweep tick (250 ms): an LRU order to a quarter of a second. Moving it on
   * every use (a Map delete and set per message) cost more than the order is
   * worth.
   */
  private touch(conversation: Conversation): void {
    if (conversation.usedTick === this.tick) return;
    conversation.usedTick = this.tick;
    this.byId.delete(conversation.id);
    this.byId.set(conversation.id, conversation);
  }

  private droppable(conversation: Conversation): boolean {
    if (conversation.pendingWrites > 0 || this.inUse(conversation.id)) return false;
    // A stored one goes only once the store reads all of it back (its newest messages may wait in the message log).
    return conversation.lastSeq === 0 || (this.cold !== undefined && conversation.stored && conversation.readable >= conversation.lastSeq);
  }

  private scheduleTrim(): void {
    if (this.trimScheduled) return;
    this.trimScheduled = true;
    setImmediate(() => {
      this.trimScheduled = false;
      this.trim();
    });
  }

  /** Cuts long tails to half of `maxTailMessages`, then brings the hot set under 80 % of its budget, least recently used first. */
  trim(): void {
    for (const conversation of this.longTails) conversation.trim(Math.floor(this.maxTail / 2));
    this.longTails.clear();
    const target = this.budget * 0.8;
    this.trimStuckAt = 0;
    if (this.bytesInUse <= target) return;
    // First pass: committed tails and whole idle conversations; in-use ones keep their newest messages.
    for (const conversation of [...this.byId.values()]) {
      if (this.bytesInUse <= target) return;
      if (this.droppable(conversation)) this.remove(conversation);
      else conversation.trim(this.keep);
    }
    // Still over (many open conversations): in-use ones keep only what is in flight.
    for (const conversation of this.byId.values()) {
      if (this.bytesInUse <= target) return;
      conversation.trim(0);
    }
    this.trimStuckAt = this.bytesInUse;
  }

  /**
   * Drops conversations that were never written and that nobody watches any
   * more: a slice of the hot set per tick (`SWEEP_SLICES` ticks make a
   * pass), not all of it at once. A whole pass every 2 s took 6-7 ms with
   * 10,000 idle visitors, a stall in the socket loop (issue 16).
   */
  private sweepUnwritten(): void {
    this.tick += 1;
    for (let budget = Math.max(256, Math.ceil(this.byId.size / SWEEP_SLICES)); budget > 0; budget -= 1) {
      // A Map's iterator survives deletions and goes on to entries added (or moved to the end) meanwhile.
      const next = (this.sweepCursor ??= this.byId.values()).next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      const conversation = next.value;
      if (conversation.lastSeq === 0 && !conversation.stored && this.droppable(conversation)) this.remove(conversation);
    }
  }
}
