/**
 * One HTTP stream session as a `Connection` (session.ts): what the socket
 * code does with a uWS WebSocket, it does with this. Downstream frames go
 * to the open `GET /stream` response as length-prefixed records (see
 * stream.ts for the wire format); upstream frames arrive by `POST /send`.
 *
 * Between two GETs (the client reopens about every minute, or after a cut)
 * frames wait in a queue; the queue and what uWS holds of the open response
 * are the connection's buffered amount, bounded like a socket's: past
 * `maxBackpressureBytes` a frame is dropped, the session marked `behind`,
 * and once it drains it gets Error RESYNC (DESIGN.md §3.10).
 */
import type { HttpResponse, RecognizedString, TemplatedApp } from 'uWebSockets.js';
import type { Connection, SocketData } from './session.js';

/** The record of an empty heartbeat: a zero length. */
const HEARTBEAT = new Uint8Array(4);

/** The 4-byte big-endian length prefix of a record of `length` bytes. */
export function recordHeader(length: number): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, length);
  return header;
}

/**
 * The streams subscribed to each pub/sub topic. uWS's own topics reach only
 * WebSockets, so the outbound publishes to these too; with no stream
 * subscribed to anything (`size` 0) that costs one comparison per publish.
 */
export class StreamTopics {
  private readonly byTopic = new Map<string, Set<StreamConnection>>();

  /** How many topics have a stream subscribed. */
  get size(): number {
    return this.byTopic.size;
  }

  add(topic: string, stream: StreamConnection): void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(stream);
  }

  remove(topic: string, stream: StreamConnection): void {
    const set = this.byTopic.get(topic);
    if (!set?.delete(stream)) return;
    if (set.size === 0) this.byTopic.delete(topic);
  }

  /** Streams subscribed to `topic`. */
  count(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  /** Sends encoded bytes to every stream on `topic` except `except` (the publisher). */
  publish(topic: string, bytes: Uint8Array, except: Connection | undefined): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    for (const stream of set) if (stream !== except) stream.send(bytes);
  }
}

/** What a stream connection is wired to. */
export interface StreamWiring {
  readonly app: TemplatedApp;
  readonly topics: StreamTopics;
  /** Bytes buffered past which frames are dropped (the socket's maxBackpressure). */
  readonly maxBackpressureBytes: number;
  /** Its buffer drained after backpressure (the socket's `drain`). */
  drained(stream: StreamConnection): void;
  /** It closed (the socket's `close`); called once. */
  closed(stream: StreamConnection): void;
  now(): number;
}

export class StreamConnection implements Connection {
  /** The open `GET /stream` response frames go to; undefined between two GETs. */
  private res: HttpResponse | undefined;
  /** Records not yet handed to uWS (no GET open, backpressure, or corked). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes of the last write uWS could not send at once (until `onWritable`). */
  private held = 0;
  private corks = 0;
  /** A flush is queued for the end of this turn (every send of one turn leaves as one chunk). */
  private flushQueued = false;
  private readonly topics = new Set<string>();
  private readonly address: ArrayBuffer;
  /** True once closed: sends are dropped, the id is forgotten. */
  closing = false;
  /** When the last GET ended (or the stream began), ms: with none open for `streamIdleMs` the session expires. */
  noReaderSinceMs: number;
  /** When the last POST came, ms (the socket's idle timeout counts the same way). */
  lastPostMs: number;
  /** When a record was last written to the open GET, ms (heartbeats fill silences). */
  lastWriteMs: number;

  constructor(
    /** The stream id, server-issued and unguessable (18 random bytes). */
    readonly id: string,
    private readonly data: SocketData,
    private readonly wiring: StreamWiring,
  ) {
    this.address = new TextEncoder().encode(data.session.ip).buffer as ArrayBuffer;
    this.noReaderSinceMs = this.lastPostMs = this.lastWriteMs = wiring.now();
  }

  /** True while a `GET /stream` is open. */
  get reading(): boolean {
    return this.res !== undefined;
  }

  getUserData(): SocketData {
    return this.data;
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return this.address;
  }

