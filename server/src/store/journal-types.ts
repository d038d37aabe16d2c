/**
 * The contract between the in-memory store (the serving copy) and the journal
 * (server/src/store/journal.ts, DESIGN.md §5). Every state change becomes one
 * record; replaying the records in order rebuilds the store exactly, dedup keys
 * included (they are the `msg` records' conversation + sender + clientMsgId).
 */

/** One state change. Plain JSON-able data; `t` says which. */
export type JournalRecord =
  | {
      t: 'conv';
      id: string;
      site: string;
      visitorId: string;
      topic: string;
      epoch: string;
      createdMs: number;
    }
  | {
      t: 'msg';
      conversationId: string;
      seq: number;
      clientMsgId: string;
      senderId: string;
      /** cs.v1.Role value. */
      senderRole: number;
      senderName: string;
      /** cs.v1.MessageKind value. */
      kind: number;
      text: string;
      serverTimeMs: number;
      quoteSeq: number;
      quickReplies: string[];
    }
  | { t: 'status'; conversationId: string; status: number; atMs: number }
  | { t: 'assign'; conversationId: string; assigneeId: string; atMs: number }
  | { t: 'visitor'; visitorId: string; userId: string; name: string; email: string }
  | { t: 'read'; conversationId: string; role: number; upToSeq: number };

/** Raised by `append` when the disk cannot take the record (full, read-only, I/O error). */
export class JournalUnavailableError extends Error {
  readonly type = 'JournalUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalUnavailableError';
  }
}

export interface Journal {
  /** Feeds every stored record, oldest first, to `apply` (snapshot, then log). Call once, before the first append. */
  replay(apply: (record: JournalRecord) => void): Promise<{ records: number; tornBytes: number }>;
  /**
   * Hands a record to the journal. Resolves once it is durable under the fsync
   * policy (group commit); rejects with JournalUnavailableError if it could not
   * be written. Records resolve in the order they were appended.
   */
  append(record: JournalRecord): Promise<void>;
  /**
   * Where compaction gets the whole current state from: records that rebuild
   * the store as it is now. Compaction runs in the background when the log
   * grows past its limit and never blocks appends.
   */
  setSnapshotSource(source: () => Iterable<JournalRecord>): void;
  /** False while the disk refuses writes; appends then reject at once. */
  readonly healthy: boolean;
  /** Flushes and fsyncs what is pending, then closes. */
  close(): Promise<void>;
}

/** The journal for CS_JOURNAL=off: keeps nothing, so a restart changes every epoch. */
export class NoJournal implements Journal {
  readonly healthy = true;
  async replay(): Promise<{ records: number; tornBytes: number }> {
    return { records: 0, tornBytes: 0 };
  }
  async append(): Promise<void> {}
  setSnapshotSource(): void {}
  async close(): Promise<void> {}
}
