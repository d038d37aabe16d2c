/**
 * The hub: who is connected and how frames reach them. Fan-out uses uWS
 * pub/sub (DESIGN.md §3.6), one topic per conversation and audience:
 *
 * - `m:v<band>:<conversation>`: the visitor's sessions (notes never go here);
 * - `m:a<band>:<conversation>`: agent sessions assigned to it or subscribed;
 * - `inbox`: every agent session (visitor presence);
 * - `inbox:u` / `inbox:b`: agent sessions that take the coalesced inbox
 *   notices as one InboxUpdate frame each, or (Hello.inbox_batch) as one
 *   InboxBatch frame per interval;
 * - `presence`: every session (agents online).
 *
 * `<band>` is `n` for clients that render every kind and `l` for older core
 * levels, which get a downgraded copy (DESIGN.md §4). `ws.publish` skips the
 * sending socket, so the sender gets its Ack and no Deliver of its own message.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { cs } from '../../../proto/gen/chat.js';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import { downgradesBelow, forVisitor, SERVER_CORE_LEVEL, toWireMessage } from '../pipeline/kinds.js';
import { previewFields } from '../pipeline/preview.js';
import type { Conversation, ConversationStore, StoredMessage } from '../store/conversations.js';
import { encodeFrame, errorFrame, type FrameType } from './codec.js';
import { SessionPhase, type SessionData, type Socket } from './session.js';
import { KeyedThrottle } from './throttle.js';

type Audience = 'v' | 'a';

/** The pub/sub topic of one conversation for an audience and a core-level band. */
export function messageTopic(audience: Audience, modern: boolean, conversationId: string): string {
  return `m:${audience}${modern ? 'n' : 'l'}:${conversationId}`;
}

export const INBOX_TOPIC = 'inbox';
/** Agents that take one InboxUpdate frame per changed conversation. */
export const INBOX_UPDATES_TOPIC = 'inbox:u';
/** Agents that take the notices of one interval as one InboxBatch frame (Hello.inbox_batch). */
export const INBOX_BATCH_TOPIC = 'inbox:b';
export const PRESENCE_TOPIC = 'presence';

/** Most messages in one Deliver frame of a resume or re-push. */
const PUSH_BATCH = 100;
/** Most InboxUpdates in one InboxBatch frame (keeps a frame well under the backpressure limit). */
export const INBOX_BATCH_MAX = 200;

export class Hub {
  private app: TemplatedApp | undefined;
  /** Every open socket (added on open, removed on close). */
  readonly sockets = new Set<Socket>();
  // Small arrays, not Sets: most hold one socket, and an empty Set's table costs more than the socket's session.
  private readonly visitorSockets = new Map<string, Socket[]>();
  private readonly agentSockets = new Map<string, Socket[]>();
  /** Sockets watching each conversation (both audiences), to spot the ones publish skipped. */
  private readonly watchers = new Map<string, Socket[]>();
  private readonly inboxThrottle: KeyedThrottle;
  private readonly receiptThrottle: KeyedThrottle;
  private readonly repushTimer: NodeJS.Timeout;
  /** Set by `shutdown`: sessions closing now tell nobody (every peer is closing too). */
  private shuttingDown = false;

  constructor(
    private readonly store: ConversationStore,
    private readonly metrics: ServerMetrics,
    private readonly options: ServerOptions,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.inboxThrottle = new KeyedThrottle(options.coalesceMs, (ids) => this.publishInboxUpdates(ids));
    this.receiptThrottle = new KeyedThrottle(options.coalesceMs, (keys) => {
      for (const key of keys) this.publishReceipt(key);
    });
    this.repushTimer = setInterval(() => this.repushTick(), Math.max(50, Math.min(1000, options.repushAfterMs / 2)));
    this.repushTimer.unref();
  }

  attach(app: TemplatedApp): void {
    this.app = app;
  }

