/**
 * The accounts tables (DESIGN.md §2, §5), as steps of the store's migration
 * runner. Each step runs once, in order, inside the runner's transaction;
 * a step, once released, is never edited (a change is a new step).
 *
 * - `accounts`: staff accounts; `email` unique case-insensitively.
 * - `account_sessions`: sign-in sessions; only the SHA-256 of the token.
 * - `invites`: invite links (SHA-256 of the code), used once, expiring.
 * - `setup_codes`: the first-run owner setup link, used once, short-lived.
 * - `settings`: merchant settings a running server changes (JSON per key).
 * - `canned_replies`: saved answers with a shortcut.
 */

import type { Migration } from '../store/migrations.js';
import type { Db } from './types.js';

/** The accounts steps, appended to the store's MIGRATIONS in order. */
export const ACCOUNT_MIGRATIONS: readonly Migration[] = [
  {
    name: 'accounts, account_sessions, invites, setup_codes, settings, canned_replies',
    up: (db: Db) =>
      db.exec(`
      CREATE TABLE accounts (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
        password_hash TEXT NOT NULL,
        avatar_color  TEXT NOT NULL,
        lang          TEXT NOT NULL DEFAULT '',
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_ms    INTEGER NOT NULL,
        updated_ms    INTEGER NOT NULL
      );
      CREATE TABLE account_sessions (
        id           TEXT PRIMARY KEY,
        token_hash   TEXT NOT NULL UNIQUE,
        account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        created_ms   INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        expires_ms   INTEGER NOT NULL,
        ip           TEXT NOT NULL DEFAULT '',
        user_agent   TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
      CREATE TABLE invites (
        id          TEXT PRIMARY KEY,
        code_hash   TEXT NOT NULL UNIQUE,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        email       TEXT NOT NULL DEFAULT '',
        created_by  TEXT NOT NULL,
        created_ms  INTEGER NOT NULL,
        expires_ms  INTEGER NOT NULL,
        accepted_ms INTEGER,
        accepted_by TEXT
      );
      CREATE TABLE setup_codes (
        code_hash  TEXT PRIMARY KEY,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms    INTEGER
      );
      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE canned_replies (
        id         TEXT PRIMARY KEY,
        shortcut   TEXT NOT NULL UNIQUE COLLATE NOCASE,
        text       TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
    `),
  },
];
