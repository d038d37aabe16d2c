/**
 * A small in-page stand-in for the server, for timing-sensitive session and
 * connection tests: it speaks the real protobuf frames through an injected
 * WebSocket, keeps per-conversation seq and the (sender, client_msg_id)
 * dedup like the real one, and lets a test drop acks, cut sockets, go down,
 * mute pings and change epochs at exact moments.
 */
import { cs } from '../../proto/gen/chat.js';
import { decodeFrame, encodeFrame, type FrameInit, type SocketLike } from '../../widget/src/transport/index.js';

interface FakeConversation {
  id: string;
  epoch: string;
  visitorId: string;
  topic: string;
  messages: cs.v1.Message.$Properties[];
  dedup: Map<string, number>;
}

/** A frame a client sent, as the server decoded it. */
export interface Received {
  readonly socket: FakeSocket;
  readonly frame: cs.v1.Frame;
}

export class FakeServer {
  readonly conversations = new Map<string, FakeConversation>();
  readonly sockets = new Set<FakeSocket>();
  /** Every frame clients sent, in arrival order. */
  readonly log: Received[] = [];
  /** Acks to swallow (the message is still stored): a lost Ack. */
  dropAcks = 0;
  /** New sockets fail to open. */
  down = false;
  /** Pings get no Pong and nothing else is answered either: a dead link. */
  mute = false;
  /** The Ack and the Deliver of a Send go out this long after it, ms (a slow link: other tabs act meanwhile). */
  ackDelayMs = 0;
  heartbeatMs = 30000;
  epoch = 'e1';
  /** Refuse every Hello with this fatal error code. */
  refuseHello: cs.v1.ErrorCode | undefined;
  private visitors = 0;

  readonly createSocket = (url: string): SocketLike => new FakeSocket(this, url);

  /** Sends of a client_msg_id the server received. */
  sendsOf(clientMsgId: string): number {
    return this.log.filter((r) => r.frame.send?.clientMsgId === clientMsgId).length;
  }

  framesOf(body: string): cs.v1.Frame[] {
    return this.log.filter((r) => r.frame.body === body).map((r) => r.frame);
  }

  /** Cuts every open socket, as a network drop would (close code 1006). */
  dropSockets(): void {
    for (const socket of [...this.sockets]) socket.serverClose(1006);
  }

  /** Stores a message from someone else (an agent) and pushes it to the visitor's open sockets. */
  append(conversationId: string, text: string, push = true): cs.v1.Message.$Properties {
    const conv = this.conversations.get(conversationId)!;
    const message: cs.v1.Message.$Properties = {
      conversationId,
      seq: conv.messages.length + 1,
      clientMsgId: `agent-${conv.messages.length + 1}`,
      senderId: 'agent-1',
      senderRole: cs.v1.Role.AGENT,
      senderName: 'Ann',
      text,
      serverTimeMs: Date.now(),
    };
    conv.messages.push(message);
    if (push) for (const s of this.sockets) if (s.userId === conv.visitorId) s.push({ deliver: { messages: [message] } });
    return message;
  }

  /** Forgets every conversation's messages and changes the epoch (a restart without journal). */
  restartWithoutJournal(epoch: string): void {
    this.epoch = epoch;
    for (const conv of this.conversations.values()) {
      conv.epoch = epoch;
      conv.messages = [];
      conv.dedup.clear();
    }
    this.dropSockets();
  }

  handle(socket: FakeSocket, frame: cs.v1.Frame): void {
    this.log.push({ socket, frame });
    if (this.mute) return;
    switch (frame.body) {
      case 'hello':
        return this.hello(socket, frame.hello as cs.v1.Hello);
      case 'send':
        return this.send(socket, frame.send as cs.v1.Send);
      case 'sync':
        return this.sync(socket, frame.sync as cs.v1.Sync);
      case 'ping':
        return socket.push({ pong: { timeMs: frame.ping?.timeMs ?? 0 } });
      default:
        return;
    }
  }

