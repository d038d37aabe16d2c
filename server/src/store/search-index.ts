/**
 * The full-text index of message text and how it is kept current, off the
 * commit path (issue 12's search, issue 9's latency targets).
 *
 * ## Shape on disk
 *
 * - `search_index`: a *contentless* FTS5 table (`content=''`) without
 *   per-row sizes (`columnsize=0`). It holds only the words; the text is
 *   stored once, in `messages`. Tokenizer `unicode61` over `indexText(text)`
 *   (search.ts: unspaced scripts cut into one word per character), not
 *   trigrams: about one entry per word instead of one per character.
 * - Retention deletes a message's entries with FTS5's `delete` command,
 *   which takes the text that was indexed: read from `messages` before the
 *   rows go, cut by the same `indexText` (`purge`). So **a change to
 *   `indexText` needs a migration step that rebuilds the index**, as
 *   `searchIndexWithoutSizes` does: a `delete` with other words than were
 *   indexed leaves the old entries behind, and no check of FTS5's finds it.
 * - Until 2026-12-06 the table had `contentless_delete=1`, which lets a
 *   plain `DELETE … WHERE rowid` work but keeps a row per message in
 *   `search_index_docsize` (its size and origin): with rowids grouped by
 *   conversation, a slice over 100 conversations changed 100 of its leaf
 *   pages, and indexing cost twice as much per message (9.4 against 4.3 µs,
 *   the index 40 % larger: 600,000 messages of the soak's kind in slices of
 *   1,000, measured 2026-12-06). Nothing reads the sizes: a search asks
 *   which rows match, never their rank.
 * - `search_cursors`: one row per conversation, `key` (its number in the
 *   index, AUTOINCREMENT so a key is never reused, even for a conversation
 *   id that comes back after retention deleted it) and `indexed_seq` (every
 *   message up to it is indexed). `messages` is WITHOUT ROWID, so the index's
 *   rowid is made from these: `(key << 32) + seq` (a conversation would need
 *   4 billion messages to overflow it); a search finds the conversation with
 *   `rowid >> 32`. One small row per conversation, nothing per message beside
 *   the index itself.
 *
 * Private notes and events are not indexed (the rule of the inbox preview).
 * Messages are never edited once stored (records.ts), so nothing re-indexes.
 *
 * ## Off the commit path
 *
 * The writer thread commits a batch of messages and sends its reply (the
 * Acks) without touching the index; it only notes which conversations moved
 * to which seq. The index is brought up to date later, in slices: each slice
 * is one small transaction that indexes, for up to `SLICE_CONVERSATIONS`
 * conversations at once, the messages after each one's `indexed_seq`, and
 * moves those cursors, in three set-at-a-time statements (their cost is per
 * slice, not per conversation or message). A slice runs once about
 * `SLICE_MESSAGES` messages wait or `INDEX_DELAY_MS` after the first one
 * began to wait, so that a slice gathers several messages per conversation
 * and one FTS5 segment holds many: indexing after every batch cost about
 * 31 µs of CPU per message, a slice of 2,000 messages about 6-8 µs, and one
 * statement per conversation instead of the set-at-a-time ones doubled it
 * (measured 2026-12-02 on 200 conversations). A batch that arrives meanwhile
 * waits for at most one slice: slices of 2,000 messages held the writer
 * thread for about 20 ms each (2026-12-02), so a slice's size follows its
 * measured cost now (`SLICE_MS`), and `SLICE_MESSAGES` only caps it. Slices
 * commit with `synchronous=NORMAL` (no fsync of their own): the index is
 * derived data, and the next batch's FULL commit fsyncs the WAL frames
 * before it anyway; a power loss can at worst lose the last slices together
 * with their cursor moves, which are then simply indexed again.
 *
 * So **search results lag a commit by up to about `INDEX_DELAY_MS`**
 * (longer while a large backlog is caught up: the first start after the
 * upgrade that made this index), and nothing is lost by a crash: at start
 * the indexer walks every conversation (in slices of `SCAN_ROWS` rows, by
 * id) and indexes whatever is past its cursor, which is also how the
 * messages stored before this index existed become searchable.
 */
