/**
 * The SQLite database file of a data directory (DESIGN.md §5):
 * `CS_DATA_DIR/cs-chat.db`, opened with better-sqlite3.
 *
 * Settings every connection gets, and why:
 * - `journal_mode=WAL`: readers (history pages on the main thread, the
 *   backup) never wait for the writer, and a commit is one append + fsync of
 *   the WAL file, not a rewrite of pages in place.
 * - `synchronous=FULL`: the WAL is fsynced at every commit, so a commit that
 *   returned survives a power loss (NORMAL would only survive a process
 *   crash). An `Ack` is sent only after such a commit.
 * - `busy_timeout` (default 5000 ms): another connection holding the write
 *   lock (the backup tool, an operator's `sqlite3` shell) makes a write wait
 *   instead of failing at once; past the timeout the write fails as "storage
 *   unavailable" and the sender retries later.
 * - `foreign_keys=ON`, so tables other modules add may declare them.
 * - `journal_size_limit` eight times the checkpoint threshold: the WAL file keeps
 *   its blocks when it restarts (a commit then overwrites them, and its
 *   fdatasync does not wait for the file system's journal to record a new
 *   file size), and is cut back only after it grew past that (a long
 *   backup holding the checkpoint off). What waits for a checkpoint is
 *   read from SQLite's WAL index instead (wal.ts); the writer thread
 *   checkpoints after a batch's reply, never inside a commit
 *   (writer-worker.ts).
 *
 * One server per data directory: `lockDataDir` holds an exclusive SQLite lock
 * on `CS_DATA_DIR/cs-chat.lock` for the life of the server. It is a POSIX
 * advisory lock taken by SQLite itself, so the kernel drops it when the
 * process dies (even by SIGKILL): there is never a stale lock file to clean
 * up by hand, and a second server on the same directory refuses to start
 * with a clear message.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, type Migration } from './migrations.js';

/** A better-sqlite3 connection. */
export type Db = Database.Database;

/** The database file name inside the data directory. */
export const DB_FILE = 'cs-chat.db';
/** WAL size past which the writer thread restarts the WAL (SQLite's own default threshold: 1000 pages of 4 KiB); wal.ts says when. */
export const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;
/** Size past which the WAL file is cut back when it restarts: twice the size at which the writer checkpoints whatever is left (wal.ts). */
export const WAL_FILE_LIMIT_BYTES = 16 * CHECKPOINT_WAL_BYTES;
/** The lock file name inside the data directory. */
export const LOCK_FILE = 'cs-chat.lock';

/** Path of the database file of `dataDir`. */
export function dbPath(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

export interface OpenDbOptions {
  /** Open for reading only (history pages, backup). Default false. */
  readonly?: boolean;
  /** How long a write waits for another connection's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Another database file than `cs-chat.db` (a backup copy). */
  file?: string;
}

/**
 * Opens the database of `dataDir` (made, with the directory, if missing) with
 * the settings above. Does not migrate: call `openMigrated` for that.
 */
export function openDb(dataDir: string, options: OpenDbOptions = {}): Db {
  if (!options.readonly) mkdirSync(dataDir, { recursive: true });
  const db = new Database(options.file ?? dbPath(dataDir), { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // See above: the WAL file keeps its blocks when it restarts.
    db.pragma(`journal_size_limit = ${WAL_FILE_LIMIT_BYTES}`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  return db;
}

/** Opens the database of `dataDir` for writing and brings its schema up to date. */
export function openMigrated(dataDir: string, options: OpenDbOptions & { migrations?: readonly Migration[] } = {}): Db {
  const db = openDb(dataDir, options);
  try {
    migrate(db, options.migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Raised when another server already uses the data directory. */
export class DataDirLockedError extends Error {
  readonly type = 'DataDirLocked';
  constructor(readonly dataDir: string) {
    super(
      `another cs-chat server is already using the data directory ${dataDir} (${LOCK_FILE} is locked). ` +
        'Stop it first, or give this server its own CS_DATA_DIR.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** The held lock of a data directory; `release` lets the next server in. */
export interface DataDirLock {
  release(): void;
}

/**
 * The lock connections of this process until released. better-sqlite3 closes
 * a connection nobody references when it is garbage-collected, and closing it
 * lets the next server in: a caller that dropped the returned lock would lose
 * it at some GC (a clean-clone CI run saw a second lock taken while the
 * first process still ran). Held here, a lock lasts until `release` or the
 * process's end.
 */
const held = new Set<InstanceType<typeof Database>>();

/**
 * Takes the one-server-per-directory lock of `dataDir`.
 * @throws DataDirLockedError when another server (in this or another process) holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lock = new Database(join(dataDir, LOCK_FILE));
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('journal_mode = MEMORY'); // no cs-chat.lock-journal file beside it
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write under locking_mode=EXCLUSIVE takes the exclusive lock and keeps it until close.
    lock.exec('CREATE TABLE IF NOT EXISTS held (pid INTEGER)');
    lock.exec('BEGIN EXCLUSIVE');
    lock.prepare('DELETE FROM held').run();
    lock.prepare('INSERT INTO held (pid) VALUES (?)').run(process.pid);
    lock.exec('COMMIT');
  } catch (error) {
    lock.close();
    if (isBusy(error)) throw new DataDirLockedError(dataDir);
    throw error;
  }
  held.add(lock);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      lock.close();
    },
  };
}

/** True for SQLite's "database is locked / busy" errors. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}
