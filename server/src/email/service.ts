/**
 * Email continuity for one server (DESIGN.md §10): away mode, the visitors'
 * emails (`Contact`), and — when SMTP is set up — outbound email. It is the
 * pipeline's `ContinuityPort`.
 *
 * "Email is on" means `CS_SMTP_URL` is set and a sender address is known
 * (the `email.from` setting, else `CS_MAIL_FROM`). While it is off nothing
 * is sent and nothing is promised: the widget is told not to offer the
 * email field, the offline reply says nothing about email, and the
 * workbench's settings page says how to turn it on (`status()`).
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Settings } from '../accounts/settings.js';
import type { ContinuityPort } from '../pipeline/ports.js';
import type { Conversation, StoredMessage, VisitorProfile } from '../store/conversations.js';
import { Availability } from './away.js';
import { Contacts, isEmailAddress, MAX_CONTACT_NAME, type ContactRecord } from './contacts.js';
import { smtpTransport, type MailTransport } from './mailer.js';
import { OutboundMail, verifyUnsubscribeToken } from './outbound.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { bareAddress } from './settings.js';
import { inviteMail, type InviteMailInput } from './invite-mail.js';
import { randomBytes } from 'node:crypto';

/** The environment's email settings (main.ts maps CS_* onto them). */
export interface EmailOptions {
  /** `CS_SMTP_URL`, e.g. `smtps://user:app-password@smtp.example.com:465`; '' turns email off. */
  readonly smtpUrl: string;
  /** `CS_MAIL_FROM`, e.g. `Acme Support <support@acme.example>`; the `email.from` setting overrides it. */
  readonly mailFrom: string;
  /** `CS_EMAIL_DELAY_MS`: agent replies no visitor session has shown within this are emailed, ms. Default 180000. */
  readonly delayMs: number;
  /** `CS_INBOUND_DOMAIN`: reply addresses `reply+…@<domain>`; '' uses the sender's mailbox with a +tag. */
  readonly inboundDomain: string;
  /** How often the sending loop looks for due work, ms. Default 1000. */
  readonly tickMs?: number;
}

/** Why a Contact was refused. */
export class ContactError extends Error {
  readonly type = 'Contact';
  constructor(message: string) {
    super(message);
    this.name = 'ContactError';
  }
}

/** What the workbench's settings page shows about email. */
export interface EmailStatus {
  readonly enabled: boolean;
  /** The sender address in force ('' none). */
  readonly from: string;
  /** When off: what to set to turn it on. */
  readonly hint: string;
}

export interface EmailServiceDeps {
  readonly db: Database.Database;
  readonly options: EmailOptions;
  settings(): Settings;
  /** Agent ids with a session open now. */
  onlineAgents(): readonly string[];
  /** A visitor's profile (an identified visitor's email). */
  visitor(visitorId: string): VisitorProfile | undefined;
  /** Away or the hours changed: tell the widgets. */
  onAwayChange(): void;
  /** A conversation by id (loaded from the store when not in memory). */
  conversation(id: string): Conversation | undefined;
  /** Enabled and disabled staff accounts (alerts go to the enabled ones). */
  staff(): readonly { id: string; email: string; disabled: boolean }[];
  /** Names of the files a message carries. */
  fileNames(message: StoredMessage): string[];
  /** Secrets of reply addresses and unsubscribe links. */
  readonly keys: { readonly secret: string; readonly previousSecret: string };
  /** The server's public base URL (links in emails), e.g. https://chat.example.com. */
  publicUrl(): string;
  /** Agents' emails changed state (the details panel shows "will be emailed"): tell the inbox. */
  onContactChange(conversationId: string): void;
  /** SMTP transport (tests inject one); default nodemailer over CS_SMTP_URL. */
  readonly transport?: MailTransport;
  /** Makes the queue's writes durable (store/module-db.ts `ModuleWrites.check`). */
  syncRecords?: () => Promise<void> | undefined;
  /** Tests only: see OutboundDeps.afterAccepted. */
  readonly afterAccepted?: (entry: OutboxEntry) => void;
  readonly log: Logger;
  now(): number;
}

