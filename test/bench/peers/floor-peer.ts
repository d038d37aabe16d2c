/**
 * The floor server (issue 16): the least a server on our stack (uWebSockets.js
 * + protobufjs) can do per message while keeping the bench's protocol — seq,
 * dedup, keep the message in an array, Ack, one encoded Deliver published to
 * the conversation's topic, and coalesced inbox notices (one InboxBatch frame
 * per interval for every agent that asks, one encoding for all of them). No
 * journal, no metrics, no re-push, no receipts, no limits: the yardstick for
 * "how close is ours to the limit of its own stack", never a product.
 *
 * Run: `PORT=0 CS_SECRET=x node --import tsx test/bench/peers/floor-peer.ts`;
 * prints `{"listening":<port>}` on stdout when ready.
 */
import uWS from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import { ChatState, chunked, INBOX_BATCH_MAX, INBOX_INTERVAL_MS, inboxUpdateOf, PeerRole, peerSettings, type Identity } from './chat-state.js';

const { port, host, secret } = peerSettings();
const state = new ChatState(secret);
const INBOX_BATCH_TOPIC = 'inbox:b';
const INBOX_UPDATES_TOPIC = 'inbox:u';

interface Data {
  who: Identity | undefined;
}

const encode = (frame: cs.v1.Frame.$Properties): Uint8Array => cs.v1.Frame.encode(frame).finish();
const topicOf = (conversationId: string): string => `c:${conversationId}`;

function onHello(ws: uWS.WebSocket<Data>, hello: cs.v1.Hello): void {
  const who = state.authenticate(hello.token);
  if (!who) {
    ws.send(encode({ error: { code: cs.v1.ErrorCode.UNAUTHENTICATED, message: 'bad token', fatal: true } }), true);
    ws.end(1008, 'bad token');
    return;
  }
  ws.getUserData().who = who;
  const { welcome, primary } = state.welcome(who, hello);
  if (primary) ws.subscribe(topicOf(primary.id));
  else ws.subscribe(hello.inboxBatch ? INBOX_BATCH_TOPIC : INBOX_UPDATES_TOPIC);
  ws.send(encode({ welcome }), true);
  for (const cursor of hello.cursors) {
    const conv = state.conversations.get(cursor.conversationId ?? '');
    if (!conv || !state.mayAccess(who, conv)) continue;
    const { messages, hasMore } = state.after(conv, cursor.epoch === conv.epoch ? (cursor.seq ?? 0) : 0);
    ws.send(encode({ syncResult: { conversationId: conv.id, epoch: conv.epoch, messages, hasMore } }), true);
  }
}

function onSend(ws: uWS.WebSocket<Data>, who: Identity, send: cs.v1.Send): void {
  const r = state.store(who, send.conversationId, send.clientMsgId, send.kind, send.text, send.quoteSeq);
  if (!r.ok) {
    ws.send(encode({ ack: { clientMsgId: send.clientMsgId, conversationId: send.conversationId, status: cs.v1.AckStatus.REJECTED, reason: r.reason } }), true);
    return;
  }
  const status = r.duplicate ? cs.v1.AckStatus.DUPLICATE : cs.v1.AckStatus.OK;
  ws.cork(() => {
    ws.send(encode({ ack: { clientMsgId: send.clientMsgId, conversationId: send.conversationId, seq: r.seq, serverTimeMs: Date.now(), status } }), true);
    if (r.message) ws.publish(topicOf(send.conversationId), encode({ deliver: { messages: [r.message] } }), true);
  });
}

const app = uWS.App();
app.ws<Data>('/ws', {
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 1 << 20,
  idleTimeout: 60,
  upgrade: (res, req, context) => {
    res.upgrade<Data>({ who: undefined }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  message: (ws, message) => {
    let frame: cs.v1.Frame;
    try {
      frame = cs.v1.Frame.decode(new Uint8Array(message));
    } catch {
      ws.send(encode({ error: { code: cs.v1.ErrorCode.BAD_FRAME, message: 'not a Frame' } }), true);
      return;
    }
    const who = ws.getUserData().who;
    if (frame.body === 'hello') return onHello(ws, frame.hello as cs.v1.Hello);
    if (!who) return;
    switch (frame.body) {
      case 'send':
        return onSend(ws, who, frame.send as cs.v1.Send);
      case 'subscribe': {
        const conv = state.conversations.get(frame.subscribe!.conversationId ?? '');
        if (conv && who.role === PeerRole.Agent) ws.subscribe(topicOf(conv.id));
        return;
      }
      case 'sync': {
        const sync = frame.sync as cs.v1.Sync;
        const conv = state.conversations.get(sync.conversationId);
        if (!conv || !state.mayAccess(who, conv)) return;
        const { messages, hasMore } = state.after(conv, sync.afterSeq, sync.limit || undefined);
        ws.send(encode({ syncResult: { conversationId: conv.id, epoch: conv.epoch, messages, hasMore } }), true);
        return;
      }
      case 'ping':
        ws.send(encode({ pong: { timeMs: frame.ping!.timeMs ?? 0 } }), true);
        return;
      default:
        return; // received, read, typing: the floor keeps no cursors
    }
  },
});

/** Coalesced notices: one InboxUpdate per changed conversation per interval, published once per form. */
const inboxTimer = setInterval(() => {
  const changed = state.takeDirty();
  if (changed.length === 0) return;
  const updates = changed.map(inboxUpdateOf);
  if (app.numSubscribers(INBOX_BATCH_TOPIC) > 0) for (const chunk of chunked(updates, INBOX_BATCH_MAX)) app.publish(INBOX_BATCH_TOPIC, encode({ inboxBatch: { updates: chunk } }), true);
  if (app.numSubscribers(INBOX_UPDATES_TOPIC) > 0) for (const inboxUpdate of updates) app.publish(INBOX_UPDATES_TOPIC, encode({ inboxUpdate }), true);
}, INBOX_INTERVAL_MS);

let listenSocket: uWS.us_listen_socket | undefined;
app.listen(host, port, (socket) => {
  if (!socket) {
    process.stderr.write(`floor: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  listenSocket = socket;
  process.stdout.write(`${JSON.stringify({ listening: uWS.us_socket_local_port(socket) })}\n`);
});

function shutdown(): void {
  clearInterval(inboxTimer);
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  setTimeout(() => process.exit(0), 100).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
