/**
 * FileJournal: the append-only, crash-safe journal of DESIGN.md §5.
 *
 * ## Files (all in the data directory)
 *
 * - `log-<n>.jnl`: log segments, numbered upward. Records are framed with
 *   length + CRC-32 (see journal-codec.ts). Every start opens a fresh segment,
 *   so an old segment is never appended to after a crash.
 * - `snapshot-<k>.snap`: the whole state as records; it covers every segment
 *   numbered below `k`. Only the newest snapshot is kept.
 * - `*.tmp`: a snapshot being written; left over only by a crash, removed at
 *   start.
 *
 * ## Group commit (the fsync policy)
 *
 * `append` encodes the record into the pending batch and returns a promise.
 * When the journal is idle, the first append starts a timer of `fsyncMs`
 * (default 5 ms, `CS_FSYNC_MS`); when it fires, the batch is written with one
 * write and one fsync, and only then are its promises resolved, in append
 * order. Appends arriving while a batch is being written and fsynced form the
 * next batch, which is written the moment the previous fsync returns (no
 * extra wait): under load there is one fsync per batch, not per record, and
 * each append waits at most about one fsync plus `fsyncMs`. So a caller that
 * sends the `Ack` after `await append()` never acknowledges anything a crash
 * could take back.
 *
 * ## Replay
 *
 * `replay` applies the newest snapshot, then every segment at or above its
 * number, in order. A frame that is torn (crash mid-write) or fails its
 * checksum ends its file: the file is truncated there, the bytes cut are
 * reported as `tornBytes`, and replay goes on with the next segment (a torn
 * tail is only ever a batch whose promises never resolved). Never fatal;
 * only an exception thrown by `apply` itself aborts the replay.
 *
 * ## Compaction
 *
 * When the segments since the last snapshot pass `compactBytes` (default
 * 8 MiB, `CS_COMPACT_BYTES`), the journal *rotates*: in one synchronous step it
 * takes the state from `setSnapshotSource()` and moves later appends to a new
 * segment n+1. The state taken then equals the effect of every record appended
 * so far, all of which are in segments <= n. The snapshot is written to
 * `snapshot-<n+1>.tmp` in slices (yielding to the event loop between them)
 * once segment n's last batch is fsynced, then fsynced, renamed to
 * `snapshot-<n+1>.snap` and the directory fsynced; only then are segments <= n
 * and the older snapshot deleted. Appends never wait for any of this: they go
 * on being group-committed into segment n+1 meanwhile. A crash at any point
 * leaves either the old snapshot + all segments, or the new snapshot + the
 * segments above it; both replay to the same state.
 *
 * The snapshot source must reflect exactly the records appended so far: the
 * store applies a change to memory and calls `append` for it in the same
 * synchronous step (it does: the pipeline stores, then appends, then awaits).
 *
 * ## Disk trouble
 *
 * If a write, fsync or segment creation fails (disk full, read-only, EIO),
 * `healthy` turns false, the failed batch's promises and every later append
 * reject with `JournalUnavailableError`, and the partly written tail is cut
 * back to the last fsynced byte. Every `probeMs` (default 1000 ms) the journal
 * writes, fsyncs and removes a small probe file; when that works it becomes
 * healthy again and continues in a new segment. Nothing that was acknowledged
 * is touched by any of this.
 */
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { encodeRecord, decodeFrames } from './journal-codec.js';
import { nodeJournalFs } from './journal-fs.js';
import type { JournalFile, JournalFs } from './journal-fs.js';
import { JournalUnavailableError, NoJournal } from './journal-types.js';
import type { Journal, JournalRecord } from './journal-types.js';

export { JournalUnavailableError, NoJournal };
export type { Journal, JournalRecord } from './journal-types.js';
export type { JournalFs, JournalFile } from './journal-fs.js';

/** Where the journal reports what it does; pino's logger fits. */
export interface JournalLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface FileJournalOptions {
  /** Group-commit window: how long an append waits for others to share its fsync, ms. Default 5 (`CS_FSYNC_MS`). */
  fsyncMs?: number;
  /** Bytes of log since the last snapshot past which a compaction starts. Default 8 MiB (`CS_COMPACT_BYTES`). */
  compactBytes?: number;
  /** How often to test the disk again while unhealthy, ms. Default 1000. */
  probeMs?: number;
  /** Wait after a failed compaction before trying again, ms. Default 10000. */
  compactRetryMs?: number;
  /** The file system; tests inject a counting or failing one. Default node:fs. */
  fs?: JournalFs;
  log?: JournalLogger;
}

