/**
 * Per-client limits that bound what one client can make the server keep
 * (issue 9): memory and disk must not grow without bound because of one
 * abusive script. Each limit answers 0 (allowed) or how long to wait, ms,
 * which the caller sends as `retry_after_ms` of an Error RATE_LIMITED (or
 * an Ack REJECTED).
 *
 * - New anonymous visitors per client IP per minute: every Hello without a
 *   token mints a visitor id and a conversation (in memory); a script doing
 *   that in a loop would otherwise mint without end.
 * - Bytes of message text a visitor may have stored per hour: a token bucket
 *   of that size refilled evenly over the hour, so a burst is fine and a
 *   flood of max-length texts is cut to a trickle.
 * - Conversations per visitor (topics): checked by the Hello handler against
 *   the store's count; a visitor past it gets an error instead of a new line.
 *
 * The buckets live in memory in maps of bounded size (the least recently
 * used entry goes first), so the limits themselves cannot be used to grow
 * memory.
 */

export interface QuotaOptions {
  /** Most conversations (topics) one visitor may have. Default 20 (`CS_MAX_CONVERSATIONS_PER_VISITOR`). */
  maxConversationsPerVisitor?: number;
  /** New anonymous visitor sessions one IP may open per minute. Default 30 (`CS_NEW_VISITORS_PER_IP_MINUTE`). */
  newVisitorsPerIpPerMinute?: number;
  /** Bytes of message text one visitor may have stored per hour. Default 1 MiB (`CS_VISITOR_BYTES_PER_HOUR`). */
  visitorBytesPerHour?: number;
  /** Most clients tracked per limit. Default 100000. */
  trackedClients?: number;
}

/** A token bucket that knows when it will have enough again. */
class Bucket {
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.atMs = nowMs;
  }

  /** Takes `amount` if there is that much; else 0 taken and the wait until there would be, ms. */
  take(amount: number, nowMs: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, nowMs - this.atMs) * this.perMs);
    this.atMs = nowMs;
    const want = Math.min(amount, this.capacity);
    if (this.tokens >= want) {
      this.tokens -= want;
      return 0;
    }
    return Math.max(1, Math.ceil((want - this.tokens) / this.perMs));
  }
}

/** Buckets per key in a map of bounded size. */
class BucketMap {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    private readonly max: number,
  ) {}

  take(key: string, amount: number, nowMs: number): number {
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = new Bucket(this.capacity, this.perMs, nowMs);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.max) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket.take(amount, nowMs);
  }
}

export class Quotas {
  readonly maxConversationsPerVisitor: number;
  private readonly newVisitors: BucketMap;
  private readonly visitorBytes: BucketMap;

  constructor(options: QuotaOptions = {}) {
    this.maxConversationsPerVisitor = options.maxConversationsPerVisitor ?? 20;
    const tracked = options.trackedClients ?? 100_000;
    const perMinute = Math.max(1, options.newVisitorsPerIpPerMinute ?? 30);
    const perHour = Math.max(1, options.visitorBytesPerHour ?? 1024 * 1024);
    this.newVisitors = new BucketMap(perMinute, perMinute / 60_000, tracked);
    this.visitorBytes = new BucketMap(perHour, perHour / 3_600_000, tracked);
  }

  /** A new anonymous visitor from `ip`: 0 when allowed, else the wait, ms. */
  newVisitor(ip: string, nowMs: number): number {
    return this.newVisitors.take(ip, 1, nowMs);
  }

  /** `bytes` more of a visitor's text to store: 0 when allowed, else the wait, ms. */
  storeBytes(visitorId: string, bytes: number, nowMs: number): number {
    return this.visitorBytes.take(visitorId, bytes, nowMs);
  }
}
