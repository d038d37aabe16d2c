/**
 * When the writer thread (writer-worker.ts) runs its background jobs: a step
 * of the message log's merge (message-log.ts) or a slice of the search index
 * (search-index.ts), between the batches.
 *
 * - A merge step goes first whenever one is due: merges bound the log and
 *   the unmerged messages the main thread keeps in memory until they are in
 *   `messages`. The index is derived data: under a load the writer can not
 *   follow, search lags until the load drops, and no memory grows with it.
 * - A job due now is queued with setImmediate: the batches posted meanwhile
 *   are handled first (poll phase, before the check phase), so a batch waits
 *   for at most the one job under way (each a few ms, `MERGE_SLICE_MS`). A 0 ms timer
 *   instead put at least 1 ms between jobs, which capped them at a few
 *   hundred a second: in the soak at 24,000 msg/s (2026-12-06) merge steps
 *   ran 209 a second, fewer than the load needed, the unmerged messages
 *   grew the hot set from 122 to 215 MiB in 17 s (`CS_HOT_SET_MB` 64), and
 *   RSS by 112 MiB; queued at once they ran 388-426 a second and the hot
 *   set stayed at 27-31 MiB (RSS +25 MiB).
 * - A job due later waits on a timer.
 * - **A job goes in the gap before the next batch** (issue 9's p99 after the
 *   fill). The main thread publishes when its next batch leaves (`NextBatch`,
 *   a shared cell): nothing open (then the next one is at least `commitMs`
 *   away: a first record starts that timer), a timer's deadline, or at once
 *   (records gathered while a commit was under way). A job due now is sized
 *   to end before that (`jobBudgetMs`): the full `JOB_MS` when the gap
 *   allows, less when it is shorter. A gap under `MIN_JOB_MS` waits for the
 *   batch instead (a tiny slice pays a slice's fixed costs for a few rows),
 *   and the job then runs right after it, whatever the next gap: a job waits
 *   for one batch at most. With no gap to find (batches back to back under
 *   load, or `commitMs` 0) jobs run at full size between the batches, as
 *   before. Measured in the soak at 3,000 msg/s, whose generator sends a
 *   burst every 5 ms: see the note of stop 35 (issue 9).
 */

/**
 * What one job is sized to hold the writer thread at most, ms: the merge's
 * and the index's slice target (message-log.ts `MERGE_SLICE_MS`,
 * search-index.ts `SLICE_MS`).
 */
export const JOB_MS = 4;
/** The shortest job worth running in a gap, ms; a shorter gap waits for the batch. */
export const MIN_JOB_MS = 1.5;
/** What a job is sized to leave free before the next batch, ms (jobs overrun their target a little). */
export const GAP_MARGIN_MS = 0.5;

/** The next batch leaves the main thread at once (records gathered while one was in flight, or requests queued). */
const AT_ONCE = -1;
/** No batch is open: the next one leaves `commitMs` after a first record, at the earliest. */
const NONE = 0;

/** The current time as both threads read it, ms since the epoch with a fraction (each thread's `performance` has its own origin). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * When the main thread's next batch leaves, in one shared Float64
 * (`AT_ONCE`, `NONE` or a deadline in `sharedNow` time): written by the main
 * thread (writer.ts), read by the writer thread before each job.
 */
export class NextBatch {
  readonly cell: Float64Array;

  /** @param buffer the shared cell (8 bytes); a new one when omitted */
  constructor(
    private readonly commitMs: number,
    buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
  ) {
    this.cell = new Float64Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.cell.buffer as SharedArrayBuffer;
  }

  /** The main thread: the next batch leaves at once (true), at `deadline` (`sharedNow` time), or none is open (undefined). */
  publish(next: true | number | undefined): void {
    this.cell[0] = next === true ? AT_ONCE : next === undefined ? NONE : next;
  }

  /** The writer thread: ms until the next batch may arrive (0: now, or no gap to count on). */
  gapMs(now = sharedNow()): number {
    const next = this.cell[0]!;
    if (next === AT_ONCE) return 0;
    if (next === NONE) return Math.max(0, this.commitMs);
    return Math.max(0, next - now);
  }
}