  /**
   * Takes a new `GET /stream` response; a previous one ends (everything
   * written to it stays before everything written here, so a client that
   * reads the old one to its end and then the new one misses nothing and
   * sees nothing twice). `writeHead` writes the status and headers.
   */
  attach(res: HttpResponse, writeHead: (res: HttpResponse) => void): void {
    const previous = this.res;
    this.res = undefined;
    if (previous) previous.cork(() => previous.end());
    this.res = res;
    this.held = 0;
    res.onAborted(() => {
      if (this.res !== res) return;
      this.res = undefined;
      this.held = 0;
      this.noReaderSinceMs = this.wiring.now();
    });
    res.onWritable(() => {
      if (this.res !== res) return true;
      this.held = 0;
      // uWS drains what it holds only on a write: an empty record when nothing else waits.
      if (this.pendingBytes === 0) this.queue(HEARTBEAT);
      this.flush();
      if (this.getBufferedAmount() === 0) this.wiring.drained(this);
      return true;
    });
    // The first record (a heartbeat) makes uWS send the headers now, so the client's fetch resolves.
    res.cork(() => {
      writeHead(res);
      res.write(HEARTBEAT);
    });
    this.lastWriteMs = this.wiring.now();
    this.flush();
    if (this.getBufferedAmount() === 0) this.wiring.drained(this);
  }

  /** Writes a heartbeat record when the open GET was silent for `silentMs`. */
  heartbeat(silentMs: number): void {
    if (!this.res || this.held > 0 || this.wiring.now() - this.lastWriteMs < silentMs) return;
    this.queue(HEARTBEAT);
    this.flush();
  }

  private queue(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
  }

  /** 1 queued (it leaves at the end of this turn), 2 dropped (past the backpressure bound: the session is marked behind). */
  send(message: RecognizedString): number {
    if (this.closing) return 2;
    if (this.getBufferedAmount() > this.wiring.maxBackpressureBytes) {
      this.data.session.behind = true;
      return 2;
    }
    const bytes = toBytes(message);
    this.queue(recordHeader(bytes.byteLength));
    this.queue(bytes);
    // Corked until the end of this turn: a fan-out of many frames (inbox notices, a resume) costs one write, not one each.
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
    return 1;
  }

  getBufferedAmount(): number {
    return this.pendingBytes + this.held;
  }

  cork(cb: () => void): this {
    this.corks++;
    try {
      cb();
    } finally {
      this.corks--;
      this.flush();
    }
    return this;
  }

  subscribe(topic: RecognizedString): boolean {
    if (this.closing || typeof topic !== 'string') return false;
    this.topics.add(topic);
    this.wiring.topics.add(topic, this);
    return true;
  }

  unsubscribe(topic: RecognizedString): boolean {
    if (typeof topic !== 'string' || !this.topics.delete(topic)) return false;
    this.wiring.topics.remove(topic, this);
    return true;
  }

  /** To the topic's WebSocket subscribers (the outbound adds the streams, skipping this one). */
  publish(topic: RecognizedString, message: RecognizedString, isBinary?: boolean): boolean {
    return this.wiring.app.publish(topic, message, isBinary);
  }

  /**
   * Closes the session: what is queued goes out, the open GET ends, the id
   * is forgotten. The close code has no wire form on a stream: the Error
   * frame sent before a close (always, for a server-side close) says why.
   */
  end(): void {
    if (this.closing) return;
    this.closing = true;
    const res = this.res;
    this.res = undefined;
    if (res) {
      const rest = this.take();
      res.cork(() => {
        if (rest) res.write(rest);
        res.end();
      });
    }
    this.pending = [];
    this.pendingBytes = 0;
    for (const topic of this.topics) this.wiring.topics.remove(topic, this);
    this.topics.clear();
    this.wiring.closed(this);
  }

  /** Hands the queue to uWS, unless corked, unread or backpressured. */
  private flush(): void {
    const res = this.res;
    if (this.corks > 0 || !res || this.held > 0 || this.pendingBytes === 0) return;
    const chunk = this.take()!;
    let ok = true;
    res.cork(() => {
      ok = res.write(chunk);
    });
    this.lastWriteMs = this.wiring.now();
    if (!ok) this.held = chunk.byteLength;
  }

  /** Empties the queue into one chunk (undefined when empty). */
  private take(): Uint8Array | undefined {
    if (this.pendingBytes === 0) return undefined;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return chunk;
  }
}

function toBytes(message: RecognizedString): Uint8Array {
  if (typeof message === 'string') return new TextEncoder().encode(message);
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
}
