/**
 * Benchmark peer: the same protobuf Frame protocol and chat semantics as our
 * server, on the `ws` package instead of uWebSockets.js. Comparing the two
 * isolates what uWebSockets.js buys. Fan-out is a loop over the
 * conversation's sockets with one encoded buffer (what a careful `ws` server
 * does). Inbox notices: see `InboxMode` in chat-state.ts.
 *
 * Run: `PORT=0 CS_SECRET=x node --import tsx test/bench/peers/ws-peer.ts`;
 * prints `{"listening":<port>}` on stdout when ready.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { cs } from '../../../proto/gen/chat.js';
import { ChatState, chunked, INBOX_BATCH_MAX, INBOX_INTERVAL_MS, InboxMode, inboxMode, inboxUpdateOf, PeerRole, peerSettings, type Identity, type PeerConversation } from './chat-state.js';

const { port, host, secret } = peerSettings();
const state = new ChatState(secret);
const mode = inboxMode();
/** Per-socket buffered limit past which pushes stop and the client is told to resync, bytes. */
const MAX_BUFFERED = 1 << 20;

interface Session {
  readonly socket: WebSocket;
  who: Identity | undefined;
  /** Agents: takes inbox notices as one InboxBatch per interval (Hello.inbox_batch). */
  inboxBatch: boolean;
  readonly rooms: Set<string>;
  readonly received: Map<string, number>;
}

const rooms = new Map<string, Set<Session>>();
const agents = new Set<Session>();

function encode(frame: cs.v1.Frame.$Properties): Uint8Array {
  return cs.v1.Frame.encode(frame).finish();
}

function push(s: Session, bytes: Uint8Array): void {
  if (s.socket.bufferedAmount > MAX_BUFFERED) return;
  s.socket.send(bytes);
}

function join(s: Session, conversationId: string): void {
  let room = rooms.get(conversationId);
  if (!room) rooms.set(conversationId, (room = new Set()));
  room.add(s);
  s.rooms.add(conversationId);
}

function fail(s: Session, code: cs.v1.ErrorCode, message: string, fatal: boolean): void {
  s.socket.send(encode({ error: { code, message, fatal } }));
  if (fatal) s.socket.close(1008, message);
}

function syncResult(s: Session, conv: PeerConversation, afterSeq: number, limit?: number): void {
  const { messages, hasMore } = state.after(conv, afterSeq, limit);
  push(s, encode({ syncResult: { conversationId: conv.id, epoch: conv.epoch, messages, hasMore } }));
}

function onHello(s: Session, hello: cs.v1.Hello): void {
  const who = state.authenticate(hello.token);
  if (!who) return fail(s, cs.v1.ErrorCode.UNAUTHENTICATED, 'bad token', true);
  s.who = who;
  s.inboxBatch = hello.inboxBatch ?? false;
  const { welcome, primary } = state.welcome(who, hello);
  if (primary) join(s, primary.id);
  else agents.add(s);
  s.socket.send(encode({ welcome }));
  for (const cursor of hello.cursors) {
    const conv = state.conversations.get(cursor.conversationId ?? '');
    if (!conv || !state.mayAccess(who, conv)) continue;
    syncResult(s, conv, cursor.epoch === conv.epoch ? (cursor.seq ?? 0) : 0);
  }
}

function onSend(s: Session, who: Identity, send: cs.v1.Send): void {
  const r = state.store(who, send.conversationId, send.clientMsgId, send.kind, send.text, send.quoteSeq);
  if (!r.ok) {
    if (r.reason === 'forbidden') return fail(s, cs.v1.ErrorCode.FORBIDDEN, r.reason, false);
    s.socket.send(encode({ ack: { clientMsgId: send.clientMsgId, conversationId: send.conversationId, status: cs.v1.AckStatus.REJECTED, reason: r.reason } }));
    return;
  }
  const status = r.duplicate ? cs.v1.AckStatus.DUPLICATE : cs.v1.AckStatus.OK;
  s.socket.send(encode({ ack: { clientMsgId: send.clientMsgId, conversationId: send.conversationId, seq: r.seq, serverTimeMs: Date.now(), status } }));
  if (!r.message) return;
  const room = rooms.get(send.conversationId);
  if (!room) return;
  const bytes = encode({ deliver: { messages: [r.message] } });
  for (const other of room) if (other !== s) push(other, bytes);
  if (mode === InboxMode.PerMessage) {
    const notice = encode({ inboxUpdate: inboxUpdateOf(state.conversations.get(send.conversationId)!) });
    for (const a of agents) if (!a.rooms.has(send.conversationId)) push(a, notice);
  }
}

