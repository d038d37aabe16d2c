/** The `accounts` table: staff accounts (DESIGN.md §2). */
import { newId } from './tokens.js';
import { AccountError, type Account, type Db, type Role } from './types.js';

interface AccountRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  avatar_color: string;
  lang: string;
  disabled: number;
  created_ms: number;
  updated_ms: number;
}

/** Avatar colours given to new accounts in turn (readable with white initials). */
export const AVATAR_COLORS = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#16a34a', '#0891b2', '#4f46e5', '#b45309'] as const;

/** Longest account name, characters. */
export const MAX_NAME_LENGTH = 80;
/** Longest email, characters. */
export const MAX_EMAIL_LENGTH = 254;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COLOR_PATTERN = /^#[0-9a-f]{6}$/i;

/** Why a name is refused, or ''. Any characters (e.g. "Alice Smith", "王小明"), trimmed, 1–80. */
export function nameProblem(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'name must not be empty';
  if (trimmed.length > MAX_NAME_LENGTH) return `name must be at most ${MAX_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'name must not contain control characters';
  return '';
}

/** Why an email is refused, or ''. */
export function emailProblem(email: string): string {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) return 'email must be an address like name@example.com';
  return '';
}

/** Why an avatar colour is refused, or ''. */
export function colorProblem(color: string): string {
  return COLOR_PATTERN.test(color) ? '' : 'colour must be #rrggbb';
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    avatarColor: row.avatar_color,
    lang: row.lang,
    disabled: row.disabled !== 0,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
  };
}

/** What a new account needs (the password already hashed). */
export interface NewAccount {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly avatarColor?: string;
}

/** Fields an update may change. */
export interface AccountChanges {
  readonly name?: string;
  readonly role?: Role;
  readonly avatarColor?: string;
  readonly lang?: string;
  readonly disabled?: boolean;
}

export class AccountTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
  }

  list(): Account[] {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY created_ms, id').all() as AccountRow[]).map(toAccount);
  }

  get(id: string): Account | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row && toAccount(row);
  }

  byEmail(email: string): Account | undefined {
    const row = this.db.prepare('SELECT * FROM accounts WHERE email = ?').get(email.trim()) as AccountRow | undefined;
    return row && toAccount(row);
  }

  passwordHash(id: string): string {
    return (this.db.prepare('SELECT password_hash FROM accounts WHERE id = ?').get(id) as { password_hash: string } | undefined)?.password_hash ?? '';
  }

  /** Creates an account; 409 (conflict) when the email is taken. Input must already be validated. */
  create(input: NewAccount): Account {
    if (this.byEmail(input.email)) throw new AccountError('conflict', 'an account with this email already exists');
    const now = this.now();
    const id = newId('a');
    const color = input.avatarColor ?? AVATAR_COLORS[this.count() % AVATAR_COLORS.length] ?? AVATAR_COLORS[0];
    this.db
      .prepare('INSERT INTO accounts (id, email, name, role, password_hash, avatar_color, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.email.trim(), input.name.trim(), input.role, input.passwordHash, color, now, now);
    return this.get(id) as Account;
  }

  update(id: string, changes: AccountChanges): Account {
    const current = this.get(id);
    if (!current) throw new AccountError('not_found', 'no such account');
    const next = {
      name: changes.name?.trim() ?? current.name,
      role: changes.role ?? current.role,
      color: changes.avatarColor ?? current.avatarColor,
      lang: changes.lang ?? current.lang,
      disabled: (changes.disabled ?? current.disabled) ? 1 : 0,
    };
    this.db
      .prepare('UPDATE accounts SET name = ?, role = ?, avatar_color = ?, lang = ?, disabled = ?, updated_ms = ? WHERE id = ?')
      .run(next.name, next.role, next.color, next.lang, next.disabled, this.now(), id);
    return this.get(id) as Account;
  }

  setPasswordHash(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE accounts SET password_hash = ?, updated_ms = ? WHERE id = ?').run(passwordHash, this.now(), id);
  }
}
