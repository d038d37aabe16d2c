/**
 * Lean protocol clients for the load generator: one for the protobuf Frame
 * protocol over `ws` (our server and the ws peer) and one for the Socket.IO
 * peer's JSON events. Both expose the same small surface so a scenario does
 * not care which server it drives. Lean on purpose: the generator must not
 * be the bottleneck, so no outbox, no retries — the scenarios count what the
 * server answers.
 */
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import protobuf from 'protobufjs/minimal.js';
import { cs } from '../../../proto/gen/chat.js';

/** Which wire protocol a server speaks. */
export const Wire = { Proto: 'proto', SocketIo: 'socketio' } as const;
export type Wire = (typeof Wire)[keyof typeof Wire];

export interface ConvRef {
  id: string;
  epoch: string;
  lastSeq: number;
}

export interface WelcomeInfo {
  userId: string;
  token: string;
  conversations: ConvRef[];
}

export interface DeliveredMessage {
  conversationId: string;
  seq: number;
  clientMsgId: string;
}

export interface ClientHandlers {
  /** status: 0 OK, 1 DUPLICATE, 2 REJECTED. */
  onAck?(clientMsgId: string, seq: number, status: number): void;
  onDeliver?(messages: DeliveredMessage[]): void;
  onSyncResult?(conversationId: string, messages: DeliveredMessage[]): void;
  /** One inbox frame arrived carrying `updates` InboxUpdates (1, or an InboxBatch's count). */
  onInboxUpdate?(updates: number): void;
  onClose?(): void;
}

export interface HelloInput {
  token: string;
  site?: string;
  topic?: string;
  cursors?: { conversationId: string; epoch: string; seq: number }[];
  /** A merchant-verified visitor (user id + hex HMAC-SHA256 signature). */
  identity?: { userId: string; signature: string };
}

export interface BenchClient {
  hello(input: HelloInput): Promise<WelcomeInfo>;
  send(conversationId: string, clientMsgId: string, text: string): void;
  subscribe(conversationId: string): void;
  received(conversationId: string, upToSeq: number): void;
  close(): void;
}

export interface ConnectOptions {
  wire: Wire;
  /** ws://127.0.0.1:port/ws for proto; http://127.0.0.1:port for Socket.IO. */
  url: string;
  /** Source address in 127.0.0.0/8 (past the ephemeral port range of one address). */
  localAddress?: string;
  /** Give up connecting after this long, ms. Default 10000. */
  timeoutMs?: number;
}

/** Release level the bench clients announce (above any minimum the server sets). */
export const BENCH_CORE_LEVEL = 99_999_999;

export function connect(opts: ConnectOptions, handlers: ClientHandlers): Promise<BenchClient> {
  return opts.wire === Wire.Proto ? connectProto(opts, handlers) : connectSocketIo(opts, handlers);
}

function convRefs(list: readonly cs.v1.Conversation.$Properties[] | undefined): ConvRef[] {
  return (list ?? []).map((c) => ({ id: c.id ?? '', epoch: c.epoch ?? '', lastSeq: c.lastSeq ?? 0 }));
}

/** Frame field numbers of the inbox notices (proto/chat.proto: Frame.inbox_update, Frame.inbox_batch). */
const FRAME_INBOX_UPDATE = 11;
const FRAME_INBOX_BATCH = 21;

const FRAME_ACK = 4;
const FRAME_DELIVER = 5;
const LENGTH_DELIMITED = 2;

/**
 * The InboxUpdates an inbox frame carries (1, or an InboxBatch's count, read
 * by skipping over each entry), or -1 when `data` is another frame. The
 * generator only counts notices, and decoding a batch of 200 into objects
 * every second per agent made bursts of work in the generator that showed up
 * as server latency (issue 16).
 */
export function inboxCount(data: Uint8Array): number {
  const reader = protobuf.Reader.create(data);
  if (reader.len === 0) return -1;
  const tag = reader.uint32();
  if (tag >>> 3 === FRAME_INBOX_UPDATE) return 1;
  if (tag >>> 3 !== FRAME_INBOX_BATCH) return -1;
  const end = reader.uint32() + reader.pos;
  let count = 0;
  while (reader.pos < end) {
    const field = reader.uint32();
    if (field >>> 3 === 1) count++;
    reader.skipType(field & 7);
  }
  return count;
}

