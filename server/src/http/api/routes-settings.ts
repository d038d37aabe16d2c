/**
 * Settings and canned replies (DESIGN.md §9, §12).
 *
 * | route | who | body | answer |
 * |---|---|---|---|
 * | `GET /api/settings` | staff | – | the settings document |
 * | `PATCH /api/settings` | admin | any of `{widget: {color, title, position}, texts: {en: {greeting, offline}, "zh-CN": {…}}, blocked_words, blocked_words_mode, allowed_origins}` | the settings; live at once |
 * | `GET /api/canned-replies` | staff | – | `{canned_replies: [...]}` |
 * | `POST /api/canned-replies` | admin | `{shortcut, text}` | 201 the reply; 409 shortcut taken |
 * | `PATCH /api/canned-replies/:id` | admin | `{shortcut?, text?}` | the reply |
 * | `DELETE /api/canned-replies/:id` | admin | – | 204 |
 */
import { cannedProblem } from '../../accounts/index.js';
import { bodyObject, callerOf, cannedJson, type HandlerContext } from './context.js';
import { ApiError } from './http.js';
import type { Route } from './router.js';

function requireAdmin(c: HandlerContext): string {
  const { actor } = callerOf(c);
  c.api.accounts.requireRole(actor, 'admin');
  return actor.id;
}

function cannedInput(body: Record<string, unknown>, partial: boolean): { shortcut?: string; text?: string } {
  for (const key of Object.keys(body)) if (key !== 'shortcut' && key !== 'text') throw new ApiError('bad_request', `unknown field "${key}"`);
  const { shortcut, text } = body;
  if (!partial && (shortcut === undefined || text === undefined)) throw new ApiError('bad_request', 'shortcut and text are required');
  if (shortcut !== undefined && typeof shortcut !== 'string') throw new ApiError('bad_request', 'shortcut must be a string');
  if (text !== undefined && typeof text !== 'string') throw new ApiError('bad_request', 'text must be a string');
  const problem = cannedProblem(shortcut, text);
  if (problem) throw new ApiError('bad_request', problem);
  return { shortcut, text };
}

export const SETTINGS_ROUTES: readonly Route<HandlerContext>[] = [
  {
    method: 'GET',
    pattern: '/api/settings',
    access: 'staff',
    handler: (_req, c) => ({ body: c.api.accounts.settings.get() }),
  },
  {
    method: 'PATCH',
    pattern: '/api/settings',
    access: 'staff',
    handler: (req, c) => {
      const by = requireAdmin(c);
      return { body: c.api.accounts.settings.update(bodyObject(req.body), by) };
    },
  },
  {
    method: 'GET',
    pattern: '/api/canned-replies',
    access: 'staff',
    handler: (_req, c) => ({ body: { canned_replies: c.api.accounts.canned.list().map(cannedJson) } }),
  },
  {
    method: 'POST',
    pattern: '/api/canned-replies',
    access: 'staff',
    handler: (req, c) => {
      requireAdmin(c);
      const { shortcut, text } = cannedInput(bodyObject(req.body), false);
      return { status: '201 Created', body: cannedJson(c.api.accounts.canned.create(shortcut ?? '', text ?? '')) };
    },
  },
  {
    method: 'PATCH',
    pattern: '/api/canned-replies/:id',
    access: 'staff',
    handler: (req, c) => {
      requireAdmin(c);
      return { body: cannedJson(c.api.accounts.canned.update(req.params.id ?? '', cannedInput(bodyObject(req.body), true))) };
    },
  },
  {
    method: 'DELETE',
    pattern: '/api/canned-replies/:id',
    access: 'staff',
    handler: (req, c) => {
      requireAdmin(c);
      if (!c.api.accounts.canned.remove(req.params.id ?? '')) throw new ApiError('not_found', 'no such canned reply');
      return { status: '204 No Content' };
    },
  },
];