export class EmailService implements ContinuityPort {
  readonly contacts: Contacts;
  readonly availability: Availability;
  readonly outbox: Outbox;
  /** The sending side; undefined without CS_SMTP_URL. */
  readonly outbound: OutboundMail | undefined;
  private readonly transport: MailTransport | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: EmailServiceDeps) {
    this.contacts = new Contacts(deps.db);
    this.outbox = new Outbox(deps.db);
    this.availability = new Availability({
      hours: () => deps.settings().business_hours,
      onlineAgents: deps.onlineAgents,
      now: deps.now,
      onChange: deps.onAwayChange,
    });
    if (!deps.options.smtpUrl) return;
    this.transport = deps.transport ?? smtpTransport(deps.options.smtpUrl);
    this.outbound = new OutboundMail({
      outbox: this.outbox,
      transport: this.transport,
      conversation: deps.conversation,
      recipient: (conversation) => {
        const { email, unsubscribed, contact } = this.knownEmail(conversation);
        return { email: unsubscribed ? '' : email, lang: contact?.lang ?? '', pageUrl: contact?.pageUrl ?? '' };
      },
      from: () => this.from(),
      settings: deps.settings,
      keys: { ...deps.keys, inboundDomain: deps.options.inboundDomain },
      publicUrl: deps.publicUrl,
      delayMs: deps.options.delayMs,
      availableAgents: () => this.availability.availableAgents(),
      staff: deps.staff,
      fileNames: deps.fileNames,
      visitorName: (conversation) => this.contacts.get(conversation.id)?.name || deps.visitor(conversation.visitorId)?.name || '',
      log: deps.log,
      now: deps.now,
      afterAccepted: deps.afterAccepted,
      syncRecords: deps.syncRecords,
    });
    this.timer = setInterval(() => this.tick(), deps.options.tickMs ?? 1000);
    this.timer.unref();
    // What a previous run left (a retry, a watch, an email a crash interrupted) goes out without waiting for new activity.
    this.tick();
  }

  /** Runs the sending loop when something is due. */
  private tick(): void {
    const outbound = this.outbound;
    if (!outbound || !this.enabled) return;
    const wake = outbound.nextWakeMs();
    if (wake === undefined || wake > this.deps.now()) return;
    outbound.runDue().catch((error: unknown) => this.deps.log.error({ err: error }, 'email: sending loop failed'));
  }

  /** Runs the sending loop now (tests with an injected clock; resolves when the pass is done). */
  async runDue(): Promise<void> {
    if (this.outbound && this.enabled) await this.outbound.runDue();
  }

  /** The sender address in force: the `email.from` setting, else CS_MAIL_FROM. */
  from(): string {
    return this.deps.settings().email.from || this.deps.options.mailFrom;
  }

  /** True when email is sent (SMTP set up and a sender known). */
  get enabled(): boolean {
    return this.deps.options.smtpUrl !== '' && isEmailAddress(bareAddress(this.from()));
  }

  /** Email on or off, for the workbench's settings page. */
  status(): EmailStatus {
    const from = this.from();
    if (this.enabled) return { enabled: true, from, hint: '' };
    const hint = !this.deps.options.smtpUrl
      ? 'To turn it on, set CS_SMTP_URL (e.g. smtps://you%40example.com:app-password@smtp.example.com:465) and CS_MAIL_FROM on the server, then restart it.'
      : 'To turn it on, set CS_MAIL_FROM (e.g. "Shop <shop@example.com>") on the server or the sender address below.';
    return { enabled: false, from, hint };
  }

  // ---- ContinuityPort ---------------------------------------------------------

  away(): { away: boolean; nextOpenMs: number; nowMs: number } {
    return { ...this.availability.view(), nowMs: this.deps.now() };
  }

  emailFor(conversation: Conversation): { known: string; canAsk: boolean } {
    if (!this.enabled) return { known: '', canAsk: false };
    const { email, unsubscribed } = this.knownEmail(conversation);
    return { known: unsubscribed ? '' : email, canAsk: email === '' };
  }

  messageStored(conversation: Conversation, message: StoredMessage): void {
    if (!this.outbound || !this.enabled) return;
    try {
      this.outbound.messageStored(conversation, message);
    } catch (error) {
      this.deps.log.error({ err: error, conversationId: conversation.id }, 'email: could not queue');
    }
  }

  resolved(conversation: Conversation): void {
    if (!this.outbound || !this.enabled) return;
    try {
      this.outbound.resolved(conversation);
      this.tick();
    } catch (error) {
      this.deps.log.error({ err: error, conversationId: conversation.id }, 'email: could not queue the transcript');
    }
  }

  /**
   * One-click unsubscribe (RFC 8058) for a conversation: nothing more is
   * emailed about it, and what was queued is dropped.
   * @returns false when the token does not verify (nothing changed).
   */
  unsubscribe(conversationId: string, token: string): boolean {
    if (!verifyUnsubscribeToken(this.deps.keys, conversationId, token)) return false;
    const conversation = this.deps.conversation(conversationId);
    if (!conversation) return false;
    const { email } = this.knownEmail(conversation);
    this.contacts.unsubscribe(conversationId, conversation.visitorId, email, this.deps.now());
    this.outbox.dropConversation(conversationId, 'unsubscribed');
    this.outbox.unwatch(conversationId);
    this.deps.log.info({ conversationId }, 'email: visitor unsubscribed');
    this.deps.onContactChange(conversationId);
    return true;
  }

  // ---- contacts ---------------------------------------------------------------

  /** The email known for a conversation: the one the visitor left, else the identified visitor's. */
  knownEmail(conversation: Conversation): { email: string; unsubscribed: boolean; contact: ContactRecord | undefined } {
    const contact = this.contacts.get(conversation.id);
    if (contact) return { email: contact.email, unsubscribed: contact.unsubscribedMs !== null, contact };
    const profileEmail = this.deps.visitor(conversation.visitorId)?.email ?? '';
    return { email: isEmailAddress(profileEmail) ? profileEmail : '', unsubscribed: false, contact: undefined };
  }

  /** What agents (and the visitor, `contactEmail` only) see on the conversation. */
  wireFields(conversation: Conversation): { contactEmail: string; willEmail: boolean } {
    const { email, unsubscribed } = this.knownEmail(conversation);
    return { contactEmail: email, willEmail: this.enabled && email !== '' && !unsubscribed };
  }

  /**
   * Stores the email a visitor left for their conversation.
   * @throws ContactError with a message for the visitor when the address is invalid or the conversation has no message yet.
   */
  setContact(conversation: Conversation, email: string, name: string): ContactRecord {
    const address = email.trim();
    if (!isEmailAddress(address)) throw new ContactError(`"${address.slice(0, 80)}" is not a valid email address`);
    if (name.length > MAX_CONTACT_NAME) throw new ContactError(`the name may have at most ${MAX_CONTACT_NAME} characters`);
    if (conversation.lastSeq === 0) throw new ContactError('write a message first: the email is for the answer to it');
    const stored = this.contacts.set({ conversationId: conversation.id, visitorId: conversation.visitorId, email: address, name: name.trim(), pageUrl: conversation.visitorPageUrl, lang: conversation.visitorLang, updatedMs: this.deps.now() });
    if (this.outbound && this.enabled) this.outbound.contactAdded(conversation);
    return stored;
  }

  /**
   * Mails an invite link to `to` now and resolves once the SMTP server took
   * it (rejects with the SMTP error). Sent directly, not through the
   * outbox: the mail holds the invite's secret code, which the store keeps
   * only hashed, and the admin who asked sees at once whether it went out
   * (the link stays copyable either way).
   * @throws ContactError when email is off or `to` is not an address.
   */
  async sendInvite(to: string, invite: Omit<InviteMailInput, 'shop'>): Promise<void> {
    if (!this.transport || !this.enabled) throw new ContactError(this.status().hint || 'email is off');
    if (!isEmailAddress(to)) throw new ContactError(`"${to.slice(0, 80)}" is not a valid email address`);
    const widget = this.deps.settings().widget;
    const shop = { name: widget.title || 'Support', color: widget.color || '#4f46e5' };
    const from = this.from();
    const address = bareAddress(from);
    await this.transport.send({
      from: from.includes('<') ? from : `"${shop.name.replace(/["\\\r\n]/g, '')}" <${from}>`,
      to,
      replyTo: '',
      ...inviteMail({ ...invite, shop }),
      messageId: `<cs.invite-${randomBytes(12).toString('hex')}@${address.slice(address.lastIndexOf('@') + 1) || 'localhost'}>`,
      inReplyTo: '',
      references: [],
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      dateMs: this.deps.now(),
    });
  }

  /** Whether an account gets an email for a new conversation while no agent is online (default yes). */
  alertsOn(accountId: string): boolean {
    return this.outbox.alertsOn(accountId);
  }

  setAlerts(accountId: string, on: boolean): void {
    this.outbox.setAlerts(accountId, on, this.deps.now());
  }

  /** Stops timers and the SMTP transport. */
  close(): void {
    this.availability.dispose();
    clearInterval(this.timer);
    this.transport?.close();
  }
}