import type Database from 'better-sqlite3';
import { indexText } from './search.js';
import { SegmentMerger, searchIndexMergedBySteps, searchIndexWideLevels } from './search-merge.js';

/** Message kinds left out of the index: EVENT (3) and NOTE (4), cs.v1.MessageKind. */
const UNSEARCHED_KINDS = '3, 4';
/** Conversations one slice brings up to date at most. */
export const SLICE_CONVERSATIONS = 100;
/**
 * Messages one slice indexes at most (shared out over its conversations),
 * and the number waiting that makes a slice due at once. 2,000, not 1,000:
 * without per-row sizes a message costs about 2-4 µs, so `SLICE_MS` allows
 * more than 1,000, and fewer, larger segments need less merging (`npm run
 * bench -- writer`, two pairs of five runs: 21.3 / 21.2 -> 20.3 / 20.4 µs a
 * message, 2026-12-06).
 */
const SLICE_MESSAGES = 2000;
/** Messages a slice indexes at least, however slow the last slices were. */
const SLICE_MIN_MESSAGES = 100;
/**
 * How long one slice should hold the writer, ms (a batch arriving meanwhile
 * waits for the rest of it): the slice's size follows the measured cost of
 * a message in the last slices (it grows with the index), within
 * `SLICE_MIN_MESSAGES`…`SLICE_MESSAGES`.
 * 4 ms, as the merge slices (message-log.ts `MERGE_SLICE_MS`, where the
 * measurement is).
 */
const SLICE_MS = 4;
/** What a message is taken to cost before any slice was timed, µs. */
const FIRST_MESSAGE_US = 4;
/** How long committed messages may wait before a slice indexes them, ms (the lag of search behind a commit). */
export const INDEX_DELAY_MS = 250;
/** Conversation rows the start-up walk reads per slice. */
const SCAN_ROWS = 500;

/**
 * The earlier migration step (shipped; kept as it was, since migrations are
 * append-only): a trigram index kept current by triggers, i.e. inside every
 * commit. The step after it, `searchIndexOffCommitPath`, drops all of it.
 */
export function trigramSearchIndex(db: Database.Database): void {
  db.exec(`
    CREATE TABLE message_search_ids (
      id              INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      seq             INTEGER NOT NULL,
      UNIQUE (conversation_id, seq)
    );
    CREATE VIRTUAL TABLE messages_fts USING fts5(text, tokenize = 'trigram');

    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN NEW.kind NOT IN (${UNSEARCHED_KINDS}) BEGIN
      INSERT INTO message_search_ids (conversation_id, seq) VALUES (NEW.conversation_id, NEW.seq);
      INSERT INTO messages_fts (rowid, text) SELECT id, NEW.text FROM message_search_ids WHERE conversation_id = NEW.conversation_id AND seq = NEW.seq;
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
      DELETE FROM messages_fts WHERE rowid = (SELECT id FROM message_search_ids WHERE conversation_id = OLD.conversation_id AND seq = OLD.seq);
      DELETE FROM message_search_ids WHERE conversation_id = OLD.conversation_id AND seq = OLD.seq;
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
      UPDATE messages_fts SET text = NEW.text WHERE rowid = (SELECT id FROM message_search_ids WHERE conversation_id = NEW.conversation_id AND seq = NEW.seq);
    END;

    INSERT INTO message_search_ids (conversation_id, seq) SELECT conversation_id, seq FROM messages WHERE kind NOT IN (${UNSEARCHED_KINDS}) ORDER BY conversation_id, seq;
    INSERT INTO messages_fts (rowid, text) SELECT i.id, m.text FROM message_search_ids i JOIN messages m ON m.conversation_id = i.conversation_id AND m.seq = i.seq;
  `);
}

/**
 * The migration step: replaces the trigram index and its triggers (which
 * indexed inside every commit) by the word index above, empty. It does not
 * backfill: a migration runs before the server serves, and start must not
 * wait for the whole history to be indexed; the writer's indexer indexes
 * every stored message after start (see above), in slices.
 */
