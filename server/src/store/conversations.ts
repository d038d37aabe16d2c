/**
 * Conversations in memory: the serving copy, a bounded hot set in front of
 * the durable store (DESIGN.md §5). A conversation is keyed by site + visitor
 * + topic; its id is derived from that key, so the same visitor always lands
 * on the same line, and it exists in memory only until its first message
 * gives it a row (DESIGN.md §2). Each conversation has an epoch (§3.9, see
 * `epochFor`: the same across restarts with a durable store, a new one
 * without), a contiguous seq, the
 * dedup of `(sender, client_msg_id) -> seq` (§3.4) and read/delivered
 * cursors per side.
 *
 * ## The hot set
 *
 * Memory holds, per loaded conversation, its metadata and a *tail*: the
 * newest messages, contiguous up to `lastSeq`. The tail is where messages
 * are appended (so a concurrent duplicate finds an in-flight message) and
 * what resumes and live Syncs read. Everything older is read from the
 * durable store on demand (`message(seq)` fetches a page of up to 100 and
 * keeps it for the next call, so a Sync walking forward costs one query per
 * page); a dedup lookup that misses the tail asks the store's unique index.
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
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cs } from '../../../proto/gen/chat.js';
import { Quotas, type QuotaOptions } from './quotas.js';
import type { BrowseFilter, ColdReader, ConversationRow, DurableStore, StoredMessage, VisitorProfile } from './records.js';

export type { StoredMessage, VisitorProfile } from './records.js';

/** Which side of a conversation a cursor belongs to. */
export type Side = 'visitor' | 'agent';

/** Estimated bytes of a conversation object without its messages. */
const CONVERSATION_BYTES = 1200;
/** Messages fetched at once when `message(seq)` reads older history. */
const COLD_PAGE = 100;
/** Messages fetched by the first step back from the newest (an inbox preview). */
const FIRST_BACK_PAGE = 10;

/** Estimated bytes a message costs in memory (object, strings, dedup entry). */
export function messageBytes(message: StoredMessage): number {
  let bytes = 260 + 2 * (message.text.length + message.clientMsgId.length * 2 + message.senderId.length * 2 + message.senderName.length);
  for (const reply of message.quickReplies) bytes += 40 + 2 * reply.length;
  return bytes;
}

/** What a conversation tells its store about memory and use. */
interface HotSetHooks {
  resized(conversation: Conversation, deltaBytes: number): void;
}

/** One conversation ("message line"). */
export class Conversation {
  status: cs.v1.ConversationStatus = cs.v1.ConversationStatus.OPEN;
  assigneeId = '';
  /** Highest seq each side has shown (Read). */
  readonly readUpTo: Record<Side, number> = { visitor: 0, agent: 0 };
  /** Highest seq a session of each side confirmed (Received). */
  readonly deliveredUpTo: Record<Side, number> = { visitor: 0, agent: 0 };
  lastActivityMs: number;
  visitorPageUrl = '';
  visitorPageTitle = '';
  platform = '';
  appVersion = '';
  /** The visitor's language (Hello.lang of their latest session): visitor-facing event lines are worded in it. Not stored. */
  visitorLang = '';
  /** True once its row was handed to the durable store (that happens with the first message). */
  stored = false;
  /** When the last offline auto-reply was posted, ms. */
  lastOfflineReplyMs = 0;
  /** Writes handed to the store and not yet settled; a conversation with any stays in memory. */
  pendingWrites = 0;
  /** Highest seq known to be committed; tail messages up to it may leave memory. */
  committedSeq = 0;
  /** Estimated bytes this conversation holds in memory. */
  bytes = CONVERSATION_BYTES;

  /** The newest messages, seq `tailStart` .. `lastSeq`. */
  private tail: StoredMessage[] = [];
  private tailStart: number;
  /**
   * sender -> client_msg_id -> seq for the tail; made with the first message
   * (most idle visitors never write). Two levels instead of one joined key:
   * no string is built per lookup, and each id's hash is computed once (V8
   * caches it on the string), by the lookup the insert then reuses.
   */
  private dedup: Map<string, Map<string, number>> | undefined;
  /** Writes handed to the store and not committed yet, oldest first (one entry per commit batch). */
  private writes: InFlightWrite[] | undefined;
  /** The last page read from the store (older than the tail). */
  private page: StoredMessage[] | undefined;
  /** Visitor messages after the agents' read cursor, for the (read cursor, last seq) it was counted at. */
  private unread = { readSeq: -1, lastSeq: -1, count: 0 };

