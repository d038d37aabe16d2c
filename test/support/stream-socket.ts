/**
 * The HTTP streaming transport (`GET /stream` + `POST /send`, see
 * server/src/gateway/stream.ts) behind the part of the `ws` WebSocket API
 * that {@link ProtoClient} and the chaos participants use: `open`,
 * `message` (one Frame's bytes, binary), `error`, `close` events; `send`,
 * `close`, `terminate`, `readyState`. So every protocol-level suite can run
 * over the fallback unchanged: `ProtoClient.connect('http://host:port/stream')`.
 *
 * Like the widget's stream transport: POSTs leave one at a time (frames
 * keep their order), what is sent while one is in flight goes in the next;
 * a failed POST or an unexpected end of the stream ends the connection (a
 * lost frame is a lost link, as on a socket: the client reconnects and
 * resumes); the GET is reopened every `reopenMs` without losing a record.
 */
import { EventEmitter } from 'node:events';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';

/**
 * Keep-alive agents shared by every stream socket. node:http, not fetch: a
 * fetch costs ~2 ms of CPU here, four times a request of node:http, and the
 * benchmark's load generator is one process.
 */
const agents = { 'http:': new http.Agent({ keepAlive: true, maxFreeSockets: 4096 }), 'https:': new https.Agent({ keepAlive: true, maxFreeSockets: 4096 }) };

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Options of a stream socket. */
export interface StreamSocketOptions {
  /** Extra request headers (Origin, Cookie). */
  readonly headers?: Record<string, string>;
  /** Reopen the GET this often, ms. Default 60000. */
  readonly reopenMs?: number;
}

/** Splits a byte stream into records (4-byte big-endian length, then the bytes). */
export class RecordReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the whole records now complete (zero-length heartbeats included, as empty buffers). */
  push(chunk: Uint8Array): Buffer[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const records: Buffer[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      records.push(this.buffer.subarray(4, 4 + length));
      this.buffer = this.buffer.subarray(4 + length);
    }
    return records;
  }
}

/** One or more frames as a POST body. */
export function encodeRecords(frames: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const frame of frames) {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(frame.byteLength);
    parts.push(header, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }
  return Buffer.concat(parts);
}

export class StreamSocket extends EventEmitter {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  readyState = CONNECTING;
  binaryType = 'nodebuffer';
  /** The server-issued stream id ('' before the first response). */
  id = '';
  /** How many GETs were opened (the first and every reopen). */
  gets = 0;
  /** Requests in flight (aborted when the socket ends). */
  private readonly requests = new Set<ClientRequest>();
  private queue: Uint8Array[] = [];
  private posting = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private readonly base: string;

  /** @param url the server's `/stream` URL, e.g. http://127.0.0.1:8080/stream (a query such as `?auth=session` is kept). */
  constructor(
    private readonly url: string,
    private readonly options: StreamSocketOptions = {},
  ) {
    super();
    const parsed = new URL(url);
    this.base = `${parsed.protocol}//${parsed.host}`;
    void this.run();
  }

  /** Queues a frame; it leaves with the next POST. */
  send(data: Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error('stream socket is not open');
    this.queue.push(data);
    void this.post();
  }

  /** Ends the session: tells the server (best effort) and closes here. */
  close(code = 1000): void {
    if (this.readyState >= CLOSING) return;
    const id = this.id;
    this.finish(code, 'closed by the client');
    if (id) this.request('POST', `/send?id=${encodeURIComponent(id)}&close=1`, undefined, false).then((r) => r.resume(), () => undefined);
  }

  /** Drops the connection abruptly (no word to the server, like a cut socket). */
  terminate(): void {
    this.finish(1006, 'terminated');
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    const wasConnecting = this.readyState === CONNECTING;
    this.readyState = CLOSED;
    clearTimeout(this.reopenTimer);
    for (const request of this.requests) request.destroy();
    this.requests.clear();
    if (wasConnecting) this.emit('error', new Error(reason));
    this.emit('close', code, Buffer.from(reason));
  }

  /** One request; resolves with the response (its body unread). `track`: aborted when the socket ends. */
  private request(method: 'GET' | 'POST', path: string, body?: Uint8Array, track = true): Promise<IncomingMessage> {
    const url = new URL(`${this.base}${path}`);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.options.headers };
      if (body) headers['Content-Length'] = body.byteLength;
      const request = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent: agents[url.protocol as 'http:' | 'https:'] });
      if (track) this.requests.add(request);
      request.on('response', resolve);
      request.on('error', reject);
      request.on('close', () => this.requests.delete(request));
      request.end(body);
    });
  }

  private async get(id: string): Promise<IncomingMessage> {
    const query = id ? `id=${encodeURIComponent(id)}` : new URL(this.url).search.slice(1);
    const response = await this.request('GET', `/stream${query ? `?${query}` : ''}`);
    this.gets += 1;
    if (response.statusCode !== 200) {
      let text = '';
      for await (const chunk of response) text += String(chunk);
      throw new Error(`Unexpected server response: ${response.statusCode} ${text.trim()}`);
    }
    return response;
  }

  /** Reads the stream, and every reopened one after it, to the end of the connection. */
  private async run(): Promise<void> {
    let response: IncomingMessage;
    try {
      response = await this.get('');
    } catch (error) {
      if (this.readyState === CONNECTING) {
        this.readyState = CLOSED;
        this.emit('error', error);
        this.emit('close', 1006, Buffer.from((error as Error).message));
      }
      return;
    }
    this.id = String(response.headers['x-cs-stream'] ?? '');
    this.readyState = OPEN;
    this.emit('open');
    let next: Promise<IncomingMessage> | undefined;
    const scheduleReopen = (): void => {
      this.reopenTimer = setTimeout(() => {
        next = this.get(this.id);
        next.catch(() => undefined);
      }, this.options.reopenMs ?? 60_000);
    };
    scheduleReopen();
    try {
      for (;;) {
        const records = new RecordReader();
        for await (const chunk of response as AsyncIterable<Buffer>) {
          for (const record of records.push(chunk)) {
            if (record.length > 0 && this.readyState === OPEN) this.emit('message', record, true);
          }
        }
        // The end of a GET: the server ended it because our reopen arrived, or the session is over.
        if (!next || !response.complete) throw new Error('the stream ended');
        response = await next;
        next = undefined;
        scheduleReopen();
      }
    } catch {
      this.finish(1006, 'the stream ended');
    }
  }

  /** Sends what is queued, one POST at a time. */
  private async post(): Promise<void> {
    if (this.posting || this.queue.length === 0) return;
    this.posting = true;
    const frames = this.queue;
    this.queue = [];
    try {
      const response = await this.request('POST', `/send?id=${encodeURIComponent(this.id)}`, encodeRecords(frames));
      response.resume();
      await new Promise<void>((resolve, reject) => {
        response.on('end', resolve);
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('aborted')));
      });
      if (response.statusCode !== 204) throw new Error(`POST /send: ${response.statusCode}`);
    } catch {
      this.posting = false;
      this.finish(1006, 'a POST failed');
      return;
    }
    this.posting = false;
    if (this.readyState === OPEN) void this.post();
  }
}