/** Counters for metrics and tests. */
export interface JournalStats {
  /** Records made durable. */
  records: number;
  /** Batches written (one write + one fsync each). */
  batches: number;
  fsyncs: number;
  /** Bytes appended to log segments. */
  bytes: number;
  /** Snapshots completed. */
  compactions: number;
  /** Times the journal turned unhealthy. */
  failures: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Records bound for one segment, written with one write + one fsync. */
interface Batch {
  segment: number;
  frames: Buffer[];
  bytes: number;
  waiters: Waiter[];
  /** Settles with whether the batch became durable. */
  done: Promise<boolean>;
  settle: (ok: boolean) => void;
}

const JournalState = {
  New: 'new',
  Open: 'open',
  Closing: 'closing',
  Closed: 'closed',
} as const;
type JournalState = (typeof JournalState)[keyof typeof JournalState];

/** A batch grows to at most this many bytes before a new one starts. 4 MiB. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Snapshot bytes written between yields to the event loop. 1 MiB. */
const SNAPSHOT_SLICE_BYTES = 1024 * 1024;
const PROBE_BYTES = 4096;

const SEGMENT_RE = /^log-(\d+)\.jnl$/;
const SNAPSHOT_RE = /^snapshot-(\d+)\.snap$/;

const segmentName = (n: number): string => `log-${String(n).padStart(8, '0')}.jnl`;
const snapshotName = (n: number): string => `snapshot-${String(n).padStart(8, '0')}.snap`;

/** The journal of DESIGN.md §5 on local disk; see the module comment. */
export class FileJournal implements Journal {
  readonly stats: JournalStats = { records: 0, batches: 0, fsyncs: 0, bytes: 0, compactions: 0, failures: 0 };

  private readonly fs: JournalFs;
  private readonly fsyncMs: number;
  private readonly compactBytes: number;
  private readonly probeMs: number;
  private readonly compactRetryMs: number;
  private readonly log: JournalLogger | undefined;

  private state: JournalState = JournalState.New;
  /** Why the disk is refusing writes; undefined while healthy. */
  private failure: Error | undefined;
  /** The segment new appends go to. */
  private segment = 1;
  /** Batches not yet written, oldest first; the last one takes new appends. */
  private readonly queue: Batch[] = [];
  private writing: Batch | undefined;
  private flushing = false;
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private drained: Promise<void> | undefined;

  /** The open segment file and how many of its bytes are fsynced. */
  private file: JournalFile | undefined;
  private fileSegment = 0;
  private fileSyncedBytes = 0;
  /** A failed batch may have left bytes past `length` in `path`. */
  private dirtyTail: { path: string; length: number } | undefined;
  private probeTimer: NodeJS.Timeout | undefined;

  /** Bytes in segments not yet covered by a snapshot. */
  private uncompactedBytes = 0;
  /** Segments below this number are covered by the last snapshot taken (or being written). */
  private coveredBelow = 0;
  private snapshotSource: (() => Iterable<JournalRecord>) | undefined;
  private compaction: Promise<void> | undefined;
  private nextCompactionMs = 0;

  constructor(
    readonly dir: string,
    options: FileJournalOptions = {},
  ) {
    this.fs = options.fs ?? nodeJournalFs;
    this.fsyncMs = options.fsyncMs ?? 5;
    this.compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
    this.probeMs = options.probeMs ?? 1000;
    this.compactRetryMs = options.compactRetryMs ?? 10_000;
    this.log = options.log;
  }

  get healthy(): boolean {
    return this.failure === undefined && this.state !== JournalState.Closed;
  }

  setSnapshotSource(source: () => Iterable<JournalRecord>): void {
    this.snapshotSource = source;
  }

