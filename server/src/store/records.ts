/**
 * The durable port of the store (DESIGN.md §5): the state changes the server
 * records, and the interface that makes them durable. The in-memory hot set
 * (conversations.ts) is the serving copy; a `DurableStore` is where a change
 * goes before anyone is told about it. Two implementations: `SqliteStore`
 * (sqlite-store.ts, the default) and `MemoryOnlyStore` (`CS_JOURNAL=off`:
 * nothing durable, a restart loses everything and changes every epoch).
 */

/** One stored message. Plain data, never mutated once stored. */
export interface StoredMessage {
  readonly conversationId: string;
  readonly seq: number;
  readonly clientMsgId: string;
  readonly senderId: string;
  /** cs.v1.Role value. */
  readonly senderRole: number;
  readonly senderName: string;
  /** cs.v1.MessageKind value. */
  readonly kind: number;
  readonly text: string;
  readonly serverTimeMs: number;
  readonly quoteSeq: number;
  readonly quickReplies: readonly string[];
}

/** A visitor's verified identity (from Hello.identity). */
export interface VisitorProfile {
  readonly visitorId: string;
  readonly userId: string;
  readonly name: string;
  readonly email: string;
}

/** A conversation's durable metadata (its `conversations` row and cursors). */
export interface ConversationRow {
  readonly id: string;
  readonly site: string;
  readonly visitorId: string;
  readonly topic: string;
  readonly epoch: string;
  readonly createdMs: number;
  readonly lastSeq: number;
  readonly lastActivityMs: number;
  /** cs.v1.ConversationStatus value. */
  readonly status: number;
  readonly assigneeId: string;
  readonly visitorReadSeq: number;
  readonly agentReadSeq: number;
  readonly visitorDeliveredSeq: number;
  readonly agentDeliveredSeq: number;
}

/**
 * One state change. `conv` goes with a conversation's first message (its row
 * appears then, DESIGN.md §2), carrying the status and assignee it has at that
 * moment; `msg` is one message.
 */
export type StoreRecord =
  | { t: 'conv'; id: string; site: string; visitorId: string; topic: string; epoch: string; createdMs: number; status?: number; assigneeId?: string }
  | ({ t: 'msg' } & Omit<StoredMessage, 'quickReplies'> & { quickReplies: string[] })
  | { t: 'status'; conversationId: string; status: number; atMs: number }
  | { t: 'assign'; conversationId: string; assigneeId: string; atMs: number }
  | { t: 'visitor'; visitorId: string; userId: string; name: string; email: string }
  /** A read cursor moved (role: cs.v1.Role of the reader); the delivered cursor is at least as far. */
  | { t: 'read'; conversationId: string; role: number; upToSeq: number; deliveredUpToSeq?: number }
  /**
   * Makes earlier commits of the modules' connection durable: that
   * connection commits without an fsync (synchronous=NORMAL, so the socket
   * loop never waits for the disk), and this record's commit, with
   * synchronous=FULL on the writer thread, fsyncs the WAL holding them.
   */
  | { t: 'sync'; atMs: number };

/**
 * A batch's messages as one flat array, `MESSAGE_FIELDS` values a message in
 * the order of message_log's columns (conversation id, seq, client msg id,
 * sender id, sender role, sender name, kind, text, server time, quote seq,
 * quick replies as JSON or ''). Copying one array of strings and numbers to
 * this thread costs about a fifth less than the same records as objects
 * (their field names are written and read back per record).
 */
export type MessageFields = (string | number)[];

/** Values per message in `MessageFields`. */
export const MESSAGE_FIELDS = 11;

/** What the JSON API's list filters on (every field optional: all when absent). */
export interface BrowseFilter {
  /** cs.v1.ConversationStatus value. */
  readonly status?: number;
  readonly site?: string;
  readonly assigneeId?: string;
}

/** Raised when the disk cannot take a change (full, read-only, locked too long, I/O error). */
export class StoreUnavailableError extends Error {
  readonly type = 'StoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Where older messages and unloaded conversations are read from (the main thread's read connection). */
