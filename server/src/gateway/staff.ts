/**
 * The workbench's WebSocket, authenticated by the session cookie on the
 * upgrade (DESIGN.md §2). The workbench opens `/ws?auth=session`; only then
 * is the cookie read (a widget on the server's own demo shop sends the same
 * cookie, and must stay a visitor). A cookie is ambient, so such an upgrade
 * is refused unless its Origin is the server's own (403), and refused
 * without a live session of an enabled account (401). Service tokens in
 * Hello keep working without any of this.
 *
 * Revocation (sign-out, a revoked session, a disabled account, a password
 * reset) closes the affected sockets at once with Error UNAUTHENTICATED.
 */
import type { HttpRequest } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { AccountService, Revocation } from '../accounts/index.js';
import { cookieValue, isOwnOrigin, SESSION_COOKIE } from '../http/api/index.js';
import type { Hub } from './hub.js';
import type { StaffAuth } from './session.js';

/** Query that asks for cookie authentication on `/ws`. */
export const COOKIE_AUTH_QUERY = 'auth=session';

/** The outcome of a cookie-authenticated upgrade: the staff identity, or the refusal. */
export type StaffUpgrade = { ok: true; staff: StaffAuth } | { ok: false; status: string; reason: string } | undefined;

/**
 * Reads the cookie authentication of an upgrade request (call before any
 * await: uWS invalidates `req`). Undefined when the upgrade did not ask for it.
 * `origin`: the request's page origin (default its Origin header; an HTTP
 * stream's same-origin GET carries none, see stream.ts).
 */
export function staffUpgrade(accounts: AccountService, req: HttpRequest, origin = req.getHeader('origin')): StaffUpgrade {
  const query = new URLSearchParams(req.getQuery() ?? '');
  if (query.get('auth') !== 'session') return undefined;
  const host = req.getHeader('host');
  if (!isOwnOrigin(origin, host)) return { ok: false, status: '403 Forbidden', reason: 'cookie-authenticated sockets are only accepted from the server\'s own origin' };
  const found = accounts.authenticate(cookieValue(req.getHeader('cookie'), SESSION_COOKIE));
  if (!found) return { ok: false, status: '401 Unauthorized', reason: 'not signed in (no valid session cookie)' };
  return { ok: true, staff: { accountId: found.account.id, name: found.account.name, authSessionId: found.session.id } };
}

/** Closes every socket a revocation covers; returns how many. */
export function closeRevoked(hub: Hub, revocation: Revocation): number {
  let closed = 0;
  for (const ws of [...hub.registry.sockets]) {
    const staff = ws.getUserData().session.staff;
    if (!staff) continue;
    const hit = 'accountId' in revocation ? staff.accountId === revocation.accountId : revocation.sessionIds.includes(staff.authSessionId);
    if (!hit) continue;
    closed++;
    hub.out.sendError(ws, cs.v1.ErrorCode.UNAUTHENTICATED, 'signed out: the session was revoked or the account disabled', { fatal: true });
  }
  return closed;
}
