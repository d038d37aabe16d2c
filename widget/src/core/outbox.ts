/**
 * The outbox state machine (DESIGN.md §3.2-3.3), pure: the clock and the
 * randomness are injected, no timers, no storage. The session persists
 * entries and arms one timer at `nextWakeMs()`.
 *
 *   queued --send--> sending --Ack--> sent (removed)
 *     ^                 |  \--ack timeout, attempts left--> queued (after backoff)
 *     |                 |---ack timeout, no attempts left / REJECTED for good--> failed
 *     |                 \---REJECTED with retry_after--> queued (after retry_after)
 *     \------------------------------- retry() ----------- failed
 */
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';

/** Time to wait for an Ack before resending, ms: the one default (session options and leases derive from it). */
export const DEFAULT_ACK_TIMEOUT_MS = 8000;
/** Sends before a message shows failed: the one default. */
export const DEFAULT_MAX_SEND_ATTEMPTS = 5;

export const OutboxState = {
  Queued: 'queued',
  Sending: 'sending',
  Sent: 'sent',
  Failed: 'failed',
} as const;
export type OutboxState = (typeof OutboxState)[keyof typeof OutboxState];

/** What is sent: the Send frame's content. */
export interface OutgoingMessage {
  readonly clientMsgId: string;
  readonly conversationId: string;
  /** cs.v1.MessageKind value. */
  readonly kind: number;
  readonly text: string;
  readonly quoteSeq: number;
  /** Creation time, ms since the epoch; the resend order. */
  readonly createdMs: number;
}

export interface OutboxEntry extends OutgoingMessage {
  readonly state: OutboxState;
  /** Sends so far. */
  readonly attempts: number;
  /** Queued: not before this time, ms. Sending: the ack deadline, ms. */
  readonly dueMs: number;
  readonly error?: string;
}

export interface OutboxOptions {
  /** Current time, ms. */
  readonly now: () => number;
  /** Uniform in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Time to wait for an Ack before resending, ms. Default 8000. */
  readonly ackTimeoutMs?: number;
  /** Sends before the message shows failed. Default 5. */
  readonly maxAttempts?: number;
  /** Resend backoff. Default base 500 ms, cap 20000 ms. */
  readonly backoff?: BackoffOptions;
}

/** Creation order: time, then id, so every tab sorts the same way. */
export function byCreation(a: OutgoingMessage, b: OutgoingMessage): number {
  return a.createdMs - b.createdMs || (a.clientMsgId < b.clientMsgId ? -1 : a.clientMsgId > b.clientMsgId ? 1 : 0);
}

