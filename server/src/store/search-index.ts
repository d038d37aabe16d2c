/**
 * The full-text index of message text and how it is kept current, off the
 * commit path (issue 12's search, issue 9's latency targets).
 *
 * ## Shape on disk
 *
 * - `search_index`: a *contentless* FTS5 table (`content=''`, with
 *   `contentless_delete=1` so retention can delete rows by rowid). It holds
 *   only the words; the text is stored once, in `messages`. Tokenizer
 *   `unicode61` over `indexText(text)` (search.ts: unspaced scripts cut into
 *   one word per character), not trigrams: about one entry per word instead
 *   of one per character.
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
 * to which seq. Then, while no batch waits, it indexes in slices: each slice
 * is one small transaction of at most `SLICE_MESSAGES` messages and about
 * `SLICE_MS` of work, which indexes the messages after a conversation's
 * `indexed_seq` and moves the cursor in the same transaction. A batch that
 * arrives meanwhile waits for at most one slice. Slices commit with
 * `synchronous=NORMAL` (no fsync of their own): the index is derived data,
 * and the next batch's FULL commit fsyncs the WAL frames before it anyway; a
 * power loss can at worst lose the last slices together with their cursor
 * moves, which are then simply indexed again.
 *
 * So search results lag a commit by a moment (a few ms under load), and
 * nothing is lost by a crash: at start the indexer walks every conversation
 * (in slices of `SCAN_ROWS` rows, by id) and indexes whatever is past its
 * cursor, which is also how the messages stored before this index existed
 * (the upgrade from the trigram index) become searchable.
 */
import type Database from 'better-sqlite3';
import { indexText } from './search.js';

/** Message kinds left out of the index: EVENT (3) and NOTE (4), cs.v1.MessageKind. */
const UNSEARCHED_KINDS = '3, 4';
/** Most messages one slice indexes. */
export const SLICE_MESSAGES = 400;
/** Work one slice does at most before it commits and yields, ms (checked between conversations). */
const SLICE_MS = 4;
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

function prepare(db: Database.Database) {
  // indexText in SQL: the INSERT … SELECT below indexes a conversation's range in one statement.
  db.function('cs_index_text', { deterministic: true }, (text: unknown) => indexText(String(text)));
  return {
    cursor: db.prepare('SELECT key, indexed_seq AS indexedSeq FROM search_cursors WHERE conversation_id = ?'),
    newCursor: db.prepare('INSERT INTO search_cursors (conversation_id) VALUES (?)'),
    index: db.prepare(
      `INSERT INTO search_index (rowid, text) SELECT (@key << 32) + seq, cs_index_text(text) FROM messages
       WHERE conversation_id = @id AND seq > @from AND seq <= @to AND kind NOT IN (${UNSEARCHED_KINDS})`,
    ),
    moveCursor: db.prepare('UPDATE search_cursors SET indexed_seq = ? WHERE key = ?'),
    scan: db.prepare(
      `SELECT c.id, c.last_seq AS lastSeq, coalesce(s.indexed_seq, 0) AS indexedSeq FROM
         (SELECT id, last_seq FROM conversations WHERE id > ? ORDER BY id LIMIT ${SCAN_ROWS}) c
       LEFT JOIN search_cursors s ON s.conversation_id = c.id ORDER BY c.id`,
    ),
    deleteRange: db.prepare('DELETE FROM search_index WHERE rowid >= (@key << 32) + @from AND rowid < (@key << 32) + @to'),
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
  /** Conversation id -> newest committed seq, for conversations that may be past their cursor. */
  private readonly behind = new Map<string, number>();
  /** Where the start-up walk goes on (conversation ids after this one); undefined once it is done. */
  private scanAfter: string | undefined = '';
  /** Messages indexed since the indexer was made (tests, metrics). */
  indexed = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.s = prepare(db);
  }

  /** Messages of `conversationId` up to `seq` were committed (called after the batch's reply). */
  committed(conversationId: string, seq: number): void {
    const known = this.behind.get(conversationId);
    if (known === undefined || seq > known) this.behind.set(conversationId, seq);
  }

  /** True while something may be waiting to be indexed. */
  get pending(): boolean {
    return this.behind.size > 0 || this.scanAfter !== undefined;
  }

  /**
   * One slice: indexes up to `SLICE_MESSAGES` messages in one transaction.
   * @returns true when more work remains.
   */
  slice(): boolean {
    if (!this.pending) return false;
    const started = this.now();
    let budget = SLICE_MESSAGES;
    let indexed = 0;
    let walked: { rows: Map<string, number>; next: string | undefined } | undefined;
    // Memory changes only once the transaction committed: a failed slice leaves everything to be tried again.
    const done: [id: string, to: number][] = [];
    this.s.normal.run();
    try {
      this.db.transaction(() => {
        let work = this.behind;
        if (work.size === 0) {
          walked = this.walk();
          work = walked.rows;
        }
        for (const [id, upTo] of work) {
          if (budget <= 0 || this.now() - started > SLICE_MS) break;
          const covered = this.indexConversation(id, upTo, budget);
          budget -= covered.seqs;
          indexed += covered.indexed;
          done.push([id, covered.to]);
        }
      }).immediate();
    } finally {
      this.s.full.run();
    }
    if (walked) {
      this.scanAfter = walked.next;
      for (const [id, upTo] of walked.rows) this.committed(id, upTo);
    }
    this.indexed += indexed;
    for (const [id, to] of done) if ((this.behind.get(id) ?? 0) <= to) this.behind.delete(id);
    return this.pending;
  }

  /** Runs slices until nothing is left (tests; a backlog at close is caught up at the next start). */
  drain(): void {
    while (this.slice()) {
      // each slice commits on its own
    }
  }

  /**
   * Deletes the index entries of a conversation whose messages `seq` in
   * [fromSeq, toSeq) are being deleted (retention), inside the caller's
   * transaction; `last` also drops its cursor row.
   */
  purge(conversationId: string, fromSeq: number, toSeq: number, last: boolean): void {
    const cursor = this.s.cursor.get(conversationId) as { key: number; indexedSeq: number } | undefined;
    if (last) this.behind.delete(conversationId);
    if (!cursor) return;
    this.s.deleteRange.run({ key: cursor.key, from: fromSeq, to: Math.min(toSeq, 2 ** 32) });
    if (last) this.s.deleteCursor.run(cursor.key);
  }

  /** Indexes what `id` has after its cursor, up to `upTo` and at most `budget` messages. */
  private indexConversation(id: string, upTo: number, budget: number): { to: number; seqs: number; indexed: number } {
    let cursor = this.s.cursor.get(id) as { key: number; indexedSeq: number } | undefined;
    if (!cursor) {
      const key = Number(this.s.newCursor.run(id).lastInsertRowid);
      cursor = { key, indexedSeq: 0 };
    }
    const to = Math.min(upTo, cursor.indexedSeq + budget);
    if (to <= cursor.indexedSeq) return { to: cursor.indexedSeq, seqs: 1, indexed: 0 };
    const indexed = this.s.index.run({ key: cursor.key, id, from: cursor.indexedSeq, to }).changes;
    this.s.moveCursor.run(to, cursor.key);
    return { to, seqs: to - cursor.indexedSeq, indexed };
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
