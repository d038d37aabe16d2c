/**
 * Email continuity (DESIGN.md §10, §12).
 *
 * | route | who | answer |
 * |---|---|---|
 * | `GET /api/email/status` | staff | `{enabled, from, hint, replies}`: whether email is sent, the sender, and (off) how to turn it on; `replies`: the mailbox of emailed replies, `{state: "off" \| "connecting" \| "watching" \| "retrying", failures, last_error, idle, hint}` |
 * | `GET /api/email/alerts` | signed-in account | `{new_conversation}`: whether I get an email for a new conversation while no agent is online |
 * | `PUT /api/email/alerts` | signed-in account | `{new_conversation: boolean}` → the same; my own choice only |
 */
import { bodyObject, callerOf, type HandlerContext } from './context.js';
import { redact } from '../../email/imap-url.js';
import { ApiError } from './http.js';
import type { Route } from './router.js';

export const EMAIL_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'GET',
    pattern: '/api/email/status',
    access: 'staff',
    handler: (_req, c) => {
      if (!c.api.email) throw new ApiError('not_found', 'email is not part of this server');
      return { body: { ...c.api.email.status(), replies: repliesStatus(c) } };
    },
  },
  {
    method: 'GET',
    pattern: '/api/email/alerts',
    access: 'staff',
    handler: (_req, c) => {
      const { email, accountId } = alertsOf(c);
      return { body: { new_conversation: email.alertsOn(accountId) } };
    },
  },
  {
    method: 'PUT',
    pattern: '/api/email/alerts',
    access: 'staff',
    handler: (req, c) => {
      const { email, accountId } = alertsOf(c);
      const body = bodyObject(req.body);
      for (const key of Object.keys(body)) if (key !== 'new_conversation') throw new ApiError('bad_request', `unknown field "${key}"`);
      if (typeof body.new_conversation !== 'boolean') throw new ApiError('bad_request', 'new_conversation must be true or false');
      email.setAlerts(accountId, body.new_conversation);
      return { body: { new_conversation: email.alertsOn(accountId) } };
    },
  },
];

/** The email service and the caller's account (alerts are per account: service and API tokens have none). */
function alertsOf(c: HandlerContext): { email: NonNullable<HandlerContext['api']['email']>; accountId: string } {
  if (!c.api.email) throw new ApiError('not_found', 'email is not part of this server');
  const { actor } = callerOf(c);
  if (actor.kind !== 'account') throw new ApiError('forbidden', 'alerts belong to a signed-in account (sign in to the workbench)');
  return { email: c.api.email, accountId: actor.id };
}

/** The mailbox watcher as the workbench shows it: off (and how to turn it on), or its connection state. */
function repliesStatus(c: HandlerContext): { state: string; failures: number; last_error: string; idle: boolean; hint: string } {
  const status = c.api.inboundStatus?.();
  if (!status) return { state: 'off', failures: 0, last_error: '', idle: false, hint: 'To read emailed replies, set CS_IMAP_URL (e.g. imaps://you%40example.com:app-password@imap.example.com) on the server, then restart it.' };
  return { state: status.state, failures: status.failures, last_error: redact(status.lastError), idle: status.idle, hint: '' };
}
