/**
 * Email continuity (DESIGN.md §10, §12).
 *
 * | route | who | answer |
 * |---|---|---|
 * | `GET /api/email/status` | staff | `{enabled, from, hint}`: whether email is sent, the sender, and (off) how to turn it on |
 */
import type { HandlerContext } from './context.js';
import { ApiError } from './http.js';
import type { Route } from './router.js';

export const EMAIL_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'GET',
    pattern: '/api/email/status',
    access: 'staff',
    handler: (_req, c) => {
      if (!c.api.email) throw new ApiError('not_found', 'email is not part of this server');
      return { body: c.api.email.status() };
    },
  },
];
