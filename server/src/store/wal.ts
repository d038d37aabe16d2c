/**
 * How much of the WAL waits for a checkpoint, for the writer and
 * checkpointer threads to decide when to checkpoint (writer-worker.ts,
 * checkpointer.ts).
 *
 * The WAL file's size cannot tell: it is kept at its size when the WAL
 * restarts (db.ts, `journal_size_limit`), because a commit that overwrites
 * blocks the file already has is an fdatasync of data alone, while one
 * that extends the file also waits for the file system's journal to commit
 * the new size, every commit.
 *
 * So each thread asks its own connection: `PRAGMA wal_checkpoint(NOOP)`
 * copies nothing and takes no lock, and answers the frames in the WAL and
 * how many of them the database file holds (a few µs). Reading the `-shm`
 * file directly was tried first and is wrong: closing any descriptor of a
 * file drops every POSIX lock the process holds on it, SQLite's included,
 * so another connection took itself for the first one, reset the shared
 * index under the others' mappings, and the process died of SIGBUS (CI,
 * the backup test, 2026-12-02; sqlite.org "How To Corrupt", §2.2).
 */
import type { Statement } from 'better-sqlite3';
import { CHECKPOINT_WAL_BYTES, type Db } from './db.js';

/** The WAL's frames, and how many of them the database file already holds. */
export interface WalProgress {
  /** Frames in the WAL since it last restarted. */
  readonly frames: number;
  /** Of those, frames copied into the database file by a checkpoint. */
  readonly backfilled: number;
  /** The database's page size, bytes (a frame is a page and a 24-byte header). */
  readonly pageSize: number;
}

type CheckpointRow = { busy: number; log: number; checkpointed: number };

/** Per connection, the prepared question and the page size (fixed once the database exists: nothing here vacuums to another). */
const questions = new WeakMap<Db, { noop: Statement; pageSize: number }>();

/**
 * The WAL's state as `db` sees it.
 * @returns undefined when the database is not in WAL mode (or the question failed: the caller asks again later).
 */
export function walProgress(db: Db): WalProgress | undefined {
  let row: CheckpointRow | undefined;
  let asked = questions.get(db);
  try {
    // Prepared once per connection: `db.pragma` prepares anew every call (20 µs for the two, against 4 for the statement).
    if (!asked) questions.set(db, (asked = { noop: db.prepare('PRAGMA wal_checkpoint(NOOP)'), pageSize: db.pragma('page_size', { simple: true }) as number }));
    row = asked.noop.get() as CheckpointRow | undefined;
  } catch {
    return undefined;
  }
  if (!row || row.log < 0) return undefined;
  return { frames: row.log, backfilled: Math.max(0, Math.min(row.log, row.checkpointed)), pageSize: asked.pageSize };
}

/**
 * Frames not yet copied, in bytes, under which the writer thread's own
 * checkpoint (the one that lets the next batch restart the WAL) runs: it
 * then copies only those, a ms or two inside the writer's loop (at 512 KiB
 * its mean in the soak was 2.6 ms, at 256 KiB 1.5 ms).
 */
export const RESTART_PENDING_BYTES = 256 * 1024;
/** WAL size past which the writer thread checkpoints however much is left to copy (the checkpointer thread fell behind). */
export const WAL_HARD_BYTES = 8 * CHECKPOINT_WAL_BYTES;
/** Frames not yet copied, in bytes, past which the checkpointer thread copies them. */
export const CHECKPOINTER_MIN_BYTES = 1024 * 1024;

/**
 * Whether the writer thread checkpoints after a batch: once the WAL passed
 * the threshold and the checkpointer thread has copied nearly all of it, or
 * however much is left once it passed the hard limit. A merge round writes
 * several MiB in a few hundred ms: a checkpoint at every 4 MiB in the
 * writer's loop copied each time what the checkpointer had not reached
 * (about 10 ms, five times a round), and every batch arriving meanwhile
 * waited for it.
 */
export function writerCheckpointDue(wal: WalProgress): boolean {
  const frameBytes = wal.pageSize + 24;
  const bytes = wal.frames * frameBytes;
  if (bytes < CHECKPOINT_WAL_BYTES) return false;
  return (wal.frames - wal.backfilled) * frameBytes <= RESTART_PENDING_BYTES || bytes >= WAL_HARD_BYTES;
}

/** Whether the checkpointer thread copies now: a MiB waits, or the WAL is past the threshold with anything left to copy (so the writer can restart it). */
export function checkpointerCopyDue(wal: WalProgress): boolean {
  const frameBytes = wal.pageSize + 24;
  const pending = (wal.frames - wal.backfilled) * frameBytes;
  if (pending === 0) return false;
  return pending >= CHECKPOINTER_MIN_BYTES || wal.frames * frameBytes >= CHECKPOINT_WAL_BYTES;
}

/** The WAL's bytes since it last restarted, as `db` sees it (0 when it is not in WAL mode). */
export function walBytes(db: Db): number {
  const progress = walProgress(db);
  return progress ? progress.frames * (progress.pageSize + 24) : 0;
}
