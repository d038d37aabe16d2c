/**
 * The message log: where a commit batch puts its messages, moved into
 * `messages` later in bulk (issue 9's latency after the fill, issue 16's
 * CPU per message with the store on).
 *
 * ## Why
 *
 * `messages` is clustered by `(conversation_id, seq)` and its dedup index by
 * `(conversation_id, sender_id, client_msg_id)`: a batch of messages spread
 * over 200 conversations changes one leaf page of each per conversation, and
 * a WAL commit writes every changed page whole. A batch of 30 messages wrote
 * about 60 pages (240 KiB) to hold 4 KiB of text, and the checkpoint copied
 * them again: half of the store's CPU was the kernel writing pages, and the
 * WAL filled every few dozen commits (measured 2026-12-02: 98 µs of CPU per
 * message at 30 per batch, 44 at 300).
 *
 * `message_log` is a rowid table in arrival order with no index beside its
 * key: a batch appends to its last page or two, whatever the number of
 * conversations. Every so often (`MERGE_ROWS` rows waiting, or `MERGE_DELAY_MS`
 * after the oldest arrived) the writer thread moves the log into `messages`
 * in one transaction, sorted by conversation: each conversation's leaf pages
 * are then written once for the dozens of messages that arrived meanwhile,
 * not once per batch. The move also brings each conversation's `last_seq`
 * and `last_activity_ms` up to date (four index entries a row: once per
 * merge, not once per batch), and hands the search index its work. Same
 * workload, the log and its merges cost 34 µs per message at 30 per batch
 * and 19 at 300.
 *
 * ## What the rest of the store may rely on
 *
 * - A committed message is durable from its batch's commit (the log is in
 *   the same database, fsynced by the same FULL commit). The merge commits
 *   with `synchronous=NORMAL`: it moves data already durable, and the next
 *   batch's FULL commit fsyncs its WAL frames too; a power loss between the
 *   two loses the move, never a message (the log rows are still there).
 * - `messages` (and `conversations.last_seq`) hold a conversation's history
 *   only up to its *merged* seq. The main thread learns each merge (the
 *   writer thread posts the conversations and seqs it moved) and keeps every
 *   message past its conversation's merged seq in memory: such a message
 *   never leaves the tail, and such a conversation never leaves the hot set
 *   (conversation.ts `readableSeq`, conversations.ts `droppable`). So every
 *   read of the store (history pages, the dedup index, the id filter's load,
 *   unread counts) finds all it asks for in `messages`: nothing reads the log
 *   but the merge, and the log needs no index. The log is bounded by the
 *   merge thresholds, so is the memory it pins.
 * - At start, before anything is served, `mergeAll` moves whatever a crash
 *   left in the log (at most a few thousand rows: milliseconds).
 * - A merge can not meet a duplicate: the hot set's dedup holds every
 *   unmerged message (see above), so a `(conversation, sender, client id)`
 *   that is already stored was answered with its first seq. Should one fail
 *   anyway (a bug, a disk error), the transaction rolls back whole, the log
 *   keeps the rows and the writer thread tries again after the next batch.
 */
import type { Db } from './db.js';
import { MESSAGE_FIELDS, type MessageFields } from './records.js';

/** Rows waiting in the log that make a merge due at once. */
export const MERGE_ROWS = 8000;
/** How long the oldest row waits at most before a merge, ms. */
export const MERGE_DELAY_MS = 1000;
/**
 * Conversations one merge slice moves at most (the ones waiting longest): a
 * merge of every conversation at once held the writer for up to 45 ms at
 * 200 conversations, and a batch arriving meanwhile waited that long. The
 * rest follow in the next slices, each after the batches that came in
 * between. What bounds a slice is its time (`MERGE_SLICE_MS`); this only
 * keeps the slice's JSON list of ids short.
 */
