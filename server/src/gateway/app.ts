/**
 * The WebSocket route `/ws` (DESIGN.md §4). Upgrade checks the Origin
 * allow-list and the per-IP connection limit and refuses with 403 / 429
 * before a socket exists. The server's own origin (the workbench at `/agent`
 * and the demo at `/`) is always allowed, whatever `CS_ALLOWED_ORIGINS` lists.
 * A socket that says no Hello within `helloTimeoutMs` is closed with a
 * reason (issue 10). Opening, every message and closing go through the
 * transport-neutral `Connections` (connections.ts), which the HTTP streams
 * share (stream.ts).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { GatewayContext } from './context.js';
import { clientIp, type Connections } from './connections.js';
import { newSessionData, type SocketData } from './session.js';
import { staffUpgrade } from './staff.js';

export { clientIp, isOwnOrigin } from './connections.js';

export function registerWebSocket(app: TemplatedApp, ctx: GatewayContext, connections: Connections): void {
  const { options } = ctx;
  // Heartbeat every heartbeatMs; a socket silent for ~2.4 of them is dead. uWS counts in seconds (granularity ~4 s).
  const idleTimeout = Math.max(8, Math.ceil((options.heartbeatMs * 2.4) / 1000));

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
      const refusal = connections.refusal(ip, origin, host);
      if (refusal) return refuse(refusal.status, refusal.reason);
      const data: SocketData = { session: newSessionData(ip, origin, options.rateBurst, options.ratePerSecond, ctx.now(), staff?.staff) };
      res.upgrade(data, key, protocol, extensions, context);
    },

    open: (ws) => connections.opened(ws),
    message: (ws, message) => connections.received(ws, message),
    drain: (ws) => ctx.hub.out.drained(ws),
    close: (ws) => connections.closed(ws),
  });
}
