/** What the API's handlers get: the services they use and who is calling. */
import { AccountError, type Account, type AccountService, type AuthSession, type CannedReply, type Invite } from '../../accounts/index.js';
import type { BroadcastService } from '../../broadcast/index.js';
import type { Keys } from '../../gateway/auth.js';
import type { Caller } from './auth.js';
import type { ConversationReader } from './conversations.js';
import { ApiError, type ErrorCode } from './http.js';

/** The API's view of the server (narrow on purpose: no sockets, no uWS). */
export interface ApiServices {
  readonly accounts: AccountService;
  readonly keys: Keys;
  /** CS_API_TOKEN, '' = off. */
  readonly apiToken: string;
  /** Reverse proxies in front (CS_TRUST_PROXY hops); 0 = none. */
  readonly trustProxy: number;
  readonly conversations: ConversationReader;
  /** Agent ids with an open workbench socket. */
  onlineAgentIds(): ReadonlySet<string>;
  /** The public mailbox (announcements, DESIGN.md §6). */
  readonly announcements: BroadcastService;
  /** Email continuity (DESIGN.md §10): on or off, and how to turn it on. */
  readonly email?: {
    status(): { enabled: boolean; from: string; hint: string };
    /** Whether an account gets new-conversation alerts (default yes). */
    alertsOn(accountId: string): boolean;
    setAlerts(accountId: string, on: boolean): void;
    /** Mails an invite link now; rejects with why (email off, the SMTP server's refusal). */
    sendInvite(to: string, invite: { inviterName: string; role: 'agent' | 'admin'; url: string; expiresMs: number; lang: string }): Promise<void>;
  };
  /** Replies by email (CS_IMAP_URL): the mailbox watcher's state; undefined when it is off. */
  inboundStatus?(): { state: string; failures: number; lastError: string; idle: boolean } | undefined;
}

/** One request's handler context. */
export interface HandlerContext {
  readonly api: ApiServices;
  readonly caller: Caller | undefined;
}

/** The caller of a staff route (the router checked it is there). */
export function callerOf(c: HandlerContext): Caller {
  if (!c.caller) throw new ApiError('unauthenticated', 'sign in first');
  return c.caller;
}

const KIND_TO_CODE: Readonly<Record<AccountError['kind'], ErrorCode>> = {
  bad_input: 'bad_request',
  not_found: 'not_found',
  conflict: 'conflict',
  forbidden: 'forbidden',
  unauthenticated: 'unauthenticated',
  rate_limited: 'rate_limited',
  disabled: 'account_disabled',
};

/** An AccountError as the API's error. */
export function apiErrorOf(error: AccountError): ApiError {
  return new ApiError(KIND_TO_CODE[error.kind], error.message, error.retryAfterMs);
}

/** The JSON body as an object, or 400. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('bad_request', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

// ---- JSON views (snake_case, times in ms) -----------------------------------

export function accountJson(account: Account, online: ReadonlySet<string>): Record<string, unknown> {
  return {
    id: account.id,
    email: account.email,
    name: account.name,
    role: account.role,
    avatar_color: account.avatarColor,
    lang: account.lang,
    disabled: account.disabled,
    online: online.has(account.id),
    created_at: account.createdMs,
    updated_at: account.updatedMs,
  };
}

export function sessionJson(session: AuthSession, currentId: string | undefined): Record<string, unknown> {
  return {
    id: session.id,
    account_id: session.accountId,
    created_at: session.createdMs,
    last_seen_at: session.lastSeenMs,
    expires_at: session.expiresMs,
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.id === currentId,
  };
}

export function inviteJson(invite: Invite): Record<string, unknown> {
  return { id: invite.id, role: invite.role, email: invite.email, created_by: invite.createdBy, created_at: invite.createdMs, expires_at: invite.expiresMs };
}

export function cannedJson(reply: CannedReply): Record<string, unknown> {
  return { id: reply.id, shortcut: reply.shortcut, text: reply.text, created_at: reply.createdMs, updated_at: reply.updatedMs };
}
