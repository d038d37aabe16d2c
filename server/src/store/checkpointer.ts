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

/** `Atomics.waitAsync` (Node 16+; in TypeScript's lib from es2024 on). */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

/** How often the WAL is looked at while no batch commits but its frames still change (merges, index work), ms. */
const POLL_MS = 5;
/**
 * The longest wait between looks once nothing changes: an idle server's
 * checkpointer looked every 5 ms regardless, 200 wake-ups a second and
 * 3.9 % of a core doing nothing (measured 2026-12-03, 20 s idle).
 */
export const IDLE_POLL_MS = 1000;

/** Counts one committed batch in `commits` and wakes the thread waiting on it (the writer thread, after each batch). */
export function countCommit(commits: Int32Array): void {
  Atomics.add(commits, 0, 1);
  Atomics.notify(commits, 0);
}

/**
 * Calls `look` once after each batch counted in `commits` (`countCommit`),
 * and every `pollMs` while none is but `look` says something changed (it
 * returns true); while nothing does, the wait doubles up to `idlePollMs`.
 * A counted commit wakes it at once whatever the wait. Several counted
 * while `look` ran make one call. Returns what stops it.
 */
export function afterEachCommit(commits: SharedArrayBuffer, pollMs: number, look: () => boolean, idlePollMs = IDLE_POLL_MS): () => void {
  let stopped = false;
  // A pending Atomics.waitAsync does not keep a thread's event loop alive: this timer does, until stopped.
  const alive = setInterval(() => undefined, 60_000);
  const counter = new Int32Array(commits);
  let seen = Atomics.load(counter, 0);
  let waitMs = pollMs;
  const wait = (): void => {
    if (stopped) return;
    const r = (Atomics as unknown as AtomicsWaitAsync).waitAsync(counter, 0, seen, waitMs);
    const go = (): void => {
      if (stopped) return;
      const now = Atomics.load(counter, 0);
      const counted = now !== seen;
      seen = now;
      const changed = look();
      waitMs = counted || changed ? pollMs : Math.min(waitMs * 2, Math.max(pollMs, idlePollMs));
      wait();
    };
    // 'not-equal' (answered at once): a batch was counted since the last look, which runs on the next turn of the loop.
    if (r.async) void r.value.then(go);
    else setImmediate(go);
  };
  wait();
  return () => {
    stopped = true;
    clearInterval(alive);
  };
}

/**
 * Runs the checkpointer's loop on this thread until the thread is terminated.
 * `commits` (batches the writer thread committed, `countCommit`) times it:
 * a copy starts right after a batch committed, so its writes and the
 * database file's fsync fall in the gap before the next batch (the main
 * thread gathers one for `commitMs`) rather than under that batch's own
 * fsync, which waited behind them. In the soak after the fill, commits
 * over 3 ms went from 96 to 55 per 20 s, and the p99 from 18.6 to 13.7 ms,
 * against copies on a timer of this thread's own. Without `commits` (or
 * while none commits) it looks every `POLL_MS`.
 */
export function runCheckpointer(dataDir: string, busyTimeoutMs: number, commits?: SharedArrayBuffer): void {
  let db: Db | undefined;
  // The WAL's frames at the last look: a change keeps the poll short (afterEachCommit).
  let frames = -1;
  const look = (): boolean => {
    try {
      // Opened once the writer made the file (this thread never creates it).
      if (!db && !existsSync(dbPath(dataDir))) return false;
      db ??= openDb(dataDir, { busyTimeoutMs });
      const wal = walProgress(db);
      const changed = wal !== undefined && wal.frames !== frames;
      frames = wal?.frames ?? -1;
      if (!wal || !checkpointerCopyDue(wal)) return changed;
      db.pragma('wal_checkpoint(PASSIVE)');
      return true;
    } catch {
      // See above: the writer thread's checkpoint remains.
      try {
        db?.close();
      } catch {
        // already closed
      }
      db = undefined;
      return false;
    }
  };
  if (commits) afterEachCommit(commits, POLL_MS, look);
  else setInterval(look, POLL_MS);
}