  async replay(apply: (record: JournalRecord) => void): Promise<{ records: number; tornBytes: number }> {
    if (this.state !== JournalState.New) throw new Error('FileJournal.replay may run once, before any append');
    await this.fs.mkdir(this.dir);
    const names = await this.fs.readdir(this.dir);
    const numbered = (re: RegExp): number[] =>
      names.flatMap((name) => {
        const match = re.exec(name);
        return match ? [Number(match[1])] : [];
      }).sort((a, b) => a - b);
    const snapshots = numbered(SNAPSHOT_RE);
    const segments = numbered(SEGMENT_RE);
    const base = snapshots.at(-1) ?? 0;
    this.coveredBelow = base;

    let records = 0;
    let tornBytes = 0;
    const replayFile = async (name: string): Promise<number> => {
      const path = join(this.dir, name);
      const data = await this.fs.readFile(path);
      const decoded = decodeFrames(data);
      for (const record of decoded.records) apply(record);
      records += decoded.records.length;
      if (decoded.problem) {
        tornBytes += data.length - decoded.validBytes;
        this.log?.warn({ file: name, problem: decoded.problem, cutBytes: data.length - decoded.validBytes }, 'journal: cut a torn or damaged tail');
        // Best effort: on a read-only disk the cut bytes stay, and every replay cuts them again.
        await this.fs.truncate(path, decoded.validBytes).catch((error: unknown) => {
          this.log?.warn({ err: error, file: name }, 'journal: could not truncate the torn tail');
        });
      }
      return decoded.validBytes;
    };

    if (base > 0) await replayFile(snapshotName(base));
    for (const n of segments) {
      if (n >= base) this.uncompactedBytes += await replayFile(segmentName(n));
    }
    await this.removeLeftovers(names, base, true);

    this.segment = Math.max(base, (segments.at(-1) ?? 0) + 1, 1);
    this.state = JournalState.Open;
    this.log?.info({ dir: this.dir, records, tornBytes, segment: this.segment }, 'journal: replayed');
    try {
      await this.openSegment(this.segment);
    } catch (error) {
      // A read-only or full disk at start: serve what was replayed, refuse writes, keep probing.
      this.fail(error);
    }
    return { records, tornBytes };
  }

  append(record: JournalRecord): Promise<void> {
    if (this.state !== JournalState.Open) {
      return Promise.reject(
        this.state === JournalState.New
          ? new Error('FileJournal.append before replay')
          : new JournalUnavailableError('the journal is closed'),
      );
    }
    if (this.failure) return Promise.reject(this.unavailable());
    let frame: Buffer;
    try {
      frame = encodeRecord(record);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const batch = this.openBatch(frame.length);
    batch.frames.push(frame);
    batch.bytes += frame.length;
    const durable = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.scheduleFlush(batch.bytes >= MAX_BATCH_BYTES);
    return durable;
  }

  async close(): Promise<void> {
    if (this.state === JournalState.Closed) return;
    const wasOpen = this.state === JournalState.Open;
    this.state = JournalState.Closing;
    if (wasOpen) {
      while (this.queue.length > 0 || this.flushing) await this.flush();
      await this.compaction;
    }
    this.clearTimers();
    const file = this.file;
    this.file = undefined;
    this.state = JournalState.Closed;
    if (file) {
      await file.sync().catch(() => undefined);
      await file.close().catch(() => undefined);
    }
  }

  private openBatch(bytes: number): Batch {
    const last = this.queue.at(-1);
    if (last && last.segment === this.segment && last.bytes + bytes <= MAX_BATCH_BYTES) return last;
    let settle: (ok: boolean) => void = () => undefined;
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const batch: Batch = { segment: this.segment, frames: [], bytes: 0, waiters: [], done, settle };
    this.queue.push(batch);
    return batch;
  }

  private scheduleFlush(now: boolean): void {
    if (this.flushing) return; // the running flush picks the batch up when its fsync returns
    if (this.flushTimer !== undefined && !now) return;
    this.clearFlushTimer();
    const run = (): void => {
      this.flushTimer = undefined;
      void this.flush();
    };
    this.flushTimer = now || this.fsyncMs <= 0 ? setImmediate(run) : setTimeout(run, this.fsyncMs);
  }

  /** Writes queued batches one after another until the queue is empty. */
  private flush(): Promise<void> {
    this.clearFlushTimer();
    if (!this.drained) {
      this.drained = this.writeQueued().finally(() => (this.drained = undefined));
    }
    return this.drained;
  }

  private async writeQueued(): Promise<void> {
    this.flushing = true;
    try {
      for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
        this.writing = batch;
        await this.writeBatch(batch);
        this.writing = undefined;
      }
    } finally {
      // Set synchronously with the empty-queue check, so an append made from
      // a resolved waiter's continuation schedules its own flush.
      this.flushing = false;
      this.writing = undefined;
    }
  }

