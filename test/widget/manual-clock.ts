/**
 * A clock for session tests: `now()`, `setTimeout` and `clearTimeout` that
 * move only when the test says so. The session's timers (ack timeouts,
 * backoff, batching, leases) then run at exact moments, with no real waits;
 * IndexedDB, the fake server's sockets and BroadcastChannel keep their real
 * timing, which tests wait out with `waitFor` on a condition.
 */
import { sleep } from './helpers.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class ManualClock {
  /** The current time, ms; starts at the real time so stored times look ordinary. */
  nowMs = Date.now();
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;

  /** The part of a session's environment this clock provides. */
  readonly env = {
    now: (): number => this.nowMs,
    setTimeout: (fn: () => void, ms: number): unknown => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.nowMs + Math.max(0, ms), seq: id, fn });
      return id;
    },
    clearTimeout: (id: unknown): void => {
      this.timers.delete(id as number);
    },
    random: (): number => 0.5,
  };

  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running each timer that falls due in time order (also ones set meanwhile). */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (let ran = 0; ; ran++) {
      if (ran > 10_000) throw new Error(`a timer loop: over 10000 timers ran within ${ms} ms of clock time`);
      let next: [number, Timer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.nowMs = Math.max(this.nowMs, next[1].at);
      next[1].fn();
    }
    this.nowMs = end;
  }

  /**
   * Advances `stepMs` at a time, letting IndexedDB and the sockets run
   * between steps, until `check` holds; fails naming `what` after `maxMs` of
   * clock time.
   */
  async until(what: string, check: () => boolean | Promise<boolean>, stepMs = 100, maxMs = 120_000): Promise<void> {
    for (let spent = 0; !(await check()); spent += stepMs) {
      if (spent > maxMs) throw new Error(`timed out waiting for ${what} (${maxMs} ms of clock time)`);
      this.advance(stepMs);
      await sleep(1);
    }
  }
}
