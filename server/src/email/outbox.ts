/**
 * The outbound email queue (`email_outbox`, `email_due`; schema.ts).
 *
 * Never twice: an email is an *intent* row, written (with its stable
 * Message-ID and, for a reply, the seqs it carries) before the SMTP
 * server hears of it, in the same transaction that takes its messages off
 * `email_due`. The sender marks it `sending` (with the time of the next try)
 * before it talks to SMTP and `sent` after the server accepted it. So:
 * - a second look at the same conversation finds the seqs already taken
 *   (`lastReplySeq`) and makes no second email for them;
 * - SMTP down: the row stays `pending`, retried with backoff;
 * - a crash after SMTP accepted and before `sent` was written leaves the row
 *   `sending`; the next start sends the *same* email again — same
 *   Message-ID, same bytes — which the receiving mail system treats as one
 *   message (it is not a second, different email). Nothing can do better
 *   over SMTP: whether the server's "250 OK" arrived is unknowable after a
 *   crash, and dropping the row instead would lose the email.
 */
import type Database from 'better-sqlite3';
import type { MailPayload } from './compose.js';

export type OutboxKind = 'reply' | 'transcript' | 'alert';
export type OutboxState = 'pending' | 'sending' | 'sent' | 'dropped';

/** One queued email. */
export interface OutboxEntry {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly conversationId: string;
  readonly to: string;
  readonly messageId: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly payload: MailPayload;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly lastError: string;
  readonly createdMs: number;
  readonly sentMs: number | null;
}

interface Row {
  id: string;
  kind: OutboxKind;
  conversation_id: string;
  to_addr: string;
  message_id: string;
  first_seq: number;
  last_seq: number;
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_ms: number;
  last_error: string;
  created_ms: number;
  sent_ms: number | null;
}

function entry(row: Row): OutboxEntry {
  return {
    id: row.id,
    kind: row.kind,
    conversationId: row.conversation_id,
    to: row.to_addr,
    messageId: row.message_id,
    firstSeq: row.first_seq,
    lastSeq: row.last_seq,
    payload: JSON.parse(row.payload) as MailPayload,
    state: row.state,
    attempts: row.attempts,
    nextAttemptMs: row.next_attempt_ms,
    lastError: row.last_error,
    createdMs: row.created_ms,
    sentMs: row.sent_ms,
  };
}

/** A new intent. */
export interface NewEntry {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly conversationId: string;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly payload: MailPayload;
  readonly nowMs: number;
}

export class Outbox {
  constructor(private readonly db: Database.Database) {}

