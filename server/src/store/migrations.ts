/**
 * The schema of `cs-chat.db`, as an ordered list of migration steps
 * (DESIGN.md §5). Step `i` (0-based) brings the schema from version `i` to
 * `i + 1`; `schema_version` holds the version a database is at, and
 * `schema_migrations` the name and time of every step applied to it.
 *
 * Adding a table (accounts, sessions, invites, settings, attachments,
 * broadcasts…): append a step to `MIGRATIONS`, never edit or reorder a step
 * that has shipped, since databases in the field are already past it. A step is
 * one function that gets the connection inside the migration's transaction;
 * plain DDL and data moves only (no I/O outside the database). Keep each
 * module's steps next to its code if you like and import them here; the
 * order in this array is the order they run.
 *
 * Conventions: times are ms since the epoch (INTEGER), ids are TEXT, enums
 * are the cs.v1 protobuf numbers (INTEGER). Conversations and messages are
 * kept without foreign keys, so retention can delete them in small batches
 * in whatever order it likes.
 */
import type Database from 'better-sqlite3';
import { ACCOUNT_MIGRATIONS } from '../accounts/schema.js';
import { attachmentsTable } from '../files/schema.js';
import { BROADCAST_MIGRATIONS } from '../broadcast/store.js';
import { EMAIL_MIGRATIONS } from '../email/schema.js';
import { messageLogTable } from './message-log.js';
import { searchIndexOffCommitPath, searchIndexWithoutSizes, trigramSearchIndex } from './search-index.js';
import { searchIndexMergedBySteps, searchIndexWideLevels } from './search-merge.js';

/** One schema step. */
export interface Migration {
  /** Short name, recorded in schema_migrations (e.g. 'conversations, messages, visitors, cursors'). */
  readonly name: string;
  /** Applies the step; runs inside a transaction with the version bump. */
  up(db: Database.Database): void;
}

/** v1: the chat core (conversations, messages with their dedup index, visitors, cursors) and a small key/value table. */
function chatCore(db: Database.Database): void {
  db.exec(`
    -- A conversation ("message line"): its row appears with its first message (DESIGN.md §2).
    CREATE TABLE conversations (
      id               TEXT PRIMARY KEY,
      site             TEXT NOT NULL,
      visitor_id       TEXT NOT NULL,
      topic            TEXT NOT NULL,
      epoch            TEXT NOT NULL,
      created_ms       INTEGER NOT NULL,
      last_seq         INTEGER NOT NULL,
      last_activity_ms INTEGER NOT NULL,
      status           INTEGER NOT NULL,   -- cs.v1.ConversationStatus
      assignee_id      TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX conversations_by_visitor ON conversations (visitor_id, last_activity_ms);
    CREATE INDEX conversations_by_activity ON conversations (last_activity_ms);
    CREATE INDEX conversations_by_status ON conversations (status, last_activity_ms);
    CREATE INDEX conversations_by_assignee ON conversations (assignee_id);

    -- Messages keyed by (conversation, seq). WITHOUT ROWID: the key is the
    -- table's own b-tree (no second copy of it), and most messages are short.
    CREATE TABLE messages (
      conversation_id TEXT NOT NULL,
      seq             INTEGER NOT NULL,
      client_msg_id   TEXT NOT NULL,
      sender_id       TEXT NOT NULL,
      sender_role     INTEGER NOT NULL,   -- cs.v1.Role
      sender_name     TEXT NOT NULL,
      kind            INTEGER NOT NULL,   -- cs.v1.MessageKind
      text            TEXT NOT NULL,
      server_time_ms  INTEGER NOT NULL,
      quote_seq       INTEGER NOT NULL DEFAULT 0,
      quick_replies   TEXT NOT NULL DEFAULT '',  -- JSON array of strings, '' when none
      PRIMARY KEY (conversation_id, seq)
    ) WITHOUT ROWID;
    -- The dedup of DESIGN.md §3.4: a retry answers with the original seq for as long as the conversation lives.
    CREATE UNIQUE INDEX messages_dedup ON messages (conversation_id, sender_id, client_msg_id);

    -- Visitors who wrote at least once (anonymous ones too), with the identity a merchant gave.
    CREATE TABLE visitors (
      id         TEXT PRIMARY KEY,
      user_id    TEXT NOT NULL DEFAULT '',
      name       TEXT NOT NULL DEFAULT '',
      email      TEXT NOT NULL DEFAULT '',
      created_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL
    );

    -- Read and delivery cursors of each side of a conversation.
    CREATE TABLE cursors (
      conversation_id TEXT NOT NULL,
      side            TEXT NOT NULL CHECK (side IN ('visitor', 'agent')),
      read_seq        INTEGER NOT NULL DEFAULT 0,
      delivered_seq   INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (conversation_id, side)
    ) WITHOUT ROWID;

    -- Small facts about the database itself (e.g. which journal was imported).
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  `);
}

