/**
 * Frame dispatch after decoding: the rate limit, the Hello gate, and one
 * small handler per frame kind. Send goes to the pipeline; the rest are here.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';
import { visibleConversation } from '../pipeline/access.js';
import { handleAction } from '../pipeline/actions.js';
import { toVisitorWireMessage, toWireMessage, visitorConversationView } from '../pipeline/wire.js';
import { handleSend } from '../pipeline/send.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { handleBroadcastEvent, mailboxPageChanged } from './broadcasts.js';
import type { DecodedFrame } from './codec.js';
import { handleHello } from './hello.js';
import { ContactError } from '../email/service.js';
import { SocketReply } from './reply.js';
import { SessionPhase, type SessionData, type Socket } from './session.js';

/** Frames refused by the rate limit in a row before the socket is closed (a client that ignores retry_after_ms). */
const FLOOD_CLOSE_AFTER = 1000;

/**
 * Handles one decoded frame. Returns a promise only for async work (Send,
 * actions), which the caller guards; most frames finish synchronously and
 * cost no promise.
 */
export function dispatch(ctx: GatewayContext, ws: Socket, { type, frame }: DecodedFrame, receivedMs: number): void | Promise<void> {
  const session = ws.getUserData().session;
  const wait = session.bucket.take(receivedMs);
  if (wait > 0) return rateLimited(ctx, ws, session, frame, wait);
  session.limitedInRow = 0;

  if (type === 'hello') return handleHello(ctx, ws, frame.hello as cs.v1.Hello);
  if (type === 'ping') {
    // DESIGN.md §8: the Pong echoes the Ping's time_ms so the client can match it and measure the round trip.
    ctx.hub.out.send(ws, { pong: { timeMs: (frame.ping as cs.v1.Ping).timeMs ?? 0 } });
    return;
  }
  if (session.phase !== SessionPhase.Ready) {
    return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.PROTOCOL, `${type} before Hello: send Hello first`);
  }
  switch (type) {
    case 'send':
      return handleSend(ctx.pipeline, session, new SocketReply(ws, ctx.hub.out), frame.send as cs.v1.Send, receivedMs);
    case 'sync':
      return handleSync(ctx, ws, frame.sync as cs.v1.Sync);
    case 'received':
      return handleReceived(ctx, ws, frame.received as cs.v1.Received);
    case 'read':
      return handleRead(ctx, ws, frame.read as cs.v1.Read);
    case 'typing':
      return handleTyping(ctx, ws, frame.typing as cs.v1.Typing);
    case 'subscribe':
      return handleSubscribe(ctx, ws, (frame.subscribe as cs.v1.Subscribe).conversationId ?? '', true);
    case 'unsubscribe':
      return handleSubscribe(ctx, ws, (frame.unsubscribe as cs.v1.Unsubscribe).conversationId ?? '', false);
    case 'action':
      return handleAction(ctx.pipeline, session, new SocketReply(ws, ctx.hub.out), frame.action as cs.v1.ConversationAction);
    case 'pageView':
      return handlePageView(ctx, ws, frame.pageView as cs.v1.PageView);
    case 'broadcastEvent':
      return handleBroadcastEvent(ctx, ws, frame.broadcastEvent as cs.v1.BroadcastEvent);
    case 'contact':
      return handleContact(ctx, ws, frame.contact as cs.v1.Contact);
    case 'agentStatus':
      return handleAgentStatus(ctx, ws, frame.agentStatus as cs.v1.AgentStatus);
    case 'pong':
      return;
    default:
      return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, `a client may not send ${type}`);
  }
}

function rateLimited(ctx: GatewayContext, ws: Socket, session: SessionData, frame: cs.v1.Frame, retryAfterMs: number): void {
  session.limitedInRow++;
  if (session.limitedInRow > FLOOD_CLOSE_AFTER) {
    return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.RATE_LIMITED, 'flood: closing', { fatal: true, retryAfterMs });
  }
  if (frame.send) {
    ctx.metrics.ack('REJECTED');
    ctx.hub.out.send(ws, {
      ack: {
        clientMsgId: frame.send.clientMsgId ?? '',
        conversationId: frame.send.conversationId || session.primaryConversationId,
        status: cs.v1.AckStatus.REJECTED,
        reason: 'rate limited',
        retryAfterMs,
        serverTimeMs: ctx.now(),
      },
    });
    return;
  }
  ctx.hub.out.sendError(ws, cs.v1.ErrorCode.RATE_LIMITED, 'too many frames: slow down', { retryAfterMs, ref: frame.body ?? '' });
}

