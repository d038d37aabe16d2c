/**
 * How frames leave: one socket (`send`, with the backpressure rule of
 * DESIGN.md §3.10), a topic (`publish`, uWS fans the same bytes out), and
 * stored messages to a conversation's watchers (`deliver`, each distinct
 * encoding made once) or to one socket from a cursor (`pushSince`).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { ServerMetrics } from '../http/metrics.js';
import type { ServerOptions } from '../options.js';
import { downgradesBelow, SERVER_CORE_LEVEL } from '../pipeline/kinds.js';
import type { ErrorExtra } from '../pipeline/ports.js';
import { differsForVisitor, toVisitorWireMessage, toWireMessage, type AttachmentLookup } from '../pipeline/wire.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { encodeFrame, errorFrame, type FrameType } from './codec.js';
import { Slot, slotOf, type Registry, type Route } from './registry.js';
import { SessionPhase, type Socket } from './session.js';
import type { StreamTopics } from './stream-connection.js';
import type { Audience } from './topics.js';

/** Most messages in one Deliver frame of a resume or re-push. */
const PUSH_BATCH = 100;

export class Outbound {
  private app: TemplatedApp | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly metrics: ServerMetrics,
    private readonly options: Pick<ServerOptions, 'maxBackpressureBytes'>,
    /** Files of a message with fresh signed URLs: every Deliver goes to participants only. */
    private readonly attachments: AttachmentLookup = () => [],
    /** HTTP streams on each topic: uWS publishes reach only WebSockets, so every publish reaches these too. */
    private readonly streams?: StreamTopics,
  ) {}

  /** Publishes through `app` when no socket is there to publish from. */
  attach(app: TemplatedApp): void {
    this.app = app;
  }

  /** Sockets subscribed to a topic (0 before `attach`). */
  subscribers(topic: string): number {
    return (this.app?.numSubscribers(topic) ?? 0) + (this.streams?.count(topic) ?? 0);
  }

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

  /**
   * Sends one frame to one socket through the topic only it listens to, so
   * that uWS batches it: published frames wait for the end of the loop
   * iteration and leave then in one write per socket, in order with
   * everything else the socket is sent (uWS drains a socket's published
   * frames before any direct send to it). `send` outside a uWS handler (an
   * Ack after the store's commit, on the writer thread's reply) is a write of
   * its own per frame, and cost more than the rest of a message's path (issue
   * 16, store on). uWS skips a subscriber past its backpressure limit
   * silently: such a socket is marked `behind` here, as `send` would.
   * @returns false when the socket is gone or behind.
   */
  sendQueued(ws: Socket, frame: cs.v1.Frame.$Properties): boolean {
    const session = ws.getUserData().session;
    if (session.phase === SessionPhase.Closed) return false;
    if (!this.app) return this.send(ws, frame);
    if (session.ownTopic === undefined) {
      session.ownTopic = `o/${session.id}`;
      ws.subscribe(session.ownTopic);
    }
    this.publishOn(undefined, session.ownTopic, encodeFrame(frame), frameTypeOf(frame));
    if (ws.getBufferedAmount() >= this.options.maxBackpressureBytes / 2) {
      session.behind = true;
      return false;
    }
    return true;
  }

  /** Sends an Error frame; closes the socket after it when `fatal`. */
  sendError(ws: Socket, code: cs.v1.ErrorCode, message: string, extra: ErrorExtra = {}): void {
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
    if (this.streams?.size) this.streams.publish(topic, bytes, from);
  }

  /**
   * Fans stored messages out (DESIGN.md §3.6): visitor sessions (notes as
   * empty placeholders) and watching agents. Only topics someone besides the
   * sender listens to get a publish, and each distinct encoding (notes
   * hidden or not, downgraded or not) is made once and only when a topic
   * needs it: usually one encode and one publish per message.
   */
  deliver(from: Socket | undefined, conversation: Conversation, messages: readonly StoredMessage[]): void {
    const route = this.registry.routeOf(conversation.id);
    if (!route) return;
    const sender = from?.getUserData().session;
    const publisher = sender && sender.phase !== SessionPhase.Closed ? from : undefined;
    const fromSlot = publisher && sender!.watching.has(conversation.id) ? slotOf(sender!) : -1;
    // By (visitor's copy ? 2 : 0) + (downgraded ? 1 : 0).
    const encoded: (Uint8Array | undefined)[] = [undefined, undefined, undefined, undefined];
    let visitorDiffers: boolean | undefined;
    let needsDowngrade: boolean | undefined;
    for (let slot = 0 as Slot; slot <= 3; slot++) {
      if (!route.reaches(slot, fromSlot)) continue;
      // Visitors get their own copy when some message looks different to them (a note's placeholder, an event's line, no agent id).
      const hides = slot <= Slot.VisitorLegacy && (visitorDiffers ??= messages.some(differsForVisitor));
      const downgraded = slot % 2 === 1 && (needsDowngrade ??= messages.some((m) => downgradesBelow(m.kind, 0)));
      const key = (hides ? 2 : 0) + (downgraded ? 1 : 0);
      const bytes = (encoded[key] ??= this.encodeDeliver(conversation, messages, hides, downgraded ? 0 : SERVER_CORE_LEVEL));
      this.publishOn(publisher, route.topics[slot], bytes, 'deliver');
    }
    this.markSlowWatchers(route);
  }

  /** One Deliver frame of `messages` as a visitor (`hides`) or an agent sees them, at a client's core `level`. */
  private encodeDeliver(conversation: Conversation, messages: readonly StoredMessage[], hides: boolean, level: number): Uint8Array {
    const wire: cs.v1.Message.$Properties[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      wire[i] = hides ? toVisitorWireMessage(messages[i]!, level, this.attachments, conversation.visitorLang) : toWireMessage(messages[i]!, level, this.attachments);
    }
    return encodeFrame({ deliver: { messages: wire } });
  }

  /**
   * uWS publish silently skips a subscriber past maxBackpressure. So after a
   * publish, any watcher whose buffer is past half the limit is marked
   * `behind`: it gets no direct pushes and, once drained, Error RESYNC, and
   * recovers what it missed by cursor (DESIGN.md §3.10). A few watchers per
   * conversation, so this costs little.
   */
  private markSlowWatchers(route: Route): void {
    const limit = this.options.maxBackpressureBytes / 2;
    for (const ws of route.sockets) {
      if (ws.getBufferedAmount() >= limit) ws.getUserData().session.behind = true;
    }
  }

  /** Forwards a frame (Typing, Receipt) to one side of a conversation: its watchers of that audience, besides `from`. */
  toSide(from: Socket | undefined, audience: Audience, conversationId: string, frame: cs.v1.Frame.$Properties): void {
    const route = this.registry.routeOf(conversationId);
    if (!route) return;
    const sender = from?.getUserData().session;
    const publisher = sender && sender.phase !== SessionPhase.Closed ? from : undefined;
    const fromSlot = publisher && sender!.watching.has(conversationId) ? slotOf(sender!) : -1;
    const first = audience === 'v' ? Slot.VisitorModern : Slot.AgentModern;
    let bytes: Uint8Array | undefined;
    for (const slot of [first, (first + 1) as Slot]) {
      if (!route.reaches(slot, fromSlot)) continue;
      bytes ??= encodeFrame(frame);
      this.publishOn(publisher, route.topics[slot], bytes, frameTypeOf(frame));
    }
  }

  /** Publishes encoded bytes from `publisher` (skipped by uWS), or from the app when none. */
  private publishOn(publisher: Socket | undefined, topic: string, bytes: Uint8Array, type: FrameType): void {
    this.metrics.frameOut(type);
    if (publisher) publisher.publish(topic, bytes, true);
    else this.app?.publish(topic, bytes, true);
    if (this.streams?.size) this.streams.publish(topic, bytes, publisher);
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
    for (let seq = afterSeq + 1; seq <= conversation.servedSeq; seq++) {
      const message = conversation.message(seq);
      if (!message) continue;
      batch.push(visitor ? toVisitorWireMessage(message, session.coreLevel, this.attachments, conversation.visitorLang) : toWireMessage(message, session.coreLevel, this.attachments));
      if (batch.length >= PUSH_BATCH && !flush()) return pushed;
    }
    flush();
    return pushed;
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

function frameTypeOf(frame: cs.v1.Frame.$Properties): FrameType {
  for (const key in frame) if ((frame as Record<string, unknown>)[key] != null) return key as FrameType;
  return 'unknown';
}