  private async writeBatch(batch: Batch): Promise<void> {
    if (this.failure) {
      this.rejectBatch(batch, this.unavailable());
      return;
    }
    try {
      const file = await this.openSegment(batch.segment);
      await file.write(batch.frames.length === 1 ? batch.frames[0]! : Buffer.concat(batch.frames, batch.bytes));
      await file.sync();
      this.fileSyncedBytes += batch.bytes;
    } catch (error) {
      this.fail(error);
      this.rejectBatch(batch, this.unavailable());
      return;
    }
    this.stats.batches += 1;
    this.stats.fsyncs += 1;
    this.stats.records += batch.waiters.length;
    this.stats.bytes += batch.bytes;
    if (batch.segment >= this.coveredBelow) this.uncompactedBytes += batch.bytes;
    batch.settle(true);
    for (const waiter of batch.waiters) waiter.resolve();
    this.maybeCompact();
  }

  private rejectBatch(batch: Batch, error: Error): void {
    batch.settle(false);
    for (const waiter of batch.waiters) waiter.reject(error);
  }

  /** The file of `segment`, opened (and its name made durable) on first use. */
  private async openSegment(segment: number): Promise<JournalFile> {
    if (this.file && this.fileSegment === segment) return this.file;
    const previous = this.file;
    this.file = undefined;
    if (previous) await previous.close(); // every batch in it is fsynced already
    const file = await this.fs.open(join(this.dir, segmentName(segment)), 'append');
    try {
      await this.fs.syncDir(this.dir);
    } catch (error) {
      await file.close().catch(() => undefined);
      throw error;
    }
    this.file = file;
    this.fileSegment = segment;
    this.fileSyncedBytes = 0;
    return file;
  }

  private unavailable(): JournalUnavailableError {
    const cause = this.failure;
    const reason = cause instanceof Error ? cause.message : 'the disk refuses writes';
    return new JournalUnavailableError(`journal unavailable: ${reason}`, { cause });
  }