/** The conversation named by a frame, or undefined after sending Error FORBIDDEN with the id as `ref`. */
function named(ctx: GatewayContext, ws: Socket, conversationId: string): Conversation | undefined {
  const session = ws.getUserData().session;
  const id = conversationId || session.primaryConversationId;
  const conversation = visibleConversation(ctx.store, session, id);
  if (!conversation) ctx.hub.out.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'you may not see this conversation', { ref: id });
  return conversation;
}

/** Default page size of a Sync without a limit. */
const DEFAULT_SYNC_LIMIT = 50;

/**
 * Sync (DESIGN.md §3.7): `after_seq < seq (< before_seq when set)` oldest
 * first; with `before_seq` alone, the newest `limit` before it (older pages).
 * Visitors get notes as content-free placeholders (see `forVisitor`), so
 * their seqs stay contiguous.
 */
function handleSync(ctx: GatewayContext, ws: Socket, sync: cs.v1.Sync): void {
  const conversation = named(ctx, ws, sync.conversationId ?? '');
  if (!conversation) return;
  const session = ws.getUserData().session;
  const limit = Math.max(1, Math.min(sync.limit || DEFAULT_SYNC_LIMIT, ctx.options.maxSyncLimit));
  const after = sync.afterSeq ?? 0;
  // Committed messages only (servedSeq): one still being written may yet be taken back by a crash.
  const before = sync.beforeSeq ? Math.min(sync.beforeSeq, conversation.servedSeq + 1) : conversation.servedSeq + 1;
  const seqs: number[] = [];
  let hasMore = false;
  if (sync.beforeSeq && !sync.afterSeq) {
    for (let seq = before - 1; seq > 0; seq--) {
      if (seqs.length === limit) { hasMore = true; break; }
      seqs.push(seq);
    }
    seqs.reverse();
  } else {
    for (let seq = after + 1; seq < before; seq++) {
      if (seqs.length === limit) { hasMore = true; break; }
      seqs.push(seq);
    }
  }
  const files = (message: StoredMessage): cs.v1.Attachment.$Properties[] => ctx.pipeline.attachments.wireAttachments(message);
  ctx.hub.out.send(ws, {
    syncResult: {
      conversationId: conversation.id,
      epoch: conversation.epoch,
      messages: seqs.flatMap((seq) => {
        const message = conversation.message(seq);
        if (!message) return [];
        return [session.role === cs.v1.Role.VISITOR ? toVisitorWireMessage(message, session.coreLevel, files, conversation.visitorLang) : toWireMessage(message, session.coreLevel, files)];
      }),
      hasMore,
      conversation: session.role === cs.v1.Role.VISITOR ? visitorConversationView(ctx.hub.notices.wireConversation(conversation)) : ctx.hub.notices.wireConversation(conversation),
    },
  });
}

/** Which side a session speaks for. */
function sideOf(session: SessionData): 'visitor' | 'agent' {
  return session.role === cs.v1.Role.VISITOR ? 'visitor' : 'agent';
}

/**
 * Cumulative Received: moves the session's re-push cursor (and opts it into
 * re-push), and the side's delivered cursor, which the other side gets as a
 * coalesced Receipt.
 */
function handleReceived(ctx: GatewayContext, ws: Socket, received: cs.v1.Received): void {
  const conversation = named(ctx, ws, received.conversationId ?? '');
  if (!conversation) return;
  const session = ws.getUserData().session;
  const upTo = Math.min(received.upToSeq ?? 0, conversation.lastSeq);
  if (session.watching.has(conversation.id)) {
    if (!session.received) ctx.hub.repush.track(ws);
    const received = (session.received ??= new Map());
    const state = received.get(conversation.id);
    if (!state) received.set(conversation.id, { upTo, since: 0 });
    else if (upTo > state.upTo) {
      state.upTo = upTo;
      state.since = 0;
    }
  }
  const side = sideOf(session);
  if (upTo > conversation.deliveredUpTo[side]) {
    conversation.deliveredUpTo[side] = upTo;
    ctx.hub.notices.receiptChanged(conversation.id, side);
  }
}

/** Read: the side's read cursor moves (stored); the other side gets a Receipt, agents an InboxUpdate (unread). */
function handleRead(ctx: GatewayContext, ws: Socket, read: cs.v1.Read): void {
  const conversation = named(ctx, ws, read.conversationId ?? '');
  if (!conversation) return;
  const session = ws.getUserData().session;
  const side = sideOf(session);
  const upTo = Math.min(read.upToSeq ?? 0, conversation.lastSeq);
  if (upTo <= conversation.readUpTo[side]) return;
  conversation.readUpTo[side] = upTo;
  conversation.deliveredUpTo[side] = Math.max(conversation.deliveredUpTo[side], upTo);
  ctx.hub.notices.receiptChanged(conversation.id, side);
  if (side === 'agent') ctx.hub.inboxChanged(conversation.id);
  ctx.durable
    .append({ t: 'read', conversationId: conversation.id, role: session.role, upToSeq: upTo })
    .catch((error: unknown) => ctx.log.warn({ err: error }, 'read record not stored'));
}