  /**
   * Closes every session with Error GOING_AWAY. Presence changes are not
   * published while they close: each leaving session would otherwise tell
   * all the others (N² frames for N sessions, seconds of a restart).
   */
  shutdown(reason: string): void {
    this.shuttingDown = true;
    for (const ws of [...this.sockets]) this.sendError(ws, cs.v1.ErrorCode.GOING_AWAY, reason, { fatal: true, retryAfterMs: 1000 });
  }

  /** Stops timers. */
  dispose(): void {
    clearInterval(this.repushTimer);
    this.inboxThrottle.dispose();
    this.receiptThrottle.dispose();
  }

  // ---- sending -------------------------------------------------------------

  /**
   * Sends one frame to one socket. Returns false when the socket is gone or
   * past its buffered limit (then it is marked `behind` and will be told to
   * resync once it drains).
   */
  send(ws: Socket, frame: cs.v1.Frame.$Properties): boolean {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed) return false;
    this.metrics.frameOut(frameTypeOf(frame));
    const result = ws.send(encodeFrame(frame), true);
    if (result === 2 || ws.getBufferedAmount() > this.options.maxBackpressureBytes) {
      session.behind = true;
      return false;
    }
    return true;
  }

  /** Sends an Error frame; closes the socket after it when `fatal`. */
  sendError(ws: Socket, code: cs.v1.ErrorCode, message: string, extra: { fatal?: boolean; ref?: string; retryAfterMs?: number } = {}): void {
    this.send(ws, errorFrame(code, message, extra));
    if (extra.fatal) this.end(ws, closeCodeFor(code), message);
  }

  /** Closes a socket with a close code and reason (the reason is cut to the 123 bytes a close frame holds). */
  end(ws: Socket, code: number, reason: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed) return;
    ws.end(code, Buffer.from(reason).subarray(0, 120));
  }

  /** Publishes one frame to a topic, skipping `from` when given and still open. */
  publish(from: Socket | undefined, topic: string, frame: cs.v1.Frame.$Properties): void {
    this.publishBytes(from, topic, encodeFrame(frame), frameTypeOf(frame));
  }

  /** Publishes an encoded frame (one encode can go to several topics). */
  private publishBytes(from: Socket | undefined, topic: string, bytes: Uint8Array, type: FrameType): void {
    this.metrics.frameOut(type);
    if (from && from.getUserData().session.phase !== SessionPhase.Closed) from.publish(topic, bytes, true);
    else this.app?.publish(topic, bytes, true);
  }

  /** Fans stored messages out (DESIGN.md §3.6): visitor sessions (notes as empty placeholders) and watching agents; the inbox is told. */
  deliver(from: Socket | undefined, conversation: Conversation, messages: readonly StoredMessage[]): void {
    // The four copies (visitor/agent x modern/legacy band) are usually the same bytes: encode each distinct one once.
    const encode = (list: readonly StoredMessage[], level: number): Uint8Array => encodeFrame({ deliver: { messages: list.map((m) => toWireMessage(m, level)) } });
    const visible = messages.map(forVisitor);
    const hidesNotes = visible.some((m, i) => m !== messages[i]);
    const downgrades = messages.some((m) => downgradesBelow(m.kind, 0));
    const agentModern = encode(messages, SERVER_CORE_LEVEL);
    const agentLegacy = downgrades ? encode(messages, 0) : agentModern;
    const visitorModern = hidesNotes ? encode(visible, SERVER_CORE_LEVEL) : agentModern;
    const visitorLegacy = !hidesNotes ? agentLegacy : downgrades ? encode(visible, 0) : visitorModern;
    const id = conversation.id;
    this.publishBytes(from, messageTopic('v', true, id), visitorModern, 'deliver');
    this.publishBytes(from, messageTopic('v', false, id), visitorLegacy, 'deliver');
    this.publishBytes(from, messageTopic('a', true, id), agentModern, 'deliver');
    this.publishBytes(from, messageTopic('a', false, id), agentLegacy, 'deliver');
    this.markSlowWatchers(conversation.id);
    this.inboxChanged(conversation.id);
  }

  /**
   * uWS publish silently skips a subscriber past maxBackpressure. So after a
   * publish, any watcher whose buffer is past half the limit is marked
   * `behind`: it gets no direct pushes and, once drained, Error RESYNC, and
   * recovers what it missed by cursor (DESIGN.md §3.10). A few watchers per
   * conversation, so this costs little.
   */
  private markSlowWatchers(conversationId: string): void {
    const limit = this.options.maxBackpressureBytes / 2;
    for (const ws of this.watchers.get(conversationId) ?? []) {
      if (ws.getBufferedAmount() >= limit) ws.getUserData().session.behind = true;
    }
  }

  /** Forwards a frame (Typing, Receipt) to one side of a conversation. */
  toSide(from: Socket | undefined, audience: Audience, conversationId: string, frame: cs.v1.Frame.$Properties): void {
    const bytes = encodeFrame(frame);
    const type = frameTypeOf(frame);
    this.publishBytes(from, messageTopic(audience, true, conversationId), bytes, type);
    this.publishBytes(from, messageTopic(audience, false, conversationId), bytes, type);
  }

  /**
   * Pushes the messages of `conversation` after `afterSeq` to one socket in
   * batches (resume, re-push). Visitors get notes as empty placeholders.
   * @returns how many messages were pushed.
   */
  pushSince(ws: Socket, conversation: Conversation, afterSeq: number): number {
    const session = ws.getUserData().session;
    if (session.behind) return 0;
    const visitor = session.role === cs.v1.Role.VISITOR;
    let pushed = 0;
    let batch: cs.v1.Message.$Properties[] = [];
    const flush = (): boolean => {
      if (batch.length === 0) return true;
      const ok = this.send(ws, { deliver: { messages: batch } });
      pushed += batch.length;
      batch = [];
      return ok;
    };
    for (let seq = afterSeq + 1; seq <= conversation.lastSeq; seq++) {
      const message = conversation.message(seq);
      if (!message) continue;
      batch.push(toWireMessage(visitor ? forVisitor(message) : message, session.coreLevel));
      if (batch.length >= PUSH_BATCH && !flush()) return pushed;
    }
    flush();
    return pushed;
  }

  // ---- membership ----------------------------------------------------------

  /** Registers a session after its Welcome; publishes presence changes. */
  join(ws: Socket): void {
    const session = ws.getUserData().session;
    ws.subscribe(PRESENCE_TOPIC);
    if (session.role === cs.v1.Role.AGENT) {
      ws.subscribe(INBOX_TOPIC);
      ws.subscribe(session.inboxBatch ? INBOX_BATCH_TOPIC : INBOX_UPDATES_TOPIC);
      if (addTo(this.agentSockets, session.userId, ws)) this.publishAgentPresence();
    } else if (addTo(this.visitorSockets, session.userId, ws)) {
      this.visitorPresenceChanged(session.userId, true);
    }
  }

  /** Unregisters a closed session. */
  leave(ws: Socket, session: SessionData): void {
    for (const conversationId of session.watching) removeFrom(this.watchers, conversationId, ws);
    if (session.role === cs.v1.Role.AGENT) {
      if (removeFrom(this.agentSockets, session.userId, ws) && !this.shuttingDown) this.publishAgentPresence();
    } else if (session.role === cs.v1.Role.VISITOR) {
      if (removeFrom(this.visitorSockets, session.userId, ws) && !this.shuttingDown) this.visitorPresenceChanged(session.userId, false);
    }
  }

  /** Starts pushing a conversation's messages to a socket. */
  watch(ws: Socket, conversationId: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed || session.watching.has(conversationId)) return;
    session.watching.add(conversationId);
    addTo(this.watchers, conversationId, ws);
    ws.subscribe(messageTopic(session.role === cs.v1.Role.VISITOR ? 'v' : 'a', session.modern, conversationId));
  }

  /** Stops pushing a conversation's messages to a socket. */
  unwatch(ws: Socket, conversationId: string): void {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed || !session.watching.delete(conversationId)) return;
    session.received?.delete(conversationId);
    removeFrom(this.watchers, conversationId, ws);
    ws.unsubscribe(messageTopic(session.role === cs.v1.Role.VISITOR ? 'v' : 'a', session.modern, conversationId));
  }

  /** Every open session of a visitor (all devices). */
  visitorSessions(visitorId: string): readonly Socket[] {
    return this.visitorSockets.get(visitorId) ?? [];
  }

  /** Every open session of an agent. */
  agentSessions(agentId: string): readonly Socket[] {
    return this.agentSockets.get(agentId) ?? [];
  }

  /** Agent ids with at least one open session. */
  onlineAgents(): string[] {
    return [...this.agentSockets.keys()];
  }

  isVisitorOnline(visitorId: string): boolean {
    return this.visitorSockets.has(visitorId);
  }

  // ---- coalesced notices ---------------------------------------------------

  /** A conversation changed: every agent gets one InboxUpdate per interval with the latest state. */
  inboxChanged(conversationId: string): void {
    this.inboxThrottle.touch(conversationId);
  }

  /** A cursor of `side` moved: the other side gets one Receipt per interval with the latest cursors. */
  receiptChanged(conversationId: string, side: 'visitor' | 'agent'): void {
    this.receiptThrottle.touch(`${side}\n${conversationId}`);
  }

  /**
   * One notice per conversation, published once for every agent session (a
   * topic, so uWS fans the same bytes out). `unread` is the conversation's
   * count of visitor messages past the agents' shared read cursor, the same
   * for every agent, so one encoding serves all of them.
   */
  private publishInboxUpdates(conversationIds: readonly string[]): void {
    const app = this.app;
    if (!app) return;
    const updates: cs.v1.InboxUpdate.$Properties[] = [];
    for (const id of conversationIds) {
      const conversation = this.store.get(id);
      if (conversation && conversation.lastSeq > 0) updates.push(this.inboxUpdate(conversation));
    }
    if (updates.length === 0) return;
    if (app.numSubscribers(INBOX_BATCH_TOPIC) > 0) {
      for (let i = 0; i < updates.length; i += INBOX_BATCH_MAX) {
        this.publish(undefined, INBOX_BATCH_TOPIC, { inboxBatch: { updates: updates.slice(i, i + INBOX_BATCH_MAX) } });
      }
    }
    if (app.numSubscribers(INBOX_UPDATES_TOPIC) > 0) {
      for (const inboxUpdate of updates) this.publish(undefined, INBOX_UPDATES_TOPIC, { inboxUpdate });
    }
  }

  /** The InboxUpdate of a conversation: its summary, preview and unread count. */
  inboxUpdate(conversation: Conversation): cs.v1.InboxUpdate.$Properties {
    return { conversation: this.wireConversation(conversation), ...previewFields(conversation), unread: conversation.unreadForAgents() };
  }

  private publishReceipt(key: string): void {
    const [side, conversationId] = key.split('\n') as ['visitor' | 'agent', string];
    const conversation = this.store.get(conversationId);
    if (!conversation) return;
    const receipt: cs.v1.Frame.$Properties = {
      receipt: {
        conversationId,
        readerRole: side === 'visitor' ? cs.v1.Role.VISITOR : cs.v1.Role.AGENT,
        deliveredUpTo: conversation.deliveredUpTo[side],
        readUpTo: conversation.readUpTo[side],
      },
    };
    this.toSide(undefined, side === 'visitor' ? 'a' : 'v', conversationId, receipt);
  }

  private publishAgentPresence(): void {
    const agentIds = this.onlineAgents();
    this.publish(undefined, PRESENCE_TOPIC, { presence: { agentsOnline: agentIds.length, agentIds } });
  }

  private visitorPresenceChanged(visitorId: string, online: boolean): void {
    this.publish(undefined, INBOX_TOPIC, { presence: { agentsOnline: this.agentSockets.size, visitorId, visitorOnline: online } });
    for (const conversation of this.store.ofVisitor(visitorId)) this.inboxChanged(conversation.id);
  }

  /** A conversation as the wire carries it (visitor details for agents). */
  wireConversation(conversation: Conversation): cs.v1.Conversation.$Properties {
    const profile = this.store.visitors.get(conversation.visitorId);
    return {
      id: conversation.id,
      epoch: conversation.epoch,
      lastSeq: conversation.lastSeq,
      site: conversation.site,
      topic: conversation.topic,
      visitorId: conversation.visitorId,
      status: conversation.status,
      assigneeId: conversation.assigneeId,
      visitorUserId: profile?.userId ?? '',
      visitorName: profile?.name ?? '',
      visitorEmail: profile?.email ?? '',
      visitorOnline: this.isVisitorOnline(conversation.visitorId),
      visitorPageUrl: conversation.visitorPageUrl,
      visitorPageTitle: conversation.visitorPageTitle,
      platform: conversation.platform,
      appVersion: conversation.appVersion,
      createdMs: conversation.createdMs,
      lastActivityMs: conversation.lastActivityMs,
    };
  }

  // ---- server-side re-push (DESIGN.md §3.8) ---------------------------------

  /**
   * For every session that reports Received: messages past its cursor that
   * stay unconfirmed for `repushAfterMs` are pushed again. A session past its
   * buffered limit gets nothing (it resyncs after the drain).
   */
  private repushTick(): void {
    const now = this.now();
    for (const ws of this.sockets) {
      const session = ws.getUserData().session;
      if (session.phase !== SessionPhase.Ready || session.behind || !session.received) continue;
      for (const [conversationId, state] of session.received) {
        const conversation = this.store.get(conversationId);
        if (!conversation || conversation.lastSeq <= state.upTo) {
          state.since = 0;
          continue;
        }
        if (state.since === 0) {
          state.since = now;
        } else if (now - state.since >= this.options.repushAfterMs) {
          const pushed = this.pushSince(ws, conversation, state.upTo);
          this.metrics.repushes.inc(pushed);
          state.since = now;
          this.log.debug({ session: session.id, conversationId, pushed }, 're-pushed unconfirmed messages');
        }
      }
    }
  }

  /** Called on uWS `drain`: a socket that fell behind and caught up is told to resync by cursor. */
  drained(ws: Socket): void {
    const session = ws.getUserData().session;
    if (session.behind && ws.getBufferedAmount() < this.options.maxBackpressureBytes / 4) {
      session.behind = false;
      this.sendError(ws, cs.v1.ErrorCode.RESYNC, 'you fell behind: sync every conversation from your cursor');
    }
  }
}