export interface ColdReader {
  /** The conversation's row, or undefined when it was never stored. */
  conversation(id: string): ConversationRow | undefined;
  /** Messages with `fromSeq <= seq <= toSeq`, oldest first. */
  messages(conversationId: string, fromSeq: number, toSeq: number): StoredMessage[];
  /** The seq stored for (sender, client_msg_id) in the conversation, or 0. */
  findDuplicate(conversationId: string, senderId: string, clientMsgId: string): number;
  /** Every (sender, client_msg_id) stored in the conversation (its id filter, conversations.ts); optional. */
  clientIds?(conversationId: string): Iterable<[senderId: string, clientMsgId: string]>;
  /** Visitor messages with `afterSeq < seq <= toSeq`. */
  countVisitorMessages(conversationId: string, afterSeq: number, toSeq: number): number;
  /** The visitor's stored conversations, newest activity first, at most `limit`. */
  conversationsOfVisitor(visitorId: string, limit: number): ConversationRow[];
  /** How many conversations of the visitor are stored. */
  countOfVisitor(visitorId: string): number;
  /** Stored conversations, newest activity first, at most `limit` (the agents' inbox). */
  inbox(limit: number): ConversationRow[];
  /** Stored conversations matching `filter`, newest activity first, at most `limit` (the JSON API's list). */
  browse(filter: BrowseFilter, limit: number): ConversationRow[];
  /**
   * True when a message with `afterSeq < seq` that is neither an event nor a
   * note contains `needle` (given lower case; the text is folded with
   * SQLite's lower(), which folds ASCII letters only).
   */
  textContains(conversationId: string, afterSeq: number, needle: string): boolean;
  /** Every site key with a stored conversation, sorted. */
  sites(): string[];
  /** The stored profile of a visitor who has written, or undefined. */
  visitor(visitorId: string): VisitorProfile | undefined;
  /** Every agent id conversations are assigned to. */
  assignees(): string[];
  /** Resolved conversations whose last activity is before `beforeMs`, at most `limit` ids (retention). */
  expired(beforeMs: number, limit: number): string[];
  /** The stored salt of derived epochs (meta `epoch_salt`), or '' when there is none. */
  epochSalt(): string;
}

/** The durable side of the store. */
export interface DurableStore {
  /** True when a restart keeps what was written (false: `CS_JOURNAL=off`). */
  readonly persistent: boolean;
  /** False while the disk refuses writes; records then reject at once. */
  readonly healthy: boolean;
  /**
   * Makes a change durable. Resolves once it committed (group commit: it
   * shares a transaction with the changes of the same few ms); rejects with
   * StoreUnavailableError if it could not. Changes commit in the order given.
   */
  append(record: StoreRecord): Promise<void>;
  /**
   * Deletes conversations with their messages and cursors, in small
   * transactions (retention). First it stores `epochSalt` as the salt of
   * derived epochs, so a deleted conversation that comes back never gets the
   * epoch it had (a client may still hold its deleted seqs).
   */
  purge(conversationIds: readonly string[], epochSalt: string): Promise<void>;
  /** Reads of what is stored; undefined when nothing is (memory only). */
  readonly reader: ColdReader | undefined;
  /**
   * Calls `listener` each time committed messages became readable through
   * `reader` (the message log's merge, message-log.ts): the conversation's
   * messages up to `seq` are there now. Until then the hot set keeps them in
   * memory. Absent when every commit is readable at once (or nothing is).
   */
  onReadable?(listener: (conversationId: string, seq: number) => void): void;
  /** Commits what is pending, then closes. */
  close(): Promise<void>;
}

/** The store for `CS_JOURNAL=off`: keeps nothing, so a restart loses every message and changes every epoch. */
export class MemoryOnlyStore implements DurableStore {
  readonly persistent = false;
  readonly healthy = true;
  readonly reader = undefined;
  async append(): Promise<void> {}
  async purge(): Promise<void> {}
  async close(): Promise<void> {}
}
