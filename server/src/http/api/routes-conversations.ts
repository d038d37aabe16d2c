/**
 * Conversations (DESIGN.md §12), for every signed-in caller.
 *
 * | route | query | answer |
 * |---|---|---|
 * | `GET /api/conversations` | `status` (open, pending, resolved), `site`, `assignee`, `q` (visitor name, email, topic, message text), `limit` (1–500, default 100) | `{conversations: [...], sites: [...], has_more}` newest activity first; with `q`, the first 50 found by message text carry `match: {seq, text, sent_at}`, an excerpt of the newest matching message |
 * | `GET /api/conversations/:id` | `after_seq` (default 0), `limit` (1–500, default 200) | `{conversation, messages, has_more}` |
 * | `GET /api/conversations/:id/export` | – | the whole conversation as a JSON download |
 */
import { callerOf, type HandlerContext } from './context.js';
import { STATUS_NAMES, type StatusName } from './conversations.js';
import { ApiError, type ApiRequest } from './http.js';
import type { Route } from './router.js';

const MAX_LIMIT = 500;

function intParam(req: ApiRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ApiError('bad_request', `${name} must be an integer from ${min} to ${max}`);
  return value;
}

export const CONVERSATION_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'GET',
    pattern: '/api/conversations',
    access: 'staff',
    handler: (req, c) => {
      callerOf(c);
      const status = req.query.get('status') ?? undefined;
      if (status !== undefined && !(status in STATUS_NAMES)) throw new ApiError('bad_request', 'status must be open, pending or resolved');
      const q = req.query.get('q') ?? undefined;
      if (q !== undefined && q.length > 200) throw new ApiError('bad_request', 'q must be at most 200 characters');
      const { conversations, hasMore } = c.api.conversations.list({
        status: status as StatusName | undefined,
        site: req.query.get('site') ?? undefined,
        assignee: req.query.get('assignee') ?? undefined,
        q,
        limit: intParam(req, 'limit', 100, 1, MAX_LIMIT),
      });
      return { body: { conversations, sites: c.api.conversations.sites(), has_more: hasMore } };
    },
  },
  {
    method: 'GET',
    pattern: '/api/conversations/:id',
    access: 'staff',
    handler: (req, c) => {
      callerOf(c);
      const id = req.params.id ?? '';
      const conversation = c.api.conversations.get(id);
      const page = c.api.conversations.messages(id, intParam(req, 'after_seq', 0, 0, 2 ** 32), intParam(req, 'limit', 200, 1, MAX_LIMIT));
      if (!conversation || !page) throw new ApiError('not_found', 'no such conversation');
      return { body: { conversation, messages: page.messages, has_more: page.hasMore } };
    },
  },
  {
    method: 'GET',
    pattern: '/api/conversations/:id/export',
    access: 'staff',
    handler: (req, c) => {
      callerOf(c);
      const id = req.params.id ?? '';
      const conversation = c.api.conversations.get(id);
      if (!conversation) throw new ApiError('not_found', 'no such conversation');
      const messages: Record<string, unknown>[] = [];
      for (let after = 0; ; ) {
        const page = c.api.conversations.messages(id, after, MAX_LIMIT);
        if (!page) break;
        messages.push(...page.messages);
        if (!page.hasMore || page.messages.length === 0) break;
        after += page.messages.length;
      }
      return {
        body: { exported_at: Date.now(), conversation, messages },
        headers: { 'Content-Disposition': `attachment; filename="conversation-${id.replace(/[^\w-]/g, '')}.json"` },
      };
    },
  },
];