  /** Turns unhealthy: drops the open file, remembers its fsynced length, starts probing. */
  private fail(error: unknown): void {
    const wasHealthy = this.failure === undefined;
    this.failure = error instanceof Error ? error : new Error(String(error));
    if (this.file) {
      this.dirtyTail = { path: join(this.dir, segmentName(this.fileSegment)), length: this.fileSyncedBytes };
      const file = this.file;
      this.file = undefined;
      void file.close().catch(() => undefined);
    }
    if (wasHealthy) {
      this.stats.failures += 1;
      this.log?.warn({ err: this.failure, dir: this.dir }, 'journal: disk refuses writes; rejecting appends until it recovers');
    }
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.state === JournalState.Closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe();
    }, this.probeMs);
    this.probeTimer.unref();
  }

  /** Cuts a dirty tail, then tries a small write + fsync; healthy again if both work. */
  private async probe(): Promise<void> {
    if (this.state === JournalState.Closed || !this.failure) return;
    const probePath = join(this.dir, 'probe.tmp');
    try {
      if (this.dirtyTail) {
        await this.fs.truncate(this.dirtyTail.path, this.dirtyTail.length);
        this.dirtyTail = undefined;
      }
      const file = await this.fs.open(probePath, 'create');
      try {
        await file.write(Buffer.alloc(PROBE_BYTES));
        await file.sync();
      } finally {
        await file.close().catch(() => undefined);
        await this.fs.unlink(probePath).catch(() => undefined);
      }
    } catch {
      this.scheduleProbe();
      return;
    }
    // Continue in a fresh segment: the old one may end in a cut, never reopened.
    this.segment += 1;
    this.failure = undefined;
    this.log?.info({ dir: this.dir, segment: this.segment }, 'journal: disk takes writes again');
  }

  private maybeCompact(): void {
    if (
      this.state !== JournalState.Open ||
      !this.snapshotSource ||
      this.compaction ||
      this.failure ||
      this.uncompactedBytes < this.compactBytes ||
      Date.now() < this.nextCompactionMs
    ) {
      return;
    }
    // The rotation: one synchronous step, so `records` is exactly the effect
    // of everything appended to segments <= covered.
    const covered = this.segment;
    let records: JournalRecord[];
    try {
      records = Array.from(this.snapshotSource());
    } catch (error) {
      this.nextCompactionMs = Date.now() + this.compactRetryMs;
      this.log?.warn({ err: error, dir: this.dir }, 'journal: the snapshot source failed; compaction postponed');
      return;
    }
    this.segment = covered + 1;
    this.coveredBelow = covered + 1;
    const carried = this.uncompactedBytes;
    this.uncompactedBytes = 0;
    const lastBatch = this.queue.filter((batch) => batch.segment <= covered).at(-1) ?? this.writing;
    this.compaction = this.writeSnapshot(covered + 1, records, lastBatch?.done ?? Promise.resolve(true))
      .catch((error: unknown) => {
        this.uncompactedBytes += carried;
        this.nextCompactionMs = Date.now() + this.compactRetryMs;
        this.log?.warn({ err: error, dir: this.dir }, 'journal: compaction failed; the log is kept and replays as before');
      })
      .finally(() => (this.compaction = undefined));
  }

  private async writeSnapshot(number: number, records: JournalRecord[], coveredDurable: Promise<boolean>): Promise<void> {
    if (!(await coveredDurable)) throw new Error('the log the snapshot would replace was not written');
    const tmpPath = join(this.dir, `snapshot-${String(number).padStart(8, '0')}.tmp`);
    const file = await this.fs.open(tmpPath, 'create');
    try {
      let slice: Buffer[] = [];
      let sliceBytes = 0;
      for (const record of records) {
        const frame = encodeRecord(record);
        slice.push(frame);
        sliceBytes += frame.length;
        if (sliceBytes >= SNAPSHOT_SLICE_BYTES) {
          await file.write(Buffer.concat(slice, sliceBytes));
          slice = [];
          sliceBytes = 0;
          await yieldToEventLoop();
        }
      }
      if (sliceBytes > 0) await file.write(Buffer.concat(slice, sliceBytes));
      await file.sync();
    } catch (error) {
      await file.close().catch(() => undefined);
      await this.fs.unlink(tmpPath).catch(() => undefined);
      throw error;
    }
    await file.close();
    await this.fs.rename(tmpPath, join(this.dir, snapshotName(number)));
    await this.fs.syncDir(this.dir);
    this.stats.compactions += 1;
    this.log?.info({ dir: this.dir, snapshot: number, records: records.length }, 'journal: compacted');
    await this.removeLeftovers(await this.fs.readdir(this.dir), number, false);
  }

  /** Removes segments and snapshots a newer snapshot `base` covers, and stray temp files. */
  private async removeLeftovers(names: string[], base: number, removeTemp: boolean): Promise<void> {
    const stale = names.filter((name) => {
      if (name.endsWith('.tmp')) return removeTemp;
      const segment = SEGMENT_RE.exec(name);
      if (segment) return Number(segment[1]) < base;
      const snapshot = SNAPSHOT_RE.exec(name);
      return snapshot !== null && Number(snapshot[1]) < base;
    });
    for (const name of stale) await this.fs.unlink(join(this.dir, name)).catch(() => undefined);
  }

  private clearFlushTimer(): void {
    if (this.flushTimer === undefined) return;
    clearTimeout(this.flushTimer as NodeJS.Timeout);
    clearImmediate(this.flushTimer as NodeJS.Immediate);
    this.flushTimer = undefined;
  }

  private clearTimers(): void {
    this.clearFlushTimer();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/** Settings for `openJournal`, usually from the environment. */
export interface OpenJournalOptions extends FileJournalOptions {
  /** False for `CS_JOURNAL=off`: a NoJournal, so a restart changes every epoch. Default true. */
  enabled?: boolean;
}

/**
 * The journal for `dir` as configured: a FileJournal, or a NoJournal when
 * disabled. Replay is still the caller's first step.
 */
export function openJournal(dir: string, options: OpenJournalOptions = {}): Journal {
  const { enabled = true, ...rest } = options;
  return enabled ? new FileJournal(dir, rest) : new NoJournal();
}
