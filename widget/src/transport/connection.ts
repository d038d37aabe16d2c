/**
 * The WebSocket state machine (DESIGN.md §4): Hello -> Welcome, heartbeat,
 * dead-link detection, reconnect with full-jitter backoff. It knows frames,
 * not conversations: the session feeds it the Hello and takes every frame.
 *
 * Every timer and listener is held as a disposer: `socketDisposers` for the
 * current socket, `disposers` for the connection's life; `teardownSocket()`
 * and `stop()` are the only places that release them.
 */
import { cs } from '../../../proto/gen/chat.js';
import { backoffDelay, backoffOptions } from '../core/index.js';
import { decodeFrame, encodeFrame, type Frame, type FrameInit } from './codec.js';
import { ConnState, type Disposer } from '../core/types.js';
import { loadChunk } from '../chunks.js';
import { FallbackSocket, type FallbackEnv } from './fallback.js';

/** The part of a WebSocket the connection uses; tests inject a fake. */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

/** What the connection needs from the world; every part injectable for tests. */
export interface ConnectionEnv {
  createSocket(url: string): SocketLike;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  /** Uniform in [0, 1). */
  random(): number;
  isOnline(): boolean;
  isHidden(): boolean;
  /** Gets `online` / `offline` events (window). */
  readonly window?: EventTarget;
  /** Gets `visibilitychange` events (document). */
  readonly document?: EventTarget;
}

/** The browser's fallback environment: its WebSocket, localStorage (when allowed), and the stream transport as a lazy chunk. */
function browserFallbackEnv(): FallbackEnv {
  let storage: Storage | undefined;
  try {
    storage = globalThis.localStorage;
  } catch {
    // storage denied (sandboxed frame, blocked third-party storage)
  }
  return {
    createWebSocket: (url) => new WebSocket(url),
    loadStream: () => loadChunk('stream').then((m) => (url: string) => new m.StreamSocket(url)),
    storage,
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id as number),
  };
}

/** The browser's own WebSocket (falling back to HTTP streaming, fallback.ts), clock, timers and events. */
export function browserEnv(): ConnectionEnv {
  return {
    createSocket: (url) => new FallbackSocket(url, browserFallbackEnv()),
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id as number),
    random: Math.random,
    isOnline: () => navigator.onLine !== false,
    isHidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
    window: typeof window === 'undefined' ? undefined : window,
    document: typeof document === 'undefined' ? undefined : document,
  };
}

export interface ConnectionOptions {
  readonly url: string;
  /** Builds the Hello for each new socket (token, cursors ... as they are now). */
  readonly hello: () => cs.v1.Hello.$Properties;
  /** Reconnect backoff base, ms. Default 500. */
  readonly backoffBaseMs?: number;
  /** Reconnect backoff cap, ms. Default 20000. */
  readonly backoffCapMs?: number;
  /** Socket open to Welcome, ms, before giving up on this socket. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Ping interval if the Welcome names none, ms. Default 25000. */
  readonly defaultHeartbeatMs?: number;
}

export interface ConnectionHandlers {
  state(change: { oldState: ConnState; newState: ConnState }): void;
  welcome(welcome: cs.v1.Welcome): void;
  /** Every frame after the Welcome except Pong and Error. */
  frame(frame: Frame): void;
  error(error: cs.v1.Error): void;
}

/** Errors after which reconnecting cannot help. */
const FATAL_CODES: ReadonlySet<number> = new Set([cs.v1.ErrorCode.UNAUTHENTICATED, cs.v1.ErrorCode.UPGRADE_REQUIRED]);
/** Close code of a server shutting down. */
const GOING_AWAY_CLOSE = 1001;
/**
 * After a server shutdown every widget reconnects at once: start the backoff
 * at this attempt so the first delay is spread over [0, base * 2^3].
 */
const GOING_AWAY_ATTEMPT = 3;
const OPEN = 1;

