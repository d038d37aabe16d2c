/**
 * The announcements endpoints (DESIGN.md §6, §12; the table is in
 * broadcast/api.ts) in the API's router: signed-in staff only, and of them
 * admins (and the owner, and `Bearer <CS_API_TOKEN>`); anyone else gets 403
 * `forbidden`. A refusal of the mailbox maps to 400 `bad_request`, 404
 * `not_found` or 409 `conflict`; nothing is changed by a refused request.
 */
import { ANNOUNCEMENT_ENDPOINTS, BroadcastError } from '../../broadcast/index.js';
import { callerOf, type HandlerContext } from './context.js';
import { ApiError, type ErrorCode } from './http.js';
import type { Route } from './router.js';

const CODE: Readonly<Record<BroadcastError['kind'], ErrorCode>> = { bad_input: 'bad_request', not_found: 'not_found', conflict: 'conflict' };
const STATUS = { 200: '200 OK', 201: '201 Created' } as const;

export const ANNOUNCEMENT_ROUTES: readonly Route<HandlerContext>[] = ANNOUNCEMENT_ENDPOINTS.map((endpoint) => ({
  method: endpoint.method,
  pattern: endpoint.pattern,
  access: 'staff',
  handler: (req, c) => {
    const { actor } = callerOf(c);
    c.api.accounts.requireRole(actor, 'admin');
    try {
      const result = endpoint.run(c.api.announcements, { params: req.params, body: req.body, actorId: actor.id });
      return { status: STATUS[result.status], body: result.body };
    } catch (error) {
      if (error instanceof BroadcastError) throw new ApiError(CODE[error.kind], error.message);
      throw error;
    }
  },
}));
