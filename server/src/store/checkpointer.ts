/**
 * The checkpointer thread (DESIGN.md §5): copies the WAL's pages into the
 * database file beside the commits, so that the writer thread seldom has to.
 *
 * A checkpoint in WAL mode needs no write lock: it copies frames a writer
 * appended earlier while the writer goes on appending. What it cannot do
 * alone is *restart* the WAL: that happens when a writer begins a
 * transaction and finds every frame copied, which never holds while this
 * thread runs behind continuous commits. So the work is split in two:
 * this thread runs a PASSIVE checkpoint whenever a MiB of frames waits, or
 * anything waits once the WAL passed the threshold (asking SQLite every
 * `POLL_MS`, wal.ts): that does the copying and the database
 * file's fsync away from the commits. The writer thread, past the
 * threshold, waits until this thread has copied nearly everything, then
 * runs its own PASSIVE checkpoint between batches (writer-worker.ts),
 * which copies only the last few hundred KiB, and the next batch restarts
 * the WAL. A merge round writes several MiB within a few hundred ms; while
 * the writer checkpointed at every 4 MiB regardless, it copied most of
 * them itself (about 10 ms each, a batch arriving then waited for it).
 *
 * Failures are ignored: a busy checkpoint lock (the writer's own
 * checkpoint, a backup) or a disk error only delays the copy, the writer
 * thread's checkpoint is still there, and the WAL replays at open anyway.
 */
import { existsSync } from 'node:fs';
import { dbPath, openDb, type Db } from './db.js';
import { checkpointerCopyDue, walProgress } from './wal.js';

/** How often the WAL is looked at, ms. */
const POLL_MS = 5;

/** Runs the checkpointer's loop on this thread until the thread is terminated. */
export function runCheckpointer(dataDir: string, busyTimeoutMs: number): void {
  let db: Db | undefined;
  const tick = (): void => {
    try {
      // Opened once the writer made the file (this thread never creates it).
      if (!db && !existsSync(dbPath(dataDir))) return;
      db ??= openDb(dataDir, { busyTimeoutMs });
      const wal = walProgress(db);
      if (!wal || !checkpointerCopyDue(wal)) return;
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // See above: the writer thread's checkpoint remains.
      try {
        db?.close();
      } catch {
        // already closed
      }
      db = undefined;
    }
  };
  setInterval(tick, POLL_MS);
}
