/**
 * Online backup of `cs-chat.db` (DESIGN.md §5): SQLite's backup API copies
 * the database page by page into a new file while the server keeps serving
 * (WAL: the writer is never blocked; pages changed meanwhile are copied
 * again, so the copy is one consistent moment). The result is an ordinary
 * SQLite file: restore by stopping the server and putting it in place as
 * `CS_DATA_DIR/cs-chat.db` (README "Storage").
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dbPath, openDb } from './db.js';

/** What a backup wrote. */
export interface BackupReport {
  readonly file: string;
  readonly bytes: number;
  readonly conversations: number;
  readonly messages: number;
}

/**
 * Copies the database of `dataDir` to `file` (which must not exist yet). The
 * copy is written to `file + '.partial'` and renamed when complete, so a
 * `file` that exists is always whole.
 */
export async function backupDatabase(dataDir: string, file: string): Promise<BackupReport> {
  if (!existsSync(dbPath(dataDir))) throw new Error(`no database at ${dbPath(dataDir)} (is CS_DATA_DIR right?)`);
  if (existsSync(file)) throw new Error(`${file} exists already: choose a new file name`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const db = openDb(dataDir);
  try {
    db.pragma('query_only = ON');
    await db.backup(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  const copy = openDb(partial.replace(/[^/]+$/, ''), { readonly: true, file: partial });
  let counts: { conversations: number; messages: number; pages: number; pageSize: number };
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    counts = {
      conversations: copy.prepare('SELECT count(*) FROM conversations').pluck().get() as number,
      // With those still in the message log: the restored server merges them at its start (message-log.ts).
      messages: copy.prepare('SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM message_log)').pluck().get() as number,
      pages: copy.pragma('page_count', { simple: true }) as number,
      pageSize: copy.pragma('page_size', { simple: true }) as number,
    };
  } finally {
    copy.close();
  }
  renameSync(partial, file);
  return { file, bytes: counts.pages * counts.pageSize, conversations: counts.conversations, messages: counts.messages };
}
