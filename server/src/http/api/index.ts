/**
 * The JSON API under `/api` (DESIGN.md §12): JSON in and out, snake_case
 * fields, times in ms, errors as `{error: {code, message}}` with the status
 * of their code (see http.ts). Authenticated per auth.ts; the route tables
 * document each endpoint.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { AccountError } from '../../accounts/index.js';
import { resolveCaller } from './auth.js';
import { apiErrorOf, type ApiServices, type HandlerContext } from './context.js';
import { ApiError, errorResponse, readRequest, respond, type ApiRequest, type ApiResponse } from './http.js';
import { findRoute, type Route } from './router.js';
import { ANNOUNCEMENT_ROUTES } from './routes-announcements.js';
import { AUTH_ROUTES } from './routes-auth.js';
import { CONVERSATION_ROUTES } from './routes-conversations.js';
import { SETTINGS_ROUTES } from './routes-settings.js';
import { TEAM_ROUTES } from './routes-team.js';
import { EMAIL_ROUTES } from './routes-email.js';

export { csrfTokenFor, SESSION_COOKIE, sessionCookie } from './auth.js';
export { MemoryConversationReader, type ConversationReader } from './conversations.js';
export { isOwnOrigin, cookieValue } from './http.js';
export type { ApiServices } from './context.js';

/** Every route, in match order. */
export const API_ROUTES: readonly Route<HandlerContext>[] = [...AUTH_ROUTES, ...TEAM_ROUTES, ...SETTINGS_ROUTES, ...CONVERSATION_ROUTES, ...ANNOUNCEMENT_ROUTES, ...EMAIL_ROUTES];

/** Runs one request through routing, authentication and the handler. */
export async function handleApi(api: ApiServices, req: ApiRequest, log: Logger): Promise<ApiResponse> {
  try {
    const found = findRoute(API_ROUTES, req.method, req.path);
    if (found === undefined) throw new ApiError('not_found', `no API route ${req.method} ${req.path}`);
    if (found === 'method') throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${req.path}`);
    req.params = found.params;
    const caller = resolveCaller(api, req);
    if (found.route.access === 'staff' && !caller) throw new ApiError('unauthenticated', 'sign in first (session cookie or Authorization: Bearer <token>)');
    return await found.route.handler(req, { api, caller });
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    if (error instanceof AccountError) return errorResponse(apiErrorOf(error));
    log.error({ err: error, method: req.method, path: req.path }, 'API handler failed');
    return errorResponse(new ApiError('internal', 'internal error'));
  }
}

/** Mounts `/api/*` on the uWS app. */
export function registerApi(app: TemplatedApp, api: ApiServices, log: Logger): void {
  app.any('/api/*', (res, req) => {
    readRequest(res, req, api.trustProxy).then(
      async (request) => {
        if (!request) return;
        if (request instanceof ApiError) return respond(res, errorResponse(request));
        respond(res, await handleApi(api, request, log));
      },
      (error: unknown) => {
        log.error({ err: error }, 'API request failed');
        respond(res, errorResponse(new ApiError('internal', 'internal error')));
      },
    );
  });
}
