/**
 * Outbound email (DESIGN.md §10, issue 14): what is emailed, when, and the
 * sending loop. Only while email is on (SMTP set up, a sender known).
 *
 * - **Replies**: an agent's message marks its conversation to be looked at
 *   once `CS_EMAIL_DELAY_MS` has passed (`email_due`, durable). Then every
 *   agent message after what the visitor has shown (`Read`) and after what
 *   an earlier email carried goes out as **one** email, if an email is known
 *   and not unsubscribed. A visitor who saw them in the widget gets nothing.
 *   A visitor who leaves an email after the replies came gets them once the
 *   delay since the first of them has passed.
 * - **Transcript** on resolve (setting `email.transcript_on_resolve`, off by
 *   default) to a known email.
 * - **Agent alerts**: a conversation's first visitor message while no agent
 *   can answer (none online, or all away) emails every enabled agent whose
 *   alerts are on (per agent, default on) — one email per agent per new
 *   conversation.
 *
 * Every email is threaded (`Message-ID` recorded per conversation,
 * `In-Reply-To` the previous one, `References` the thread), has
 * `Reply-To: reply+<conversation>.<mac>@…` (address.ts), `Auto-Submitted:
 * auto-replied`, one-click `List-Unsubscribe` (RFC 8058) and a link back to
 * the shop page that reopens the chat (`#cs-chat`). The queue's guarantees
 * are in outbox.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { cs } from '../../../proto/gen/chat.js';
import type { Settings } from '../accounts/settings.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { replyAddress, threadMessageId } from './address.js';
import { alertMail, conversationMail, type MailMessage, type MailPayload, type ShopLook } from './compose.js';
import { failureText, isPermanentFailure, MAX_ATTEMPTS, retryDelayMs, type MailTransport } from './mailer.js';
import type { Outbox, OutboxEntry, OutboxKind } from './outbox.js';
import { bareAddress } from './settings.js';

/** Message kinds an email carries (not notes, not events). */
const EMAILED_KINDS: ReadonlySet<number> = new Set([cs.v1.MessageKind.TEXT, cs.v1.MessageKind.IMAGE, cs.v1.MessageKind.FILE, cs.v1.MessageKind.QUICK_REPLIES]);
/** Most earlier Message-IDs listed in References. */
const MAX_REFERENCES = 20;

export interface OutboundDeps {
  readonly outbox: Outbox;
  readonly transport: MailTransport;
  /** A conversation by id (loads it from the store when not in memory). */
  conversation(id: string): Conversation | undefined;
  /** The email to write to for a conversation, '' none (unknown or unsubscribed); `lang` and `pageUrl` from the contact. */
  recipient(conversation: Conversation): { email: string; lang: string; pageUrl: string };
  /** The sender address in force. */
  from(): string;
  settings(): Settings;
  /** Keys of the reply address and of the unsubscribe links. */
  readonly keys: { readonly secret: string; readonly previousSecret: string; readonly inboundDomain: string };
  /** The server's public base URL (links in emails). */
  publicUrl(): string;
  readonly delayMs: number;
  /** Online agents who can answer now. */
  availableAgents(): number;
  /** Enabled staff accounts (alerts). */
  staff(): readonly { id: string; email: string; disabled: boolean }[];
  /** Names of the files a message carries. */
  fileNames(message: StoredMessage): string[];
  /** A visitor's display name ('' none). */
  visitorName(conversation: Conversation): string;
  readonly log: Logger;
  now(): number;
  random?: () => number;
  /**
   * Makes the queue's writes so far durable against power loss (the modules'
   * connection commits without an fsync; store/module-db.ts), resolving once
   * they are; undefined when nothing is pending or the store is memory only.
   */
  syncRecords?: () => Promise<void> | undefined;
  /**
   * Tests only: runs after the SMTP server accepted an email and before it
   * is recorded as sent. Throwing here is a crash at the worst moment.
   */
  afterAccepted?: (entry: OutboxEntry) => void;
}

/** The unsubscribe token of a conversation (HMAC under the server secret, purpose-labelled). */
export function unsubscribeToken(secret: string, conversationId: string): string {
  return createHmac('sha256', secret).update(`cs-chat/email/unsubscribe/v1\n${conversationId}`).digest('base64url').slice(0, 27);
}

/** True when `token` is the conversation's unsubscribe token under the secret or the previous one. */
export function verifyUnsubscribeToken(keys: { secret: string; previousSecret: string }, conversationId: string, token: string): boolean {
  let ok = false;
  for (const secret of [keys.secret, keys.previousSecret].filter((s) => s)) {
    const want = Buffer.from(unsubscribeToken(secret, conversationId));
    const got = Buffer.from(token);
    ok = (want.length === got.length && timingSafeEqual(want, got)) || ok;
  }
  return ok;
}

