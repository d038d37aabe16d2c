/**
 * Keyed leading+trailing throttle: the first touch of a key fires at once,
 * later touches within `intervalMs` fire once at the end of the interval with
 * the latest state. So a busy conversation costs a watcher one frame per
 * interval (DESIGN.md §3.6), and a quiet one gets its update without delay.
 */
export class KeyedThrottle {
  private readonly windows = new Map<string, { timer: NodeJS.Timeout; dirty: boolean }>();

  constructor(
    private readonly intervalMs: number,
    private readonly fire: (key: string) => void,
  ) {}

  /** Notes a change of `key`. */
  touch(key: string): void {
    const window = this.windows.get(key);
    if (window) {
      window.dirty = true;
      return;
    }
    this.fire(key);
    this.open(key);
  }

  private open(key: string): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (window?.dirty) {
        this.fire(key);
        this.open(key);
      }
    }, this.intervalMs);
    timer.unref();
    this.windows.set(key, { timer, dirty: false });
  }

  /** Cancels every pending trailing call. */
  dispose(): void {
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }
}