export const MERGE_CONVERSATIONS = 200;
/** Rows one merge slice moves at most, give or take one conversation's (the first conversation always goes whole). */
export const MERGE_SLICE_ROWS = 4000;
/** Rows a slice moves at least (unless the round has fewer), however slow the last ones were. */
export const MERGE_SLICE_MIN_ROWS = 50;
/**
 * How long one slice should hold the writer, ms: a batch that arrives
 * during a slice waits for the rest of it. The cost of a row grows with
 * the tables (with random client ids the dedup index's entries are random
 * within a conversation, so a long conversation's new ids land on a leaf
 * page each; the widget's ids are time first now, widget/src/core/ids.ts,
 * and go in at the end of their sender's range: measured
 * 2026-12-02, 14 µs a row on a fresh store, 35 µs at 420,000 messages), so
 * the slice's size follows the measured cost of the last slices instead of
 * a fixed count: the wait behind a merge stays the same as the store grows.
 * 4 ms: each slice transaction writes every page it touched and pays its
 * own statement and commit costs, so small slices cost CPU per row, and on
 * this 2-core machine CPU is what the ack latency under load waits for.
 * With the search index's slices at 4 ms too (search-index.ts `SLICE_MS`),
 * against 1.5 ms and 40 conversations a slice: the server's CPU per message
 * fell from 125 to 103 µs at a quarter of the store-on peak, 90.6 to 76.6
 * at half, 58.5 to 51.0 at the peak (`npm run bench` store on, one run each,
 * 2026-12-06);
 * in the soak at 8,000 msg/s the server used 63 % of a core instead of 74,
 * with the same p99 (20 ms). A batch arriving during a slice waits for at
 * most the rest of it. (1.5 ms was chosen at 3,000 msg/s, where the CPU was
 * not short: batches that waited over 3 ms fell from 64 to 20 in 20 s.)
 */
export const MERGE_SLICE_MS = 4;
/** What a row is taken to cost before any slice was timed, µs. */
const FIRST_ROW_US = 4;
/** What loading a row into a round's table, and dropping one from the log, are taken to cost before any was timed, µs. */
const FIRST_LOAD_US = 1.5;
const FIRST_DROP_US = 0.5;
/** Rows one load or drop step handles at most. */
const MERGE_LOAD_ROWS = 4000;

/**
 * Rows one INSERT of `appendFlat` takes: a statement per row cost 4.3–5.1 µs
 * a row, one per 8–32 rows 3.4–3.9 (in-memory table, 200,000 rows, measured
 * 2026-12-03); 16 keeps the parameter list (176) small.
 */
const APPEND_ROWS = 16;

const COLUMNS = 'conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms, quote_seq, quick_replies';

/** The migration step: the log, empty (what was stored before lives in `messages` already). */
export function messageLogTable(db: Db): void {
  db.exec(`
    -- Committed messages not yet moved into messages, in arrival order (store/message-log.ts).
    CREATE TABLE message_log (
      id              INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      seq             INTEGER NOT NULL,
      client_msg_id   TEXT NOT NULL,
      sender_id       TEXT NOT NULL,
      sender_role     INTEGER NOT NULL,
      sender_name     TEXT NOT NULL,
      kind            INTEGER NOT NULL,
      text            TEXT NOT NULL,
      server_time_ms  INTEGER NOT NULL,
      quote_seq       INTEGER NOT NULL DEFAULT 0,
      quick_replies   TEXT NOT NULL DEFAULT ''
    );
  `);
}

/** One conversation of a merge: its messages up to `seq` are in `messages` now. */
export interface Merged {
  readonly conversationId: string;
  readonly seq: number;
  /** Messages of it the merge moved. */
  readonly messages: number;
}

/** A conversation of a merge round, with the newest activity of its rows and where its oldest row stands in the log. */
interface RoundConversation {
  readonly conversationId: string;
  seq: number;
  atMs: number;
  messages: number;
  readonly first: number;
}

/**
 * The merge round under way: the log up to `top` (from the id after
 * `droppedTo`'s start), loaded into the round's table up to `loadedTo`, its
 * conversations once loaded (the ones waiting longest first), how many of
 * them were moved so far, and how far the log's prefix was deleted once
 * all were.
 */
interface Round {
  readonly top: number;
  loadedTo: number;
  conversations: RoundConversation[];
  done: number;
  droppedTo: number;
}