export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly now: () => number;
  private readonly random: () => number;
  /** Time to wait for an Ack before resending, ms (the option, or `DEFAULT_ACK_TIMEOUT_MS`). */
  readonly ackTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffOptions;
  /** The newest creation time this outbox has seen or handed out, ms. */
  private newestMs = 0;

  constructor(options: OutboxOptions) {
    this.now = options.now;
    this.random = options.random ?? Math.random;
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_SEND_ATTEMPTS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * The creation time for a new message: now, or 1 ms past the newest one
   * known (this tab's, another tab's, one restored from IndexedDB). Creation
   * order is `byCreation`, and a tie would fall back to the random id: two
   * sends in one millisecond (or a clock set back) must still sort in the
   * order they were written, in every tab.
   */
  createdMs(): number {
    return (this.newestMs = Math.max(this.now(), this.newestMs + 1));
  }

  /** Adds a message as queued and due now. No-op (returns the held entry) if the id is known. */
  add(message: OutgoingMessage, failed = false): OutboxEntry {
    this.newestMs = Math.max(this.newestMs, message.createdMs);
    const held = this.entries.get(message.clientMsgId);
    if (held) return held;
    const entry: OutboxEntry = {
      ...message,
      state: failed ? OutboxState.Failed : OutboxState.Queued,
      attempts: 0,
      dueMs: this.now(),
    };
    this.entries.set(entry.clientMsgId, entry);
    return entry;
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    return this.entries.get(clientMsgId);
  }

  /** Every entry in creation order. */
  all(): OutboxEntry[] {
    return [...this.entries.values()].sort(byCreation);
  }

  /**
   * What to send now: per conversation, its oldest queued entry, if its time
   * has come and nothing of that conversation is in flight (`Sending`); in
   * creation order across conversations. The head-of-line rule: a later
   * message waits behind an earlier one that is on the wire or must wait (a
   * backoff, a retry_after, another tab's lease). On the wire matters as much
   * as waiting: were both sent, the server could answer the earlier REJECTED
   * (retry_after) and store the later one, which would take the lower seq.
   * So a conversation has one message in flight at a time; conversations do
   * not hold each other up. A failed entry holds nothing back (it waits for
   * the visitor's Retry).
   * @param now the time to judge by, ms; default the clock's now (a flush
   *   passes one time for its whole round).
   */
  due(now: number = this.now()): OutboxEntry[] {
    const held = new Set<string>();
    const due: OutboxEntry[] = [];
    for (const e of this.all()) {
      if (e.state !== OutboxState.Queued && e.state !== OutboxState.Sending) continue;
      if (held.has(e.conversationId)) continue;
      held.add(e.conversationId);
      if (e.state === OutboxState.Queued && e.dueMs <= now) due.push(e);
    }
    return due;
  }

  /** The entry went on the wire: count the attempt and start the ack timer. */
  markSending(clientMsgId: string): OutboxEntry | undefined {
    return this.update(clientMsgId, (e) => ({
      ...e,
      state: OutboxState.Sending,
      attempts: e.attempts + 1,
      dueMs: this.now() + this.ackTimeoutMs,
    }));
  }

  /** Another tab holds the entry until `untilMs`: look again then, without counting an attempt. */
  defer(clientMsgId: string, untilMs: number): OutboxEntry | undefined {
    return this.update(clientMsgId, (e) => (e.state === OutboxState.Failed ? e : { ...e, state: OutboxState.Queued, dueMs: untilMs }));
  }

  /** The Ack came (OK or DUPLICATE): the entry leaves the outbox. */
  acked(clientMsgId: string): OutboxEntry | undefined {
    const entry = this.entries.get(clientMsgId);
    this.entries.delete(clientMsgId);
    return entry && { ...entry, state: OutboxState.Sent };
  }

  /** REJECTED: after `retryAfterMs` when > 0, else failed for good with `reason`. */
  rejected(clientMsgId: string, retryAfterMs: number, reason: string): OutboxEntry | undefined {
    return this.update(clientMsgId, (e) =>
      retryAfterMs > 0
        ? { ...e, state: OutboxState.Queued, dueMs: this.now() + retryAfterMs, error: reason }
        : { ...e, state: OutboxState.Failed, error: reason || 'rejected' },
    );
  }

  /**
   * Sending entries past their ack deadline go back to queued after a
   * backoff, or to failed once `maxAttempts` sends went unanswered.
   * @returns the entries that changed.
   */
  expire(): OutboxEntry[] {
    const now = this.now();
    const changed: OutboxEntry[] = [];
    for (const e of this.all()) {
      if (e.state !== OutboxState.Sending || e.dueMs > now) continue;
      const next: OutboxEntry =
        e.attempts >= this.maxAttempts
          ? { ...e, state: OutboxState.Failed, error: 'no answer from the server' }
          : { ...e, state: OutboxState.Queued, dueMs: now + backoffDelay(e.attempts - 1, this.backoff, this.random) };
      this.entries.set(e.clientMsgId, next);
      changed.push(next);
    }
    return changed;
  }

  /** The socket was replaced: what was in flight is resent at once on the next connection, attempts kept. */
  requeueInFlight(): void {
    const now = this.now();
    for (const e of this.all()) {
      if (e.state === OutboxState.Sending) this.entries.set(e.clientMsgId, { ...e, state: OutboxState.Queued, dueMs: now });
    }
  }

  /** `retry()` of a failed message: queued again, due now, attempts from zero. */
  retry(clientMsgId: string): OutboxEntry | undefined {
    return this.update(clientMsgId, (e) =>
      e.state === OutboxState.Failed ? { ...e, state: OutboxState.Queued, attempts: 0, dueMs: this.now(), error: undefined } : e,
    );
  }

  remove(clientMsgId: string): void {
    this.entries.delete(clientMsgId);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * When the session must look again, ms; undefined if never: the earliest
   * ack deadline, or the time the head of a conversation's queue is due.
   * An entry held behind its conversation's head (queued, or in flight, see
   * `due()`) does not count: it cannot go before the head, and its own (past)
   * time would wake the session over and over for nothing; the head's Ack
   * (or its deadline) is what lets it go.
   */
  nextWakeMs(): number | undefined {
    let next: number | undefined;
    const headSeen = new Set<string>();
    for (const e of this.all()) {
      if (e.state === OutboxState.Queued) {
        if (headSeen.has(e.conversationId)) continue;
        headSeen.add(e.conversationId);
      } else if (e.state === OutboxState.Sending) {
        headSeen.add(e.conversationId);
      } else continue;
      next = next === undefined ? e.dueMs : Math.min(next, e.dueMs);
    }
    return next;
  }

  private update(clientMsgId: string, change: (e: OutboxEntry) => OutboxEntry): OutboxEntry | undefined {
    const e = this.entries.get(clientMsgId);
    if (!e) return undefined;
    const next = change(e);
    this.entries.set(clientMsgId, next);
    return next;
  }
}