/**
 * How long a job due now may hold the writer, given the gap before the next
 * batch (ms): `JOB_MS` when it fits, the gap less `GAP_MARGIN_MS` down to
 * `MIN_JOB_MS`, and undefined when the gap is shorter than that (wait for
 * the batch). No gap at all (0: back to back) is a full job.
 */
export function jobBudgetMs(gapMs: number): number | undefined {
  if (gapMs <= 0) return JOB_MS;
  const fits = gapMs - GAP_MARGIN_MS;
  if (fits >= JOB_MS) return JOB_MS;
  return fits >= MIN_JOB_MS ? fits : undefined;
}

/** The two kinds of background job. */
export type BackgroundJob = 'merge' | 'index';

/** How soon each job is due, ms (0: now; undefined: it has nothing to do). */
export interface BackgroundDue {
  readonly merge: number | undefined;
  readonly index: number | undefined;
}

/** The next job and how long until it is due, ms. */
export function nextBackground(due: BackgroundDue): { job: BackgroundJob; inMs: number } | undefined {
  if (due.merge === undefined && due.index === undefined) return undefined;
  if (due.index === undefined || (due.merge !== undefined && due.merge <= due.index)) return { job: 'merge', inMs: due.merge! };
  return { job: 'index', inMs: due.index };
}

/** The timers a scheduler uses (tests pass fakes). */
export interface BackgroundTimers {
  immediate(run: () => void): () => void;
  timer(run: () => void, ms: number): () => void;
}

const realTimers: BackgroundTimers = {
  immediate(run) {
    const handle = setImmediate(run);
    return () => clearImmediate(handle);
  },
  timer(run, ms) {
    const handle = setTimeout(run, ms);
    return () => clearTimeout(handle);
  },
};

/** Runs one background job at a time, each as soon as it is due and fits before the next batch (see above). */
export class BackgroundScheduler {
  /** Cancels the job waiting to run, if any. */
  private cancel: (() => void) | undefined;
  private closed = false;
  /** A job waits for the next batch: once a request was handled (or the wait's timer fired) it runs whatever the gap. */
  private waitedForBatch = false;

  /**
   * @param due how soon each job is due now (asked again when the job is about to run: a batch may have come in between)
   * @param run runs one job within `budgetMs`; true when it ran (false: it failed, and waits for the next `schedule`, i.e. the next batch)
   * @param gapMs ms until the next batch may arrive (`NextBatch.gapMs`); always 0 (no gap: full jobs) when omitted
   */
  constructor(
    private readonly due: () => BackgroundDue,
    private readonly run: (job: BackgroundJob, budgetMs: number) => boolean,
    private readonly timers: BackgroundTimers = realTimers,
    private readonly gapMs: () => number = () => 0,
  ) {}

  /** Queues the next job unless one is queued already (after each job). */
  schedule(): void {
    if (this.cancel || this.closed) return;
    const next = nextBackground(this.due());
    if (!next) return;
    this.cancel = next.inMs <= 0 ? this.timers.immediate(() => this.fire()) : this.timers.timer(() => this.fire(), next.inMs);
  }

  /** The thread handled a request (a batch): a job waiting for it goes now, then the next is queued. */
  handled(): void {
    if (this.waitedForBatch && this.cancel) {
      this.cancel();
      this.cancel = this.timers.immediate(() => this.fire(true));
      return;
    }
    this.schedule();
  }

  /** Cancels what is queued; nothing runs after. */
  close(): void {
    this.closed = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** @param waited the job waited for a batch already: it runs now, whatever the gap */
  private fire(waited = false): void {
    this.cancel = undefined;
    this.waitedForBatch = false;
    if (this.closed) return;
    const next = nextBackground(this.due());
    if (next && next.inMs <= 0) {
      const gap = this.gapMs();
      let budget = jobBudgetMs(gap);
      if (budget === undefined && !waited) {
        // Too short a gap: the batch goes first (handled() runs the job after it), or, should none come, the job after the gap.
        this.waitedForBatch = true;
        this.cancel = this.timers.timer(() => this.fire(true), gap + GAP_MARGIN_MS);
        return;
      }
      budget ??= JOB_MS;
      if (!this.run(next.job, budget)) return;
    }
    this.schedule();
  }
}
