/**
 * How much of the WAL waits for a checkpoint, read from SQLite's WAL index
 * (the `-shm` file beside the database), for the writer and checkpointer
 * threads to decide when to checkpoint (writer-worker.ts, checkpointer.ts).
 *
 * The WAL file's size cannot tell: it is kept at its size when the WAL
 * restarts (db.ts, `journal_size_limit`), because a commit that overwrites
 * blocks the file already has is an fdatasync of data alone, while one
 * that extends the file also waits for the file system's journal to commit
 * the new size, every commit.
 *
 * The index's layout is SQLite's documented WAL-index format (walformat.html
 * §2.2): two copies of a 48-byte header, in the machine's byte order, whose
 * `mxFrame` (offset 16) counts the frames in the WAL, then the checkpoint
 * info whose `nBackfill` (offset 96) counts the frames already copied into
 * the database file. SQLite writes the first copy, then the second; a read
 * that finds them different caught a write half done, and reports nothing
 * (the caller looks again after its next batch or poll). Reading it costs
 * one small `pread` of a page the kernel already holds, and takes no lock.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { CHECKPOINT_WAL_BYTES, dbPath } from './db.js';

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

/** The WAL's frames, and how many of them the database file already holds. */
export interface WalProgress {
  /** Frames in the WAL since it last restarted (`mxFrame`). */
  readonly frames: number;
  /** Of those, frames copied into the database file by a checkpoint (`nBackfill`). */
  readonly backfilled: number;
  /** The database's page size, bytes (a frame is a page and a 24-byte header). */
  readonly pageSize: number;
}

const HEADER_BYTES = 48;
const READ_BYTES = 100; // both header copies and nBackfill
const littleEndian = endianness() === 'LE';

/**
 * Reads the WAL index of `dataDir`'s database.
 * @returns undefined while there is no index yet (no connection opened in WAL mode), or while SQLite was rewriting its header.
 */
export function walProgress(dataDir: string): WalProgress | undefined {
  const buffer = Buffer.alloc(READ_BYTES);
  let fd: number;
  try {
    fd = openSync(`${dbPath(dataDir)}-shm`, 'r');
  } catch {
    return undefined;
  }
  let read: number;
  try {
    read = readSync(fd, buffer, 0, READ_BYTES, 0);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  if (read < READ_BYTES) return undefined;
  if (!buffer.subarray(0, HEADER_BYTES).equals(buffer.subarray(HEADER_BYTES, 2 * HEADER_BYTES))) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset, READ_BYTES);
  if (view.getUint8(12) === 0) return undefined; // isInit: the index was never written
  const rawPageSize = view.getUint16(14, littleEndian);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize; // 64 KiB pages are stored as 1
  const frames = view.getUint32(16, littleEndian);
  const backfilled = Math.min(frames, view.getUint32(96, littleEndian));
  return { frames, backfilled, pageSize };
}

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

/** The WAL's bytes since it last restarted, by its index (0 when there is none). */
export function walBytes(dataDir: string): number {
  const progress = walProgress(dataDir);
  return progress ? progress.frames * (progress.pageSize + 24) : 0;
}
