/**
 * Signing in and out, first-run setup, accepting an invite, `me`, and the
 * public widget configuration.
 *
 * | route | body | answer |
 * |---|---|---|
 * | `POST /api/login` | `{email, password}` | 200 `{account, csrf_token}` + session cookie; 401, 403 (disabled), 429 (rate limit) |
 * | `POST /api/logout` | – | 204, cookie cleared, session revoked |
 * | `GET /api/me` | – | `{account, session_id, csrf_token}` (service token: `{account: null, agent_id, role}`) |
 * | `PATCH /api/me` | `{name?, avatar_color?, lang?}` | the account |
 * | `POST /api/me/password` | `{current_password, new_password}` | 204; other sessions signed out |
 * | `GET /api/setup` | – | `{needed}` |
 * | `POST /api/setup` | `{code, name, email, password}` | 201 `{account, csrf_token}` + cookie; 409 when used / expired |
 * | `POST /api/invites/preview` | `{code}` | `{role, email, expires_at}`; 404 when not valid |
 * | `POST /api/invites/accept` | `{code, name, email?, password}` | 201 `{account, csrf_token}` + cookie |
 * | `GET /api/widget-config` | – | `{color, title, position, texts}` (public, CORS *) |
 */
import { DEFAULT_SESSION_LIFETIMES, type SignIn } from '../../accounts/index.js';
import { checkOrigin, csrfTokenFor, isHttps, sessionCookie, type AuthDeps } from './auth.js';
import { accountJson, bodyObject, callerOf, type HandlerContext } from './context.js';
import { ApiError, type ApiRequest, type ApiResponse } from './http.js';
import type { Route } from './router.js';

function authDeps(c: HandlerContext): AuthDeps {
  return c.api;
}

function signedIn(c: HandlerContext, req: ApiRequest, signIn: SignIn, status: string): ApiResponse {
  const secure = isHttps(req, c.api.trustProxy);
  const maxAge = Math.floor(DEFAULT_SESSION_LIFETIMES.maxAgeMs / 1000);
  return {
    status,
    body: { account: accountJson(signIn.account, c.api.onlineAgentIds()), session_id: signIn.session.id, csrf_token: csrfTokenFor(c.api.keys, signIn.session.id) },
    cookies: [sessionCookie(signIn.token, maxAge, secure)],
  };
}

function userAgent(req: ApiRequest): string {
  return req.headers['user-agent'] ?? '';
}

export const AUTH_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'POST',
    pattern: '/api/login',
    access: 'public',
    handler: async (req, c) => {
      checkOrigin(authDeps(c), req);
      const body = bodyObject(req.body);
      const signIn = await c.api.accounts.login(body.email, body.password, req.ip, userAgent(req));
      return signedIn(c, req, signIn, '200 OK');
    },
  },
  {
    method: 'POST',
    pattern: '/api/logout',
    access: 'staff',
    handler: (req, c) => {
      const caller = callerOf(c);
      if (caller.session) c.api.accounts.revokeSession(caller.actor, caller.session.id);
      return { status: '204 No Content', cookies: [sessionCookie('', 0, isHttps(req, c.api.trustProxy))] };
    },
  },
  {
    method: 'GET',
    pattern: '/api/me',
    access: 'staff',
    handler: (_req, c) => {
      const { actor, session } = callerOf(c);
      if (actor.kind !== 'account' || !session) return { body: { account: null, agent_id: actor.id, role: actor.role, kind: actor.kind } };
      const account = c.api.accounts.accounts.get(actor.id);
      if (!account) throw new ApiError('unauthenticated', 'sign in first');
      return { body: { account: accountJson(account, c.api.onlineAgentIds()), session_id: session.id, csrf_token: csrfTokenFor(c.api.keys, session.id) } };
    },
  },
  {
    method: 'PATCH',
    pattern: '/api/me',
    access: 'staff',
    handler: (req, c) => {
      const { actor } = callerOf(c);
      if (actor.kind !== 'account') throw new ApiError('forbidden', 'only a signed-in account has a profile');
      const body = bodyObject(req.body);
      for (const key of Object.keys(body)) if (!['name', 'avatar_color', 'lang'].includes(key)) throw new ApiError('bad_request', `unknown field "${key}"`);
      return { body: accountJson(c.api.accounts.updateAccount(actor, actor.id, body), c.api.onlineAgentIds()) };
    },
  },
  {
    method: 'POST',
    pattern: '/api/me/password',
    access: 'staff',
    handler: async (req, c) => {
      const body = bodyObject(req.body);
      await c.api.accounts.changePassword(callerOf(c).actor, body.current_password, body.new_password);
      return { status: '204 No Content' };
    },
  },
  {
    method: 'GET',
    pattern: '/api/setup',
    access: 'public',
    handler: (_req, c) => ({ body: { needed: c.api.accounts.needsSetup() } }),
  },
  {
    method: 'POST',
    pattern: '/api/setup',
    access: 'public',
    handler: async (req, c) => {
      checkOrigin(authDeps(c), req);
      const body = bodyObject(req.body);
      const signIn = await c.api.accounts.completeSetup(body.code, body, req.ip, userAgent(req));
      return signedIn(c, req, signIn, '201 Created');
    },
  },
  {
    method: 'POST',
    pattern: '/api/invites/preview',
    access: 'public',
    handler: (req, c) => {
      const invite = c.api.accounts.pendingInvite(bodyObject(req.body).code);
      return { body: { role: invite.role, email: invite.email, expires_at: invite.expiresMs } };
    },
  },
  {
    method: 'POST',
    pattern: '/api/invites/accept',
    access: 'public',
    handler: async (req, c) => {
      checkOrigin(authDeps(c), req);
      const body = bodyObject(req.body);
      const signIn = await c.api.accounts.acceptInvite(body.code, body, req.ip, userAgent(req));
      return signedIn(c, req, signIn, '201 Created');
    },
  },
  {
    method: 'GET',
    pattern: '/api/widget-config',
    access: 'public',
    handler: (_req, c) => {
      const settings = c.api.accounts.settings.get();
      return {
        body: { ...settings.widget, texts: settings.texts },
        // The widget runs on the merchant's pages (another origin); this is public and takes no credentials.
        headers: { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' },
      };
    },
  },
];