  private hello(socket: FakeSocket, hello: cs.v1.Hello): void {
    if (this.refuseHello !== undefined) {
      socket.push({ error: { code: this.refuseHello, message: 'refused', fatal: true } });
      return socket.serverClose(4001);
    }
    const visitorId = hello.token || `v${++this.visitors}`;
    const id = `c-${visitorId}-${hello.topic}`;
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { id, epoch: this.epoch, visitorId, topic: hello.topic, messages: [], dedup: new Map() };
      this.conversations.set(id, conv);
    }
    socket.userId = visitorId;
    socket.push({
      welcome: {
        sessionId: `s${this.log.length}`,
        userId: visitorId,
        role: cs.v1.Role.VISITOR,
        token: visitorId,
        heartbeatMs: this.heartbeatMs,
        coreLevel: hello.coreLevel,
        conversations: [this.info(conv)],
        serverTimeMs: Date.now(),
      },
    });
  }

  private send(socket: FakeSocket, send: cs.v1.Send): void {
    const conv = this.conversations.get(send.conversationId);
    if (!conv || conv.visitorId !== socket.userId) {
      return socket.push({ error: { code: cs.v1.ErrorCode.FORBIDDEN, message: 'forbidden', ref: send.clientMsgId } });
    }
    const key = `${socket.userId}/${send.clientMsgId}`;
    const held = conv.dedup.get(key);
    let status: cs.v1.AckStatus = cs.v1.AckStatus.DUPLICATE;
    let seq = held ?? 0;
    if (held === undefined) {
      status = cs.v1.AckStatus.OK;
      seq = conv.messages.length + 1;
      const message: cs.v1.Message.$Properties = {
        conversationId: conv.id,
        seq,
        clientMsgId: send.clientMsgId,
        senderId: socket.userId,
        senderRole: cs.v1.Role.VISITOR,
        text: send.text,
        kind: send.kind,
        serverTimeMs: Date.now(),
      };
      conv.messages.push(message);
      conv.dedup.set(key, seq);
      for (const other of this.sockets) {
        if (other !== socket && other.userId === conv.visitorId) this.later(() => other.push({ deliver: { messages: [message] } }));
      }
    }
    if (this.dropAcks > 0) {
      this.dropAcks--;
      return;
    }
    const ack = { ack: { clientMsgId: send.clientMsgId, conversationId: conv.id, seq, status, serverTimeMs: Date.now() } };
    this.later(() => socket.push(ack));
  }

  private later(fn: () => void): void {
    if (this.ackDelayMs) setTimeout(fn, this.ackDelayMs);
    else fn();
  }

  private sync(socket: FakeSocket, sync: cs.v1.Sync): void {
    const conv = this.conversations.get(sync.conversationId);
    if (!conv) return;
    const limit = sync.limit || 100;
    const inRange = conv.messages.filter((m) => (m.seq ?? 0) > sync.afterSeq && (!sync.beforeSeq || (m.seq ?? 0) < sync.beforeSeq));
    const page = sync.beforeSeq && !sync.afterSeq ? inRange.slice(-limit) : inRange.slice(0, limit);
    socket.push({
      syncResult: { conversationId: conv.id, epoch: conv.epoch, messages: page, hasMore: page.length < inRange.length, conversation: this.info(conv) },
    });
  }

  private info(conv: FakeConversation): cs.v1.Conversation.$Properties {
    return { id: conv.id, epoch: conv.epoch, lastSeq: conv.messages.length, visitorId: conv.visitorId, topic: conv.topic };
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** One client socket of the fake server; events are delivered asynchronously and in order, like a real one. */
export class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = CONNECTING;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  userId = '';

  constructor(
    private readonly server: FakeServer,
    readonly url: string,
  ) {
    setTimeout(() => {
      if (server.down) return this.serverClose(1006);
      this.readyState = OPEN;
      server.sockets.add(this);
      this.onopen?.(new Event('open'));
    });
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== OPEN) throw new Error('socket not open');
    const decoded = decodeFrame(data.slice());
    setTimeout(() => {
      if (decoded.ok && this.readyState === OPEN) this.server.handle(this, decoded.frame);
    });
  }

  close(code = 1000): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.server.sockets.delete(this);
    setTimeout(() => this.onclose?.(new CloseEvent('close', { code })));
  }

  /** Server -> client. */
  push(frame: FrameInit): void {
    // slice(): protobufjs may write into a shared pool, so .buffer alone can hold more than this frame.
    const bytes = encodeFrame(frame).slice();
    setTimeout(() => {
      if (this.readyState === OPEN) this.onmessage?.(new MessageEvent('message', { data: bytes.buffer }));
    });
  }

  /** Raw bytes server -> client (garbage tests). */
  pushBytes(bytes: Uint8Array<ArrayBuffer>): void {
    setTimeout(() => {
      if (this.readyState === OPEN) this.onmessage?.(new MessageEvent('message', { data: bytes.buffer }));
    });
  }

  /** The server closes: after the frames it already pushed, like TCP would deliver them first. */
  serverClose(code: number): void {
    this.server.sockets.delete(this);
    setTimeout(() => this.close(code));
  }
}
