/**
 * The WebSocket route `/ws` (DESIGN.md §4). Upgrade checks the Origin
 * allow-list and the per-IP connection limit and refuses with 403 / 429
 * before a socket exists. The server's own origin (the workbench at `/agent`
 * and the demo at `/`) is always allowed, whatever `CS_ALLOWED_ORIGINS` lists.
 * A socket that says no Hello within `helloTimeoutMs` is closed with a
 * reason (issue 10). Every message is decoded inside the callback (the
 * ArrayBuffer dies with it) and dispatched under a guard: a malformed frame
 * gets Error BAD_FRAME, never an exception out of a handler.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';
import { leaveMailbox } from './broadcasts.js';
import { decodeFrame, type DecodedFrame } from './codec.js';
import { dispatch } from './handlers.js';
import { newSessionData, SessionPhase, type Socket, type SocketData } from './session.js';
import { staffUpgrade } from './staff.js';

/** Undecodable frames one socket may send before it is closed. */
const MAX_BAD_FRAMES = 5;

export function registerWebSocket(app: TemplatedApp, ctx: GatewayContext): void {
  const { options } = ctx;
  const perIp = new Map<string, number>();
  // Heartbeat every heartbeatMs; a socket silent for ~2.4 of them is dead. uWS counts in seconds (granularity ~4 s).
  const idleTimeout = Math.max(8, Math.ceil((options.heartbeatMs * 2.4) / 1000));
  // uWS answers pings by itself, so idleTimeout never ends a socket that stays silent at the protocol level: a timer per greeting socket does.
  const helloDeadlines = new Map<Socket, NodeJS.Timeout>();

  app.ws<SocketData>('/ws', {
    // Frames up to twice the cap are read and answered with Error TOO_LARGE (close 1009, a reason
    // the client can log); past that uWS drops the connection without reading the frame.
    maxPayloadLength: options.maxPayloadBytes * 2,
    maxBackpressure: options.maxBackpressureBytes,
    closeOnBackpressureLimit: 0,
    idleTimeout,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      const origin = req.getHeader('origin');
      const host = req.getHeader('host');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const ip = clientIp(req.getHeader('x-forwarded-for'), options.trustProxy) || Buffer.from(res.getRemoteAddressAsText()).toString();
      const refuse = (status: string, reason: string): void => {
        res.cork(() => res.writeStatus(status).writeHeader('Content-Type', 'text/plain').end(`${reason}\n`));
      };
      if (ctx.shuttingDown) return refuse('503 Service Unavailable', 'shutting down');
      const staff = staffUpgrade(ctx.accounts, req);
      if (staff && !staff.ok) {
        ctx.log.warn({ origin, ip, reason: staff.reason }, 'upgrade refused: workbench cookie authentication');
        return refuse(staff.status, staff.reason);
      }
      // Browsers always send Origin; native apps and servers send none and are not hijackable by a page.
      // The list is a live setting (workbench > Settings).
      const allowed = ctx.accounts.settings.get().allowed_origins;
      if (allowed.length > 0 && origin && !allowed.includes(origin) && !isOwnOrigin(origin, host)) {
        ctx.log.warn({ origin, ip }, 'upgrade refused: origin not allowed');
        return refuse('403 Forbidden', 'origin not allowed');
      }
      if ((perIp.get(ip) ?? 0) >= options.maxConnectionsPerIp) {
        ctx.log.warn({ ip }, 'upgrade refused: too many connections from this address');
        return refuse('429 Too Many Requests', 'too many connections from this address');
      }
      const data: SocketData = { session: newSessionData(ip, origin, options.rateBurst, options.ratePerSecond, ctx.now(), staff?.staff) };
      res.upgrade(data, key, protocol, extensions, context);
    },

    open: (ws) => {
      const session = ws.getUserData().session;
      perIp.set(session.ip, (perIp.get(session.ip) ?? 0) + 1);
      ctx.metrics.connections.inc();
      ctx.hub.registry.sockets.add(ws);
      const deadline = setTimeout(() => {
        helloDeadlines.delete(ws);
        if (ws.getUserData().session.phase !== SessionPhase.Greeting) return;
        ctx.hub.out.sendError(ws, cs.v1.ErrorCode.PROTOCOL, `no Hello within ${options.helloTimeoutMs} ms: closing`, { fatal: true });
      }, options.helloTimeoutMs);
      deadline.unref();
      helloDeadlines.set(ws, deadline);
    },

    message: (ws, message) => {
      const session = ws.getUserData().session;
      const receivedMs = ctx.now();
      if (message.byteLength > options.maxPayloadBytes) {
        ctx.metrics.frameIn('oversize');
        ctx.hub.out.sendError(ws, cs.v1.ErrorCode.TOO_LARGE, `frame of ${message.byteLength} bytes is over the ${options.maxPayloadBytes}-byte cap`, { fatal: true });
        return;
      }
      let decoded: DecodedFrame;
      try {
        decoded = decodeFrame(message);
      } catch (error) {
        ctx.metrics.frameIn('invalid');
        session.badFrames++;
        const fatal = session.badFrames >= MAX_BAD_FRAMES;
        ctx.hub.out.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, `not a Frame: ${(error as Error).message}`, { fatal });
        return;
      }
      ctx.metrics.frameIn(decoded.type);
      if (decoded.type === 'unknown') {
        session.badFrames++;
        ctx.hub.out.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, 'empty or unknown frame body', { fatal: session.badFrames >= MAX_BAD_FRAMES });
        return;
      }
      // Most frames finish synchronously: the failure closure is made only for the ones that wait.
      const type = decoded.type;
      try {
        dispatch(ctx, ws, decoded, receivedMs)?.catch((error: unknown) => handlerFailed(ctx, ws, type, error));
      } catch (error) {
        handlerFailed(ctx, ws, type, error);
      }
    },

    drain: (ws) => ctx.hub.out.drained(ws),

    close: (ws) => {
      const session = ws.getUserData().session;
      const wasReady = session.phase === SessionPhase.Ready;
      session.phase = SessionPhase.Closed;
      clearTimeout(helloDeadlines.get(ws));
      clearTimeout(session.expiryTimer);
      helloDeadlines.delete(ws);
      const left = (perIp.get(session.ip) ?? 1) - 1;
      if (left > 0) perIp.set(session.ip, left);
      else perIp.delete(session.ip);
      ctx.metrics.connections.dec();
      ctx.hub.registry.sockets.delete(ws);
      if (wasReady) ctx.hub.registry.leave(ws, session);
      leaveMailbox(ctx, session);
    },
  });
}

