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
import { bareAddress } from './settings.js';

/** The environment's email settings (main.ts maps CS_* onto them). */
export interface EmailOptions {
  /** `CS_SMTP_URL`, e.g. `smtps://user:app-password@smtp.example.com:465`; '' turns email off. */
  readonly smtpUrl: string;
  /** `CS_MAIL_FROM`, e.g. `Acme Support <support@acme.example>`; the `email.from` setting overrides it. */
  readonly mailFrom: string;
  /** `CS_EMAIL_DELAY_MS`: agent replies no visitor session has shown within this are emailed, ms. Default 180000. */
  readonly delayMs: number;
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
  readonly log: Logger;
  now(): number;
}

export class EmailService implements ContinuityPort {
  readonly contacts: Contacts;
  readonly availability: Availability;

  constructor(private readonly deps: EmailServiceDeps) {
    this.contacts = new Contacts(deps.db);
    this.availability = new Availability({
      hours: () => deps.settings().business_hours,
      onlineAgents: deps.onlineAgents,
      now: deps.now,
      onChange: deps.onAwayChange,
    });
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
      ? 'Email is off: set CS_SMTP_URL (e.g. smtps://you%40example.com:app-password@smtp.example.com:465) and CS_MAIL_FROM on the server, then restart it.'
      : 'Email is off: set CS_MAIL_FROM (e.g. "Shop <shop@example.com>") or the sender address below.';
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

  messageStored(_conversation: Conversation, _message: StoredMessage): void {
    // Outbound email follows agent replies here (outbox.ts).
  }

  resolved(_conversation: Conversation): void {
    // The transcript on resolve (outbox.ts).
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
    return this.contacts.set({ conversationId: conversation.id, visitorId: conversation.visitorId, email: address, name: name.trim(), pageUrl: conversation.visitorPageUrl, lang: conversation.visitorLang, updatedMs: this.deps.now() });
  }

  /** Stops timers. */
  close(): void {
    this.availability.dispose();
  }
}
