/**
 * Accounts, invites and sessions (DESIGN.md §2, §12).
 *
 * | route | who | body | answer |
 * |---|---|---|---|
 * | `GET /api/accounts` | staff | – | `{accounts: [...]}` with `online` |
 * | `GET /api/accounts/:id` | staff | – | the account |
 * | `PATCH /api/accounts/:id` | admin (owner for admins) | `{name?, role?, avatar_color?, lang?, disabled?}` | the account; disabling signs it out and closes its sockets |
 * | `GET /api/invites` | admin | – | `{invites: [...]}` pending |
 * | `POST /api/invites` | admin (owner for admins) | `{role, email?}` | 201 `{invite, url}` (the link, shown once) |
 * | `DELETE /api/invites/:id` | admin | – | 204 |
 * | `GET /api/sessions` | staff | `?account_id=` (admins: others') | `{sessions: [...]}` |
 * | `DELETE /api/sessions/:id` | own / admin | – | 204; its sockets close |
 */
import { AccountError, type Actor } from '../../accounts/index.js';
import { isHttps, requestHost } from './auth.js';
import { accountJson, bodyObject, callerOf, inviteJson, sessionJson, type HandlerContext } from './context.js';
import { ApiError } from './http.js';
import type { Route } from './router.js';

function requireAdmin(c: HandlerContext): Actor {
  const { actor } = callerOf(c);
  c.api.accounts.requireRole(actor, 'admin');
  return actor;
}

export const TEAM_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'GET',
    pattern: '/api/accounts',
    access: 'staff',
    handler: (_req, c) => {
      const online = c.api.onlineAgentIds();
      return { body: { accounts: c.api.accounts.accounts.list().map((a) => accountJson(a, online)) } };
    },
  },
  {
    method: 'GET',
    pattern: '/api/accounts/:id',
    access: 'staff',
    handler: (req, c) => {
      const account = c.api.accounts.accounts.get(req.params.id ?? '');
      if (!account) throw new ApiError('not_found', 'no such account');
      return { body: accountJson(account, c.api.onlineAgentIds()) };
    },
  },
  {
    method: 'PATCH',
    pattern: '/api/accounts/:id',
    access: 'staff',
    handler: (req, c) => {
      const { actor } = callerOf(c);
      const updated = c.api.accounts.updateAccount(actor, req.params.id ?? '', bodyObject(req.body));
      return { body: accountJson(updated, c.api.onlineAgentIds()) };
    },
  },
  {
    method: 'GET',
    pattern: '/api/invites',
    access: 'staff',
    handler: (_req, c) => {
      requireAdmin(c);
      return { body: { invites: c.api.accounts.invites.listPending().map(inviteJson) } };
    },
  },
  {
    method: 'POST',
    pattern: '/api/invites',
    access: 'staff',
    handler: (req, c) => {
      const actor = requireAdmin(c);
      const body = bodyObject(req.body);
      const { invite, code } = c.api.accounts.createInvite(actor, body.role, body.email);
      const origin = `${isHttps(req, c.api.trustProxy) ? 'https' : 'http'}://${requestHost(req)}`;
      return { status: '201 Created', body: { invite: inviteJson(invite), url: `${origin}/invite#code=${code}` } };
    },
  },
  {
    method: 'DELETE',
    pattern: '/api/invites/:id',
    access: 'staff',
    handler: (req, c) => {
      c.api.accounts.revokeInvite(callerOf(c).actor, req.params.id ?? '');
      return { status: '204 No Content' };
    },
  },
  {
    method: 'GET',
    pattern: '/api/sessions',
    access: 'staff',
    handler: (req, c) => {
      const { actor, session } = callerOf(c);
      const accountId = req.query.get('account_id') || actor.id;
      if (actor.kind !== 'account' && accountId === actor.id) throw new ApiError('forbidden', 'a service token has no sessions');
      if (!c.api.accounts.accounts.get(accountId)) throw new ApiError('not_found', 'no such account');
      return { body: { sessions: c.api.accounts.listSessions(actor, accountId).map((s) => sessionJson(s, session?.id)) } };
    },
  },
  {
    method: 'DELETE',
    pattern: '/api/sessions/:id',
    access: 'staff',
    handler: (req, c) => {
      try {
        c.api.accounts.revokeSession(callerOf(c).actor, req.params.id ?? '');
      } catch (error) {
        // Someone else's session the caller may not manage looks the same as none.
        if (error instanceof AccountError && error.kind === 'forbidden') throw new AccountError('not_found', 'no such session');
        throw error;
      }
      return { status: '204 No Content' };
    },
  },
];
