/**
 * How long the writer thread spends on each kind of work (issue 16: find the
 * stalls behind the p99). A batch waits for whatever the thread does when it
 * arrives, so each job's duration is the longest wait it can add to a send.
 * The thread times every job and posts what it timed about once a second;
 * the main thread puts the durations into a histogram on /metrics
 * (`cs_store_writer_job_seconds{job}`; store/metrics.ts).
 */

/**
 * The writer thread's kinds of work (`index`: a search index slice,
 * `segments`: a merge step of its segments, search-merge.ts), and `queue`:
 * how long a batch waited from its post to its start (behind a job, or for
 * the thread's turn).
 */
export type WriterJob = 'commit' | 'merge' | 'index' | 'segments' | 'checkpoint' | 'queue';

/** Durations in ms per job since the last post. */
export type JobDurations = Partial<Record<WriterJob, number[]>>;

/** Collects durations on the writer thread. */
export class JobTimings {
  private pending: JobDurations = {};
  private count = 0;

  /** Runs `work` and notes how long it took under `job`. */
  time<T>(job: WriterJob, work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.note(job, performance.now() - started);
    }
  }

  /** Notes a duration measured elsewhere under `job`. */
  note(job: WriterJob, ms: number): void {
    // At most a few hundred jobs a second; the cap keeps a post small if the main thread never reads them.
    if (this.count < 10_000) {
      (this.pending[job] ??= []).push(ms);
      this.count += 1;
    }
  }

  /** What was timed since the last call, or undefined when nothing was. */
  take(): JobDurations | undefined {
    if (this.count === 0) return undefined;
    const taken = this.pending;
    this.pending = {};
    this.count = 0;
    return taken;
  }
}