/** Calls `each(field, wireType)` for every field up to `end`; `each` reads the value or returns false to have it skipped. */
function fields(reader: protobuf.Reader, end: number, each: (field: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!each(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
}

/**
 * Handles the frames of the load itself — Ack, Deliver, inbox notices — by
 * reading only the fields the bench uses (proto/chat.proto numbers) instead
 * of decoding whole frames into objects: the generator shares the 2 cores
 * with the server, and its own garbage collection pauses were measured as
 * server latency. Returns false for any other frame (decoded normally).
 */
export function skimFrame(data: Uint8Array, handlers: ClientHandlers): boolean {
  if (data.length === 0) return false;
  const reader = protobuf.Reader.create(data);
  const tag = reader.uint32();
  const body = tag >>> 3;
  if ((tag & 7) !== LENGTH_DELIMITED) return false;
  if (body === FRAME_INBOX_UPDATE || body === FRAME_INBOX_BATCH) {
    if (!handlers.onInboxUpdate) return true;
    handlers.onInboxUpdate(inboxCount(data));
    return true;
  }
  if (body === FRAME_ACK) {
    const end = reader.uint32() + reader.pos;
    let clientMsgId = '';
    let seq = 0;
    let status = 0;
    fields(reader, end, (field, wire) => {
      if (field === 1 && wire === LENGTH_DELIMITED) clientMsgId = reader.string();
      else if (field === 3 && wire === 0) seq = reader.uint32();
      else if (field === 5 && wire === 0) status = reader.int32();
      else return false;
      return true;
    });
    handlers.onAck?.(clientMsgId, seq, status);
    return true;
  }
  if (body === FRAME_DELIVER) {
    const end = reader.uint32() + reader.pos;
    const messages: DeliveredMessage[] = [];
    fields(reader, end, (field, wire) => {
      if (field !== 1 || wire !== LENGTH_DELIMITED) return false;
      const message: DeliveredMessage = { conversationId: '', seq: 0, clientMsgId: '' };
      fields(reader, reader.uint32() + reader.pos, (f, w) => {
        if (f === 1 && w === LENGTH_DELIMITED) message.conversationId = reader.string();
        else if (f === 2 && w === 0) message.seq = reader.uint32();
        else if (f === 3 && w === LENGTH_DELIMITED) message.clientMsgId = reader.string();
        else return false;
        return true;
      });
      messages.push(message);
      return true;
    });
    handlers.onDeliver?.(messages);
    return true;
  }
  return false;
}

/** A Send frame's bytes per (conversation, text), with a placeholder id and where its bytes are. */
const sendTemplates = new Map<string, { bytes: Uint8Array; idAt: number }>();
const ID_PLACEHOLDER = '#'.repeat(32);

/**
 * The encoded Send frame of a text message: protobufjs encodes it once per
 * conversation and text, each send copies those bytes and writes its
 * 32-character client id in place (the generator sends tens of thousands a
 * second on the cores the server runs on). Other id lengths are encoded
 * normally.
 */
export function sendFrame(conversationId: string, clientMsgId: string, text: string): Uint8Array {
  const encode = (id: string): Uint8Array => cs.v1.Frame.encode({ send: { conversationId, clientMsgId: id, text, kind: cs.v1.MessageKind.TEXT } }).finish();
  if (clientMsgId.length !== ID_PLACEHOLDER.length || Buffer.byteLength(clientMsgId) !== clientMsgId.length) return encode(clientMsgId);
  const key = `${conversationId}\n${text}`;
  let template = sendTemplates.get(key);
  if (!template) {
    const bytes = encode(ID_PLACEHOLDER);
    template = { bytes, idAt: Buffer.from(bytes).indexOf(ID_PLACEHOLDER, 0, 'latin1') };
    sendTemplates.set(key, template);
  }
  const frame = Buffer.allocUnsafe(template.bytes.length);
  frame.set(template.bytes);
  frame.write(clientMsgId, template.idAt, 'latin1');
  return frame;
}

function connectProto(opts: ConnectOptions, handlers: ClientHandlers): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(opts.url, { localAddress: opts.localAddress, perMessageDeflate: false, handshakeTimeout: opts.timeoutMs ?? 10_000 });
    let welcome: ((w: WelcomeInfo) => void) | undefined;
    let refuse: ((e: Error) => void) | undefined;
    const out = (frame: cs.v1.Frame.$Properties): void => {
      if (socket.readyState === WebSocket.OPEN) socket.send(cs.v1.Frame.encode(frame).finish());
    };
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => {
      // The frames of the load itself are skimmed for what the bench counts, not decoded (see skimFrame).
      if (skimFrame(data, handlers)) return;
      const f = cs.v1.Frame.decode(data);
      switch (f.body) {
        case 'ack': {
          const a = f.ack!;
          handlers.onAck?.(a.clientMsgId ?? '', a.seq ?? 0, a.status ?? 0);
          return;
        }
        case 'deliver':
          handlers.onDeliver?.((f.deliver!.messages ?? []) as DeliveredMessage[]);
          return;
        case 'syncResult':
          handlers.onSyncResult?.(f.syncResult!.conversationId ?? '', (f.syncResult!.messages ?? []) as DeliveredMessage[]);
          return;
        case 'inboxUpdate':
          handlers.onInboxUpdate?.(1);
          return;
        case 'inboxBatch':
          handlers.onInboxUpdate?.(f.inboxBatch!.updates?.length ?? 0);
          return;
        case 'welcome': {
          const w = f.welcome!;
          welcome?.({ userId: w.userId ?? '', token: w.token ?? '', conversations: convRefs(w.conversations ?? undefined) });
          return;
        }
        case 'error':
          if (f.error!.fatal) refuse?.(new Error(`server error ${f.error!.code}: ${f.error!.message}`));
          return;
        default:
          return;
      }
    });
    socket.on('error', (e) => {
      reject(e);
      refuse?.(e);
    });
    socket.on('close', () => {
      refuse?.(new Error('closed before Welcome'));
      handlers.onClose?.();
    });
    socket.on('open', () =>
      resolve({
        hello: (input) =>
          new Promise<WelcomeInfo>((ok, no) => {
            welcome = (w) => {
              welcome = undefined;
              refuse = undefined;
              ok(w);
            };
            refuse = no;
            out({
              hello: {
                token: input.token,
                deviceId: 'bench',
                platform: 'bench',
                appVersion: '0',
                coreLevel: BENCH_CORE_LEVEL,
                site: input.site ?? '',
                topic: input.topic ?? '',
                cursors: input.cursors ?? [],
                identity: input.identity,
                // As the workbench does: take inbox notices as one InboxBatch per interval.
                inboxBatch: true,
              },
            });
          }),
        send: (conversationId, clientMsgId, text) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(sendFrame(conversationId, clientMsgId, text));
        },
        subscribe: (conversationId) => out({ subscribe: { conversationId } }),
        received: (conversationId, upToSeq) => out({ received: { conversationId, upToSeq } }),
        close: () => socket.terminate(),
      }),
    );
  });
}

