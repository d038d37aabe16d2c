/**
 * A protocol-level test client for the cs-chat server: speaks protobuf
 * `Frame`s over a real WebSocket (the `ws` package), records every frame it
 * receives, and offers promise helpers for the usual steps. Used by the
 * server, journal, chaos, fuzz and bench suites.
 *
 * @example
 * const visitor = await ProtoClient.connect(server.wsUrl);
 * const welcome = await visitor.hello({ site: 'acme' });
 * const ack = await visitor.send({ text: 'hi' });
 * const deliver = await agent.waitFor((f) => f.deliver?.messages?.[0]?.clientMsgId === ack.clientMsgId);
 * await visitor.close();
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { cs } from '../../proto/gen/chat.js';
import { StreamSocket } from './stream-socket.js';

/** Options of {@link ProtoClient.connect}. */
export interface ConnectOptions {
  /** Origin header to send (browsers always send one). Default: none. */
  readonly origin?: string;
  /** Extra HTTP headers of the upgrade request. */
  readonly headers?: Record<string, string>;
  /** Give up connecting after this long, ms. Default 5000. */
  readonly timeoutMs?: number;
  /** HTTP streams: reopen the GET this often, ms. Default 60000. */
  readonly reopenMs?: number;
}

/** How a socket ended. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** An Error frame received instead of the awaited answer. */
export class ServerError extends Error {
  readonly type = 'ServerError';
  constructor(readonly frame: cs.v1.Error) {
    super(`${cs.v1.ErrorCode[frame.code ?? 0] ?? frame.code}: ${frame.message ?? ''}`);
    this.name = 'ServerError';
  }
}

