/**
 * `/api/announcements` (DESIGN.md §12) on the uWS app, until the JSON API
 * layer of accounts (http/api/) takes these endpoints into its router:
 * JSON in and out, errors as `{error: {code, message}}`.
 *
 * Who may call: `Authorization: Bearer <CS_API_TOKEN>` (owner rights; unset
 * = off). A service token is an agent: 403 (admins manage announcements).
 * No credentials or bad ones: 401.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { ANNOUNCEMENT_ENDPOINTS, BroadcastError, type BroadcastService } from '../broadcast/index.js';
import { safeEqual, verifyAgentToken, type Keys } from '../gateway/auth.js';

/** Largest JSON body accepted, bytes. */
const MAX_BODY = 64 * 1024;

const STATUS: Readonly<Record<number, string>> = {
  200: '200 OK',
  201: '201 Created',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  500: '500 Internal Server Error',
};
const ERROR_STATUS = { bad_input: 400, not_found: 404, conflict: 409 } as const;
const CODES: Readonly<Record<number, string>> = { 400: 'bad_request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 500: 'internal' };

/** What the endpoints need. */
export interface AnnouncementHttpDeps {
  readonly broadcasts: BroadcastService;
  readonly keys: Keys;
  /** CS_API_TOKEN ('' = off). */
  readonly apiToken: string;
  readonly log: Logger;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Mounts the endpoints. */
export function registerAnnouncementApi(app: TemplatedApp, deps: AnnouncementHttpDeps): void {
  const handler = (res: HttpResponse, method: string, path: string, authorization: string, contentType: string): void => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const answer = (status: number, body: unknown): void => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(STATUS[status] ?? `${status}`).writeHeader('Content-Type', 'application/json; charset=utf-8').writeHeader('Cache-Control', 'no-store');
        res.end(JSON.stringify(body));
      });
    };
    const refuse = (error: unknown): void => {
      if (error instanceof BroadcastError) return answer(ERROR_STATUS[error.kind], { error: { code: CODES[ERROR_STATUS[error.kind]], message: error.message } });
      if (error instanceof HttpRefusal) return answer(error.status, { error: { code: CODES[error.status], message: error.message } });
      deps.log.error({ err: error, method, path }, 'announcements API failed');
      answer(500, { error: { code: 'internal', message: 'internal error' } });
    };
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, last) => {
      size += chunk.byteLength;
      if (size <= MAX_BODY) chunks.push(Buffer.from(chunk.slice(0)));
      if (!last) return;
      try {
        const actorId = authorize(deps, authorization);
        if (size > MAX_BODY) throw new HttpRefusal(413, `the body is over ${MAX_BODY} bytes`);
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        if (raw.trim()) {
          if (!/^application\/json\b/i.test(contentType)) throw new HttpRefusal(415, 'send the body as Content-Type: application/json');
          try {
            body = JSON.parse(raw) as unknown;
          } catch {
            throw new HttpRefusal(400, 'the body is not valid JSON');
          }
        }
        const found = route(method, path);
        const result = found.endpoint.run(deps.broadcasts, { params: found.params, body, actorId });
        answer(result.status, result.body);
      } catch (error) {
        refuse(error);
      }
    });
  };
  const mount = (pattern: string): void => {
    app.any(pattern, (res, req) => handler(res, req.getMethod().toUpperCase(), req.getUrl(), req.getHeader('authorization'), req.getHeader('content-type')));
  };
  mount('/api/announcements');
  mount('/api/announcements/*');
}

/** The caller's id when it may manage announcements. @throws HttpRefusal 401 / 403 */
function authorize(deps: AnnouncementHttpDeps, authorization: string): string {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw new HttpRefusal(401, 'send Authorization: Bearer <CS_API_TOKEN>');
  const token = match[1] ?? '';
  if (deps.apiToken && safeEqual(token, deps.apiToken)) return 'api';
  if (verifyAgentToken(deps.keys, token)) throw new HttpRefusal(403, 'only admins manage announcements');
  throw new HttpRefusal(401, 'the bearer token is not valid');
}

function route(method: string, path: string): { endpoint: (typeof ANNOUNCEMENT_ENDPOINTS)[number]; params: Record<string, string> } {
  const got = path.replace(/\/+$/, '').split('/');
  let pathMatched = false;
  for (const endpoint of ANNOUNCEMENT_ENDPOINTS) {
    const want = endpoint.pattern.split('/');
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    if (!want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = safeDecode(got[i] ?? '')), true) : w === got[i]))) continue;
    pathMatched = true;
    if (endpoint.method === method) return { endpoint, params };
  }
  throw pathMatched ? new HttpRefusal(405, `${method} is not allowed on ${path}`) : new HttpRefusal(404, `no API route ${method} ${path}`);
}

/** A path segment decoded ('%zz' stays as it is, and then names nothing). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
