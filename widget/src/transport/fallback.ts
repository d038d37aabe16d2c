/**
 * WebSocket first, HTTP streaming when it cannot get through (issue 17):
 * one `SocketLike` per connection attempt that opens a WebSocket and, when
 * it does not open within `openTimeoutMs` or fails before opening (a proxy
 * that refuses or strips the upgrade), closes it and opens the streaming
 * transport instead (stream-socket.ts, loaded only then). The connection
 * state machine, its full-jitter reconnect and the whole delivery contract
 * above it do not know which one carries the frames. One transport at a
 * time: the WebSocket is closed before the stream opens.
 *
 * What worked is remembered for the day (localStorage), so the next page
 * view starts on it: a visitor behind such a proxy waits for the WebSocket
 * once a day, not on every page. While on the stream, a WebSocket is tried
 * in the background now and then (`probeEveryMs`); once one opens, the
 * next connection starts on WebSocket again.
 */
import type { SocketLike } from './connection.js';

/** Makes the streaming transport's socket for a `/stream` URL. */
export type StreamFactory = (url: string) => SocketLike;

/** What the fallback needs from the world; all injectable for tests. */
export interface FallbackEnv {
  createWebSocket(url: string): SocketLike;
  /** Loads the streaming transport (a lazy chunk in the bundles). */
  loadStream(): Promise<StreamFactory>;
  /** Where the choice of the day is kept; undefined: nowhere (each attempt starts on WebSocket). */
  readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Tuning of the fallback. */
export interface FallbackOptions {
  /** A WebSocket not open after this long counts as blocked, ms. Default 3000. */
  readonly openTimeoutMs?: number;
  /** On the stream, try a WebSocket in the background at most this often, ms. Default 600000 (10 min). */
  readonly probeEveryMs?: number;
}

/** The localStorage key of the remembered transport. */
export const TRANSPORT_KEY = 'cs-chat:transport';

/** What is kept: the transport that worked, the day (UTC) it did, when a WebSocket was last tried. */
interface Remembered {
  t: 'ws' | 'stream';
  d: string;
  p: number;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The `/stream` URL beside a `/ws` URL (ws -> http, wss -> https; the query is kept). */
export function streamUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = url.pathname.replace(/\/ws$/, '/stream');
  return url.toString();
}

function recall(env: FallbackEnv): Remembered | undefined {
  try {
    const kept = JSON.parse(env.storage?.getItem(TRANSPORT_KEY) ?? 'null') as Remembered | null;
    return kept && kept.d === day(env.now()) ? kept : undefined;
  } catch {
    return undefined;
  }
}

function remember(env: FallbackEnv, t: Remembered['t'], probed?: number): void {
  try {
    env.storage?.setItem(TRANSPORT_KEY, JSON.stringify({ t, d: day(env.now()), p: probed ?? recall(env)?.p ?? 0 }));
  } catch {
    // storage full or denied: the choice is simply not remembered
  }
}

export class FallbackSocket implements SocketLike {
  binaryType: BinaryType = 'arraybuffer';
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  /** Which transport this attempt ended up on (tests, diagnostics). */
  transport: 'ws' | 'stream' = 'ws';
  private inner: SocketLike | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly env: FallbackEnv,
    private readonly options: FallbackOptions = {},
  ) {
    if (recall(env)?.t === 'stream') this.openStream(false);
    else this.openWebSocket();
  }

  get readyState(): number {
    return this.inner?.readyState ?? 0;
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    this.inner?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.closed = true;
    this.inner?.close(code, reason);
  }

  private openWebSocket(): void {
    const ws = (this.inner = this.env.createWebSocket(this.url));
    ws.binaryType = 'arraybuffer';
    let opened = false;
    const giveUp = (): void => {
      this.env.clearTimeout(timer);
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // never opened
      }
      this.openStream(true);
    };
    const timer = this.env.setTimeout(() => opened || giveUp(), this.options.openTimeoutMs ?? 3000);
    ws.onopen = (ev) => {
      opened = true;
      this.env.clearTimeout(timer);
      remember(this.env, 'ws');
      this.onopen?.(ev);
    };
    ws.onmessage = (ev) => this.onmessage?.(ev);
    ws.onclose = (ev) => (opened ? this.onclose?.(ev) : giveUp());
    ws.onerror = () => undefined; // a close event always follows
  }

  /** @param afterWebSocket a WebSocket just failed (that counts as this period's probe). */
  private openStream(afterWebSocket: boolean): void {
    if (this.closed) return;
    this.transport = 'stream';
    this.env.loadStream().then(
      (create) => {
        if (this.closed) return;
        const stream = (this.inner = create(streamUrl(this.url)));
        stream.onopen = (ev) => {
          if (afterWebSocket) remember(this.env, 'stream', this.env.now());
          else this.probe();
          this.onopen?.(ev);
        };
        stream.onmessage = (ev) => this.onmessage?.(ev);
        stream.onclose = (ev) => this.onclose?.(ev);
      },
      () => this.onclose?.(new CloseEvent('close', { code: 1006 })),
    );
  }

  /** Now and then, a WebSocket in the background: when it opens, the next connection starts on it. */
  private probe(): void {
    const now = this.env.now();
    if (now - (recall(this.env)?.p ?? 0) < (this.options.probeEveryMs ?? 600_000)) return;
    remember(this.env, 'stream', now);
    const ws = this.env.createWebSocket(this.url);
    const timer = this.env.setTimeout(() => ws.close(), this.options.openTimeoutMs ?? 3000);
    ws.onopen = () => {
      this.env.clearTimeout(timer);
      remember(this.env, 'ws', now);
      ws.close(1000);
    };
    ws.onclose = () => this.env.clearTimeout(timer);
  }
}