interface SioAck {
  clientMsgId: string;
  seq?: number;
  status?: number;
}
interface SioWelcome {
  welcome?: { userId: string; token: string; conversations: ConvRef[] };
  error?: { message: string };
}

function connectSocketIo(opts: ConnectOptions, handlers: ClientHandlers): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = ioClient(opts.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: opts.timeoutMs ?? 10_000,
      localAddress: opts.localAddress,
    } as Parameters<typeof ioClient>[1] & { localAddress?: string });
    socket.on('deliver', (d: { messages: DeliveredMessage[] }) => handlers.onDeliver?.(d.messages));
    socket.on('sync_result', (r: { conversationId: string; messages: DeliveredMessage[] }) => handlers.onSyncResult?.(r.conversationId, r.messages));
    socket.on('inbox_update', () => handlers.onInboxUpdate?.(1));
    socket.on('inbox_batch', (b: { updates?: unknown[] }) => handlers.onInboxUpdate?.(b.updates?.length ?? 0));
    socket.on('connect_error', (e) => reject(e));
    socket.on('disconnect', () => handlers.onClose?.());
    socket.on('connect', () =>
      resolve({
        hello: (input) =>
          new Promise<WelcomeInfo>((ok, no) => {
            socket.emit('hello', { ...input, coreLevel: BENCH_CORE_LEVEL, platform: 'bench', inboxBatch: true }, (r: SioWelcome) => {
              if (r.welcome) ok(r.welcome);
              else no(new Error(r.error?.message ?? 'no welcome'));
            });
            socket.once('disconnect', () => no(new Error('closed before Welcome')));
          }),
        send: (conversationId, clientMsgId, text) =>
          socket.emit('send', { conversationId, clientMsgId, text, kind: 0 }, (a: SioAck) => handlers.onAck?.(a.clientMsgId, a.seq ?? 0, a.status ?? 0)),
        subscribe: (conversationId) => socket.emit('subscribe', conversationId),
        received: (conversationId, upToSeq) => socket.emit('received', { conversationId, upToSeq }),
        close: () => socket.disconnect(),
      }),
    );
  });
}