  constructor(
    readonly id: string,
    readonly site: string,
    readonly visitorId: string,
    readonly topic: string,
    readonly epoch: string,
    readonly createdMs: number,
    private readonly cold: ColdReader | undefined = undefined,
    storedLastSeq = 0,
    private readonly hooks: HotSetHooks | undefined = undefined,
  ) {
    this.lastActivityMs = createdMs;
    this.tailStart = storedLastSeq + 1;
    this.committedSeq = storedLastSeq;
  }

  /** A conversation loaded from its stored row (no messages in memory yet). */
  static fromRow(row: ConversationRow, cold: ColdReader | undefined, hooks: HotSetHooks | undefined): Conversation {
    const conversation = new Conversation(row.id, row.site, row.visitorId, row.topic, row.epoch, row.createdMs, cold, row.lastSeq, hooks);
    conversation.stored = true;
    conversation.status = row.status;
    conversation.assigneeId = row.assigneeId;
    conversation.lastActivityMs = row.lastActivityMs;
    conversation.readUpTo.visitor = row.visitorReadSeq;
    conversation.readUpTo.agent = row.agentReadSeq;
    conversation.deliveredUpTo.visitor = Math.max(row.visitorDeliveredSeq, row.visitorReadSeq);
    conversation.deliveredUpTo.agent = Math.max(row.agentDeliveredSeq, row.agentReadSeq);
    return conversation;
  }

  /** Seq of the newest message; 0 when empty. */
  get lastSeq(): number {
    return this.tailStart + this.tail.length - 1;
  }

  /** Messages held in memory (the tail). */
  get hotMessages(): number {
    return this.tail.length;
  }

  /** The message with this seq, from memory or (older history) the store. */
  message(seq: number): StoredMessage | undefined {
    if (seq < 1 || seq > this.lastSeq) return undefined;
    if (seq >= this.tailStart) return this.tail[seq - this.tailStart];
    const page = this.page;
    if (page && page.length > 0 && seq >= page[0]!.seq && seq <= page[page.length - 1]!.seq) return page[seq - page[0]!.seq];
    if (!this.cold) return undefined;
    // A walk back from the newest (previews, older pages) reads the page below; a walk forward (Sync, resume) the page above.
    const fromTail = seq === this.tailStart - 1;
    const backward = fromTail || (page !== undefined && page.length > 0 && seq === page[0]!.seq - 1);
    // The first step back from the newest is usually a preview that needs one or two messages: a short page.
    const from = backward ? Math.max(1, seq - (fromTail ? FIRST_BACK_PAGE : COLD_PAGE) + 1) : seq;
    const fetched = this.cold.messages(this.id, from, backward ? seq : Math.min(seq + COLD_PAGE - 1, this.tailStart - 1));
    this.setPage(fetched);
    const found = fetched[seq - from];
    return found?.seq === seq ? found : undefined;
  }

  /** Seq stored earlier for this (sender, client_msg_id), or 0. */
  findDuplicate(senderId: string, clientMsgId: string): number {
    const hot = this.dedup?.get(senderId)?.get(clientMsgId);
    if (hot) return hot;
    // Older messages live only in the store; its unique index answers (DESIGN.md §3.4).
    return this.tailStart > 1 && this.cold ? this.cold.findDuplicate(this.id, senderId, clientMsgId) : 0;
  }

  /** Appends a message with the next seq. The caller built it with `seq === lastSeq + 1`. */
  append(message: StoredMessage): void {
    if (message.seq !== this.lastSeq + 1) throw new Error(`seq ${message.seq} does not follow ${this.lastSeq} in ${this.id}`);
    this.tail.push(message);
    this.remember(message);
    this.lastActivityMs = Math.max(this.lastActivityMs, message.serverTimeMs);
    if (this.unread.lastSeq === message.seq - 1 && this.unread.readSeq === this.readUpTo.agent) {
      this.unread.lastSeq = message.seq;
      if (message.senderRole === cs.v1.Role.VISITOR) this.unread.count += 1;
    }
    this.resize(messageBytes(message));
  }

