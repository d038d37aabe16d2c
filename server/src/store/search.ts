/**
 * Full-text search over message text (issue 12), the reading side. The
 * index itself, `search_index`, and how it is kept current off the commit
 * path are in search-index.ts; this file holds what both sides share (how
 * text is cut into words) and the translation of a user's query.
 *
 * ## Words, and why not trigrams
 *
 * The index uses FTS5's `unicode61` tokenizer (case folded, diacritics
 * removed: "Cafe" finds "café"). Scripts written without spaces (Chinese,
 * Japanese, Korean) would come out of it as one token per run of
 * characters, so before indexing, and again in every query, each such
 * character is set apart as a word of its own (`indexText`): a Chinese word
 * is then a phrase of single characters, and "花瓶" finds
 * "请问这个花瓶可以寄到上海吗" as the phrase "花 瓶", at any position.
 * Latin-script words are matched by prefix ("mon" finds "Monday", "lin"
 * finds "linen"), not anywhere inside a word as the earlier trigram index
 * did ("nen" no longer finds "linen"): a trigram index stored about one
 * entry per character (some 100 per message), tripled the disk per message
 * and made the writer's commits several times slower; a word index stores
 * one per word.
 *
 * Search results may lag a commit by a moment: a message is indexed by the
 * writer thread shortly after its batch was acknowledged (search-index.ts),
 * typically within a few milliseconds, longer while a large backlog is
 * caught up (the first start after the upgrade that made this index).
 */
import type Database from 'better-sqlite3';

/** Characters of scripts written without spaces between words: each is indexed as a word of its own. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const UNSPACED_ALL = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const UNSPACED_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
/** A character that is part of a word for unicode61 (letters, digits). */
const WORD_CHAR = /[\p{L}\p{N}]/gu;

/**
 * The text as it goes into the index: every Han, kana and Hangul character
 * set apart by spaces, so each is its own token; other text is unchanged
 * (and costs only one regex test).
 */
export function indexText(text: string): string {
  return UNSPACED.test(text) ? text.replace(UNSPACED_ALL, ' $& ') : text;
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

/**
 * A plain query (words separated by spaces) as an FTS5 expression: every
 * word must occur; each is a phrase of its tokens, the last one matched by
 * prefix unless it is a character of an unspaced script (a whole word
 * there). Words with no letter or digit (a lone "?") are left out.
 * @returns undefined when no word is left.
 */
export function plainQuery(q: string): string | undefined {
  const phrases: string[] = [];
  for (const term of q.trim().split(/\s+/)) {
    const chars = term.match(WORD_CHAR);
    if (!chars) continue;
    const prefix = UNSPACED.test(chars[chars.length - 1]!) ? '' : '*';
    phrases.push(`"${indexText(term).trim().replace(/"/g, '""')}"${prefix}`);
  }
  return phrases.length > 0 ? phrases.join(' AND ') : undefined;
}

/**
 * A query written in FTS5 syntax, with its unspaced-script words cut the way
 * the index cuts them: inside a quoted phrase each character is set apart;
 * outside, a run of such characters becomes a quoted phrase of its own, so
 * `花瓶 OR 杯子` means the two words, not four characters.
 */
export function syntaxQuery(q: string): string {
  let out = '';
  let quoted = false;
  let start = 0;
  const flush = (end: number): void => {
    const part = q.slice(start, end);
    out += quoted ? indexText(part) : part.replace(UNSPACED_RUN, (run) => ` "${indexText(run).trim()}" `);
    start = end;
  };
  for (let i = 0; i < q.length; i++) {
    if (q[i] !== '"') continue;
    // A doubled quote inside a phrase is an escaped quote, not its end.
    if (quoted && q[i + 1] === '"') {
      i += 1;
      continue;
    }
    flush(i);
    quoted = !quoted;
  }
  flush(q.length);
  return out;
}

/**
 * Searches the index on a connection of `cs-chat.db`. Plain words must all
 * occur (Latin words by prefix, Chinese and Japanese words as phrases of
 * their characters, anywhere in the text); a query with FTS5 syntax
 * (`"exact phrase"`, `refund OR return`, `ship*`) is passed on as written
 * (its Chinese words cut as the index cuts them), and a malformed one throws
 * {@link SearchSyntaxError}. Results may lag the newest commits by a moment
 * (see the module comment).
 */
export class MessageSearch {
  private readonly statement;

  constructor(db: Database.Database) {
    // The index's rowid is (search key << 32 | seq): the key names the conversation (search-index.ts).
    this.statement = db
      .prepare(
        `SELECT DISTINCT k.conversation_id FROM search_index JOIN search_cursors k ON k.key = (search_index.rowid >> 32)
         WHERE search_index MATCH ? LIMIT ?`,
      )
      .pluck();
  }

  /** Ids of conversations with a message matching `q`, at most `limit` of them. */
  conversationIds(q: string, limit = 5000): Set<string> {
    const query = q.trim();
    if (!query) return new Set();
    const expression = usesSyntax(query) ? syntaxQuery(query) : plainQuery(query);
    if (expression === undefined) return new Set();
    try {
      return new Set(this.statement.all(expression, limit) as string[]);
    } catch (error) {
      const message = (error as Error).message;
      if (/fts5|syntax|unterminated|no such column/i.test(message)) throw new SearchSyntaxError(message);
      throw error;
    }
  }
}
