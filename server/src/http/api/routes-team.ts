/**
 * Accounts, invites and sessions (DESIGN.md §2, §12).
 *
 * | route | who | body | answer |
 * |---|---|---|---|
 * | `GET /api/accounts` | staff | – | `{accounts: [...]}` with `online` |
 * | `GET /api/accounts/:id` | staff | – | the account |
 * | `PATCH /api/accounts/:id` | admin (owner for admins) | `{name?, role?, avatar_color?, lang?, disabled?}` | the account; disabling signs it out and closes its sockets |
 * | `GET /api/invites` | admin | – | `{invites: [...]}` pending |
 * | `POST /api/invites` | admin (owner for admins) | `{role, email?, send_email?}` | 201 `{invite, url, mail}`: the link, shown once; `mail` `{sent, to, problem}` says whether it was also emailed (see below) |
 * | `DELETE /api/invites/:id` | admin | – | 204 |
 * | `GET /api/sessions` | staff | `?account_id=` (admins: others') | `{sessions: [...]}` |
 * | `DELETE /api/sessions/:id` | own / admin | – | 204; its sockets close |
 *
 * Invites by email: with an `email` and outbound email on (CS_SMTP_URL and a
 * sender), the link is mailed to the invitee at once, as Chatwoot and
 * Intercom do when a teammate is added by address; `send_email: false`
 * skips it. The link is in the answer either way, so a mail server is never
 * needed: `mail.sent` false with `mail.problem` (email off, the SMTP
 * server's refusal) tells the admin to copy it instead. Asking for
 * `send_email: true` without an email is 400, and while email is off 409
 * (nothing is made).
 */
import { failureText } from '../../email/mailer.js';
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
    handler: async (req, c) => {
      const actor = requireAdmin(c);
      const body = bodyObject(req.body);
      const email = c.api.email;
      const emailOn = email?.status().enabled ?? false;
      if (body.send_email !== undefined && typeof body.send_email !== 'boolean') throw new ApiError('bad_request', 'send_email must be true or false');
      const given = typeof body.email === 'string' && body.email.trim() !== '';
      if (body.send_email === true && !given) throw new ApiError('bad_request', 'send_email needs the email of the person invited');
      if (body.send_email === true && !emailOn) throw new ApiError('conflict', `email is off, so the invite cannot be mailed: copy the link instead. ${email?.status().hint ?? ''}`.trim());
      const { invite, code } = c.api.accounts.createInvite(actor, body.role, body.email);
      const origin = `${isHttps(req, c.api.trustProxy) ? 'https' : 'http'}://${requestHost(req)}`;
      const url = `${origin}/invite#code=${code}`;
      let mail = { sent: false, to: invite.email, problem: given ? 'email is off: copy the link and send it yourself' : 'no email given' };
      if (invite.email && body.send_email === false) mail = { ...mail, problem: 'not asked to send it' };
      else if (invite.email && email && emailOn) {
        const inviter = actor.kind === 'account' ? c.api.accounts.accounts.get(actor.id) : undefined;
        try {
          await email.sendInvite(invite.email, { inviterName: inviter?.name ?? actor.id, role: invite.role, url, expiresMs: invite.expiresMs, lang: inviter?.lang ?? '' });
          mail = { ...mail, sent: true, problem: '' };
        } catch (error) {
          mail = { ...mail, problem: `the mail server refused it (${failureText(error)}): copy the link instead` };
        }
      }
      return { status: '201 Created', body: { invite: inviteJson(invite), url, mail } };
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
