/**
 * Per-connection token bucket (DESIGN.md §4). Every frame takes one token;
 * the bucket holds `burst` tokens and refills at `perSecond`. Time is
 * injected so the rule is testable without waiting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  /** Takes one token. Returns 0 when allowed, else the ms until a token is available. */
  take(nowMs: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.updatedMs) * this.perSecond) / 1000);
    this.updatedMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