  /** Drops every message from `seq` on (a write failed: they were never acked). */
  truncateFrom(seq: number): StoredMessage[] {
    if (seq < this.tailStart) throw new Error(`cannot truncate committed history of ${this.id} at ${seq}`);
    const removed = this.tail.splice(seq - this.tailStart);
    let freed = 0;
    for (const message of removed) {
      this.forget(message);
      freed += messageBytes(message);
    }
    this.unread.lastSeq = -1;
    this.resize(-freed);
    return removed;
  }

  /**
   * Lets committed tail messages go, oldest first, until at most `keep` stay
   * in memory. Messages not yet committed always stay.
   * @returns the bytes freed.
   */
  trim(keep: number): number {
    let freed = 0;
    if (this.page) {
      for (const message of this.page) freed += messageBytes(message);
      this.page = undefined;
    }
    if (this.cold) {
      const droppable = Math.min(this.tail.length - keep, this.committedSeq - this.tailStart + 1);
      if (droppable > 0) {
        for (const message of this.tail.splice(0, droppable)) {
          this.forget(message);
          freed += messageBytes(message);
        }
        this.tailStart += droppable;
        if (this.dedup?.size === 0) this.dedup = undefined;
      }
    }
    this.resize(-freed);
    return freed;
  }

  /** Visitor messages after the agents' read cursor. */
  unreadForAgents(): number {
    const readSeq = Math.min(this.readUpTo.agent, this.lastSeq);
    if (this.unread.readSeq === readSeq && this.unread.lastSeq === this.lastSeq) return this.unread.count;
    let count = 0;
    const firstHot = Math.max(readSeq + 1, this.tailStart);
    for (let seq = firstHot; seq <= this.lastSeq; seq += 1) if (this.tail[seq - this.tailStart]!.senderRole === cs.v1.Role.VISITOR) count += 1;
    if (readSeq + 1 < this.tailStart && this.cold) count += this.cold.countVisitorMessages(this.id, readSeq, this.tailStart - 1);
    this.unread = { readSeq, lastSeq: this.lastSeq, count };
    return count;
  }

  /**
   * Notes that the messages up to `seq` wait for `committed` (the promise of
   * their commit batch; the store commits in order). Messages of one batch
   * share an entry, so this allocates once per batch, not per message.
   */
  writing(seq: number, committed: Promise<void>): void {
    const writes = (this.writes ??= []);
    const last = writes[writes.length - 1];
    if (last && last.committed === committed) last.upTo = seq;
    else writes.push({ upTo: seq, committed });
    this.pendingWrites += 1;
  }

  /** The write of `seq` settled (committed or failed). */
  written(seq: number): void {
    this.pendingWrites -= 1;
    const writes = this.writes;
    if (!writes) return;
    while (writes.length > 0 && writes[0]!.upTo <= seq) writes.shift();
    if (writes.length === 0) this.writes = undefined;
  }

  /** The commit promise of a message still being written, or undefined once it settled. */
  pendingWrite(seq: number): Promise<void> | undefined {
    if (!this.writes || seq <= this.committedSeq) return undefined;
    for (const write of this.writes) if (seq <= write.upTo) return write.committed;
    return undefined;
  }

  private remember(message: StoredMessage): void {
    const dedup = (this.dedup ??= new Map());
    const ofSender = dedup.get(message.senderId);
    if (ofSender) ofSender.set(message.clientMsgId, message.seq);
    else dedup.set(message.senderId, new Map([[message.clientMsgId, message.seq]]));
  }

  private forget(message: StoredMessage): void {
    const ofSender = this.dedup?.get(message.senderId);
    if (!ofSender) return;
    ofSender.delete(message.clientMsgId);
    if (ofSender.size === 0) this.dedup!.delete(message.senderId);
  }

  private setPage(messages: StoredMessage[]): void {
    let delta = 0;
    for (const message of this.page ?? []) delta -= messageBytes(message);
    for (const message of messages) delta += messageBytes(message);
    this.page = messages;
    this.resize(delta);
  }

  private resize(delta: number): void {
    if (delta === 0) return;
    this.bytes += delta;
    this.hooks?.resized(this, delta);
  }
}

