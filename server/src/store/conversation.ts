/**
 * One conversation in memory (DESIGN.md §5), the unit of the hot set
 * (conversations.ts). A conversation is keyed by site + visitor + topic; its
 * id is derived from that key, so the same visitor always lands on the same
 * line, and it exists in memory only until its first message gives it a row
 * (DESIGN.md §2). Each conversation has an epoch (§3.9, see `epochFor`: the
 * same across restarts with a durable store, a new one without), a
 * contiguous seq, the dedup of
 * `(sender, client_msg_id) -> seq` (§3.4) and read/delivered cursors per
 * side.
 *
 * Memory holds its metadata and a *tail*: the newest messages, contiguous up
 * to `lastSeq`. The tail is where messages are appended (so a concurrent
 * duplicate finds an in-flight message) and what resumes and live Syncs
 * read. Everything older is read from the durable store on demand
 * (`message(seq)` fetches a page of up to 100 and keeps it for the next
 * call, so a Sync walking forward costs one query per page); a dedup lookup
 * that misses the tail asks the store's unique index, unless the
 * conversation's id filter (id-filter.ts) proves the id was never stored.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cs } from '../../../proto/gen/chat.js';
import { IdFilter, pairFingerprint } from './id-filter.js';
import type { ColdReader, ConversationRow, StoredMessage } from './records.js';

/** Which side of a conversation a cursor belongs to. */
export type Side = 'visitor' | 'agent';

/** Estimated bytes of a conversation object without its messages. */
const CONVERSATION_BYTES = 1200;
/** Messages fetched at once when `message(seq)` reads older history. */
const COLD_PAGE = 100;
/** Messages fetched by the first step back from the newest (an inbox preview). */
const FIRST_BACK_PAGE = 10;
/** Most (sender, client_msg_id) pairs a conversation's id filter holds (8 bytes each); past it, misses ask the store. */
const ID_FILTER_MAX = 16_384;
/** Longest stored history whose ids a conversation loaded from the store reads into its filter (one indexed scan, about a ms). */
const ID_FILTER_LOAD_MAX = 2048;

/** Estimated bytes a message costs in memory (object, strings, dedup entry). */
export function messageBytes(message: StoredMessage): number {
  let bytes = 260 + 2 * (message.text.length + message.clientMsgId.length * 2 + message.senderId.length * 2 + message.senderName.length);
  for (const reply of message.quickReplies) bytes += 40 + 2 * reply.length;
  return bytes;
}

/** What a conversation tells its store about memory and use. */
export interface HotSetHooks {
  resized(conversation: Conversation, deltaBytes: number): void;
  /** True when committed messages become readable from the store only later (`readableSeq`, the message log's merge). */
  readonly mergesLater?: boolean;
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
  /** Highest seq known to be committed. */
  committedSeq = 0;
  /**
   * Highest seq merged into the store's `messages` (a committed message waits
   * in the message log until its merge, message-log.ts); see `readable`.
   */
  readableSeq = 0;
  /** Estimated bytes this conversation holds in memory. */
  bytes = CONVERSATION_BYTES;
  /** The hot set's clock tick at its last move in the LRU order (conversations.ts `touch`). */
  usedTick = -1;

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
  /**
   * Fingerprints of every (sender, client_msg_id) this conversation ever
   * stored, while `idsComplete`: a new id that is not in it needs no lookup
   * in the store's dedup index once the tail no longer holds the older
   * messages (id-filter.ts). A conversation made here has it from its first
   * message; one loaded from the store reads its ids at the first miss when
   * its history is short, else asks the store per miss as before.
   */
  private ids: IdFilter | undefined;
  private idsComplete: boolean;
  /** The history outgrew the filter: never made again for this object (misses ask the store). */
  private idsGaveUp = false;
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
    this.readableSeq = storedLastSeq;
    this.idsComplete = storedLastSeq === 0;
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

  /**
   * Seq of the newest message clients may be shown (Welcome, Sync, resume,
   * inbox): the committed ones (DESIGN.md §5). A staged message a crash can
   * still take back stays hidden; commits are in order, so everything up to
   * this is committed. Equal to `lastSeq` without a durable store.
   */
  get servedSeq(): number {
    return Math.min(this.committedSeq, this.lastSeq);
  }

  /**
   * Highest seq the store's reads return: tail messages up to it may leave
   * memory, and the conversation may leave the hot set only once it reaches
   * `lastSeq`. Every committed one, unless the store merges later.
   */
  get readable(): number {
    return this.hooks?.mergesLater ? Math.min(this.committedSeq, this.readableSeq) : this.committedSeq;
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
    if (this.tailStart <= 1 || !this.cold) return 0;
    // Never stored here: no need to ask the store (a fingerprint collision only costs the lookup).
    if (this.knowsAllIds() && !this.ids!.mayHave(pairFingerprint(senderId, clientMsgId))) return 0;
    // Older messages live only in the store; its unique index answers (DESIGN.md §3.4).
    return this.cold.findDuplicate(this.id, senderId, clientMsgId);
  }

  /** True when the id filter covers the whole history (reading a short stored history's ids into it first). */
  private knowsAllIds(): boolean {
    if (this.idsComplete) return this.ids !== undefined;
    if (this.idsGaveUp || !this.cold?.clientIds || this.lastSeq > ID_FILTER_LOAD_MAX) return false;
    // Every committed pair from the store, and the tail's (its messages still in flight are not in the store yet).
    for (const [senderId, clientMsgId] of this.cold.clientIds(this.id)) this.addId(senderId, clientMsgId);
    for (const message of this.tail) this.addId(message.senderId, message.clientMsgId);
    this.idsComplete = !this.idsGaveUp && this.ids !== undefined;
    return this.idsComplete;
  }

  private addId(senderId: string, clientMsgId: string): void {
    if (this.idsGaveUp) return;
    const ids = (this.ids ??= new IdFilter());
    const before = ids.bytes;
    ids.add(pairFingerprint(senderId, clientMsgId));
    if (ids.size > ID_FILTER_MAX) {
      // Too long a history to keep every id: misses ask the store from now on.
      this.ids = undefined;
      this.idsComplete = false;
      this.idsGaveUp = true;
      this.resize(-before);
      return;
    }
    if (ids.bytes !== before) this.resize(ids.bytes - before);
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
   * Lets readable tail messages go, oldest first, until at most `keep` stay
   * in memory. Messages not yet committed, or not yet merged into the
   * store's `messages` (`readableSeq`), always stay.
   * @returns the bytes freed.
   */
  trim(keep: number): number {
    let freed = 0;
    if (this.page) {
      for (const message of this.page) freed += messageBytes(message);
      this.page = undefined;
    }
    if (this.cold) {
      const droppable = Math.min(this.tail.length - keep, this.readable - this.tailStart + 1);
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
    // Pairs of a failed write stay in the filter: a "maybe" only costs a lookup.
    if (this.cold && (this.idsComplete || this.ids)) this.addId(message.senderId, message.clientMsgId);
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