export class Connection {
  private stateValue: ConnState = ConnState.Idle;
  private socket: SocketLike | undefined;
  private attempt = 0;
  private disposers: Disposer[] = [];
  private socketDisposers: Disposer[] = [];
  private reconnectTimer: Disposer | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
    private readonly env: ConnectionEnv = browserEnv(),
  ) {}

  get state(): ConnState {
    return this.stateValue;
  }

  /** Listens to the browser and connects. */
  start(): void {
    if (this.stateValue !== ConnState.Idle) return;
    this.disposers.push(
      listen(this.env.window, 'online', () => this.wake()),
      listen(this.env.window, 'offline', () => this.goOffline()),
      listen(this.env.document, 'visibilitychange', () => {
        if (!this.env.isHidden() && this.stateValue === ConnState.Waiting) this.wake();
      }),
    );
    this.connect();
  }

  /** Closes the socket, every timer and listener. */
  stop(): void {
    this.teardownSocket();
    this.cancelReconnect();
    for (const dispose of this.disposers.splice(0)) dispose();
    this.setState(ConnState.Idle);
  }

  /** Drops the socket and connects again now with a fresh Hello (new token, topic, identity). */
  restart(): void {
    this.teardownSocket();
    this.cancelReconnect();
    this.attempt = 0;
    if (this.disposers.length === 0) this.start();
    else this.connect();
  }

  /** Sends a frame on the open socket. False when there is none (the caller keeps what matters). */
  send(frame: FrameInit): boolean {
    if (this.stateValue !== ConnState.Open || this.socket?.readyState !== OPEN) return false;
    this.socket.send(encodeFrame(frame));
    return true;
  }

  private setState(newState: ConnState): void {
    const oldState = this.stateValue;
    if (oldState === newState) return;
    this.stateValue = newState;
    this.handlers.state({ oldState, newState });
  }

  private connect(): void {
    this.cancelReconnect();
    if (!this.env.isOnline()) {
      this.setState(ConnState.Offline);
      return;
    }
    this.setState(ConnState.Connecting);
    let socket: SocketLike;
    try {
      socket = this.env.createSocket(this.options.url);
    } catch {
      this.lost();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => socket.send(encodeFrame({ hello: this.options.hello() }));
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onclose = (ev) => this.closed(ev.code);
    socket.onerror = () => undefined; // a close event always follows
    this.socketDisposers.push(this.timer(this.options.connectTimeoutMs ?? 10000, () => this.dead()));
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const decoded = decodeFrame(data);
    if (!decoded.ok) return; // garbage from the server is dropped, never thrown out of the handler
    const frame = decoded.frame;
    this.alive = true;
    switch (frame.body) {
      case 'welcome':
        return this.welcomed(frame.welcome as cs.v1.Welcome);
      case 'pong':
        return;
      case 'error':
        return this.errored(frame.error as cs.v1.Error);
      default:
        if (this.stateValue === ConnState.Open) this.handlers.frame(frame);
    }
  }

  private alive = true;

  private welcomed(welcome: cs.v1.Welcome): void {
    for (const dispose of this.socketDisposers.splice(0)) dispose(); // the connect timeout
    this.attempt = 0;
    this.setState(ConnState.Open);
    this.heartbeat(welcome.heartbeatMs || this.options.defaultHeartbeatMs || 25000);
    this.handlers.welcome(welcome);
  }

  /** Pings every `ms`; a whole interval without any frame (a Pong or other) means a dead link. */
  private heartbeat(ms: number): void {
    this.alive = true;
    const tick = (): void => {
      if (!this.alive) return this.dead();
      this.alive = false;
      this.send({ ping: { timeMs: this.env.now() } });
      this.socketDisposers.push(this.timer(ms, tick));
    };
    this.socketDisposers.push(this.timer(ms, tick));
  }

  private errored(error: cs.v1.Error): void {
    this.handlers.error(error);
    if (FATAL_CODES.has(error.code)) {
      this.teardownSocket();
      this.setState(ConnState.Failed);
    } else if (error.code === cs.v1.ErrorCode.GOING_AWAY) {
      this.teardownSocket();
      this.lost(GOING_AWAY_ATTEMPT);
    }
  }

  private closed(code: number): void {
    this.teardownSocket();
    if (this.stateValue === ConnState.Failed || this.stateValue === ConnState.Idle) return;
    this.lost(code === GOING_AWAY_CLOSE ? GOING_AWAY_ATTEMPT : 0);
  }

  /** The link is dead (no Welcome in time, no frame for a heartbeat): close it and reconnect. */
  private dead(): void {
    this.teardownSocket();
    this.lost();
  }

  private lost(minAttempt = 0): void {
    if (!this.env.isOnline()) {
      this.setState(ConnState.Offline);
      return;
    }
    this.attempt = Math.max(this.attempt, minAttempt);
    const delay = backoffDelay(this.attempt++, backoffOptions(this.options.backoffBaseMs, this.options.backoffCapMs), this.env.random);
    this.setState(ConnState.Waiting);
    this.cancelReconnect();
    this.reconnectTimer = this.timer(delay, () => this.connect());
  }

  /** `online`, or a hidden tab became visible: reconnect now instead of waiting out the backoff. */
  private wake(): void {
    if (this.stateValue === ConnState.Offline || this.stateValue === ConnState.Waiting) this.connect();
  }

  private goOffline(): void {
    if (this.stateValue === ConnState.Idle || this.stateValue === ConnState.Failed) return;
    this.teardownSocket();
    this.cancelReconnect();
    this.setState(ConnState.Offline);
  }

  private cancelReconnect(): void {
    this.reconnectTimer?.();
    this.reconnectTimer = undefined;
  }

  private teardownSocket(): void {
    for (const dispose of this.socketDisposers.splice(0)) dispose();
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(1000);
    } catch {
      // already closed
    }
  }

  private timer(ms: number, fn: () => void): Disposer {
    const id = this.env.setTimeout(fn, ms);
    return () => this.env.clearTimeout(id);
  }
}

function listen(target: EventTarget | undefined, type: string, fn: () => void): Disposer {
  target?.addEventListener(type, fn);
  return () => target?.removeEventListener(type, fn);
}