export class OutboundMail {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: OutboundDeps) {}

  // ---- events -------------------------------------------------------------------

  /** After any message is stored. */
  messageStored(conversation: Conversation, message: StoredMessage): void {
    if (message.senderRole === cs.v1.Role.AGENT && EMAILED_KINDS.has(message.kind)) {
      this.deps.outbox.watch(conversation.id, message.serverTimeMs + this.deps.delayMs);
    } else if (message.senderRole === cs.v1.Role.VISITOR && message.seq === 1 && this.deps.availableAgents() === 0) {
      this.alertAgents(conversation, message);
    }
  }

  /** The visitor left an email: replies they have not seen are looked at once their delay passed. */
  contactAdded(conversation: Conversation): void {
    const first = this.unseenAgentMessages(conversation)[0];
    if (first) this.deps.outbox.watch(conversation.id, first.serverTimeMs + this.deps.delayMs);
  }

  /** A conversation was resolved: the transcript, when the setting is on and an email is known. */
  resolved(conversation: Conversation): void {
    if (!this.deps.settings().email.transcript_on_resolve) return;
    const to = this.deps.recipient(conversation);
    if (!to.email) return;
    const messages: StoredMessage[] = [];
    for (let seq = 1; seq <= conversation.servedSeq; seq++) {
      const message = conversation.message(seq);
      if (message && (message.senderRole === cs.v1.Role.VISITOR || message.senderRole === cs.v1.Role.AGENT || message.senderRole === cs.v1.Role.BOT) && EMAILED_KINDS.has(message.kind)) messages.push(message);
    }
    if (messages.length === 0) return;
    this.enqueue('transcript', conversation, to, messages);
  }

  // ---- the loop -------------------------------------------------------------------

  /** Turns due watches into emails, then sends what is due. One pass at a time; a call during a pass runs another after it. */
  runDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.collect();
        await this.sendDue();
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** When the loop has something to do next (a watch or a retry), or undefined. */
  nextWakeMs(): number | undefined {
    const times = [this.deps.outbox.nextWatchMs(), this.deps.outbox.nextDueMs()].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  private collect(): void {
    const now = this.deps.now();
    for (const { conversationId } of this.deps.outbox.dueWatches(now)) {
      const conversation = this.deps.conversation(conversationId);
      const to = conversation ? this.deps.recipient(conversation) : undefined;
      const unseen = conversation && to?.email ? this.unseenAgentMessages(conversation) : [];
      if (!conversation || !to || unseen.length === 0) {
        this.deps.outbox.unwatch(conversationId);
        continue;
      }
      this.deps.outbox.transaction(() => {
        this.deps.outbox.unwatch(conversationId);
        this.enqueue('reply', conversation, to, unseen);
      });
    }
  }

  /** Agent messages after what the visitor has shown and what an earlier email carried. */
  private unseenAgentMessages(conversation: Conversation): StoredMessage[] {
    const after = Math.max(conversation.readUpTo.visitor, this.deps.outbox.lastReplySeq(conversation.id));
    const out: StoredMessage[] = [];
    for (let seq = after + 1; seq <= conversation.servedSeq; seq++) {
      const message = conversation.message(seq);
      if (message && message.senderRole === cs.v1.Role.AGENT && EMAILED_KINDS.has(message.kind)) out.push(message);
    }
    return out;
  }

  private async sendDue(): Promise<void> {
    const random = this.deps.random ?? Math.random;
    for (const entry of this.deps.outbox.due(this.deps.now())) {
      const now = this.deps.now();
      if (entry.attempts >= MAX_ATTEMPTS) {
        this.deps.outbox.markDropped(entry.id, `gave up after ${entry.attempts} attempts: ${entry.lastError}`);
        this.deps.log.error({ emailId: entry.id, conversationId: entry.conversationId, error: entry.lastError }, 'email: gave up');
        continue;
      }
      if (entry.kind !== 'alert' && this.deps.conversation(entry.conversationId) && !this.stillWanted(entry)) {
        this.deps.outbox.markDropped(entry.id, 'unsubscribed');
        continue;
      }
      // Before SMTP hears of it, on disk: a crash from here on resends this same email (same Message-ID), never a new one.
      this.deps.outbox.markSending(entry.id, now + retryDelayMs(entry.attempts + 1, random));
      try {
        await this.deps.syncRecords?.();
      } catch (error) {
        this.deps.log.warn({ err: error, emailId: entry.id }, 'email: the queue is not on disk yet; sending later');
        continue;
      }
      try {
        await this.deps.transport.send(entry.payload);
      } catch (error) {
        const text = failureText(error);
        if (isPermanentFailure(error)) {
          this.deps.outbox.markDropped(entry.id, text);
          this.deps.log.error({ emailId: entry.id, conversationId: entry.conversationId, error: text }, 'email: refused by the SMTP server');
        } else {
          const retryAt = this.deps.now() + retryDelayMs(entry.attempts + 1, random);
          this.deps.outbox.markRetry(entry.id, retryAt, text);
          this.deps.log.warn({ emailId: entry.id, conversationId: entry.conversationId, error: text, retryAt }, 'email: SMTP failed, will retry');
        }
        continue;
      }
      this.deps.afterAccepted?.(entry);
      this.deps.outbox.markSent(entry.id, this.deps.now());
      this.deps.log.info({ emailId: entry.id, kind: entry.kind, conversationId: entry.conversationId }, 'email sent');
    }
  }

  /** False when the visitor unsubscribed since the email was queued. */
  private stillWanted(entry: OutboxEntry): boolean {
    const conversation = this.deps.conversation(entry.conversationId);
    return !conversation || this.deps.recipient(conversation).email !== '';
  }

  // ---- composing -------------------------------------------------------------------

  private shop(): ShopLook {
    const widget = this.deps.settings().widget;
    return { name: widget.title || 'Support', color: widget.color || '#4f46e5' };
  }

  private domain(): string {
    const address = bareAddress(this.deps.from());
    return address.slice(address.lastIndexOf('@') + 1) || 'localhost';
  }

  /** The shop page that reopens the chat: the page the visitor was on, else the `email.shop_url` setting. */
  private chatUrl(conversation: Conversation, pageUrl: string): string {
    const base = pageUrl || conversation.visitorPageUrl || this.deps.settings().email.shop_url;
    if (!base) return '';
    try {
      const url = new URL(base);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return '';
      url.hash = 'cs-chat';
      return url.toString();
    } catch {
      return '';
    }
  }

  private unsubscribeUrl(conversationId: string): string {
    const query = new URLSearchParams({ c: conversationId, t: unsubscribeToken(this.deps.keys.secret, conversationId) });
    return `${this.deps.publicUrl()}/email/unsubscribe?${query.toString()}`;
  }

  private replyTo(conversationId: string): string {
    try {
      return replyAddress(conversationId, { secret: this.deps.keys.secret, inboundDomain: this.deps.keys.inboundDomain || undefined, mailbox: bareAddress(this.deps.from()) });
    } catch {
      return '';
    }
  }

  /** Records a reply or transcript email to the visitor (the intent; sent by the loop). */
  private enqueue(kind: Exclude<OutboxKind, 'alert'>, conversation: Conversation, to: { email: string; lang: string; pageUrl: string }, messages: readonly StoredMessage[]): void {
    const now = this.deps.now();
    const id = `e-${randomBytes(12).toString('base64url').replace(/_/g, '-')}`;
    const domain = this.domain();
    // Message-IDs that name the conversation (address.ts): a reply quoting one is matched to it even without the Reply-To.
    const messageId = threadMessageId(conversation.id, id, domain, this.deps.keys);
    const previous = this.deps.outbox.threadIds(conversation.id);
    const root = threadMessageId(conversation.id, 'thread', domain, this.deps.keys);
    const references = [root, ...previous.slice(-MAX_REFERENCES)];
    const unsubscribeUrl = this.unsubscribeUrl(conversation.id);
    const settings = this.deps.settings();
    const body = conversationMail({
      kind,
      shop: this.shop(),
      lang: to.lang || conversation.visitorLang || 'en',
      timeZone: settings.business_hours.timezone,
      messages: messages.map((m): MailMessage => ({ senderName: m.senderName || (m.senderRole === cs.v1.Role.VISITOR ? 'You' : this.shop().name), text: m.text, serverTimeMs: m.serverTimeMs, files: this.deps.fileNames(m) })),
      chatUrl: this.chatUrl(conversation, to.pageUrl),
      unsubscribeUrl,
    });
    const payload: MailPayload = {
      from: this.fromHeader(),
      to: to.email,
      replyTo: this.replyTo(conversation.id),
      ...body,
      messageId,
      inReplyTo: references[references.length - 1]!,
      references,
      headers: {
        'Auto-Submitted': 'auto-replied',
        'X-Auto-Response-Suppress': 'All',
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      dateMs: now,
    };
    this.deps.outbox.add({ id, kind, conversationId: conversation.id, firstSeq: kind === 'reply' ? messages[0]!.seq : 0, lastSeq: kind === 'reply' ? messages[messages.length - 1]!.seq : 0, payload, nowMs: now });
  }

  /** The From header: the sender address, named after the shop when it has no name of its own. */
  private fromHeader(): string {
    const from = this.deps.from();
    if (from.includes('<')) return from;
    return `"${this.shop().name.replace(/["\\\r\n]/g, '')}" <${from}>`;
  }

  private alertAgents(conversation: Conversation, message: StoredMessage): void {
    const now = this.deps.now();
    const inboxUrl = `${this.deps.publicUrl()}/agent`;
    const body = alertMail({ shop: this.shop(), site: conversation.site, visitorName: this.deps.visitorName(conversation), preview: message.text.slice(0, 500), inboxUrl });
    for (const account of this.deps.staff()) {
      if (account.disabled || !account.email || !this.deps.outbox.alertsOn(account.id)) continue;
      const id = `a-${randomBytes(12).toString('base64url').replace(/_/g, '-')}`;
      const payload: MailPayload = {
        from: this.fromHeader(),
        to: account.email,
        replyTo: '',
        ...body,
        messageId: `<cs.${id}@${this.domain()}>`,
        inReplyTo: '',
        references: [],
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        dateMs: now,
      };
      this.deps.outbox.add({ id, kind: 'alert', conversationId: conversation.id, payload, nowMs: now });
    }
  }
}
