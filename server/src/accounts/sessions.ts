/**
 * The `account_sessions` table: sign-in sessions. A session is a random
 * token (the cookie's value) whose SHA-256 is the only stored trace; it
 * expires `ttlMs` after it was made and is refreshed (sliding) at most once
 * a minute while in use, up to `maxAgeMs` after creation.
 */
import { hashToken, newId, newSecretToken } from './tokens.js';
import type { AuthSession, Db } from './types.js';

interface SessionRow {
  id: string;
  account_id: string;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
  ip: string;
  user_agent: string;
}

function toSession(row: SessionRow): AuthSession {
  return { id: row.id, accountId: row.account_id, createdMs: row.created_ms, lastSeenMs: row.last_seen_ms, expiresMs: row.expires_ms, ip: row.ip, userAgent: row.user_agent };
}

/** Session lifetimes. */
export interface SessionLifetimes {
  /** Idle lifetime: a session unused this long expires, ms. Default 14 days. */
  readonly ttlMs: number;
  /** Absolute lifetime from sign-in, ms. Default 90 days. */
  readonly maxAgeMs: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { ttlMs: 14 * 86_400_000, maxAgeMs: 90 * 86_400_000 };

/** How often a used session's last-seen time and expiry are written, ms. */
const TOUCH_EVERY_MS = 60_000;

export class SessionTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES,
  ) {}

  /** Makes a session; returns it and its token (shown once: the cookie value). */
  create(accountId: string, ip: string, userAgent: string): { session: AuthSession; token: string } {
    const token = newSecretToken();
    const now = this.now();
    const id = newId('s');
    this.db
      .prepare('INSERT INTO account_sessions (id, token_hash, account_id, created_ms, last_seen_ms, expires_ms, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, hashToken(token), accountId, now, now, now + this.lifetimes.ttlMs, ip.slice(0, 64), userAgent.slice(0, 256));
    return { session: this.get(id) as AuthSession, token };
  }

  get(id: string): AuthSession | undefined {
    const row = this.db.prepare('SELECT * FROM account_sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row && toSession(row);
  }

  /** The live session a token names (refreshing its expiry), or undefined when unknown or expired. */
  byToken(token: string): AuthSession | undefined {
    if (!token) return undefined;
    const row = this.db.prepare('SELECT * FROM account_sessions WHERE token_hash = ?').get(hashToken(token)) as SessionRow | undefined;
    if (!row) return undefined;
    const now = this.now();
    if (row.expires_ms <= now) {
      this.revoke(row.id);
      return undefined;
    }
    if (now - row.last_seen_ms >= TOUCH_EVERY_MS) {
      const expires = Math.min(now + this.lifetimes.ttlMs, row.created_ms + this.lifetimes.maxAgeMs);
      this.db.prepare('UPDATE account_sessions SET last_seen_ms = ?, expires_ms = ? WHERE id = ?').run(now, expires, row.id);
      return { ...toSession(row), lastSeenMs: now, expiresMs: expires };
    }
    return toSession(row);
  }

  /** The account's live sessions, newest first. */
  listFor(accountId: string): AuthSession[] {
    const rows = this.db.prepare('SELECT * FROM account_sessions WHERE account_id = ? AND expires_ms > ? ORDER BY created_ms DESC').all(accountId, this.now()) as SessionRow[];
    return rows.map(toSession);
  }

  /** Deletes one session; true when it existed. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM account_sessions WHERE id = ?').run(id).changes > 0;
  }

  /** Deletes every session of an account; returns their ids. */
  revokeAllFor(accountId: string): string[] {
    const ids = (this.db.prepare('SELECT id FROM account_sessions WHERE account_id = ?').all(accountId) as { id: string }[]).map((r) => r.id);
    this.db.prepare('DELETE FROM account_sessions WHERE account_id = ?').run(accountId);
    return ids;
  }

  /** Deletes expired sessions; returns how many. */
  sweep(): number {
    return this.db.prepare('DELETE FROM account_sessions WHERE expires_ms <= ?').run(this.now()).changes;
  }
}
