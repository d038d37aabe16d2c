/**
 * The email tables (DESIGN.md §10), one step of the store's migration
 * runner (store/migrations.ts appends it to MIGRATIONS):
 *
 * - `email_contacts`: the email a visitor left in the widget (`Contact`
 *   frame), per conversation — **the stored visitor email lives here**
 *   (`email_contacts.email`; an identified visitor's email from `identify`
 *   stays in `visitors.email`). `unsubscribed_ms` is set by the one-click
 *   List-Unsubscribe link: nothing more is emailed for that conversation.
 * - `email_outbox`: every email the server means to send, recorded *before*
 *   it is sent (the intent). Its `id` is the stable `Message-ID`'s local
 *   part, so a send retried after a crash is the same email, never a second
 *   one. `first_seq`..`last_seq` are the agent messages a reply email
 *   carries: once recorded, no other email carries them.
 * - `email_due`: conversations with agent replies to look at once the
 *   email delay has passed (durable, so a restart during the delay still
 *   sends them).
 * - `email_agent_prefs`: per agent, whether they get an email for a new
 *   conversation while no agent is online (absent: yes).
 */
import type { Migration } from '../store/migrations.js';

export const EMAIL_MIGRATIONS: readonly Migration[] = [
  {
    name: 'email_contacts, email_outbox, email_due, email_agent_prefs',
    up: (db) =>
      db.exec(`
      CREATE TABLE email_contacts (
        conversation_id TEXT PRIMARY KEY,
        visitor_id      TEXT NOT NULL,
        email           TEXT NOT NULL,
        name            TEXT NOT NULL DEFAULT '',
        page_url        TEXT NOT NULL DEFAULT '',
        lang            TEXT NOT NULL DEFAULT '',
        created_ms      INTEGER NOT NULL,
        updated_ms      INTEGER NOT NULL,
        unsubscribed_ms INTEGER
      );
      CREATE INDEX email_contacts_by_visitor ON email_contacts (visitor_id);
      CREATE TABLE email_outbox (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('reply', 'transcript', 'alert')),
        conversation_id TEXT NOT NULL,
        to_addr         TEXT NOT NULL,
        message_id      TEXT NOT NULL UNIQUE,
        first_seq       INTEGER NOT NULL DEFAULT 0,
        last_seq        INTEGER NOT NULL DEFAULT 0,
        payload         TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dropped')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error      TEXT NOT NULL DEFAULT '',
        created_ms      INTEGER NOT NULL,
        sent_ms         INTEGER
      );
      CREATE INDEX email_outbox_due ON email_outbox (state, next_attempt_ms);
      CREATE INDEX email_outbox_by_conversation ON email_outbox (conversation_id, kind, last_seq);
      CREATE TABLE email_due (
        conversation_id TEXT PRIMARY KEY,
        due_ms          INTEGER NOT NULL
      );
      CREATE TABLE email_agent_prefs (
        account_id              TEXT PRIMARY KEY,
        new_conversation_alerts INTEGER NOT NULL,
        updated_ms              INTEGER NOT NULL
      );
    `),
  },
];
