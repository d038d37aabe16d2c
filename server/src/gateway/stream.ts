/**
 * The HTTP streaming transport (issue 17), for clients whose WebSocket
 * upgrade is refused or stripped on the way (corporate proxies, antivirus,
 * a misconfigured reverse proxy). The same `Frame`s as on `/ws`, the same
 * session code (connections.ts, handlers, registry, outbound):
 *
 * - `GET /stream` opens a stream session and answers `200` with its id in
 *   the `X-CS-Stream` header (18 random bytes, base64url: unguessable; it is
 *   the session's only credential besides the Origin), then streams
 *   **records**: a 4-byte big-endian length and that many bytes of one
 *   `Frame`; a zero length is a heartbeat (one after `streamHeartbeatMs` of
 *   silence, and one first, so the headers leave at once). Headers:
 *   `Cache-Control: no-store`, `X-Accel-Buffering: no` (nginx passes it on
 *   unbuffered). `?auth=session` authenticates by the workbench's cookie,
 *   exactly as `/ws?auth=session` does (own origin only).
 * - `GET /stream?id=…` reopens it (the client does about every minute, so
 *   no proxy times the response out): the previous GET ends, and what was
 *   queued while none was open follows on the new one, in order. With no
 *   GET open for `streamIdleMs` the session expires.
 * - `POST /send?id=…` carries one or more records upstream; answered `204`
 *   once they are dispatched (the answers come on the stream). The first
 *   frame must be Hello, as on a socket. `&close=1` ends the session after
 *   them (a closing tab; otherwise it expires).
 *
 * Refusals are a socket's: 503 shutting down, 401/403 cookie auth, 403 an
 * origin not allowed (or not the stream's own), 429 too many connections
 * from the address; a frame error is the socket's Error frame on the
 * stream. Transport-only refusals: 404 unknown or expired id, 413 a body
 * over `16 × maxPayloadBytes` (the session also gets Error TOO_LARGE and
 * closes, as a socket does after an oversized frame), 400 a body that is
 * not whole records (Error BAD_FRAME too). Cross-origin pages get CORS
 * headers when their origin is allowed; a POST without a Content-Type is a
 * "simple" request, so no preflight is needed.
 */
import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';
import { clientIp, isOwnOrigin, type Connections } from './connections.js';
import { newSessionData } from './session.js';
import { staffUpgrade } from './staff.js';
import { StreamConnection } from './stream-connection.js';

/** The response header carrying a new stream's id. */
export const STREAM_ID_HEADER = 'X-CS-Stream';
/** Content type of a stream and of a POST body: length-prefixed protobuf Frames. */
export const STREAM_CONTENT_TYPE = 'application/vnd.cs-chat.frames';

/** The running streams: `dispose()` stops their timer (closing them is the hub's shutdown). */
export interface Streams {
  /** Open stream sessions. */
  readonly size: number;
  /** The most bytes any one stream has buffered now (tests: the backpressure bound holds). */
  maxBuffered(): number;
  dispose(): void;
}