/** Waiting for a frame took too long. */
export class WaitTimeoutError extends Error {
  readonly type = 'WaitTimeout';
  constructor(what: string, timeoutMs: number) {
    super(`no ${what} within ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
  }
}

/** A fresh 128-bit client message id (base64url). */
export function newClientMsgId(): string {
  return randomBytes(16).toString('base64url');
}

/** Default wait for any single answer, ms. */
const DEFAULT_TIMEOUT_MS = 5000;

interface Waiter {
  readonly predicate: (frame: cs.v1.Frame) => boolean;
  readonly resolve: (frame: cs.v1.Frame) => void;
}

export class ProtoClient {
  /** Every frame received, in arrival order. */
  readonly frames: cs.v1.Frame[] = [];
  /** Resolves when the socket closes. */
  readonly closed: Promise<CloseInfo>;
  /** The Welcome, once `hello` succeeded. */
  welcome: cs.v1.Welcome | undefined;
  private readonly waiters = new Set<Waiter>();

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const frame = cs.v1.Frame.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(frame)) {
          this.waiters.delete(waiter);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    });
  }

  /**
   * Opens a WebSocket to `url` (the server's `/ws`), or, for an http(s) URL
   * (the server's `/stream`), an HTTP stream session that behaves like one
   * (test/support/stream-socket.ts).
   * @throws Error with the HTTP status (e.g. "Unexpected server response: 403") when the upgrade is refused.
   */
  static connect(url: string, options: ConnectOptions = {}): Promise<ProtoClient> {
    const headers = { ...(options.headers ?? {}) };
    if (options.origin) headers.Origin = options.origin;
    // The stream socket has the part of ws's WebSocket this client and its users touch (events, send, close, terminate, readyState).
    const socket = /^https?:/.test(url)
      ? (new StreamSocket(url, { headers, reopenMs: options.reopenMs }) as unknown as WebSocket)
      : new WebSocket(url, { headers, handshakeTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new ProtoClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and says Hello in one step; resolves with the client after Welcome. */
  static async open(url: string, hello: cs.v1.Hello.$Properties = {}, options: ConnectOptions = {}): Promise<ProtoClient> {
    const client = await ProtoClient.connect(url, options);
    await client.hello(hello);
    return client;
  }

  /** Sends one frame. */
  sendFrame(frame: cs.v1.Frame.$Properties): void {
    this.socket.send(cs.v1.Frame.encode(frame).finish());
  }

  /** Sends raw bytes as one binary message (fuzzing, malformed frames). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  /**
   * Sends Hello and resolves with the Welcome.
   * @throws ServerError when the server answers with an Error frame instead.
   */
  async hello(hello: cs.v1.Hello.$Properties = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<cs.v1.Welcome> {
    const start = this.frames.length;
    this.sendFrame({ hello: { platform: 'test', appVersion: '0.0.0', coreLevel: 20261201, deviceId: newClientMsgId(), ...hello } });
    const frame = await this.waitFor((f) => !!f.welcome || !!f.error, { timeoutMs, since: start, what: 'Welcome' });
    if (frame.error) throw new ServerError(frame.error as cs.v1.Error);
    this.welcome = frame.welcome as cs.v1.Welcome;
    return this.welcome;
  }

  /** The visitor's primary conversation id from the Welcome ('' before it). */
  get conversationId(): string {
    return this.welcome?.conversations?.[0]?.id ?? '';
  }

  /**
   * Sends a message and resolves with its Ack (OK, DUPLICATE or REJECTED: check `status`).
   * Fills `clientMsgId` (fresh) and `conversationId` (the primary one) when not given.
   */
  async send(send: cs.v1.Send.$Properties, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<cs.v1.Ack> {
    const clientMsgId = send.clientMsgId ?? newClientMsgId();
    const start = this.frames.length;
    this.sendFrame({ send: { conversationId: this.conversationId, ...send, clientMsgId } });
    const frame = await this.waitFor((f) => f.ack?.clientMsgId === clientMsgId, { timeoutMs, since: start, what: `Ack of ${clientMsgId}` });
    return frame.ack as cs.v1.Ack;
  }

  /** Sends a Sync and resolves with its SyncResult. @throws ServerError on an Error about that conversation. */
  async sync(sync: cs.v1.Sync.$Properties, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<cs.v1.SyncResult> {
    const conversationId = sync.conversationId ?? this.conversationId;
    const start = this.frames.length;
    this.sendFrame({ sync: { ...sync, conversationId } });
    const frame = await this.waitFor(
      (f) => f.syncResult?.conversationId === conversationId || (!!f.error && f.error.ref === conversationId),
      { timeoutMs, since: start, what: 'SyncResult' },
    );
    if (frame.error) throw new ServerError(frame.error as cs.v1.Error);
    return frame.syncResult as cs.v1.SyncResult;
  }

  /**
   * Resolves with the first frame matching `predicate`, looking first at
   * frames already received from index `since` (default: all of them), then
   * at new ones.
   * @throws WaitTimeoutError after `timeoutMs` (default 5000).
   */
  waitFor(
    predicate: (frame: cs.v1.Frame) => boolean,
    { timeoutMs = DEFAULT_TIMEOUT_MS, since = 0, what = 'matching frame' }: { timeoutMs?: number; since?: number; what?: string } = {},
  ): Promise<cs.v1.Frame> {
    const seen = this.frames.slice(since).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new WaitTimeoutError(what, timeoutMs));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves with the next Error frame received from now on. */
  nextError(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<cs.v1.Error> {
    return this.waitFor((f) => !!f.error, { timeoutMs, since: this.frames.length, what: 'Error' }).then((f) => f.error as cs.v1.Error);
  }

  /** Index to pass as `since` to only consider frames received after this moment. */
  mark(): number {
    return this.frames.length;
  }

  /** Every message received in Deliver frames (optionally for one conversation), in arrival order. */
  delivered(conversationId?: string): cs.v1.Message[] {
    const all = this.frames.flatMap((f) => (f.deliver?.messages ?? []) as cs.v1.Message[]);
    return conversationId ? all.filter((m) => m.conversationId === conversationId) : all;
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Closes the socket (code 1000) and resolves once it is closed. */
  async close(): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    return this.closed;
  }
}
