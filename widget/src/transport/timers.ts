/** Timers that tear down together: every timer the session's parts arm, released in one place on `stop()`. */
import type { Disposer } from '../core/types.js';

/** The clock functions a timer set needs (the session's injected environment). */
export interface TimerEnv {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** A set of one-shot timers, each returned as a disposer; `clear()` cancels those still pending. */
export class Timers {
  private readonly pending = new Set<Disposer>();

  constructor(private readonly env: TimerEnv) {}

  /** Runs `fn` after `ms`, unless disposed or cleared first. */
  later(ms: number, fn: () => void): Disposer {
    const id = this.env.setTimeout(() => {
      this.pending.delete(dispose);
      fn();
    }, ms);
    const dispose: Disposer = () => {
      this.env.clearTimeout(id);
      this.pending.delete(dispose);
    };
    this.pending.add(dispose);
    return dispose;
  }

  /** Cancels every pending timer. */
  clear(): void {
    for (const dispose of this.pending) dispose();
    this.pending.clear();
  }
}
