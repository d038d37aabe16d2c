/**
 * The HTTP streaming transport (issue 17) as a `SocketLike`, so the
 * connection state machine, the session and the delivery contract run over
 * it unchanged: `GET /stream` (fetch-readable, records of a 4-byte
 * big-endian length and one Frame; a zero length is a heartbeat) down,
 * `POST /send` (records) up. The server's side is server/src/gateway/stream.ts.
 *
 * - The stream id comes in the first response's `X-CS-Stream` header.
 * - POSTs leave one at a time, so frames keep their order; what is sent
 *   while one is in flight goes in the next. A POST that fails is a lost
 *   link, as a broken socket is: the socket closes, the connection
 *   reconnects with backoff and resumes by cursor, the outbox resends.
 * - About every minute (`reopenMs`, jittered) a new GET opens with the id;
 *   the server then ends the old one, which is read to its end first, so
 *   nothing is lost or read twice. Any other end of a GET closes the socket.
 *
 * Loaded only when WebSocket fails or was remembered as failing (fallback.ts).
 */
import type { SocketLike } from './connection.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** Close code of a link lost without a close frame (as a browser WebSocket reports it). */
const ABNORMAL = 1006;

/** Options of a {@link StreamSocket}. */
export interface StreamSocketOptions {
  /** Reopen the GET about this often, ms (±20 %). Default 60000. */
  readonly reopenMs?: number;
}

export class StreamSocket implements SocketLike {
  binaryType: BinaryType = 'arraybuffer';
  readyState = CONNECTING;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  private id = '';
  private readonly aborter = new AbortController();
  private queue: Uint8Array[] = [];
  private posting = false;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly base: string;
  private readonly query: string;

  /** @param url the server's `/stream` URL (http or https; `?auth=session` is kept for the first GET). */
  constructor(
    url: string,
    private readonly options: StreamSocketOptions = {},
  ) {
    const parsed = new URL(url);
    this.base = `${parsed.origin}${parsed.pathname.replace(/\/stream$/, '')}`;
    this.query = parsed.search;
    void this.run();
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== OPEN) return;
    this.queue.push(data);
    void this.post();
  }

  /** Closes here and tells the server (best effort, survives the page's unload). */
  close(code = 1000): void {
    if (this.readyState === CLOSED) return;
    if (this.id) fetch(`${this.base}/send?id=${this.id}&close=1`, { method: 'POST', keepalive: true }).catch(() => undefined);
    this.finish(code);
  }

  private finish(code: number): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearTimeout(this.reopenTimer);
    this.aborter.abort();
    this.onclose?.(new CloseEvent('close', { code, wasClean: code !== ABNORMAL }));
  }

  private async get(query: string): Promise<Response> {
    const response = await fetch(`${this.base}/stream${query}`, { cache: 'no-store', signal: this.aborter.signal });
    if (!response.ok || !response.body) throw new Error(`GET /stream: ${response.status}`);
    return response;
  }

  /** Reads the stream, and each reopened one after it, until the link ends. */
  private async run(): Promise<void> {
    let next: Promise<Response> | undefined;
    try {
      let response = await this.get(this.query);
      this.id = encodeURIComponent(response.headers.get('X-CS-Stream') ?? '');
      if (!this.id) throw new Error('no stream id');
      this.readyState = OPEN;
      this.onopen?.(new Event('open'));
      for (;;) {
        const ms = (this.options.reopenMs ?? 60_000) * (0.8 + Math.random() * 0.4);
        this.reopenTimer = setTimeout(() => {
          next = this.get(`?id=${this.id}`);
          next.catch(() => undefined);
        }, ms);
        await this.read(response.body!);
        // The server ended this GET: because our reopen arrived (read on), or the session is over.
        clearTimeout(this.reopenTimer);
        if (!next) throw new Error('the stream ended');
        response = await next;
        next = undefined;
      }
    } catch {
      this.finish(ABNORMAL);
    }
  }

  /** Reads one GET's records to its end. */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    let buffer: Uint8Array = new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer = buffer.length === 0 ? value : concat(buffer, value);
      let at = 0;
      while (buffer.length - at >= 4) {
        const length = new DataView(buffer.buffer, buffer.byteOffset + at, 4).getUint32(0);
        if (buffer.length - at - 4 < length) break;
        // A copy: the frame outlives this chunk (the codec decodes an ArrayBuffer).
        const frame = buffer.slice(at + 4, at + 4 + length).buffer;
        at += 4 + length;
        if (length > 0 && this.readyState === OPEN) this.onmessage?.(new MessageEvent('message', { data: frame }));
      }
      buffer = buffer.subarray(at);
    }
  }

  /** Sends what is queued, one POST at a time. */
  private async post(): Promise<void> {
    if (this.posting || this.queue.length === 0) return;
    this.posting = true;
    const frames = this.queue;
    this.queue = [];
    let size = 0;
    for (const frame of frames) size += 4 + frame.length;
    const body = new Uint8Array(size);
    let at = 0;
    for (const frame of frames) {
      new DataView(body.buffer).setUint32(at, frame.length);
      body.set(frame, at + 4);
      at += 4 + frame.length;
    }
    try {
      // No Content-Type: a "simple" request, no CORS preflight.
      const response = await fetch(`${this.base}/send?id=${this.id}`, { method: 'POST', body, signal: this.aborter.signal });
      if (!response.ok) throw new Error(`POST /send: ${response.status}`);
    } catch {
      this.posting = false;
      this.finish(ABNORMAL);
      return;
    }
    this.posting = false;
    void this.post();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
