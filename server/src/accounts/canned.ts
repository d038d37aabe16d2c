/** The `canned_replies` table: saved answers an agent inserts by shortcut. */
import { newId } from './tokens.js';
import { AccountError, type CannedReply, type Db } from './types.js';

/** Shortcuts: letters, digits, - and _, 1–32 characters (typed after `/`). */
export const SHORTCUT_PATTERN = /^[\p{L}\p{N}_-]{1,32}$/u;
/** Longest canned reply, characters. */
export const MAX_CANNED_TEXT = 2000;

interface CannedRow {
  id: string;
  shortcut: string;
  text: string;
  created_ms: number;
  updated_ms: number;
}

function toReply(row: CannedRow): CannedReply {
  return { id: row.id, shortcut: row.shortcut, text: row.text, createdMs: row.created_ms, updatedMs: row.updated_ms };
}

/** Why a shortcut / text pair is refused, or ''. */
export function cannedProblem(shortcut: string | undefined, text: string | undefined): string {
  if (shortcut !== undefined && !SHORTCUT_PATTERN.test(shortcut)) return 'shortcut must be 1–32 letters, digits, - or _';
  if (text !== undefined && (text.trim().length === 0 || text.length > MAX_CANNED_TEXT)) return `text must be 1–${MAX_CANNED_TEXT} characters`;
  return '';
}

export class CannedTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  list(): CannedReply[] {
    return (this.db.prepare('SELECT * FROM canned_replies ORDER BY shortcut').all() as CannedRow[]).map(toReply);
  }

  get(id: string): CannedReply | undefined {
    const row = this.db.prepare('SELECT * FROM canned_replies WHERE id = ?').get(id) as CannedRow | undefined;
    return row && toReply(row);
  }

  private taken(shortcut: string, exceptId: string): boolean {
    return this.db.prepare('SELECT 1 FROM canned_replies WHERE shortcut = ? AND id <> ?').get(shortcut, exceptId) !== undefined;
  }

  create(shortcut: string, text: string): CannedReply {
    if (this.taken(shortcut, '')) throw new AccountError('conflict', `the shortcut /${shortcut} is taken`);
    const id = newId('c');
    const now = this.now();
    this.db.prepare('INSERT INTO canned_replies (id, shortcut, text, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)').run(id, shortcut, text, now, now);
    return this.get(id) as CannedReply;
  }

  update(id: string, changes: { shortcut?: string; text?: string }): CannedReply {
    const current = this.get(id);
    if (!current) throw new AccountError('not_found', 'no such canned reply');
    const shortcut = changes.shortcut ?? current.shortcut;
    if (this.taken(shortcut, id)) throw new AccountError('conflict', `the shortcut /${shortcut} is taken`);
    this.db.prepare('UPDATE canned_replies SET shortcut = ?, text = ?, updated_ms = ? WHERE id = ?').run(shortcut, changes.text ?? current.text, this.now(), id);
    return this.get(id) as CannedReply;
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM canned_replies WHERE id = ?').run(id).changes > 0;
  }
}