/** The log's statements on one connection (the writer thread's, or the start-up connection's). */
export class MessageLog {
  private readonly s;
  /** Rows appended since the last merge (this connection's count; a new one counts what it finds). */
  waiting: number;
  /** When the oldest of them arrived, ms since the epoch (its `server_time_ms`). */
  waitingSince: number;
  /**
   * The merge round under way: the log up to `top`, its conversations (the
   * ones waiting longest first, read once at the round's start), and how
   * many of them were moved so far.
   */
  private round: Round | undefined;

  /** Measured cost of a merged row, µs (a moving average over the last slices). */
  private rowUs = FIRST_ROW_US;
  /** The same for a row loaded into a round, and for a row dropped from the log at its end. */
  private loadUs = FIRST_LOAD_US;
  private dropUs = FIRST_DROP_US;

  /**
   * @param now the wall clock (when rows count as waiting)
   * @param elapsed the clock slices are timed with, ms (tests pass a fake one)
   */
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly elapsed: () => number = () => performance.now(),
  ) {
    // The round's rows, sorted by the key of messages, in this connection's memory: a slice reads its conversations' rows by
    // key instead of scanning the log (a scan of a few thousand rows per slice was a third of a small slice's time). Only
    // the key, the time and where the row is in the log: the move reads the rest from the log by id. A copy of every
    // column cost 21.0 µs of the store's CPU per message, the key alone 19.6 (`npm run bench -- writer`, 2026-12-06).
    db.pragma('temp_store = MEMORY');
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS merge_round (
      conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, server_time_ms INTEGER NOT NULL, log_id INTEGER NOT NULL,
      PRIMARY KEY (conversation_id, seq)
    ) WITHOUT ROWID`);
    this.s = {
      // Positional parameters: binding by name costs a property lookup per column per row.
      append: db.prepare(`INSERT INTO message_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      appendMany: db.prepare(`INSERT INTO message_log (${COLUMNS}) VALUES ${Array(APPEND_ROWS).fill(`(${Array(MESSAGE_FIELDS).fill('?').join(', ')})`).join(', ')}`),
      count: db.prepare('SELECT count(*) FROM message_log').pluck(),
      oldest: db.prepare('SELECT server_time_ms FROM message_log ORDER BY id LIMIT 1').pluck(),
      top: db.prepare('SELECT max(id) FROM message_log').pluck(),
      bottom: db.prepare('SELECT min(id) FROM message_log').pluck(),
      clearRound: db.prepare('DELETE FROM temp.merge_round'),
      // OR IGNORE: a row in the log twice (it can not be, seqs are unique per conversation) would not stop the round.
      loadRound: db.prepare(`INSERT OR IGNORE INTO temp.merge_round (conversation_id, seq, server_time_ms, log_id) SELECT conversation_id, seq, server_time_ms, id FROM message_log WHERE id > ? AND id <= ?`),
      // The round's conversations, with where their oldest row stands in the log: one pass over the loaded round in key order
      // (a GROUP BY over each chunk of the log sorted the chunk again, and a conversation's figures were added up in JS).
      roundSummary: db.prepare(
        `SELECT conversation_id AS conversationId, max(seq) AS seq, max(server_time_ms) AS atMs, count(*) AS messages, min(log_id) AS first
         FROM temp.merge_round GROUP BY conversation_id`,
      ),
      // Sorted by the key of messages: each leaf page is visited once, in order. @ids: a JSON array of conversation ids.
      move: db.prepare(
        `INSERT INTO messages (${COLUMNS}) SELECT ${COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')}
         FROM temp.merge_round r JOIN message_log l ON l.id = r.log_id
         WHERE r.conversation_id IN (SELECT value FROM json_each(@ids)) ORDER BY r.conversation_id, r.seq
         ON CONFLICT (conversation_id, seq) DO NOTHING`,
      ),
      advance: db.prepare('UPDATE conversations SET last_seq = max(last_seq, ?), last_activity_ms = max(last_activity_ms, ?) WHERE id = ?'),
      drop: db.prepare('DELETE FROM message_log WHERE id > ? AND id <= ?'),
      dropConversation: db.prepare('DELETE FROM message_log WHERE conversation_id = ?'),
      normal: db.prepare('PRAGMA synchronous = NORMAL'),
      full: db.prepare('PRAGMA synchronous = FULL'),
    };
    this.waiting = 0;
    this.waitingSince = 0;
    this.recount();
  }

  /** Reads what waits from the log itself (at start, after a merge). */
  private recount(): void {
    this.waiting = this.s.count.get() as number;
    this.waitingSince = this.waiting > 0 ? ((this.s.oldest.get() as number | undefined) ?? this.now()) : 0;
  }

  /** Appends one message inside the caller's (batch) transaction. */
  append(
    conversationId: string,
    seq: number,
    clientMsgId: string,
    senderId: string,
    senderRole: number,
    senderName: string,
    kind: number,
    text: string,
    serverTimeMs: number,
    quoteSeq: number,
    quickReplies: string,
  ): void {
    this.s.append.run(conversationId, seq, clientMsgId, senderId, senderRole, senderName, kind, text, serverTimeMs, quoteSeq, quickReplies);
  }

  /**
   * Appends a batch's messages (records.ts `MessageFields`: `MESSAGE_FIELDS`
   * values a message, in the column order of the log) inside the caller's
   * (batch) transaction, `APPEND_ROWS` rows per statement.
   * @returns the rows appended.
   */
  appendFlat(values: Readonly<MessageFields>): number {
    if (values.length % MESSAGE_FIELDS !== 0) throw new Error(`message log: ${values.length} values do not make rows of ${MESSAGE_FIELDS}`);
    const many = APPEND_ROWS * MESSAGE_FIELDS;
    let i = 0;
    for (; i + many <= values.length; i += many) this.s.appendMany.run(values.slice(i, i + many));
    for (; i < values.length; i += MESSAGE_FIELDS) this.s.append.run(values.slice(i, i + MESSAGE_FIELDS));
    return values.length / MESSAGE_FIELDS;
  }

  /** The caller's batch committed with `rows` log rows. */
  committed(rows: number): void {
    if (rows === 0) return;
    if (this.waiting === 0) this.waitingSince = this.now();
    this.waiting += rows;
  }

  /** How long until a merge is due, ms: 0 now, undefined when the log is empty. */
  dueInMs(): number | undefined {
    if (this.round) return 0; // the rest of the round, after the batches that came in between
    if (this.waiting === 0) return undefined;
    if (this.waiting >= MERGE_ROWS) return 0;
    return Math.max(0, this.waitingSince + MERGE_DELAY_MS - this.now());
  }

  /**
   * One step of a merge round, each about `MERGE_SLICE_MS`. A round takes
   * the log up to its newest row at the round's start (`top`) and
   * 1. copies its keys into the connection's memory sorted by conversation
   *    (`temp.merge_round`: conversation, seq, time, the row's id in the
   *    log), a chunk of ids per step (`load`);
   * 2. moves it into `messages` a slice at a time: each slice the rows of up
   *    to `MERGE_CONVERSATIONS` conversations (as many rows as the measured
   *    cost of a row allows, within `MERGE_SLICE_MIN_ROWS`…`MERGE_SLICE_ROWS`),
   *    the ones waiting longest first, with their rows' last seq and
   *    activity, in one transaction;
   * 3. deletes the round's prefix of the log, a chunk of ids per step
   *    (`drop`): whole pages in id order (deleting each slice's rows rewrote
   *    every page of the log per slice).
   * A crash in the middle leaves some rows in both tables; their second move
   * changes nothing (`ON CONFLICT (conversation_id, seq) DO NOTHING`, the
   * same message), while a real duplicate, a `(conversation, sender, client
   * id)` stored under another seq, still fails loudly on the dedup index.
   * @param sliceMs how long the step should take (less than `MERGE_SLICE_MS` in a short gap before a batch: background-turns.ts)
   * @returns what a move slice moved, per conversation; empty for the other
   *   steps, and when the log was empty (then no round is under way).
   */
  merge(sliceMs = MERGE_SLICE_MS): Merged[] {
    if (!this.round) {
      const top = this.s.top.get() as number | null;
      if (top === null) {
        this.recount();
        return [];
      }
      const from = (this.s.bottom.get() as number) - 1;
      this.s.clearRound.run();
      this.round = { top, loadedTo: from, conversations: [], done: 0, droppedTo: from };
    }
    const round = this.round;
    if (round.loadedTo < round.top) {
      this.load(round, sliceMs);
      return [];
    }
    if (round.done < round.conversations.length) return this.move(round, sliceMs);
    this.drop(round, sliceMs);
    return [];
  }

  /**
   * A step of a round's start: copies the next rows of the log (by id, as
   * many as `MERGE_SLICE_MS` allows at the measured cost) into the round's
   * table and notes their conversations. Outside the write lock: only the
   * connection's own memory is written. Loading a round of 8,000 rows at once
   * held the writer for about 8 ms (measured 2026-12-02), a batch arriving
   * then waited for it.
   */
  private load(round: Round, sliceMs: number): void {
    const rows = Math.max(MERGE_SLICE_MIN_ROWS, Math.min(MERGE_LOAD_ROWS, Math.floor((sliceMs * 1000) / this.loadUs)));
    const to = Math.min(round.top, round.loadedTo + rows);
    const started = this.elapsed();
    const loaded = this.s.loadRound.run(round.loadedTo, to).changes;
    round.loadedTo = to;
    if (loaded > 0) this.loadUs = 0.7 * this.loadUs + 0.3 * (((this.elapsed() - started) * 1000) / loaded);
    // Loaded: the conversations in the order their oldest row arrived.
    if (to >= round.top) round.conversations = (this.s.roundSummary.all() as RoundConversation[]).sort((a, b) => a.first - b.first);
  }

  /** A slice of a round: see `merge`. */
  private move(round: Round, sliceMs: number): Merged[] {
    let slice: RoundConversation[] = [];
    let moved = 0;
    const maxRows = Math.max(MERGE_SLICE_MIN_ROWS, Math.min(MERGE_SLICE_ROWS, Math.floor((sliceMs * 1000) / this.rowUs)));
    const started = this.elapsed();
    this.s.normal.run();
    try {
      this.db.transaction(() => {
        slice = [];
        let rows = 0;
        for (let i = round.done; i < round.conversations.length; i += 1) {
          const m = round.conversations[i]!;
          if (slice.length > 0 && (slice.length >= MERGE_CONVERSATIONS || rows + m.messages > maxRows)) break;
          slice.push(m);
          rows += m.messages;
        }
        moved = rows;
        this.s.move.run({ ids: JSON.stringify(slice.map((m) => m.conversationId)) });
        for (const m of slice) this.s.advance.run(m.seq, m.atMs, m.conversationId);
      }).immediate();
    } finally {
      this.s.full.run();
    }
    // Memory changes only once the transaction committed: a failed slice is tried again whole.
    round.done += slice.length;
    if (moved > 0) this.rowUs = 0.7 * this.rowUs + 0.3 * (((this.elapsed() - started) * 1000) / moved);
    return slice.map(({ conversationId, seq, messages }) => ({ conversationId, seq, messages }));
  }

  /**
   * A step of a round's end, once every row of it is in `messages`: deletes
   * the next ids of the round's prefix of the log (whole pages, in id order).
   * A crash before the last step leaves moved rows in the log; the next
   * round moves them again, which changes nothing (see `merge`).
   */
  private drop(round: Round, sliceMs: number): void {
    const rows = Math.max(MERGE_SLICE_MIN_ROWS, Math.min(MERGE_LOAD_ROWS, Math.floor((sliceMs * 1000) / this.dropUs)));
    const to = Math.min(round.top, round.droppedTo + rows);
    const started = this.elapsed();
    let dropped = 0;
    this.s.normal.run();
    try {
      this.db.transaction(() => {
        dropped = this.s.drop.run(round.droppedTo, to).changes;
      }).immediate();
    } finally {
      this.s.full.run();
    }
    round.droppedTo = to;
    if (dropped > 0) this.dropUs = 0.7 * this.dropUs + 0.3 * (((this.elapsed() - started) * 1000) / dropped);
    if (to >= round.top) {
      this.round = undefined;
      this.s.clearRound.run();
      this.recount();
    }
  }

  /** Merges until the log is empty (start-up, close). */
  mergeAll(): Merged[] {
    const all: Merged[] = [];
    do all.push(...this.merge());
    while (this.round);
    return all;
  }

  /** Deletes a conversation's rows (retention), inside the caller's transaction; it has none unless written seconds ago. */
  purge(conversationId: string): void {
    this.s.dropConversation.run(conversationId);
  }
}
