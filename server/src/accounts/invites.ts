/**
 * Invite links and the first-run setup code. Both are random secrets shown
 * once (in a link's `#fragment`, which browsers never send to servers or put
 * in Referer), stored as SHA-256, used at most once, and expiring.
 *
 * - Invite: made by an admin for a role (admin or agent), optionally naming
 *   the invitee's email; valid `INVITE_TTL_MS`. The invitee sets name,
 *   email (unless the invite fixed it) and password.
 * - Setup code: made when the store has no account; valid `SETUP_TTL_MS`;
 *   creates the owner. A new one replaces any unused one.
 */
import { hashToken, newId, newSecretToken } from './tokens.js';
import type { Db, Invite, Role } from './types.js';

/** How long an invite link stays valid, ms (7 days). */
export const INVITE_TTL_MS = 7 * 86_400_000;
/** How long a setup link stays valid, ms (1 hour). */
export const SETUP_TTL_MS = 60 * 60_000;

interface InviteRow {
  id: string;
  role: Exclude<Role, 'owner'>;
  email: string;
  created_by: string;
  created_ms: number;
  expires_ms: number;
  accepted_ms: number | null;
  accepted_by: string | null;
}

function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    role: row.role,
    email: row.email,
    createdBy: row.created_by,
    createdMs: row.created_ms,
    expiresMs: row.expires_ms,
    acceptedMs: row.accepted_ms,
    acceptedBy: row.accepted_by,
  };
}

export class InviteTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** Makes an invite; returns it and its code (shown once). */
  create(role: Exclude<Role, 'owner'>, email: string, createdBy: string): { invite: Invite; code: string } {
    const code = newSecretToken();
    const id = newId('i');
    const now = this.now();
    this.db
      .prepare('INSERT INTO invites (id, code_hash, role, email, created_by, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, hashToken(code), role, email, createdBy, now, now + INVITE_TTL_MS);
    return { invite: this.get(id) as Invite, code };
  }

  get(id: string): Invite | undefined {
    const row = this.db.prepare('SELECT id, role, email, created_by, created_ms, expires_ms, accepted_ms, accepted_by FROM invites WHERE id = ?').get(id) as InviteRow | undefined;
    return row && toInvite(row);
  }

  /** The pending (unused, unexpired) invite a code names. */
  pendingByCode(code: string): Invite | undefined {
    const row = this.db
      .prepare('SELECT id, role, email, created_by, created_ms, expires_ms, accepted_ms, accepted_by FROM invites WHERE code_hash = ? AND accepted_ms IS NULL AND expires_ms > ?')
      .get(hashToken(code), this.now()) as InviteRow | undefined;
    return row && toInvite(row);
  }

  /** Pending invites, newest first. */
  listPending(): Invite[] {
    const rows = this.db
      .prepare('SELECT id, role, email, created_by, created_ms, expires_ms, accepted_ms, accepted_by FROM invites WHERE accepted_ms IS NULL AND expires_ms > ? ORDER BY created_ms DESC')
      .all(this.now()) as InviteRow[];
    return rows.map(toInvite);
  }

  /** Marks an invite used by `accountId`; false when it was no longer pending (used by a concurrent accept). */
  markAccepted(id: string, accountId: string): boolean {
    return this.db.prepare('UPDATE invites SET accepted_ms = ?, accepted_by = ? WHERE id = ? AND accepted_ms IS NULL').run(this.now(), accountId, id).changes > 0;
  }

  /** Withdraws a pending invite; false when there was none. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM invites WHERE id = ? AND accepted_ms IS NULL').run(id).changes > 0;
  }
}

export class SetupCodeTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** A new setup code (any unused one is withdrawn). */
  create(): { code: string; expiresMs: number } {
    const code = newSecretToken();
    const now = this.now();
    this.db.prepare('DELETE FROM setup_codes WHERE used_ms IS NULL').run();
    this.db.prepare('INSERT INTO setup_codes (code_hash, created_ms, expires_ms) VALUES (?, ?, ?)').run(hashToken(code), now, now + SETUP_TTL_MS);
    return { code, expiresMs: now + SETUP_TTL_MS };
  }

  /** True when the code is unused and unexpired. */
  isValid(code: string): boolean {
    return this.db.prepare('SELECT 1 FROM setup_codes WHERE code_hash = ? AND used_ms IS NULL AND expires_ms > ?').get(hashToken(code), this.now()) !== undefined;
  }

  /** Uses the code up; false when it was not valid (unknown, used, or expired). */
  use(code: string): boolean {
    return this.db.prepare('UPDATE setup_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL AND expires_ms > ?').run(this.now(), hashToken(code), this.now()).changes > 0;
  }
}
