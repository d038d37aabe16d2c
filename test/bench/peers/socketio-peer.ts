/**
 * Benchmark peer: the chat most Node tutorials build — Socket.IO 4, JSON
 * payloads, ack callbacks, one room per conversation — with the same
 * semantics as our server (see chat-state.ts).
 *
 * Events (client -> server): `hello` (Hello, ack(Welcome | {error})),
 * `send` (Send, ack(Ack)), `subscribe` (conversationId), `received`
 * (Received), `sync` (Sync, ack(SyncResult)). Server -> client: `deliver`
 * ({messages}), `sync_result` (resume answers after `hello`),
 * `inbox_batch` ({updates}, to agents whose hello set `inboxBatch`) or
 * `inbox_update` (see `InboxMode` in chat-state.ts). Field names as in proto/chat.proto, camelCased.
 *
 * Run: `PORT=0 CS_SECRET=x node --import tsx test/bench/peers/socketio-peer.ts`;
 * prints `{"listening":<port>}` on stdout when ready.
 */
import { createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { ChatState, chunked, INBOX_BATCH_MAX, INBOX_INTERVAL_MS, InboxMode, inboxMode, inboxUpdateOf, PeerRole, peerSettings, type Identity } from './chat-state.js';

const { port, host, secret } = peerSettings();
const state = new ChatState(secret);
const mode = inboxMode();
/** Every agent session; and the agents that take InboxBatch (Hello.inbox_batch) or single InboxUpdates. */
const AGENTS_ROOM = '#agents';
const BATCH_AGENTS_ROOM = '#agents:b';
const SINGLE_AGENTS_ROOM = '#agents:u';

interface HelloIn {
  token?: string;
  site?: string;
  topic?: string;
  coreLevel?: number;
  inboxBatch?: boolean;
  cursors?: { conversationId: string; epoch: string; seq: number }[];
}
interface SendIn {
  clientMsgId?: string;
  conversationId?: string;
  kind?: number;
  text?: string;
  quoteSeq?: number;
}
type Reply = (answer: unknown) => void;

interface SocketData {
  who: Identity | undefined;
}

function reply(cb: unknown): Reply {
  return typeof cb === 'function' ? (cb as Reply) : () => undefined;
}

const http = createServer((_req, res) => {
  res.writeHead(404).end();
});
const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(http, {
  perMessageDeflate: false,
  maxHttpBufferSize: 64 * 1024,
  serveClient: false,
});

function onHello(socket: Socket, hello: HelloIn, cb: Reply): void {
  if (socket.data.who) return cb({ error: { code: 2, message: 'second Hello', fatal: true } });
  const who = state.authenticate(typeof hello?.token === 'string' ? hello.token : '');
  if (!who) {
    cb({ error: { code: 3, message: 'bad token', fatal: true } });
    socket.disconnect(true);
    return;
  }
  socket.data.who = who;
  const { welcome, primary } = state.welcome(who, hello);
  if (primary) void socket.join(primary.id);
  else void socket.join([AGENTS_ROOM, hello.inboxBatch === true ? BATCH_AGENTS_ROOM : SINGLE_AGENTS_ROOM]);
  cb({ welcome });
  for (const cursor of Array.isArray(hello.cursors) ? hello.cursors : []) {
    const conv = state.conversations.get(String(cursor.conversationId));
    if (!conv || !state.mayAccess(who, conv)) continue;
    const { messages, hasMore } = state.after(conv, cursor.epoch === conv.epoch ? Number(cursor.seq) || 0 : 0);
    socket.emit('sync_result', { conversationId: conv.id, epoch: conv.epoch, messages, hasMore });
  }
}

function onSend(socket: Socket, who: Identity, send: SendIn, cb: Reply): void {
  const conversationId = String(send?.conversationId ?? '');
  const clientMsgId = String(send?.clientMsgId ?? '');
  const r = state.store(who, conversationId, clientMsgId, Number(send?.kind) || 0, String(send?.text ?? ''), Number(send?.quoteSeq) || 0);
  if (!r.ok) return cb({ clientMsgId, conversationId, status: 2, reason: r.reason });
  cb({ clientMsgId, conversationId, seq: r.seq, serverTimeMs: Date.now(), status: r.duplicate ? 1 : 0 });
  if (!r.message) return;
  socket.to(conversationId).emit('deliver', { messages: [r.message] });
  if (mode === InboxMode.PerMessage) io.to(AGENTS_ROOM).except(conversationId).emit('inbox_update', inboxUpdateOf(state.conversations.get(conversationId)!));
}

io.on('connection', (socket) => {
  socket.data.who = undefined;
  socket.on('hello', (hello: HelloIn, cb: unknown) => onHello(socket, hello ?? {}, reply(cb)));
  socket.on('send', (send: SendIn, cb: unknown) => {
    const who = socket.data.who;
    if (!who) return reply(cb)({ error: { code: 2, message: 'Hello first', fatal: true } });
    onSend(socket, who, send, reply(cb));
  });
  socket.on('subscribe', (conversationId: unknown) => {
    const who = socket.data.who;
    if (!who || who.role !== PeerRole.Agent || !state.conversations.has(String(conversationId))) return;
    void socket.join(String(conversationId));
  });
  socket.on('received', () => {
    // Cursor kept by the client's ack; a peer without server-side re-push has nothing to do.
  });
  socket.on('sync', (sync: { conversationId?: string; afterSeq?: number; limit?: number }, cb: unknown) => {
    const who = socket.data.who;
    const conv = state.conversations.get(String(sync?.conversationId ?? ''));
    if (!who || !conv || !state.mayAccess(who, conv)) return reply(cb)({ error: { code: 4, message: 'forbidden' } });
    const { messages, hasMore } = state.after(conv, Number(sync.afterSeq) || 0, Number(sync.limit) || undefined);
    reply(cb)({ conversationId: conv.id, epoch: conv.epoch, messages, hasMore });
  });
});

/** Coalesced notices (see InboxMode): one per changed conversation per interval for every agent; a room broadcast encodes once. */
const inboxTimer = setInterval(() => {
  const changed = state.takeDirty();
  if (mode !== InboxMode.Coalesced || changed.length === 0) return;
  const updates = changed.map(inboxUpdateOf);
  for (const chunk of chunked(updates, INBOX_BATCH_MAX)) io.to(BATCH_AGENTS_ROOM).emit('inbox_batch', { updates: chunk });
  for (const update of updates) io.to(SINGLE_AGENTS_ROOM).emit('inbox_update', update);
}, INBOX_INTERVAL_MS);

http.listen(port, host, () => {
  const address = http.address();
  if (address && typeof address === 'object') process.stdout.write(`${JSON.stringify({ listening: address.port })}\n`);
});

function shutdown(): void {
  clearInterval(inboxTimer);
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