export function registerStreams(app: TemplatedApp, ctx: GatewayContext, connections: Connections): Streams {
  const { options } = ctx;
  const byId = new Map<string, StreamConnection>();
  const maxBodyBytes = options.maxPayloadBytes * 16;
  // A stream with no POST for as long as a socket may stay silent is dead (the client pings every heartbeatMs).
  const idleMs = options.heartbeatMs * 2.4;
  const wiring = {
    app,
    topics: ctx.hub.streams,
    maxBackpressureBytes: options.maxBackpressureBytes,
    now: ctx.now,
    drained: (stream: StreamConnection) => ctx.hub.out.drained(stream),
    closed: (stream: StreamConnection) => {
      byId.delete(stream.id);
      connections.closed(stream);
    },
  };

  app.get('/stream', (res, req) => {
    const host = req.getHeader('host');
    const origin = pageOrigin(req, host, options.trustProxy);
    const id = req.getQuery('id') ?? '';
    const answer = reply(res, connections.originAllowed(origin, host) ? origin : '', host);
    if (id) {
      const stream = byId.get(id);
      if (!stream) return answer('404 Not Found', 'unknown or expired stream: open a new one (GET /stream)');
      if (!sameOrigin(stream.getUserData().session.origin, origin, host)) return answer('403 Forbidden', 'origin is not the stream\'s');
      return stream.attach(res, (r) => writeStreamHead(r, answer.cors, ''));
    }
    const ip = clientIp(req.getHeader('x-forwarded-for'), options.trustProxy) || Buffer.from(res.getRemoteAddressAsText()).toString();
    if (ctx.shuttingDown) return answer('503 Service Unavailable', 'shutting down');
    const staff = staffUpgrade(ctx.accounts, req, origin);
    if (staff && !staff.ok) {
      ctx.log.warn({ origin, ip, reason: staff.reason }, 'stream refused: workbench cookie authentication');
      return answer(staff.status, staff.reason);
    }
    const refusal = connections.refusal(ip, origin, host);
    if (refusal) return answer(refusal.status, refusal.reason);
    const streamId = randomBytes(18).toString('base64url');
    const stream = new StreamConnection(streamId, { session: newSessionData(ip, origin, options.rateBurst, options.ratePerSecond, ctx.now(), staff?.staff) }, wiring);
    byId.set(streamId, stream);
    connections.opened(stream);
    stream.attach(res, (r) => writeStreamHead(r, answer.cors, streamId));
  });

  app.post('/send', (res, req) => {
    const host = req.getHeader('host');
    const origin = pageOrigin(req, host, options.trustProxy);
    const stream = byId.get(req.getQuery('id') ?? '');
    const answer = reply(res, connections.originAllowed(origin, host) ? origin : '', host);
    if (!stream) return answer('404 Not Found', 'unknown or expired stream: open a new one (GET /stream)', true);
    if (!sameOrigin(stream.getUserData().session.origin, origin, host)) return answer('403 Forbidden', 'origin is not the stream\'s', true);
    stream.lastPostMs = ctx.now();
    const closeAfter = req.getQuery('close') === '1';
    readBody(res, maxBodyBytes, (body) => {
      if (body === 'aborted') return;
      if (stream.closing) return answer('404 Not Found', 'the stream closed: open a new one (GET /stream)');
      if (body === 'too large') {
        ctx.metrics.frameIn('oversize');
        ctx.hub.out.sendError(stream, cs.v1.ErrorCode.TOO_LARGE, `a POST body over ${maxBodyBytes} bytes`, { fatal: true });
        return answer('413 Payload Too Large', `the body is over ${maxBodyBytes} bytes`, true);
      }
      const records = splitRecords(body);
      stream.cork(() => {
        for (const record of records.records) {
          if (stream.closing) break;
          connections.received(stream, record);
        }
        if (records.rest > 0 && !stream.closing) {
          ctx.metrics.frameIn('invalid');
          ctx.hub.out.sendError(stream, cs.v1.ErrorCode.BAD_FRAME, `the body ends inside a record (${records.rest} bytes left over)`);
        }
      });
      if (records.rest > 0) return answer('400 Bad Request', 'the body is not whole records (4-byte big-endian length, then the Frame)');
      answer('204 No Content', '');
      if (closeAfter) ctx.hub.out.end(stream, 1000, 'closed by the client');
    });
  });

  app.options('/stream', (res, req) => preflight(res, req, connections));
  app.options('/send', (res, req) => preflight(res, req, connections));

  // One timer for every stream: heartbeats into silent GETs, and expiry.
  const sweepMs = Math.max(50, Math.min(1000, options.streamHeartbeatMs / 4, options.streamIdleMs / 4));
  const timer = setInterval(() => {
    const now = ctx.now();
    for (const stream of [...byId.values()]) {
      if (stream.reading) stream.heartbeat(options.streamHeartbeatMs);
      else if (now - stream.noReaderSinceMs > options.streamIdleMs) ctx.hub.out.end(stream, 1001, 'stream expired: no GET /stream open');
      if (!stream.closing && now - stream.lastPostMs > idleMs) ctx.hub.out.end(stream, 1001, 'stream idle: no POST /send');
    }
  }, sweepMs);
  timer.unref();

  return {
    get size() {
      return byId.size;
    },
    maxBuffered: () => Math.max(0, ...[...byId.values()].map((stream) => stream.getBufferedAmount())),
    dispose: () => clearInterval(timer),
  };
}

