/**
 * The accounts service (DESIGN.md §2): sign-in, sessions, first-run setup,
 * invites and role rules over the tables. Every refusal is an AccountError
 * whose `kind` the JSON API maps to a status. Revocations (a session signed
 * out or revoked, an account disabled) are announced to listeners, so the
 * gateway closes the affected sockets at once.
 *
 * Role rules: admins manage agents and invite agents; only the owner
 * manages admins and invites admins; the owner account is never disabled
 * nor demoted; nobody disables or re-roles themselves; everyone may change
 * their own name, colour, language and password.
 */
import { AccountTable, colorProblem, emailProblem, nameProblem, type AccountChanges } from './accounts.js';
import { CannedTable } from './canned.js';
import { InviteTable, SetupCodeTable } from './invites.js';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './login-limiter.js';
import { dummyPasswordHash, hashPassword, needsRehash, passwordProblem, verifyPassword } from './password.js';
import { DEFAULT_SESSION_LIFETIMES, SessionTable, type SessionLifetimes } from './sessions.js';
import { SettingsTable, type Settings } from './settings.js';
import { AccountError, isRole, roleAtLeast, type Account, type AuthSession, type Db, type Invite, type Role } from './types.js';

/**
 * Who is asking: a signed-in account, a service token (an agent id, DESIGN
 * §2) or the API token (owner rights, for provisioning).
 */
export interface Actor {
  /** Account id, service-token agent id, or 'api'. */
  readonly id: string;
  readonly role: Role;
  readonly kind: 'account' | 'service' | 'api';
  /** The sign-in session, for accounts. */
  readonly sessionId?: string;
}

/** A revocation the gateway acts on: close sockets of these sessions, or of the whole account. */
export type Revocation = { readonly sessionIds: readonly string[] } | { readonly accountId: string };

/** Input of a new account from setup or an invite. */
export interface Signup {
  readonly name?: unknown;
  readonly email?: unknown;
  readonly password?: unknown;
}

export interface AccountServiceOptions {
  readonly now?: () => number;
  readonly loginLimits?: LoginLimits;
  readonly sessionLifetimes?: SessionLifetimes;
  /** Settings a fresh store starts from (the environment's values). */
  readonly defaultSettings: Settings;
}

/** A new sign-in: the account, its session, and the token for the cookie. */
export interface SignIn {
  readonly account: Account;
  readonly session: AuthSession;
  readonly token: string;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new AccountError('bad_input', `${field} must be a string`);
  return value;
}

function check(problem: string): void {
  if (problem) throw new AccountError('bad_input', problem);
}

export class AccountService {
  readonly accounts: AccountTable;
  readonly sessions: SessionTable;
  readonly invites: InviteTable;
  readonly setupCodes: SetupCodeTable;
  readonly settings: SettingsTable;
  readonly canned: CannedTable;
  readonly limiter: LoginLimiter;
  private readonly now: () => number;
  private readonly revocationListeners = new Set<(revocation: Revocation) => void>();

  constructor(
    private readonly db: Db,
    options: AccountServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.accounts = new AccountTable(db, this.now);
    this.sessions = new SessionTable(db, this.now, options.sessionLifetimes ?? DEFAULT_SESSION_LIFETIMES);
    this.invites = new InviteTable(db, this.now);
    this.setupCodes = new SetupCodeTable(db, this.now);
    this.settings = new SettingsTable(db, options.defaultSettings, this.now);
    this.canned = new CannedTable(db, this.now);
    this.limiter = new LoginLimiter(options.loginLimits ?? DEFAULT_LOGIN_LIMITS, this.now);
  }

