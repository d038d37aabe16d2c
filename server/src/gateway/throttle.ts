/**
 * Keyed leading+trailing coalescer on one shared timer. The first touch of a
 * quiet key fires at once (a quiet conversation's notice is not delayed);
 * later touches within `intervalMs` of that fire are folded into one trailing
 * fire with the latest state. So a busy conversation costs a watcher one
 * notice per interval (DESIGN.md §3.6).
 *
 * Every key due at the same tick fires in one `fire(keys)` call, which lets
 * the hub encode one batch for all of them; leading fires of one event-loop
 * turn are gathered the same way (on `setImmediate`, so 500 conversations
 * waking at once make one batch, not 500 frames). There is one timer for all
 * keys (not one per key), running only while some key is inside its window.
 * A trailing fire comes between `intervalMs` and `intervalMs * 1.25` after the
 * previous fire of its key (the tick is a quarter interval).
 */
export class KeyedThrottle {
  /** Keys inside their window: when they last fired, ms, and whether they changed since. */
  private readonly windows = new Map<string, { firedMs: number; dirty: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  /** Keys whose leading fire waits for the end of this event-loop turn. */
  private leading: string[] = [];
  private leadingImmediate: NodeJS.Immediate | undefined;
  private readonly tickMs: number;

  /**
   * @param intervalMs least time between two fires of one key, ms.
   * @param fire called with the keys to fire now.
   * @param now the clock, ms (injected for tests).
   */
  constructor(
    private readonly intervalMs: number,
    private readonly fire: (keys: string[]) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.tickMs = Math.max(5, Math.floor(intervalMs / 4));
  }

  /** Notes a change of `key`. */
  touch(key: string): void {
    const window = this.windows.get(key);
    if (window) {
      window.dirty = true;
      return;
    }
    this.windows.set(key, { firedMs: this.now(), dirty: false });
    this.startTimer();
    this.leading.push(key);
    this.leadingImmediate ??= setImmediate(() => this.fireLeading());
  }

  private fireLeading(): void {
    const keys = this.leading;
    this.leading = [];
    this.leadingImmediate = undefined;
    this.fire(keys);
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Fires every dirty key whose window ended; closes the windows of clean ones. */
  private tick(): void {
    const now = this.now();
    const due: string[] = [];
    for (const [key, window] of this.windows) {
      if (now - window.firedMs < this.intervalMs) continue;
      if (!window.dirty) {
        this.windows.delete(key);
        continue;
      }
      window.firedMs = now;
      window.dirty = false;
      due.push(key);
    }
    if (this.windows.size === 0) this.stopTimer();
    if (due.length > 0) this.fire(due);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Cancels every pending trailing call. */
  dispose(): void {
    this.stopTimer();
    if (this.leadingImmediate) clearImmediate(this.leadingImmediate);
    this.leadingImmediate = undefined;
    this.leading = [];
    this.windows.clear();
  }
}