/** Messages up to `upTo` wait for `committed` (their commit batch). */
interface InFlightWrite {
  upTo: number;
  readonly committed: Promise<void>;
}

/** The deterministic conversation id for site + visitor + topic. */
export function conversationIdFor(site: string, visitorId: string, topic: string): string {
  const digest = createHash('sha256').update(`${site}\u0000${visitorId}\u0000${topic}`).digest('base64url');
  return `c_${digest.slice(0, 22)}`;
}

/** A new random salt of derived epochs (hex, 128 bits). */
export function newEpochSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The epoch a conversation gets when it is made in memory (DESIGN.md §3.9):
 * derived from its id and a salt, 8 base64url characters. A conversation
 * exists in memory before its first message gives it a row (§2), and the
 * Welcome already names its epoch; a random one was a new epoch after every
 * restart (or whenever the hot set dropped it), and a client that had seen
 * the old one dropped its copy. With a durable store the salt is the
 * database's (meta `epoch_salt`), so the epoch is the same on every start
 * until the row keeps it for good; retention replaces the salt, so a deleted
 * conversation that comes back gets a new epoch (its clients may hold the
 * deleted seqs). Without one (`CS_JOURNAL=off`) the salt is random per
 * process: a restart loses the messages and changes every epoch.
 */
export function epochFor(salt: string, conversationId: string): string {
  return createHmac('sha256', salt).update(conversationId).digest('base64url').slice(0, 8);
}

/**
 * Visitor profiles: a bounded cache in front of the store's `visitors` table
 * (misses are cached too, so an anonymous visitor costs one lookup).
 * `set` changes the cache only; the caller records the change durably.
 */
export class VisitorProfiles {
  private readonly cache = new Map<string, VisitorProfile | null>();

  constructor(
    private readonly cold: ColdReader | undefined,
    private readonly max: number,
  ) {}

  get(visitorId: string): VisitorProfile | undefined {
    let profile = this.cache.get(visitorId);
    if (profile === undefined) {
      profile = this.cold?.visitor(visitorId) ?? null;
      if (profile?.userId === '' && profile.name === '' && profile.email === '') profile = null;
      this.remember(visitorId, profile);
    }
    return profile ?? undefined;
  }

  set(visitorId: string, profile: VisitorProfile): void {
    this.cache.delete(visitorId);
    this.remember(visitorId, profile);
  }

  private remember(visitorId: string, profile: VisitorProfile | null): void {
    this.cache.set(visitorId, profile);
    // Without a store behind it the cache is the only copy: keep everything.
    if (this.cold && this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string);
  }
}

/** Settings of the hot set (see the module comment). */
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
  /** Conversations being deleted by retention: not loaded again meanwhile. */
  private readonly purging = new Set<string>();
  private inUse: (conversationId: string) => boolean = () => false;
  private readonly hooks: HotSetHooks = {
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
    this.epochSalt = this.cold?.epochSalt() || newEpochSalt();
    this.budget = options.hotSetBytes ?? 64 * 1024 * 1024;
    this.keep = options.keepPerConversation ?? 20;
    this.maxTail = Math.max(1, options.maxTailMessages ?? 200);
    this.visitors = new VisitorProfiles(this.cold, options.profileCacheSize ?? 20_000);
    this.quotas = new Quotas(options);
    for (const agentId of this.cold?.assignees() ?? []) this.agentIds.add(agentId);
    this.sweepTimer = setInterval(() => this.sweepUnwritten(), 2000);
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
    for (const conversation of this.byId.values()) if (conversation.lastSeq > 0) found.set(conversation.id, conversation);
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

  private touch(conversation: Conversation): void {
    this.byId.delete(conversation.id);
    this.byId.set(conversation.id, conversation);
  }

  private droppable(conversation: Conversation): boolean {
    return conversation.pendingWrites === 0 && !this.inUse(conversation.id) && (conversation.lastSeq === 0 || (this.cold !== undefined && conversation.stored));
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

  /** Drops conversations that were never written and that nobody watches any more. */
  private sweepUnwritten(): void {
    for (const conversation of [...this.byId.values()]) {
      if (conversation.lastSeq === 0 && !conversation.stored && this.droppable(conversation)) this.remove(conversation);
    }
  }
}