/** WebSocket close code after a fatal error: 1001 going away, 1009 too big, 1008 policy otherwise. */
function closeCodeFor(code: cs.v1.ErrorCode): number {
  if (code === cs.v1.ErrorCode.GOING_AWAY) return 1001;
  if (code === cs.v1.ErrorCode.TOO_LARGE) return 1009;
  return 1008;
}

/** Adds `ws` under `key`; true when it is the first socket there. */
function addTo(map: Map<string, Socket[]>, key: string, ws: Socket): boolean {
  const list = map.get(key);
  if (!list) {
    map.set(key, [ws]);
    return true;
  }
  if (!list.includes(ws)) list.push(ws);
  return false;
}

/** Removes `ws` from under `key`; true when it was the last socket there. */
function removeFrom(map: Map<string, Socket[]>, key: string, ws: Socket): boolean {
  const list = map.get(key);
  const at = list ? list.indexOf(ws) : -1;
  if (!list || at < 0) return false;
  list.splice(at, 1);
  if (list.length > 0) return false;
  map.delete(key);
  return true;
}

function frameTypeOf(frame: cs.v1.Frame.$Properties): FrameType {
  for (const key in frame) if ((frame as Record<string, unknown>)[key] != null) return key as FrameType;
  return 'unknown';
}
