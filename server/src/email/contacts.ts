/**
 * Visitors' emails (DESIGN.md §8 `Contact`, §10): what a visitor typed into
 * the widget's "Get the reply by email" field, per conversation, in
 * `email_contacts` (see schema.ts), and whether they unsubscribed.
 */
import type Database from 'better-sqlite3';

/** Longest email address kept (RFC 5321: 254). */
export const MAX_EMAIL = 254;
/** Longest name kept with it. */
export const MAX_CONTACT_NAME = 100;

/**
 * A plausible single mailbox `local@domain.tld`: no spaces, no angle
 * brackets or commas (so it can never smuggle a second recipient or a
 * header), a dot in the domain, at most 254 characters. Deliverability is
 * the mail server's business; this only refuses what is certainly wrong.
 */
export function isEmailAddress(text: string): boolean {
  if (text.length > MAX_EMAIL) return false;
  return /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(text) && !text.includes('..');
}

/** A stored contact. */
export interface ContactRecord {
  readonly conversationId: string;
  readonly visitorId: string;
  readonly email: string;
  readonly name: string;
  /** The page the visitor was on when they left it (the emails link back to it). */
  readonly pageUrl: string;
  /** The visitor's language then (emails are worded in it). */
  readonly lang: string;
  readonly updatedMs: number;
  /** Set when the visitor unsubscribed (one click): nothing more is emailed. */
  readonly unsubscribedMs: number | null;
}

interface Row {
  conversation_id: string;
  visitor_id: string;
  email: string;
  name: string;
  page_url: string;
  lang: string;
  updated_ms: number;
  unsubscribed_ms: number | null;
}

function record(row: Row): ContactRecord {
  return { conversationId: row.conversation_id, visitorId: row.visitor_id, email: row.email, name: row.name, pageUrl: row.page_url, lang: row.lang, updatedMs: row.updated_ms, unsubscribedMs: row.unsubscribed_ms };
}

/** The `email_contacts` table. */
export class Contacts {
  private readonly byConversation = new Map<string, ContactRecord | null>();

  /** Prepared once: a miss comes with every new conversation's inbox notice and Welcome (issue 16). */
  private byIdStatement: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  /** The contact of a conversation (cached; misses too). */
  get(conversationId: string): ContactRecord | undefined {
    let found = this.byConversation.get(conversationId);
    if (found === undefined) {
      this.byIdStatement ??= this.db.prepare('SELECT * FROM email_contacts WHERE conversation_id = ?');
      const row = this.byIdStatement.get(conversationId) as Row | undefined;
      found = row ? record(row) : null;
      if (this.byConversation.size > 10_000) this.byConversation.clear();
      this.byConversation.set(conversationId, found);
    }
    return found ?? undefined;
  }

  /**
   * Saves the email a visitor left for a conversation (a new one replaces
   * the old and clears an earlier unsubscribe: the visitor asked again).
   * The caller validated it.
   */
  set(contact: Omit<ContactRecord, 'unsubscribedMs'>): ContactRecord {
    this.db
      .prepare(
        `INSERT INTO email_contacts (conversation_id, visitor_id, email, name, page_url, lang, created_ms, updated_ms, unsubscribed_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (conversation_id) DO UPDATE SET email = excluded.email, name = excluded.name, page_url = excluded.page_url, lang = excluded.lang, updated_ms = excluded.updated_ms, unsubscribed_ms = NULL`,
      )
      .run(contact.conversationId, contact.visitorId, contact.email, contact.name, contact.pageUrl, contact.lang, contact.updatedMs, contact.updatedMs);
    this.byConversation.delete(contact.conversationId);
    return this.get(contact.conversationId)!;
  }

  /**
   * Marks a conversation unsubscribed. A conversation without a row (an
   * identified visitor's email from the site) gets one holding `email`, so
   * the choice is kept.
   */
  unsubscribe(conversationId: string, visitorId: string, email: string, atMs: number): void {
    this.db
      .prepare(
        `INSERT INTO email_contacts (conversation_id, visitor_id, email, created_ms, updated_ms, unsubscribed_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET unsubscribed_ms = COALESCE(unsubscribed_ms, excluded.unsubscribed_ms)`,
      )
      .run(conversationId, visitorId, email, atMs, atMs, atMs);
    this.byConversation.delete(conversationId);
  }
}