/**
 * The salt of derived epochs (conversations.ts `epochFor`): a conversation
 * not stored yet gets its epoch from it, so a restart gives it the same one.
 * Random per database; retention replaces it (writer-worker.ts, purge).
 */
function epochSalt(db: Database.Database): void {
  db.prepare(`INSERT INTO meta (key, value) VALUES ('epoch_salt', lower(hex(randomblob(16)))) ON CONFLICT (key) DO NOTHING`).run();
}

/**
 * Every schema step, oldest first. Append only.
 */
export const MIGRATIONS: readonly Migration[] = [
  { name: 'conversations, messages, visitors, cursors, meta', up: chatCore },
  // Announcements: the public mailbox (server/src/broadcast/store.ts).
  ...BROADCAST_MIGRATIONS,
  { name: 'attachments', up: attachmentsTable },
  // Staff accounts, sessions, invites, setup codes, settings, canned replies (server/src/accounts/schema.ts).
  ...ACCOUNT_MIGRATIONS,
  // Steps follow the lists above now: those lists are closed (a step added inside one would shift every step
  // after it). New steps go at the end of this array.
  // Full-text search over message text, kept current by triggers, existing messages backfilled (replaced below).
  { name: 'messages_fts (full-text search)', up: trigramSearchIndex },
  // Visitors' emails, the outbound email queue, agents' alert choice (server/src/email/schema.ts).
  ...EMAIL_MIGRATIONS,
  // The search index off the commit path: a word index filled by the writer thread after its replies (search-index.ts).
  { name: 'search_index (words, indexed after the commit)', up: searchIndexOffCommitPath },
  // Epochs of conversations not stored yet survive a restart (DESIGN.md §3.9): their salt, kept in meta.
  { name: 'meta epoch_salt (stable epochs before the first message)', up: epochSalt },
  // Commit batches append messages to a log in arrival order, moved into messages in bulk (message-log.ts).
  { name: 'message_log (messages before their merge)', up: messageLogTable },
  // FTS5 stops merging the search index inside its writes; the writer thread merges in steps of their own (search-merge.ts).
  { name: 'search_index automerge off (merged in steps)', up: searchIndexMergedBySteps },
  // Its levels merge at 16 segments, not 4: half the rewrites, and fewer long steps (search-merge.ts, Wide levels).
  { name: 'search_index usermerge 16, crisismerge 64', up: searchIndexWideLevels },
  // The index without per-row sizes (contentless_delete kept one per message), indexed again after start (search-index.ts).
  { name: 'search_index without sizes, reindexed', up: searchIndexWithoutSizes },
];

/** Raised when a database was written by a newer server than this one. */
export class SchemaTooNewError extends Error {
  readonly type = 'SchemaTooNew';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the database is at schema version ${found}, this server knows up to ${known}: run the newer cs-chat, or restore a backup made by this version`);
    this.name = 'SchemaTooNewError';
  }
}

/** The schema version of `db` (0 for a new, empty database). */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Brings `db` to the newest version in `steps`: each missing step runs in its
 * own transaction together with its version bump, so a crash or a failing
 * step leaves the database at the last completed version.
 * @returns the versions before and after.
 * @throws SchemaTooNewError when the database is past the newest step.
 */
export function migrate(db: Database.Database, steps: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL);
  `);
  const from = schemaVersion(db);
  if (from > steps.length) throw new SchemaTooNewError(from, steps.length);
  const setVersion = db.prepare('UPDATE schema_version SET version = ?');
  const insertVersion = db.prepare('INSERT INTO schema_version (version) VALUES (?)');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)');
  for (let version = from + 1; version <= steps.length; version += 1) {
    const step = steps[version - 1]!;
    db.transaction(() => {
      step.up(db);
      if (setVersion.run(version).changes === 0) insertVersion.run(version);
      record.run(version, step.name, Date.now());
    }).immediate();
  }
  return { from, to: Math.max(from, steps.length) };
}