export function searchIndexOffCommitPath(db: Database.Database): void {
  db.exec(`
    DROP TRIGGER IF EXISTS messages_fts_insert;
    DROP TRIGGER IF EXISTS messages_fts_delete;
    DROP TRIGGER IF EXISTS messages_fts_update;
    DROP TABLE IF EXISTS messages_fts;
    DROP TABLE IF EXISTS message_search_ids;

    CREATE TABLE search_cursors (
      key             INTEGER PRIMARY KEY AUTOINCREMENT,
      conversation_id TEXT NOT NULL UNIQUE,
      indexed_seq     INTEGER NOT NULL DEFAULT 0
    );
    CREATE VIRTUAL TABLE search_index USING fts5(text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
  `);
}

/**
 * The migration step: the index again, without `contentless_delete` and the
 * per-row sizes it keeps (see Shape on disk), with the merge settings of the
 * steps before (search-merge.ts), and every cursor back at 0: the indexer's
 * start-up walk indexes the stored history again, in slices, after start
 * (as after `searchIndexOffCommitPath`). Search finds older messages again
 * as the walk reaches them.
 */
export function searchIndexWithoutSizes(db: Database.Database): void {
  db.exec(`
    DROP TABLE search_index;
    CREATE VIRTUAL TABLE search_index USING fts5(text, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2');
    UPDATE search_cursors SET indexed_seq = 0;
  `);
  searchIndexMergedBySteps(db);
  searchIndexWideLevels(db);
}

/**
 * The slice's statements take the work as JSON, `[[conversation id, committed
 * seq], …]` (`@work`), and index at most `@cap` messages per conversation.
 */
function prepare(db: Database.Database) {
  // indexText in SQL: one INSERT … SELECT indexes every conversation of a slice.
  db.function('cs_index_text', { deterministic: true }, (text: unknown) => indexText(String(text)));
  const work = 'json_each(@work) j';
  return {
    newCursors: db.prepare(`INSERT INTO search_cursors (conversation_id) SELECT j.value->>0 FROM ${work} WHERE true ON CONFLICT (conversation_id) DO NOTHING`),
    index: db.prepare(
      `INSERT INTO search_index (rowid, text)
       SELECT (k.key << 32) + m.seq, cs_index_text(m.text) FROM ${work}
       JOIN search_cursors k ON k.conversation_id = j.value->>0
       JOIN messages m ON m.conversation_id = k.conversation_id AND m.seq > k.indexed_seq AND m.seq <= min(j.value->>1, k.indexed_seq + @cap)
       WHERE m.kind NOT IN (${UNSEARCHED_KINDS})`,
    ),
    moveCursors: db.prepare(
      `UPDATE search_cursors SET indexed_seq = min(j.value->>1, indexed_seq + @cap) FROM ${work}
       WHERE search_cursors.conversation_id = j.value->>0 AND j.value->>1 > indexed_seq
       RETURNING conversation_id AS id, indexed_seq AS indexedSeq`,
    ),
    cursor: db.prepare('SELECT key FROM search_cursors WHERE conversation_id = ?').pluck(),
    scan: db.prepare(
      `SELECT c.id, c.last_seq AS lastSeq, coalesce(s.indexed_seq, 0) AS indexedSeq FROM
         (SELECT id, last_seq FROM conversations WHERE id > ? ORDER BY id LIMIT ${SCAN_ROWS}) c
       LEFT JOIN search_cursors s ON s.conversation_id = c.id ORDER BY c.id`,
    ),
    // Only what was indexed: the rest has no entries (FTS5 would keep a delete marker per word of it until a merge).
    deleteIndexed: db.prepare(
      `INSERT INTO search_index (search_index, rowid, text)
       SELECT 'delete', (k.key << 32) + m.seq, cs_index_text(m.text) FROM search_cursors k
       JOIN messages m ON m.conversation_id = k.conversation_id AND m.seq >= @from AND m.seq < @to AND m.seq <= k.indexed_seq
       WHERE k.key = @key AND m.kind NOT IN (${UNSEARCHED_KINDS})`,
    ),
    deleteCursor: db.prepare('DELETE FROM search_cursors WHERE key = ?'),
    normal: db.prepare('PRAGMA synchronous = NORMAL'),
    full: db.prepare('PRAGMA synchronous = FULL'),
  };
}

