/**
 * Sign-in rate limit (DESIGN.md §2): failed attempts are counted per client
 * IP and per account (email) in a sliding window; past either limit every
 * attempt is refused, right password or not, until the oldest failure leaves
 * the window. A success clears the account's count (not the IP's: one valid
 * account must not launder guesses at others). Memory is bounded: at most
 * `maxKeys` keys are tracked, the stalest dropped first.
 */

/** Limits of the sign-in rate limiter. */
export interface LoginLimits {
  /** Failed attempts per account within the window before sign-in is refused. Default 5. */
  readonly perAccount: number;
  /** Failed attempts per client IP within the window. Default 20. */
  readonly perIp: number;
  /** The window, ms. Default 15 minutes. */
  readonly windowMs: number;
  /** Most keys tracked at once. Default 10000. */
  readonly maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perIp: 20, windowMs: 15 * 60_000, maxKeys: 10_000 };

/** Counts failures per key in a sliding window. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Ms until an attempt for this IP and email may be made, 0 when it may be made now. */
  retryAfterMs(ip: string, email: string): number {
    return Math.max(this.wait(`ip:${ip}`, this.limits.perIp), this.wait(`acct:${email.toLowerCase()}`, this.limits.perAccount));
  }

  /** Records a failed attempt. */
  failed(ip: string, email: string): void {
    this.add(`ip:${ip}`);
    this.add(`acct:${email.toLowerCase()}`);
  }

  /** Records a success: the account's failures are forgotten. */
  succeeded(email: string): void {
    this.failures.delete(`acct:${email.toLowerCase()}`);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  private wait(key: string, limit: number): number {
    const times = this.recent(key);
    if (times.length < limit) return 0;
    const oldestThatCounts = times[times.length - limit] ?? this.now();
    return Math.max(1, oldestThatCounts + this.limits.windowMs - this.now());
  }

  private add(key: string): void {
    const times = this.recent(key);
    times.push(this.now());
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.limits.maxKeys) {
      const stalest = this.failures.keys().next().value;
      if (stalest !== undefined) this.failures.delete(stalest);
    }
  }
}