function onFrame(s: Session, data: Uint8Array): void {
  let frame: cs.v1.Frame;
  try {
    frame = cs.v1.Frame.decode(data);
  } catch {
    return fail(s, cs.v1.ErrorCode.BAD_FRAME, 'not a Frame', false);
  }
  if (frame.body === 'hello') {
    if (s.who) return fail(s, cs.v1.ErrorCode.PROTOCOL, 'second Hello', true);
    return onHello(s, frame.hello as cs.v1.Hello);
  }
  const who = s.who;
  if (!who) return fail(s, cs.v1.ErrorCode.PROTOCOL, 'Hello first', true);
  switch (frame.body) {
    case 'send':
      return onSend(s, who, frame.send as cs.v1.Send);
    case 'subscribe': {
      const conv = state.conversations.get(frame.subscribe!.conversationId ?? '');
      if (!conv || who.role !== PeerRole.Agent) return fail(s, cs.v1.ErrorCode.FORBIDDEN, 'forbidden', false);
      join(s, conv.id);
      return;
    }
    case 'received':
      s.received.set(frame.received!.conversationId ?? '', frame.received!.upToSeq ?? 0);
      return;
    case 'sync': {
      const sync = frame.sync as cs.v1.Sync;
      const conv = state.conversations.get(sync.conversationId);
      if (!conv || !state.mayAccess(who, conv)) return fail(s, cs.v1.ErrorCode.FORBIDDEN, 'forbidden', false);
      return syncResult(s, conv, sync.afterSeq, sync.limit || undefined);
    }
    case 'ping':
      s.socket.send(encode({ pong: { timeMs: frame.ping!.timeMs ?? 0 } }));
      return;
    default:
      return;
  }
}

/** Coalesced notices (see InboxMode): one per changed conversation per interval for every agent, each frame encoded once. */
function flushInbox(): void {
  const changed = state.takeDirty();
  if (mode !== InboxMode.Coalesced || changed.length === 0 || agents.size === 0) return;
  const updates = changed.map(inboxUpdateOf);
  const batches = chunked(updates, INBOX_BATCH_MAX).map((chunk) => encode({ inboxBatch: { updates: chunk } }));
  let singles: Uint8Array[] | undefined;
  for (const a of agents) {
    if (a.inboxBatch) for (const bytes of batches) push(a, bytes);
    else for (const bytes of (singles ??= updates.map((inboxUpdate) => encode({ inboxUpdate })))) push(a, bytes);
  }
}

const wss = new WebSocketServer({ host, port, path: '/ws', maxPayload: 64 * 1024, perMessageDeflate: false });
wss.on('connection', (socket) => {
  const s: Session = { socket, who: undefined, inboxBatch: false, rooms: new Set(), received: new Map() };
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return fail(s, cs.v1.ErrorCode.BAD_FRAME, 'binary frames only', false);
    onFrame(s, data as Buffer);
  });
  socket.on('close', () => {
    agents.delete(s);
    for (const id of s.rooms) rooms.get(id)?.delete(s);
  });
  socket.on('error', () => socket.terminate());
});
wss.on('listening', () => {
  const address = wss.address();
  if (address && typeof address === 'object') process.stdout.write(`${JSON.stringify({ listening: address.port })}\n`);
});
const inboxTimer = setInterval(flushInbox, INBOX_INTERVAL_MS);

function shutdown(): void {
  clearInterval(inboxTimer);
  for (const client of wss.clients) client.close(1001, 'going away');
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
