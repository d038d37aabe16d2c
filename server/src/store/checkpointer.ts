/**
 * The checkpointer thread (DESIGN.md §5): copies the WAL's pages into the
 * database file beside the commits, so that the writer thread seldom has to.
 *
 * A checkpoint in WAL mode needs no write lock: it copies frames a writer
 * appended earlier while the writer goes on appending. What it cannot do
 * alone is *restart* the WAL: that happens when a writer begins a
 * transaction and finds every frame copied, which never holds while this
 * thread runs behind continuous commits. So the work is split in two:
 * this thread runs a PASSIVE checkpoint whenever the WAL passed half the
 * threshold and holds frames not yet copied (polling SQLite's WAL index
 * every `POLL_MS`, wal.ts), which does the bulk of the
 * copying and the database file's fsync away from the commits; the writer
 * thread, past the full threshold, runs its own PASSIVE checkpoint between
 * batches (writer-worker.ts), which then only copies the frames of the last
 * few ms, and the next batch restarts the WAL. A checkpoint copied up to
 * 40 ms of pages inside the writer's loop before (a batch arriving then
 * waited for it); now most of it runs here.
 *
 * Failures are ignored: a busy checkpoint lock (the writer's own
 * checkpoint, a backup) or a disk error only delays the copy, the writer
 * thread's checkpoint is still there, and the WAL replays at open anyway.
 */
import { CHECKPOINT_WAL_BYTES, openDb, type Db } from './db.js';
import { walProgress } from './wal.js';

/** How often the WAL's size is looked at, ms. */
const POLL_MS = 20;

/** Runs the checkpointer's loop on this thread until the thread is terminated. */
export function runCheckpointer(dataDir: string, busyTimeoutMs: number): void {
  let db: Db | undefined;
  const tick = (): void => {
    const wal = walProgress(dataDir);
    if (!wal || wal.backfilled === wal.frames) return; // no WAL yet, or nothing new to copy
    if (wal.frames * (wal.pageSize + 24) < CHECKPOINT_WAL_BYTES / 2) return;
    try {
      db ??= openDb(dataDir, { busyTimeoutMs });
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
