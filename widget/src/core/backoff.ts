/** Reconnect and resend delays: exponential backoff with full jitter. */

export interface BackoffOptions {
  /** Delay ceiling of the first attempt, ms. */
  readonly baseMs: number;
  /** Largest ceiling, ms. */
  readonly capMs: number;
}

/** The one place the backoff defaults live: base 500 ms, cap 20000 ms (reconnects and resends alike). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 20000 };

/** Backoff options from optional settings, each falling back to `DEFAULT_BACKOFF`. */
export function backoffOptions(baseMs?: number, capMs?: number): BackoffOptions {
  return { baseMs: baseMs ?? DEFAULT_BACKOFF.baseMs, capMs: capMs ?? DEFAULT_BACKOFF.capMs };
}

/**
 * Full-jitter backoff: a delay drawn uniformly from
 * `[0, min(capMs, baseMs * 2^attempt)]`. Full jitter (not "equal jitter") is
 * what spreads thousands of widgets reconnecting after one server restart.
 *
 * @param attempt 0 for the first retry.
 * @param random  uniform in [0, 1); injected so tests are deterministic.
 * @returns delay in ms, an integer.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(random() * ceiling);
}
