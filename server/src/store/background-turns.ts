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
 */

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

/** Runs one background job at a time, each as soon as it is due (see above). */
export class BackgroundScheduler {
  /** Cancels the job waiting to run, if any. */
  private cancel: (() => void) | undefined;
  private closed = false;

  /**
   * @param due how soon each job is due now (asked again when the job is about to run: a batch may have come in between)
   * @param run runs one job; true when it ran (false: it failed, and waits for the next `schedule`, i.e. the next batch)
   */
  constructor(
    private readonly due: () => BackgroundDue,
    private readonly run: (job: BackgroundJob) => boolean,
    private readonly timers: BackgroundTimers = realTimers,
  ) {}

  /** Queues the next job unless one is queued already (after each batch, and after each job). */
  schedule(): void {
    if (this.cancel || this.closed) return;
    const next = nextBackground(this.due());
    if (!next) return;
    this.cancel = next.inMs <= 0 ? this.timers.immediate(() => this.fire()) : this.timers.timer(() => this.fire(), next.inMs);
  }

  /** Cancels what is queued; nothing runs after. */
  close(): void {
    this.closed = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private fire(): void {
    this.cancel = undefined;
    if (this.closed) return;
    const next = nextBackground(this.due());
    if (next && next.inMs <= 0 && !this.run(next.job)) return;
    this.schedule();
  }
}
