/**
 * uWS plumbing of the JSON API: copy what a handler needs out of the request
 * (uWS invalidates `req` after the first await), read a capped JSON body,
 * answer with JSON or the error shape `{error: {code, message}}`, and never
 * write to a response the client already aborted.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { clientIp } from '../../gateway/app.js';

/** Largest JSON body accepted, bytes (413 past it). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Error codes of the API and their HTTP status lines (DESIGN.md §12). */
export const STATUS = {
  bad_request: '400 Bad Request',
  unauthenticated: '401 Unauthorized',
  forbidden: '403 Forbidden',
  csrf: '403 Forbidden',
  account_disabled: '403 Forbidden',
  not_found: '404 Not Found',
  method_not_allowed: '405 Method Not Allowed',
  conflict: '409 Conflict',
  payload_too_large: '413 Payload Too Large',
  unsupported_media_type: '415 Unsupported Media Type',
  rate_limited: '429 Too Many Requests',
  internal: '500 Internal Server Error',
} as const;
export type ErrorCode = keyof typeof STATUS;

/** A refusal with its API error code (which picks the status). */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a handler sees of one request. */
export interface ApiRequest {
  /** Upper case: GET, POST, PATCH, PUT, DELETE. */
  readonly method: string;
  /** Path without the query, e.g. /api/accounts/a_1. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names; only the ones the API reads. */
  readonly headers: Readonly<Record<string, string>>;
  /** The client address (from X-Forwarded-For behind CS_TRUST_PROXY trusted proxies). */
  readonly ip: string;
  /** Parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  /** Path parameters of the matched route (`:id`). */
  params: Record<string, string>;
}

/** A handler's answer. */
export interface ApiResponse {
  readonly status?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** `Set-Cookie` values (several allowed). */
  readonly cookies?: readonly string[];
}

const READ_HEADERS = ['host', 'origin', 'cookie', 'authorization', 'content-type', 'content-length', 'x-csrf-token', 'user-agent', 'x-forwarded-for', 'x-forwarded-proto', 'sec-fetch-site'];

/** Reads method, path, headers and (for writes) the body; resolves undefined when the client went away. */
export function readRequest(res: HttpResponse, req: HttpRequest, trustProxy: number): Promise<ApiRequest | ApiError | undefined> {
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl();
  const query = new URLSearchParams(req.getQuery() ?? '');
  const headers: Record<string, string> = {};
  for (const name of READ_HEADERS) headers[name] = req.getHeader(name);
  const ip = clientIp(headers['x-forwarded-for'] ?? '', trustProxy) || Buffer.from(res.getRemoteAddressAsText()).toString();
  const base = { method, path, query, headers, ip, params: {} };
  const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  return new Promise((resolve) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
      (res as { aborted?: boolean }).aborted = true;
      resolve(undefined);
    });
    if (!hasBody) {
      resolve({ ...base, body: undefined });
      return;
    }
    const declared = Number(headers['content-length'] || 0);
    if (declared > MAX_BODY_BYTES) {
      resolve(new ApiError('payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    res.onData((chunk, isLast) => {
      if (aborted || over) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        over = true;
        resolve(new ApiError('payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.trim() === '') {
        resolve({ ...base, body: undefined });
        return;
      }
      if (!/^application\/json\b/i.test(headers['content-type'] ?? '')) {
        resolve(new ApiError('unsupported_media_type', 'send the body as Content-Type: application/json'));
        return;
      }
      try {
        resolve({ ...base, body: JSON.parse(raw) as unknown });
      } catch {
        resolve(new ApiError('bad_request', 'the body is not valid JSON'));
      }
    });
  });
}

/** Writes an answer unless the client aborted. */
export function respond(res: HttpResponse, answer: ApiResponse): void {
  if ((res as { aborted?: boolean }).aborted) return;
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.cork(() => {
    res.writeStatus(answer.status ?? '200 OK');
    if (!answer.headers?.['Cache-Control']) res.writeHeader('Cache-Control', 'no-store');
    res.writeHeader('X-Content-Type-Options', 'nosniff');
    if (body) res.writeHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.writeHeader(name, value);
    for (const cookie of answer.cookies ?? []) res.writeHeader('Set-Cookie', cookie);
    res.end(body);
  });
}

/** The error answer for a refusal. */
export function errorResponse(error: ApiError): ApiResponse {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs > 0) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
  return {
    status: STATUS[error.code],
    body: { error: { code: error.code, message: error.message, ...(error.retryAfterMs > 0 ? { retry_after_ms: error.retryAfterMs } : {}) } },
    headers,
  };
}

/** The value of one cookie in a Cookie header, or ''. */
export function cookieValue(header: string, name: string): string {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

/**
 * True when `origin` is this server's own origin: same host (and port) as
 * the request's Host header (X-Forwarded-Host behind a trusted proxy).
 */
export function isOwnOrigin(origin: string, host: string): boolean {
  if (!origin || !host) return false;
  try {
    // Through URL on both sides, so a default port in Host (":80" on http) counts as none.
    const page = new URL(origin);
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
