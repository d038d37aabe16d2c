/**
 * Opening the durable store at start-up (DESIGN.md §5): take the data
 * directory's lock, open and migrate `cs-chat.db`, import an old journal if
 * one is there, then hand the database to the writer thread and the read
 * connection. No history is replayed: start costs the same whatever the size
 * of the store.
 */
import { existsSync, rmSync } from 'node:fs';
import { dbPath, lockDataDir, openMigrated, type DataDirLock } from './db.js';
import { importJournal, type ImportReport } from './legacy-import.js';
import { MessageLog } from './message-log.js';
import { MemoryOnlyStore, type DurableStore } from './records.js';
import { SqliteStore } from './sqlite-store.js';
import type { StoreLogger } from './writer.js';

/** Where and how to keep the store. */
export interface StoreSettings {
  /** The data directory; '' keeps nothing (`CS_JOURNAL=off`: memory only, lost at every restart). */
  dataDir: string;
  /** Group-commit window, ms. Default 5 (`CS_COMMIT_MS`). */
  commitMs?: number;
  /** How long a write waits for another connection's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** How often to try the disk again while it refuses writes, ms. Default 1000. */
  probeMs?: number;
}

/** An opened store and the lock that goes with it. */
export interface OpenedStore {
  readonly durable: DurableStore;
  /** What a journal import did at this start, if one ran. */
  readonly imported: ImportReport | undefined;
  /** Closes the store and releases the data directory. */
  close(): Promise<void>;
}

/**
 * Opens the store described by `settings`.
 * @throws DataDirLockedError when another server uses the directory,
 *   JournalImportError when an old journal could not be imported (then the
 *   directory is as it was), SchemaTooNewError for a newer server's database.
 */
export function openStore(settings: StoreSettings, log?: StoreLogger, nowMs = Date.now()): OpenedStore {
  if (!settings.dataDir) {
    const durable = new MemoryOnlyStore();
    return { durable, imported: undefined, close: () => durable.close() };
  }
  const { dataDir } = settings;
  const lock: DataDirLock = lockDataDir(dataDir);
  let imported: ImportReport | undefined;
  try {
    const fresh = !existsSync(dbPath(dataDir));
    const db = openMigrated(dataDir, { busyTimeoutMs: settings.busyTimeoutMs });
    try {
      imported = importJournal(db, dataDir, nowMs, log);
      // What a crash left in the message log is moved before anything is served (message-log.ts): a few thousand rows at most.
      new MessageLog(db).mergeAll();
    } catch (error) {
      db.close();
      // "Touches nothing": a database made only for this failed import goes again.
      if (fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath(dataDir) + suffix, { force: true });
      throw error;
    }
    db.close();
  } catch (error) {
    lock.release();
    throw error;
  }
  const durable = new SqliteStore(dataDir, settings);
  return {
    durable,
    imported,
    async close() {
      try {
        await durable.close();
      } finally {
        lock.release();
      }
    },
  };
}