  /** Records an intent (state `pending`, due now). */
  add(item: NewEntry): void {
    this.db
      .prepare(
        `INSERT INTO email_outbox (id, kind, conversation_id, to_addr, message_id, first_seq, last_seq, payload, state, attempts, next_attempt_ms, created_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      )
      .run(item.id, item.kind, item.conversationId, item.payload.to, item.payload.messageId, item.firstSeq ?? 0, item.lastSeq ?? 0, JSON.stringify(item.payload), item.nowMs, item.nowMs);
  }

  /** Runs `work` in one transaction (an intent and its bookkeeping together). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  get(id: string): OutboxEntry | undefined {
    const row = this.db.prepare('SELECT * FROM email_outbox WHERE id = ?').get(id) as Row | undefined;
    return row && entry(row);
  }

  /** Every entry of a conversation, oldest first (tests, the thread's Message-IDs). */
  ofConversation(conversationId: string): OutboxEntry[] {
    return (this.db.prepare('SELECT * FROM email_outbox WHERE conversation_id = ? ORDER BY created_ms, rowid').all(conversationId) as Row[]).map(entry);
  }

  /** Entries to (re)send now: pending or left `sending` by a crash, due by `nowMs`. */
  due(nowMs: number, limit = 20): OutboxEntry[] {
    return (
      this.db.prepare("SELECT * FROM email_outbox WHERE state IN ('pending', 'sending') AND next_attempt_ms <= ? ORDER BY next_attempt_ms, rowid LIMIT ?").all(nowMs, limit) as Row[]
    ).map(entry);
  }

  /** The time the next entry is due, or undefined when nothing waits. */
  nextDueMs(): number | undefined {
    const row = this.db.prepare("SELECT MIN(next_attempt_ms) AS at FROM email_outbox WHERE state IN ('pending', 'sending')").get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** Before talking to SMTP: `sending`, one more attempt, and when to try again if this one never reports back. */
  markSending(id: string, retryAtMs: number): void {
    this.db.prepare("UPDATE email_outbox SET state = 'sending', attempts = attempts + 1, next_attempt_ms = ? WHERE id = ?").run(retryAtMs, id);
  }

  /** The SMTP server accepted it. */
  markSent(id: string, nowMs: number): void {
    this.db.prepare("UPDATE email_outbox SET state = 'sent', sent_ms = ?, last_error = '' WHERE id = ?").run(nowMs, id);
  }

  /** A temporary failure: back to `pending`, tried again at `retryAtMs`. */
  markRetry(id: string, retryAtMs: number, error: string): void {
    this.db.prepare("UPDATE email_outbox SET state = 'pending', next_attempt_ms = ?, last_error = ? WHERE id = ?").run(retryAtMs, error.slice(0, 500), id);
  }

  /** Given up (a permanent refusal, too many attempts, or unsubscribed). */
  markDropped(id: string, error: string): void {
    this.db.prepare("UPDATE email_outbox SET state = 'dropped', last_error = ? WHERE id = ?").run(error.slice(0, 500), id);
  }

  /** Drops every unsent email of a conversation (the visitor unsubscribed). */
  dropConversation(conversationId: string, reason: string): number {
    return this.db.prepare("UPDATE email_outbox SET state = 'dropped', last_error = ? WHERE conversation_id = ? AND kind != 'alert' AND state IN ('pending', 'sending')").run(reason, conversationId).changes;
  }

  /** The highest seq a reply email of the conversation carries (0: none). */
  lastReplySeq(conversationId: string): number {
    const row = this.db.prepare("SELECT MAX(last_seq) AS seq FROM email_outbox WHERE conversation_id = ? AND kind = 'reply'").get(conversationId) as { seq: number | null };
    return row.seq ?? 0;
  }

  /** Message-IDs of the conversation's emails to the visitor so far (threading), oldest first. */
  threadIds(conversationId: string): string[] {
    return (this.db.prepare("SELECT message_id FROM email_outbox WHERE conversation_id = ? AND kind != 'alert' ORDER BY created_ms, rowid").all(conversationId) as { message_id: string }[]).map((r) => r.message_id);
  }

  /** Marks a conversation to be looked at when `dueMs` comes (keeps the earlier time). */
  watch(conversationId: string, dueMs: number): void {
    this.db.prepare('INSERT INTO email_due (conversation_id, due_ms) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET due_ms = MIN(due_ms, excluded.due_ms)').run(conversationId, dueMs);
  }

  /** Conversations whose look is due. */
  dueWatches(nowMs: number, limit = 50): { conversationId: string; dueMs: number }[] {
    return (this.db.prepare('SELECT conversation_id, due_ms FROM email_due WHERE due_ms <= ? ORDER BY due_ms LIMIT ?').all(nowMs, limit) as { conversation_id: string; due_ms: number }[]).map((r) => ({
      conversationId: r.conversation_id,
      dueMs: r.due_ms,
    }));
  }

  /** The earliest watch, or undefined. */
  nextWatchMs(): number | undefined {
    const row = this.db.prepare('SELECT MIN(due_ms) AS at FROM email_due').get() as { at: number | null };
    return row.at ?? undefined;
  }

  unwatch(conversationId: string): void {
    this.db.prepare('DELETE FROM email_due WHERE conversation_id = ?').run(conversationId);
  }

  /** Whether an agent gets new-conversation alerts (default yes). */
  alertsOn(accountId: string): boolean {
    const row = this.db.prepare('SELECT new_conversation_alerts AS on_ FROM email_agent_prefs WHERE account_id = ?').get(accountId) as { on_: number } | undefined;
    return row ? row.on_ === 1 : true;
  }

  setAlerts(accountId: string, on: boolean, nowMs: number): void {
    this.db
      .prepare('INSERT INTO email_agent_prefs (account_id, new_conversation_alerts, updated_ms) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET new_conversation_alerts = excluded.new_conversation_alerts, updated_ms = excluded.updated_ms')
      .run(accountId, on ? 1 : 0, nowMs);
  }
}