/**
 * The page origin of a request: its Origin header, or, for a same-origin
 * fetch (browsers send no Origin on a same-origin GET; `Sec-Fetch-Site`,
 * which pages cannot forge, says so), this server's own origin. So the
 * workbench's `GET /stream?auth=session` passes the own-origin rule a
 * socket's upgrade (which always carries Origin) passes.
 */
export function pageOrigin(req: HttpRequest, host: string, trustProxy: number): string {
  const origin = req.getHeader('origin');
  if (origin || req.getHeader('sec-fetch-site') !== 'same-origin' || !host) return origin;
  const proto = trustProxy > 0 ? req.getHeader('x-forwarded-proto').split(',')[0]?.trim() : '';
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

/** True when a request of page origin `origin` may use a stream opened from `streamOrigin` (equal, or both this server's own). */
export function sameOrigin(streamOrigin: string, origin: string, host: string): boolean {
  return streamOrigin === origin || (isOwnOrigin(streamOrigin, host) && isOwnOrigin(origin, host));
}

/** An answer helper bound to one response: status + text body, with CORS headers for `cors` ('' none). */
function reply(res: HttpResponse, cors: string, host: string): ((status: string, text: string, close?: boolean) => void) & { cors: string } {
  const corsOrigin = cors && !isOwnOrigin(cors, host) ? cors : '';
  const answer = (status: string, text: string, close = false): void => {
    res.cork(() => {
      res.writeStatus(status);
      writeCors(res, corsOrigin);
      res.writeHeader('Cache-Control', 'no-store');
      if (text) res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(text ? `${text}\n` : undefined, close);
    });
  };
  return Object.assign(answer, { cors: corsOrigin });
}

function writeCors(res: HttpResponse, origin: string): void {
  if (!origin) return;
  res.writeHeader('Access-Control-Allow-Origin', origin);
  res.writeHeader('Vary', 'Origin');
  res.writeHeader('Access-Control-Expose-Headers', STREAM_ID_HEADER);
}

function writeStreamHead(res: HttpResponse, corsOrigin: string, streamId: string): void {
  res.writeStatus('200 OK');
  writeCors(res, corsOrigin);
  res.writeHeader('Content-Type', STREAM_CONTENT_TYPE);
  res.writeHeader('Cache-Control', 'no-store');
  res.writeHeader('X-Accel-Buffering', 'no');
  res.writeHeader('X-Content-Type-Options', 'nosniff');
  if (streamId) res.writeHeader(STREAM_ID_HEADER, streamId);
}

/** CORS preflight (a client that sends a Content-Type): allowed origins only. */
function preflight(res: HttpResponse, req: HttpRequest, connections: Connections): void {
  const origin = req.getHeader('origin');
  const allowed = connections.originAllowed(origin, req.getHeader('host'));
  res.cork(() => {
    res.writeStatus(allowed ? '204 No Content' : '403 Forbidden');
    if (allowed && origin) {
      res.writeHeader('Access-Control-Allow-Origin', origin);
      res.writeHeader('Vary', 'Origin');
      res.writeHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.writeHeader('Access-Control-Allow-Headers', 'Content-Type');
      res.writeHeader('Access-Control-Max-Age', '600');
    }
    res.end();
  });
}

/** Reads a request body up to `maxBytes`; calls `done` once with it, 'too large' past the cap, or 'aborted'. */
function readBody(res: HttpResponse, maxBytes: number, done: (body: Buffer | 'too large' | 'aborted') => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (body: Buffer | 'too large' | 'aborted'): void => {
    if (finished) return;
    finished = true;
    done(body);
  };
  res.onAborted(() => finish('aborted'));
  res.onData((chunk, isLast) => {
    if (finished) return;
    size += chunk.byteLength;
    if (size > maxBytes) return finish('too large');
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) finish(Buffer.concat(chunks, size));
  });
}

/** The records of a body, and how many bytes are left over after the last whole one. */
export function splitRecords(body: Uint8Array): { records: Uint8Array[]; rest: number } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at + 4 <= body.byteLength) {
    const length = view.getUint32(at);
    if (at + 4 + length > body.byteLength) break;
    if (length > 0) records.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return { records, rest: body.byteLength - at };
}