  /** Calls `listener` on every revocation; returns a disposer. */
  onRevocation(listener: (revocation: Revocation) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private revoked(revocation: Revocation): void {
    for (const listener of this.revocationListeners) listener(revocation);
  }

  /** True while the store has no account (first run). */
  needsSetup(): boolean {
    return this.accounts.count() === 0;
  }

  // ---- sign-in -------------------------------------------------------------

  /** Password sign-in, rate-limited per IP and per account. */
  async login(email: unknown, password: unknown, ip: string, userAgent: string): Promise<SignIn> {
    const address = text(email, 'email').trim();
    const secret = text(password, 'password');
    if (!address || !secret) throw new AccountError('bad_input', 'email and password are required');
    const wait = this.limiter.retryAfterMs(ip, address);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      throw new AccountError('rate_limited', `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, wait);
    }
    const account = this.accounts.byEmail(address);
    const stored = account ? this.accounts.passwordHash(account.id) : await dummyPasswordHash();
    const ok = secret.length <= 1024 && (await verifyPassword(secret, stored));
    if (!account || !ok) {
      this.limiter.failed(ip, address);
      throw new AccountError('unauthenticated', 'Wrong email or password.');
    }
    this.limiter.succeeded(address);
    if (account.disabled) throw new AccountError('disabled', 'This account is disabled. Ask an admin of your team.');
    if (needsRehash(stored)) this.accounts.setPasswordHash(account.id, await hashPassword(secret));
    return { account, ...this.sessions.create(account.id, ip, userAgent) };
  }

  /** The enabled account and live session a session token names, or undefined. */
  authenticate(token: string): { account: Account; session: AuthSession } | undefined {
    const session = this.sessions.byToken(token);
    if (!session) return undefined;
    const account = this.accounts.get(session.accountId);
    if (!account || account.disabled) return undefined;
    return { account, session };
  }

  /** Ends one session (sign out, or revoke from the sessions list). Owners of the session or admins over its account. */
  revokeSession(actor: Actor, sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new AccountError('not_found', 'no such session');
    if (session.accountId !== actor.id) this.requireManage(actor, this.mustGet(session.accountId));
    this.sessions.revoke(sessionId);
    this.revoked({ sessionIds: [sessionId] });
  }

  /** Live sessions of an account: one's own, or (admins) of accounts they manage. */
  listSessions(actor: Actor, accountId: string): AuthSession[] {
    if (accountId !== actor.id) this.requireManage(actor, this.mustGet(accountId));
    return this.sessions.listFor(accountId);
  }

  // ---- first run and invites -----------------------------------------------

  /** The first-run setup code, or undefined when an account exists. */
  createSetupCode(): { code: string; expiresMs: number } | undefined {
    return this.needsSetup() ? this.setupCodes.create() : undefined;
  }

  /** Creates the owner from a setup code (valid once) and signs them in. */
  async completeSetup(code: unknown, signup: Signup, ip: string, userAgent: string): Promise<SignIn> {
    const setupCode = text(code, 'code');
    const input = await this.validSignup(signup);
    if (!this.needsSetup() || !this.setupCodes.isValid(setupCode)) {
      throw new AccountError('conflict', 'This setup link was already used or has expired. Sign in, or run `npm run admin -- create-owner`.');
    }
    const account = this.db.transaction(() => {
      if (!this.setupCodes.use(setupCode) || !this.needsSetup()) throw new AccountError('conflict', 'This setup link was already used or has expired.');
      return this.accounts.create({ ...input, role: 'owner' });
    })();
    return { account, ...this.sessions.create(account.id, ip, userAgent) };
  }

  /** Makes an invite link for a role: admins invite agents, the owner also admins. */
  createInvite(actor: Actor, role: unknown, email: unknown): { invite: Invite; code: string } {
    if (role !== 'agent' && role !== 'admin') throw new AccountError('bad_input', 'role must be "agent" or "admin"');
    const address = email === undefined || email === null ? '' : text(email, 'email').trim();
    if (address) check(emailProblem(address));
    this.requireRole(actor, role === 'admin' ? 'owner' : 'admin');
    if (address && this.accounts.byEmail(address)) throw new AccountError('conflict', 'an account with this email already exists');
    return this.invites.create(role, address, actor.id);
  }

  /** Withdraws a pending invite (admins). */
  revokeInvite(actor: Actor, id: string): void {
    this.requireRole(actor, 'admin');
    const invite = this.invites.get(id);
    if (!invite || invite.acceptedMs !== null) throw new AccountError('not_found', 'no such pending invite');
    if (invite.role === 'admin') this.requireRole(actor, 'owner');
    this.invites.revoke(id);
  }

  /** The pending invite a code names (for the accept page), or a 404. */
  pendingInvite(code: unknown): Invite {
    const invite = typeof code === 'string' && code ? this.invites.pendingByCode(code) : undefined;
    if (!invite) throw new AccountError('not_found', 'This invite link is not valid: it was used, withdrawn or has expired. Ask for a new one.');
    return invite;
  }

  /** The invitee sets name, email (unless fixed by the invite) and password; the invite is used up; they are signed in. */
  async acceptInvite(code: unknown, signup: Signup, ip: string, userAgent: string): Promise<SignIn> {
    const invite = this.pendingInvite(code);
    const input = await this.validSignup({ ...signup, email: invite.email || signup.email });
    const account = this.db.transaction(() => {
      const created = this.accounts.create({ ...input, role: invite.role });
      if (!this.invites.markAccepted(invite.id, created.id)) throw new AccountError('conflict', 'This invite was just used.');
      return created;
    })();
    return { account, ...this.sessions.create(account.id, ip, userAgent) };
  }

  // ---- accounts ------------------------------------------------------------

  /** Changes an account under the role rules; disabling revokes its sessions (and closes its sockets). */
  updateAccount(actor: Actor, id: string, patch: Record<string, unknown>): Account {
    const target = this.mustGet(id);
    const allowed = ['name', 'role', 'avatar_color', 'lang', 'disabled'];
    for (const key of Object.keys(patch)) if (!allowed.includes(key)) throw new AccountError('bad_input', `unknown field "${key}"`);
    const changes: { -readonly [K in keyof AccountChanges]: AccountChanges[K] } = {};
    if (patch.name !== undefined) check(nameProblem((changes.name = text(patch.name, 'name'))));
    if (patch.avatar_color !== undefined) check(colorProblem((changes.avatarColor = text(patch.avatar_color, 'avatar_color'))));
    if (patch.lang !== undefined) {
      changes.lang = text(patch.lang, 'lang');
      if (!['', 'en', 'zh-CN'].includes(changes.lang)) throw new AccountError('bad_input', 'lang must be "", "en" or "zh-CN"');
    }
    if (patch.role !== undefined) {
      if (!isRole(patch.role) || patch.role === 'owner') throw new AccountError('bad_input', 'role must be "agent" or "admin"');
      changes.role = patch.role;
    }
    if (patch.disabled !== undefined) {
      if (typeof patch.disabled !== 'boolean') throw new AccountError('bad_input', 'disabled must be true or false');
      changes.disabled = patch.disabled;
    }
    const managing = changes.role !== undefined || changes.disabled !== undefined;
    if (target.id === actor.id) {
      if (managing && (changes.role !== target.role || changes.disabled !== target.disabled)) {
        if ((changes.role ?? target.role) !== target.role || (changes.disabled ?? target.disabled) !== target.disabled) {
          throw new AccountError('forbidden', 'you cannot change your own role or disable yourself');
        }
      }
    } else {
      this.requireManage(actor, target);
      if (changes.role === 'admin') this.requireRole(actor, 'owner');
    }
    const updated = this.accounts.update(id, changes);
    if (changes.disabled === true && !target.disabled) {
      this.sessions.revokeAllFor(id);
      this.revoked({ accountId: id });
    }
    return updated;
  }

  /** Changes one's own password (the current one is asked for); other sessions are signed out. */
  async changePassword(actor: Actor, current: unknown, next: unknown): Promise<void> {
    if (actor.kind !== 'account') throw new AccountError('forbidden', 'only a signed-in account has a password');
    const newPassword = text(next, 'new_password');
    check(passwordProblem(newPassword));
    if (!(await verifyPassword(text(current, 'current_password'), this.accounts.passwordHash(actor.id)))) {
      throw new AccountError('unauthenticated', 'the current password is wrong');
    }
    this.accounts.setPasswordHash(actor.id, await hashPassword(newPassword));
    const others = this.sessions.listFor(actor.id).filter((s) => s.id !== actor.sessionId).map((s) => s.id);
    for (const id of others) this.sessions.revoke(id);
    if (others.length > 0) this.revoked({ sessionIds: others });
  }

  // ---- command line (people who lost access) ---------------------------------

  /** `admin create-owner`: an owner account (refused when one exists unless `force`). */
  async createOwner(signup: Signup): Promise<Account> {
    const input = await this.validSignup(signup);
    if (this.accounts.list().some((a) => a.role === 'owner')) throw new AccountError('conflict', 'an owner exists already; use reset-password');
    return this.accounts.create({ ...input, role: 'owner' });
  }

  /** `admin reset-password`: a new password; every session of the account is signed out. */
  async resetPassword(email: string, password: string): Promise<Account> {
    const account = this.accounts.byEmail(email);
    if (!account) throw new AccountError('not_found', `no account with email ${email}`);
    check(passwordProblem(password));
    this.accounts.setPasswordHash(account.id, await hashPassword(password));
    this.sessions.revokeAllFor(account.id);
    this.revoked({ accountId: account.id });
    return account;
  }

  // ---- rules -----------------------------------------------------------------

  /** Throws 403 unless the actor has at least `least`. */
  requireRole(actor: Actor, least: Role): void {
    if (!roleAtLeast(actor.role, least)) throw new AccountError('forbidden', `this needs the ${least} role`);
  }

  /** Throws 403 unless the actor may manage `target` (admins: agents; owner: agents and admins; nobody: the owner). */
  private requireManage(actor: Actor, target: Account): void {
    if (target.role === 'owner') throw new AccountError('forbidden', 'the owner account cannot be changed by others');
    this.requireRole(actor, target.role === 'admin' ? 'owner' : 'admin');
  }

  private mustGet(id: string): Account {
    const account = this.accounts.get(id);
    if (!account) throw new AccountError('not_found', 'no such account');
    return account;
  }

  private async validSignup(signup: Signup): Promise<{ name: string; email: string; passwordHash: string }> {
    const name = text(signup.name, 'name');
    const email = text(signup.email, 'email').trim();
    const password = text(signup.password, 'password');
    check(nameProblem(name));
    check(emailProblem(email));
    check(passwordProblem(password));
    if (this.accounts.byEmail(email)) throw new AccountError('conflict', 'an account with this email already exists');
    return { name: name.trim(), email, passwordHash: await hashPassword(password) };
  }
}