/**
 * The client address behind `hops` trusted reverse proxies: each proxy
 * appends the address it saw to X-Forwarded-For, so the n-th entry from the
 * right is the one the outermost trusted proxy wrote; entries left of it are
 * whatever the client sent and are never believed. With fewer entries than
 * hops the leftmost is taken (a proxy chain shorter than configured). ''
 * when `hops` is 0 or there is no header (then the socket's peer is used).
 */
export function clientIp(forwardedFor: string, hops: number): string {
  if (hops <= 0 || !forwardedFor) return '';
  const entries = forwardedFor.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return entries[Math.max(0, entries.length - hops)] ?? '';
}

/**
 * True when `origin` is the origin the request was sent to: its host (and
 * port) equals the `Host` header. A page served by this server (the
 * workbench) opens its socket with that origin. The scheme is not compared
 * (behind a TLS-terminating proxy the page is https and the server sees
 * http); a default port in `Host` counts as none. A proxy must pass the
 * public `Host` on, port included (README "Production": `$http_host`).
 */
export function isOwnOrigin(origin: string, host: string): boolean {
  if (!host) return false;
  try {
    const page = new URL(origin);
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** A handler threw (a bug): logged, and the client gets Error INTERNAL; other sessions are untouched. */
function handlerFailed(ctx: GatewayContext, ws: Socket, type: string, error: unknown): void {
  ctx.log.error({ err: error, session: ws.getUserData().session.id, type }, 'handler failed');
  ctx.hub.out.sendError(ws, cs.v1.ErrorCode.INTERNAL, 'internal error');
}