/**
 * Keeps `search_index` current on the write connection (the writer thread;
 * tests use it on a plain connection). Not thread-safe: one per connection.
 */
export class SearchIndexer {
  private readonly s;
  /** Conversation id -> newest committed seq, for conversations that may be past their cursor (oldest first). */
  private readonly behind = new Map<string, number>();
  /** When the oldest entry of `behind` began to wait (the clock's ms). */
  private waitingSince = 0;
  /** Messages noted since the last slice. */
  private waiting = 0;
  /** Where the start-up walk goes on (conversation ids after this one); undefined once it is done. */
  private scanAfter: string | undefined = '';
  /** Messages indexed since the indexer was made (tests, metrics). */
  indexed = 0;
  /** Measured cost of an indexed message, µs (a moving average over the last slices). */
  private messageUs = FIRST_MESSAGE_US;
  /** Merges the index's segments in steps of their own (search-merge.ts). */
  readonly merger: SegmentMerger;
  /** True while segments may need merging: set by a slice that wrote one, cleared by a step that found nothing to merge. */
  private mergePending = false;
  /** The last job was a slice: a merge step goes next (so merging keeps pace with the slices). */
  private mergeNext = false;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.s = prepare(db);
    this.merger = new SegmentMerger(db, now);
  }

  /** `messages` messages of `conversationId`, up to `seq`, were committed (called after the batch's reply). */
  committed(conversationId: string, seq: number, messages = 1): void {
    if (this.behind.size === 0) this.waitingSince = this.now();
    this.waiting += messages;
    const known = this.behind.get(conversationId);
    if (known === undefined || seq > known) this.behind.set(conversationId, seq);
  }

  /** True while something may be waiting to be indexed or merged. */
  get pending(): boolean {
    return this.behind.size > 0 || this.scanAfter !== undefined || this.mergePending;
  }

  /** How long until a slice (or a merge step) is due, ms: 0 now (a slice's worth gathered, waited long enough, the start-up walk, segments to merge), undefined when nothing waits. */
  dueInMs(): number | undefined {
    if (this.scanAfter !== undefined || this.waiting >= SLICE_MESSAGES || this.mergePending) return 0;
    if (this.behind.size === 0) return undefined;
    return Math.max(0, this.waitingSince + INDEX_DELAY_MS - this.now());
  }

  /**
   * One slice: brings up to `SLICE_CONVERSATIONS` conversations (the ones
   * waiting longest) up to date, in one transaction; the start-up walk's next
   * rows when none waits. After a slice that wrote a segment, or while no
   * slice is due, a merge step of the index's segments instead
   * (search-merge.ts): slices and steps take turns.
   * @param sliceMs how long the slice should take (less than `SLICE_MS` in a short gap before a batch: background-turns.ts)
   * @returns true when more work remains.
   */
  slice(sliceMs = SLICE_MS): boolean {
    if (!this.pending) return false;
    if (this.mergesNext) {
      this.mergeNext = false;
      this.mergePending = this.merger.step(sliceMs);
      return this.pending;
    }
    let walked: { rows: Map<string, number>; next: string | undefined } | undefined;
    let work: [id: string, upTo: number][];
    const budget = Math.max(SLICE_MIN_MESSAGES, Math.min(SLICE_MESSAGES, Math.floor((sliceMs * 1000) / this.messageUs)));
    // At least 10 messages of each conversation (fewer conversations when the budget is small).
    const conversations = Math.max(1, Math.min(SLICE_CONVERSATIONS, Math.floor(budget / 10)));
    if (this.behind.size > 0) {
      work = [];
      for (const entry of this.behind) if (work.push(entry) >= conversations) break;
    } else {
      walked = this.walk();
      work = [...walked.rows].slice(0, conversations);
    }
    const params = { work: JSON.stringify(work), cap: Math.max(10, Math.floor(budget / Math.max(1, work.length))) };
    const started = this.now();
    let moved: { id: string; indexedSeq: number }[] = [];
    let indexed = 0;
    if (work.length > 0) {
      this.s.normal.run();
      try {
        this.db.transaction(() => {
          this.s.newCursors.run(params);
          indexed = this.s.index.run(params).changes;
          moved = this.s.moveCursors.all(params) as { id: string; indexedSeq: number }[];
        }).immediate();
      } finally {
        this.s.full.run();
      }
    }
    // Memory changes only once the transaction committed: a failed slice leaves everything to be tried again.
    this.indexed += indexed;
    if (indexed > 0) this.mergePending = this.mergeNext = true;
    if (indexed > 0) this.messageUs = 0.7 * this.messageUs + 0.3 * (((this.now() - started) * 1000) / indexed);
    this.waiting = 0;
    if (walked) {
      this.scanAfter = walked.next;
      for (const [id, upTo] of walked.rows) this.committed(id, upTo, 0);
    }
    const reached = new Map(moved.map((m) => [m.id, m.indexedSeq]));
    for (const [id, upTo] of work) {
      // Not moved: it already was at upTo (a walk row indexed by an earlier slice, a repeated note).
      const at = reached.get(id) ?? upTo;
      if (at >= upTo && (this.behind.get(id) ?? 0) <= at) this.behind.delete(id);
    }
    // What is left is a backlog: the next slice is due at once.
    if (this.behind.size > 0) this.waitingSince = Math.min(this.waitingSince, this.now() - INDEX_DELAY_MS);
    return this.pending;
  }

  /** True when the next `slice()` is a merge step of the segments (timed apart: writer-timings.ts `segments`). */
  get mergesNext(): boolean {
    return this.mergePending && (this.mergeNext || this.sliceDueInMs() !== 0);
  }

  /** When the next index slice (not a merge step) is due: see dueInMs. */
  private sliceDueInMs(): number | undefined {
    if (this.scanAfter !== undefined || this.waiting >= SLICE_MESSAGES) return 0;
    if (this.behind.size === 0) return undefined;
    return Math.max(0, this.waitingSince + INDEX_DELAY_MS - this.now());
  }

  /**
   * Runs slices until nothing is left or `budgetMs` passed (at close: what is
   * left then, a large backlog, is caught up at the next start).
   */
  drain(budgetMs = Infinity): void {
    const until = this.now() + budgetMs;
    while (this.slice() && this.now() < until) {
      // each slice commits on its own
    }
  }

  /**
   * Deletes the index entries of a conversation's messages `seq` in
   * [fromSeq, toSeq) (retention), inside the caller's transaction and
   * **before** those messages are deleted: the entries are found by the
   * messages' text (see Shape on disk). `last` also drops its cursor row.
   */
  purge(conversationId: string, fromSeq: number, toSeq: number, last: boolean): void {
    const key = this.s.cursor.get(conversationId) as number | undefined;
    if (last) this.behind.delete(conversationId);
    if (key === undefined) return;
    this.s.deleteIndexed.run({ key, from: fromSeq, to: Math.min(toSeq, 2 ** 32) });
    if (last) this.s.deleteCursor.run(key);
  }

  /** The start-up walk's next rows of `conversations`: the ones past their cursor (with their last seq), and where the walk goes on. */
  private walk(): { rows: Map<string, number>; next: string | undefined } {
    const found = new Map<string, number>();
    if (this.scanAfter === undefined) return { rows: found, next: undefined };
    const rows = this.s.scan.all(this.scanAfter) as { id: string; lastSeq: number; indexedSeq: number }[];
    for (const row of rows) if (row.lastSeq > row.indexedSeq) found.set(row.id, row.lastSeq);
    return { rows: found, next: rows.length === SCAN_ROWS ? rows[rows.length - 1]!.id : undefined };
  }
}
