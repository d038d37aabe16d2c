/**
 * What every connection goes through, whatever its transport (a WebSocket
 * on `/ws`, an HTTP stream on `/stream` + `/send`): admission (shutting
 * down, Origin allow-list, per-IP limit), opening (registry, the Hello
 * deadline), one incoming frame (size cap, decode under a guard, dispatch),
 * and closing (registry, mailbox, counters). So a stream gets exactly the
 * checks, limits and errors of a socket.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';
import { leaveMailbox } from './broadcasts.js';
import { decodeFrame, type DecodedFrame } from './codec.js';
import { dispatch } from './handlers.js';
import { SessionPhase, type Socket } from './session.js';

/** Undecodable frames one connection may send before it is closed. */
const MAX_BAD_FRAMES = 5;

/** A refused connection attempt: the HTTP status line and a reason for the body. */
export interface Refusal {
  readonly status: string;
  readonly reason: string;
}

export class Connections {
  private readonly perIp = new Map<string, number>();
  // uWS answers pings by itself, so idleTimeout never ends a socket that stays silent at the protocol level: a timer per greeting connection does.

  constructor(private readonly ctx: GatewayContext) {}

  /**
   * The refusal of a new connection from `ip` with `origin` (checked before
   * any session exists, after the shutdown and cookie checks), or undefined
   * when it may open. The server's own
   * origin is always allowed; browsers always send Origin, native apps and
   * servers send none and are not hijackable by a page. The list is a live
   * setting (workbench > Settings).
   */
  refusal(ip: string, origin: string, host: string): Refusal | undefined {
    const { ctx } = this;
    if (!this.originAllowed(origin, host)) {
      ctx.log.warn({ origin, ip }, 'connection refused: origin not allowed');
      return { status: '403 Forbidden', reason: 'origin not allowed' };
    }
    if ((this.perIp.get(ip) ?? 0) >= ctx.options.maxConnectionsPerIp) {
      ctx.log.warn({ ip }, 'connection refused: too many connections from this address');
      return { status: '429 Too Many Requests', reason: 'too many connections from this address' };
    }
    return undefined;
  }

  /** True when a browser page of `origin` may talk to this server (the allow-list, or the server's own origin). */
  originAllowed(origin: string, host: string): boolean {
    const allowed = this.ctx.accounts.settings.get().allowed_origins;
    return allowed.length === 0 || !origin || allowed.includes(origin) || isOwnOrigin(origin, host);
  }

  /** A connection opened: counted, registered, and given `helloTimeoutMs` to say Hello. */
  opened(ws: Socket): void {
    const { ctx } = this;
    const session = ws.getUserData().session;
    this.perIp.set(session.ip, (this.perIp.get(session.ip) ?? 0) + 1);
    ctx.metrics.connections.inc();
    ctx.hub.registry.sockets.add(ws);
    session.helloTimer = setTimeout(() => {
      session.helloTimer = undefined;
      if (session.phase !== SessionPhase.Greeting) return;
      ctx.hub.out.sendError(ws, cs.v1.ErrorCode.PROTOCOL, `no Hello within ${ctx.options.helloTimeoutMs} ms: closing`, { fatal: true });
    }, ctx.options.helloTimeoutMs);
    session.helloTimer.unref();
  }

  /**
   * One incoming frame. Decoded at once (a uWS ArrayBuffer dies with its
   * callback) and dispatched under a guard: a malformed frame gets Error
   * BAD_FRAME, never an exception out of a handler.
   */
  received(ws: Socket, message: ArrayBuffer | Uint8Array): void {
    const { ctx } = this;
    const session = ws.getUserData().session;
    const receivedMs = ctx.now();
    if (message.byteLength > ctx.options.maxPayloadBytes) {
      ctx.metrics.frameIn('oversize');
      ctx.hub.out.sendError(ws, cs.v1.ErrorCode.TOO_LARGE, `frame of ${message.byteLength} bytes is over the ${ctx.options.maxPayloadBytes}-byte cap`, { fatal: true });
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
    let pending: void | Promise<void>;
    try {
      pending = dispatch(ctx, ws, decoded, receivedMs);
    } catch (error) {
      return this.failed(ws, decoded.type, error);
    }
    // A closure only for the frames that went async (most finish in this turn).
    if (pending) pending.catch((error: unknown) => this.failed(ws, decoded.type, error));
  }

  /** A handler threw (a bug): logged, the client gets Error INTERNAL, nothing else is touched. */
  private failed(ws: Socket, type: string, error: unknown): void {
    this.ctx.log.error({ err: error, session: ws.getUserData().session.id, type }, 'handler failed');
    this.ctx.hub.out.sendError(ws, cs.v1.ErrorCode.INTERNAL, 'internal error');
  }

  /** A connection closed (by either side): everything it held is released. */
  closed(ws: Socket): void {
    const { ctx } = this;
    const session = ws.getUserData().session;
    const wasReady = session.phase === SessionPhase.Ready;
    session.phase = SessionPhase.Closed;
    clearTimeout(session.helloTimer);
    clearTimeout(session.expiryTimer);
    session.helloTimer = undefined;
    const left = (this.perIp.get(session.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(session.ip, left);
    else this.perIp.delete(session.ip);
    ctx.metrics.connections.dec();
    ctx.hub.registry.sockets.delete(ws);
    if (wasReady) ctx.hub.registry.leave(ws, session);
    leaveMailbox(ctx, session);
  }
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
