/**
 * Full-text search over message text (issue 12): an SQLite FTS5 index,
 * `messages_fts`, with the trigram tokenizer, so words are found inside
 * longer text in any script (Chinese has no spaces: "花瓶" in
 * "请问这个花瓶可以寄到上海吗"), case-insensitively. Private notes and
 * events are not indexed (the same rule as the inbox preview).
 *
 * `messages` is WITHOUT ROWID, so a small side table gives each indexed
 * message the integer rowid FTS5 needs. Triggers on `messages` keep both
 * current in the connection that writes, i.e. the writer thread: an insert
 * indexes the message, a delete (retention) removes it. The migration step
 * backfills what is stored already.
 */
import type Database from 'better-sqlite3';

/** Message kinds left out of the index: EVENT (3) and NOTE (4), cs.v1.MessageKind. */
const UNSEARCHED_KINDS = '3, 4';

/** The migration step: the index, its rowid table, the triggers, and the backfill of existing messages. */
export function messageSearchIndex(db: Database.Database): void {
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

/** A search the index cannot read (FTS5 query syntax); its message says why. */
export class SearchSyntaxError extends Error {
  readonly type = 'SearchSyntax';
  constructor(message: string) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

/** True when `q` uses FTS5 query syntax (quotes, prefix `*`, groups, column filters, AND/OR/NOT/NEAR). */
function usesSyntax(q: string): boolean {
  return /["*()^:{}+]|(^|\s)(AND|OR|NOT|NEAR)(\s|$)/.test(q);
}

const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Searches the index on a connection of `cs-chat.db`. Plain words must all
 * occur (each as a substring); a query with FTS5 syntax
 * (`"exact phrase"`, `refund OR return`, `ship*`) is passed on as it is, and
 * a malformed one throws {@link SearchSyntaxError}. Words shorter than three
 * characters (trigrams) are matched with LIKE over the indexed text.
 */
export class MessageSearch {
  constructor(private readonly db: Database.Database) {}

  /** Ids of conversations with a message matching `q`, at most `limit` messages looked at. */
  conversationIds(q: string, limit = 5000): Set<string> {
    const query = q.trim();
    if (!query) return new Set();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (usesSyntax(query)) {
      where.push('messages_fts MATCH ?');
      params.push(query);
    } else {
      const terms = query.split(/\s+/);
      const long = terms.filter((t) => [...t].length >= 3);
      if (long.length) {
        where.push('messages_fts MATCH ?');
        params.push(long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND '));
      }
      for (const term of terms.filter((t) => [...t].length < 3)) {
        where.push("f.text LIKE ? ESCAPE '\\'");
        params.push(likePattern(term));
      }
    }
    const sql = `SELECT DISTINCT i.conversation_id FROM messages_fts f JOIN message_search_ids i ON i.id = f.rowid WHERE ${where.join(' AND ')} LIMIT ?`;
    try {
      return new Set(this.db.prepare(sql).pluck().all(...params, limit) as string[]);
    } catch (error) {
      const message = (error as Error).message;
      if (/fts5|syntax|unterminated|no such column/i.test(message)) throw new SearchSyntaxError(message);
      throw error;
    }
  }
}
