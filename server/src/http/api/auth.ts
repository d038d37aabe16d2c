/**
 * Who an API request speaks for, and the CSRF defence (DESIGN.md §2, §12).
 *
 * - `Authorization: Bearer <CS_API_TOKEN>`: owner rights (provisioning,
 *   automation); off when the option is unset.
 * - `Authorization: Bearer <service token>`: the agent of that id.
 * - Otherwise the session cookie `cs_session` (HttpOnly, SameSite=Lax).
 *
 * A cookie is ambient: any page can make the browser send it. So a
 * cookie-authenticated write (POST, PUT, PATCH, DELETE) must carry the
 * session's CSRF token in `X-CSRF-Token` (a page of another origin cannot
 * read it: it comes from `/api/me` or the sign-in answer, same-origin JSON)
 * and, when the browser sends an Origin, it must be the server's own. Bearer
 * tokens are never ambient, so they need neither.
 */
import { createHmac } from 'node:crypto';
import type { AccountService, Actor, AuthSession } from '../../accounts/index.js';
import { safeEqual, verifyAgentToken, type Keys } from '../../gateway/auth.js';
import { ApiError, cookieValue, isOwnOrigin, type ApiRequest } from './http.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'cs_session';

/** A resolved caller. */
export interface Caller {
  readonly actor: Actor;
  /** The sign-in session, when authenticated by cookie. */
  readonly session?: AuthSession;
  readonly viaCookie: boolean;
}

/** The CSRF token of a session: HMAC of its id, so nothing extra is stored. */
export function csrfTokenFor(keys: Keys, sessionId: string): string {
  return createHmac('sha256', keys.secret).update(`csrf:${sessionId}`).digest('base64url');
}

/** The host the browser addressed: the Host header (a proxy passes the public one on, README "Production"). */
export function requestHost(req: ApiRequest): string {
  return req.headers.host ?? '';
}

/** True when the request came over https (X-Forwarded-Proto behind a trusted proxy). */
export function isHttps(req: ApiRequest, trustProxy: number): boolean {
  return trustProxy > 0 && (req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https';
}

/** The `Set-Cookie` value for a new session (or, with '' and 0, the one that clears it). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/** What `resolveCaller` needs. */
export interface AuthDeps {
  readonly accounts: AccountService;
  readonly keys: Keys;
  /** CS_API_TOKEN; '' = off. */
  readonly apiToken: string;
  readonly trustProxy: number;
}

/** Refuses a write whose Origin is another site's (login CSRF, cookie writes). */
export function checkOrigin(deps: AuthDeps, req: ApiRequest): void {
  const origin = req.headers.origin ?? '';
  if (origin && !isOwnOrigin(origin, requestHost(req))) {
    throw new ApiError('csrf', 'cross-origin request refused: the workbench API only takes writes from its own origin');
  }
  if (!origin && req.headers['sec-fetch-site'] === 'cross-site') throw new ApiError('csrf', 'cross-site request refused');
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The caller of a request, or undefined when it carries no credentials. Bad credentials are a 401. */
export function resolveCaller(deps: AuthDeps, req: ApiRequest): Caller | undefined {
  const authorization = req.headers.authorization ?? '';
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new ApiError('unauthenticated', 'Authorization must be "Bearer <token>"');
    const token = match[1] ?? '';
    if (deps.apiToken && safeEqual(token, deps.apiToken)) return { actor: { id: 'api', role: 'owner', kind: 'api' }, viaCookie: false };
    const agentId = verifyAgentToken(deps.keys, token);
    if (!agentId) throw new ApiError('unauthenticated', 'the bearer token is not valid');
    return { actor: { id: agentId, role: 'agent', kind: 'service' }, viaCookie: false };
  }
  const token = cookieValue(req.headers.cookie ?? '', SESSION_COOKIE);
  if (!token) return undefined;
  const found = deps.accounts.authenticate(token);
  if (!found) return undefined;
  if (WRITES.has(req.method)) {
    checkOrigin(deps, req);
    const sent = req.headers['x-csrf-token'] ?? '';
    if (!sent || !safeEqual(sent, csrfTokenFor(deps.keys, found.session.id))) {
      throw new ApiError('csrf', 'missing or wrong X-CSRF-Token header (read csrf_token from GET /api/me)');
    }
  }
  return { actor: { id: found.account.id, role: found.account.role, kind: 'account', sessionId: found.session.id }, session: found.session, viaCookie: true };
}
