/** The account domain's types (DESIGN.md §2). */
import type BetterSqlite3 from 'better-sqlite3';

/** A better-sqlite3 database handle (the store opens it; accounts only use it). */
export type Db = BetterSqlite3.Database;

/** Staff roles, most powerful first: `owner` (one; everything), `admin` (agents, settings), `agent` (conversations). */
export const ROLES = ['owner', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` is at least `least` (owner > admin > agent). */
export function roleAtLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(least);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** A staff account as the rest of the server sees it (never the password hash). */
export interface Account {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** `#rrggbb`. */
  readonly avatarColor: string;
  /** Workbench language chosen by the agent ('' follows the browser). */
  readonly lang: string;
  readonly disabled: boolean;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** A sign-in session (the token itself is never stored). */
export interface AuthSession {
  readonly id: string;
  readonly accountId: string;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  readonly expiresMs: number;
  readonly ip: string;
  readonly userAgent: string;
}

/** A pending or used invite. */
export interface Invite {
  readonly id: string;
  readonly role: Exclude<Role, 'owner'>;
  readonly email: string;
  readonly createdBy: string;
  readonly createdMs: number;
  readonly expiresMs: number;
  readonly acceptedMs: number | null;
  readonly acceptedBy: string | null;
}

/** A canned reply: an agent types `/shortcut` to insert `text`. */
export interface CannedReply {
  readonly id: string;
  readonly shortcut: string;
  readonly text: string;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** Why an account operation was refused; the API maps `kind` to an HTTP status. */
export class AccountError extends Error {
  constructor(
    readonly kind: 'bad_input' | 'not_found' | 'conflict' | 'forbidden' | 'unauthenticated' | 'rate_limited' | 'disabled',
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}