/** Typing is forwarded, never stored: visitor -> watching agents; agent -> the visitor and the other watching agents. */
function handleTyping(ctx: GatewayContext, ws: Socket, typing: cs.v1.Typing): void {
  const conversation = named(ctx, ws, typing.conversationId ?? '');
  if (!conversation) return;
  const session = ws.getUserData().session;
  const frame: cs.v1.Frame.$Properties = {
    typing: { conversationId: conversation.id, typing: typing.typing ?? false, senderId: session.userId, senderRole: session.role, senderName: session.name },
  };
  ctx.hub.out.toSide(ws, 'a', conversation.id, frame);
  // Visitors see who is typing by name, never by agent id (issue 10).
  if (session.role === cs.v1.Role.AGENT) ctx.hub.out.toSide(ws, 'v', conversation.id, { typing: { ...frame.typing, senderId: '' } });
}

/** Agents open (Subscribe) or close (Unsubscribe) a conversation; visitors are always subscribed to their own. */
function handleSubscribe(ctx: GatewayContext, ws: Socket, conversationId: string, on: boolean): void {
  const conversation = named(ctx, ws, conversationId);
  if (!conversation) return;
  const session = ws.getUserData().session;
  if (session.role !== cs.v1.Role.AGENT) return;
  if (on) {
    (session.subscribed ??= new Set()).add(conversation.id);
    ctx.hub.registry.watch(ws, conversation.id);
    // One its list did not load (older than CS_INBOX_CONVERSATIONS, opened from a search) gets its summary now.
    ctx.hub.notices.sendInbox(ws, [conversation]);
  } else {
    session.subscribed?.delete(conversation.id);
    if (conversation.assigneeId !== session.userId) ctx.hub.registry.unwatch(ws, conversation.id);
  }
}

/** Visitors report the page they are on; agents see it on the conversation. */
function handlePageView(ctx: GatewayContext, ws: Socket, pageView: cs.v1.PageView): void {
  const session = ws.getUserData().session;
  if (session.role !== cs.v1.Role.VISITOR) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'only visitors report page views');
  const conversation = ctx.store.get(session.primaryConversationId);
  if (!conversation) return;
  conversation.visitorPageUrl = (pageView.url ?? '').slice(0, 2048);
  conversation.visitorPageTitle = (pageView.title ?? '').slice(0, 256);
  ctx.hub.inboxChanged(conversation.id);
  mailboxPageChanged(ctx, session, pageView.url ?? '');
}

/**
 * Contact (DESIGN.md §8, §10): a visitor leaves the email the answer should
 * go to. An invalid one gets Error BAD_FRAME (ref "contact") and nothing is
 * stored; a stored one is echoed to the visitor's sessions (the widget hides
 * its field) and agents see it on the conversation.
 */
function handleContact(ctx: GatewayContext, ws: Socket, contact: cs.v1.Contact): void {
  const session = ws.getUserData().session;
  if (session.role !== cs.v1.Role.VISITOR) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'only visitors leave a contact email', { ref: 'contact' });
  const conversation = named(ctx, ws, contact.conversationId ?? '');
  if (!conversation) return;
  let stored;
  try {
    stored = ctx.email.setContact(conversation, contact.email ?? '', contact.name ?? '');
  } catch (error) {
    if (!(error instanceof ContactError)) throw error;
    return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.BAD_FRAME, error.message, { ref: 'contact' });
  }
  ctx.log.info({ conversationId: conversation.id }, 'visitor left an email');
  ctx.hub.out.toSide(undefined, 'v', conversation.id, { contact: { conversationId: conversation.id, email: stored.email, name: stored.name } });
  ctx.hub.inboxChanged(conversation.id);
}

/** AgentStatus: an agent sets themselves away (or back); visitors and agents hear about it. */
function handleAgentStatus(ctx: GatewayContext, ws: Socket, status: cs.v1.AgentStatus): void {
  const session = ws.getUserData().session;
  if (session.role !== cs.v1.Role.AGENT) return ctx.hub.out.sendError(ws, cs.v1.ErrorCode.FORBIDDEN, 'only agents set themselves away', { ref: 'agentStatus' });
  const away = status.away ?? false;
  ctx.email.availability.setAgentAway(session.userId, away);
  for (const socket of ctx.hub.registry.agentSessions(session.userId)) ctx.hub.out.send(socket, { agentStatus: { away } });
}
