/**
 * A small router for `/api/*`: routes by method and a path pattern with
 * `:name` segments. A handler throws ApiError / AccountError to refuse; the
 * router turns them (and anything unexpected: 500, logged) into the error
 * shape. A path that exists under another method gets 405.
 */
import type { ApiRequest, ApiResponse } from './http.js';

/** Who may call a route: anyone, or a signed-in caller (any role; the handler checks more). */
export type Access = 'public' | 'staff';

export interface Route<Ctx> {
  readonly method: string;
  readonly pattern: string;
  readonly access: Access;
  readonly handler: (req: ApiRequest, ctx: Ctx) => ApiResponse | Promise<ApiResponse>;
}

/** Matches `path` against `pattern`; returns the params or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (!g) return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** The route for a request, 'method' when only the method is wrong, or undefined. */
export function findRoute<Ctx>(routes: readonly Route<Ctx>[], method: string, path: string): { route: Route<Ctx>; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return pathMatched ? 'method' : undefined;
}
