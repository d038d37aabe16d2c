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
 *
 * A fire is at most `perTurn()` keys: when more are due at once (every busy
 * conversation's window ends on the same tick, since they started together),
 * the rest fire in the next event-loop turns (`setImmediate`), so the socket
 * I/O of other work (Sends, Acks) runs between the slices instead of waiting
 * behind one burst that encodes and fans out everything (issue 16: the
 * once-a-second inbox batch to 200 agents was a 10–20 ms stall). A key's
 * window starts when it actually fires.
 */
export class KeyedThrottle {
  /** Keys inside their window: when they last fired, ms, and whether they changed since. */
  private readonly windows = new Map<string, { firedMs: number; dirty: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  /** Keys whose leading fire waits for the end of this event-loop turn. */
  private leading: string[] = [];
  private leadingImmediate: NodeJS.Immediate | undefined;
  /** Due keys waiting for a later event-loop turn (more than `perTurn()` were due at once). */
  private queued: string[] = [];
  private queuedImmediate: NodeJS.Immediate | undefined;
  private readonly tickMs: number;

  /**
   * @param intervalMs least time between two fires of one key, ms.
   * @param fire called with the keys to fire now.
   * @param now the clock, ms (injected for tests).
   * @param perTurn most keys in one `fire` call (read at each fire, so it can follow the audience); the rest fire in later event-loop turns. Default: no limit.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly fire: (keys: string[]) => void,
    private readonly now: () => number = Date.now,
    private readonly perTurn: () => number = () => Infinity,
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
    this.fireSliced(keys);
  }

  /** Fires up to `perTurn()` of `keys` now; queues the rest for the next turns. */
  private fireSliced(keys: string[]): void {
    const limit = Math.max(1, Math.floor(this.perTurn()));
    if (this.queued.length === 0 && keys.length <= limit) {
      this.fire(keys);
      return;
    }
    const sliceRunning = this.queued.length > 0;
    for (const key of keys) this.queued.push(key);
    if (!sliceRunning) this.fireQueued();
  }

  /** One slice of the queued keys; their windows restart now, when they really fire (with the state of now: a touch while queued is in it). */
  private fireQueued(): void {
    this.queuedImmediate = undefined;
    const limit = Math.max(1, Math.floor(this.perTurn()));
    const slice = this.queued.length <= limit ? this.queued : this.queued.slice(0, limit);
    this.queued = this.queued.length <= limit ? [] : this.queued.slice(limit);
    const now = this.now();
    for (const key of slice) {
      const window = this.windows.get(key);
      if (!window) continue;
      window.firedMs = now;
      window.dirty = false;
    }
    if (this.queued.length > 0) this.queuedImmediate = setImmediate(() => this.fireQueued());
    if (slice.length > 0) this.fire(slice);
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
    if (due.length > 0) this.fireSliced(due);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Cancels every pending trailing call. */
  dispose(): void {
    this.stopTimer();
    if (this.leadingImmediate) clearImmediate(this.leadingImmediate);
    if (this.queuedImmediate) clearImmediate(this.queuedImmediate);
    this.leadingImmediate = this.queuedImmediate = undefined;
    this.leading = [];
    this.queued = [];
    this.windows.clear();
  }
}
