/**
 * The gateway's side of the public mailbox (DESIGN.md §6): a visitor
 * session becomes a mailbox `Viewer` at Hello (its Welcome carries the
 * announcements after its cursor), follows its page (PageView), sends
 * BroadcastEvent frames, and leaves on close.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Viewer } from '../broadcast/index.js';
import type { GatewayContext } from './context.js';
import { SessionPhase, type SessionData, type Socket } from './session.js';

/** Makes the session's viewer and registers it; returns the Welcome's broadcast fields. */
export function joinMailbox(ctx: GatewayContext, ws: Socket, session: SessionData, hello: cs.v1.Hello): { broadcasts: cs.v1.BroadcastItem.$Properties[]; broadcastCursor: number } {
  const viewer: Viewer = {
    site: session.site,
    visitorId: session.userId,
    userId: ctx.store.visitors.get(session.userId)?.userId ?? '',
    lang: session.lang,
    coreLevel: session.coreLevel,
    pageUrl: (hello.pageUrl ?? '').slice(0, 2048),
    held: undefined,
    send: (bytes) => sendBroadcast(ctx, ws, bytes),
  };
  session.viewer = viewer;
  const { items, cursor } = ctx.broadcasts.join(viewer, hello.broadcastCursor ?? 0);
  return { broadcasts: items, broadcastCursor: cursor };
}

/** Unregisters a closed session. */
export function leaveMailbox(ctx: GatewayContext, session: SessionData): void {
  if (session.viewer) ctx.broadcasts.leave(session.viewer);
}

/** The visitor reported another page. */
export function mailboxPageChanged(ctx: GatewayContext, session: SessionData, pageUrl: string): void {
  if (session.viewer) ctx.broadcasts.pageChanged(session.viewer, pageUrl.slice(0, 2048));
}

/** BroadcastEvent from a visitor: counted once per kind; an unknown id or kind gets Error NOT_FOUND / BAD_FRAME. */
export function handleBroadcastEvent(ctx: GatewayContext, ws: Socket, event: cs.v1.BroadcastEvent): void {
  const session = ws.getUserData().session;
  if (!session.viewer) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'only visitors send BroadcastEvent');
  const kind = event.event ?? 0;
  if (kind === cs.v1.BroadcastEvent.Kind.KIND_UNSPECIFIED || !(kind in cs.v1.BroadcastEvent.Kind)) {
    return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, 'BroadcastEvent.event must be SEEN, CLICKED, DISMISSED or REPLIED', { ref: event.id ?? '' });
  }
  if (!ctx.broadcasts.event(session.viewer, event.id ?? '', kind)) {
    ctx.hub.out.sendError(ws, cs.v1.ErrorCode.NOT_FOUND, 'no such announcement for this visitor', { ref: event.id ?? '' });
  }
}

/** Sends an encoded Broadcast frame, with the hub's backpressure rule (past the limit: `behind`, resync later). */
function sendBroadcast(ctx: GatewayContext, ws: Socket, bytes: Uint8Array): boolean {
  const session = ws.getUserData().session;
  if (session.phase !== SessionPhase.Ready || session.behind) return false;
  ctx.metrics.frameOut('broadcast');
  const result = ws.send(bytes, true);
  if (result === 2 || ws.getBufferedAmount() > ctx.options.maxBackpressureBytes) {
    session.behind = true;
    return false;
  }
  return true;
}
