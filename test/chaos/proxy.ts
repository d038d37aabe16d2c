/**
 * A loopback TCP proxy in front of the server that makes the network hostile:
 * it forwards bytes both ways, holds some chunks back for a random delay
 * (order kept), and kills connections at random or on demand.
 *
 * Why "drop" means "kill the connection": a WebSocket is a framed byte
 * stream over TCP. Dropping bytes inside it would only corrupt the framing
 * (the peer reads garbage lengths), which no real network does: TCP either
 * delivers every byte in order or the connection dies. So a dropped frame is
 * modelled the way it shows up in real life: the connection dies mid-stream,
 * with whatever was in flight lost, and the client must reconnect, resume by
 * cursor and resend its outbox.
 *
 * Only WebSocket upgrades (`GET /ws`) and the HTTP streaming fallback's
 * connections (`GET /stream`, `POST /send`) get chaos; page loads and the
 * widget bundle pass straight through, so a page reload fails only when the
 * server itself is down. With `refuseUpgrades` the proxy answers every
 * WebSocket upgrade 502 without passing it on, as proxies that break
 * WebSocket do, so clients must use the fallback.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Chaos knobs of a {@link ChaosProxy}. */
export interface ChaosOptions {
  /** Chance that one forwarded chunk is held back, 0..1. Default 0.2. */
  readonly delayChance: number;
  /** Longest hold-back of one chunk, ms. Default 250. */
  readonly maxDelayMs: number;
  /** Chance that a forwarded chunk kills its connection instead ("drop"), 0..1. Default 0.002. */
  readonly killChance: number;
  /** Refuse every WebSocket upgrade (502), so only the HTTP streaming fallback gets through. Default false. */
  readonly refuseUpgrades: boolean;
  /**
   * Chance that a `POST /send` is lost: its request dies before reaching the
   * server, or (the same chance again) its answer dies on the way back after
   * the server served it, 0..1. Default 0.03.
   */
  readonly postLossChance: number;
}

const DEFAULTS: ChaosOptions = { delayChance: 0.2, maxDelayMs: 250, killChance: 0.002, refuseUpgrades: false, postLossChance: 0.03 };

/** The first bytes of a request the chaos applies to: a WebSocket upgrade, or the streaming fallback's GET and POST. */
const CHAOTIC = /^(GET \/ws[ ?]|GET \/stream[ ?]|POST \/send[ ?])/;

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Gets chaos: a WebSocket, or a connection of the streaming fallback (named before the fallback existed). */
  websocket: boolean;
}

export class ChaosProxy {
  /** Connections killed by the proxy (random drops and `cutRandom`). */
  cuts = 0;
  /** Chunks held back. */
  delayed = 0;
  /** POSTs of the streaming fallback killed before the server saw them, or whose answer was killed. */
  postsLost = 0;
  private readonly server: Server;
  private readonly links = new Set<Link>();
  private readonly options: ChaosOptions;
  private chaos = true;

  private constructor(private targetPort: number, options: Partial<ChaosOptions>) {
    this.options = { ...DEFAULTS, ...options };
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts a proxy on 127.0.0.1 (ephemeral port) forwarding to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, options: Partial<ChaosOptions> = {}): Promise<ChaosProxy> {
    const proxy = new ChaosProxy(targetPort, options);
    await new Promise<void>((done, fail) => {
      proxy.server.once('error', fail);
      proxy.server.listen(0, '127.0.0.1', () => done());
    });
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Where new connections go (the server got a new port after a restart). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  /** Turns delays and random kills on or off (off for the quiet period). */
  setChaos(on: boolean): void {
    this.chaos = on;
  }

  /** Open connections through the proxy that get chaos (WebSockets, streams, POSTs). */
  get websockets(): number {
    return [...this.links].filter((l) => l.websocket).length;
  }

  /** Kills one random open chaos connection (an abrupt cut: no close frame). Returns false when none is open. */
  cutRandom(): boolean {
    const open = [...this.links].filter((l) => l.websocket);
    const link = open[Math.floor(Math.random() * open.length)];
    if (!link) return false;
    this.kill(link);
    return true;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  /** With chaos on, kills `link` with the POST loss chance; true when it did. */
  private losePost(link: Link): boolean {
    if (!this.chaos || Math.random() >= this.options.postLossChance) return false;
    this.postsLost += 1;
    this.kill(link);
    return true;
  }

  private kill(link: Link): void {
    if (!this.links.delete(link)) return;
    this.cuts += 1;
    // resetAndDestroy sends RST where possible: the peers see an abrupt loss, not a clean FIN.
    link.client.resetAndDestroy();
    link.upstream.resetAndDestroy();
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    const link: Link = { client, upstream, websocket: false };
    this.links.add(link);
    const drop = (): void => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    let first = true;
    this.pipe(link, client, upstream, (chunk) => {
      const head = chunk.subarray(0, 16).toString('latin1');
      if (first) {
        first = false;
        link.websocket = CHAOTIC.test(head);
        if (this.options.refuseUpgrades && /^upgrade:\s*websocket/im.test(chunk.toString('latin1'))) {
          this.links.delete(link);
          upstream.destroy();
          client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 27\r\nConnection: close\r\n\r\nWebSocket is not supported\n');
          return false;
        }
      }
      return !(head.startsWith('POST /send') && this.losePost(link));
    });
    // A 204 is the answer of a POST /send the server has served: losing it tests the resend path (answered DUPLICATE).
    this.pipe(link, upstream, client, (chunk) => !(chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 204' && this.losePost(link)));
  }

  /**
   * Forwards `from` -> `to`. With chaos on, a WebSocket chunk may kill the
   * link, or be held back; a held chunk holds every later one behind it (one
   * queue per direction, release times never decrease), so bytes keep their order.
   */
  private pipe(link: Link, from: Socket, to: Socket, inspect: (chunk: Buffer) => boolean): void {
    const queue: { chunk: Buffer; at: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (this.links.has(link)) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(pump, queue[0]!.at - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (!inspect(chunk) || !this.links.has(link)) return;
      const chaos = this.chaos && link.websocket;
      if (chaos && Math.random() < this.options.killChance) return this.kill(link);
      const hold = chaos && Math.random() < this.options.delayChance ? Math.random() * this.options.maxDelayMs : 0;
      if (hold === 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      if (hold > 0) this.delayed += 1;
      const last = queue.length > 0 ? queue[queue.length - 1]!.at : 0;
      queue.push({ chunk, at: Math.max(last, Date.now() + hold) });
      if (!timer) timer = setTimeout(pump, Math.max(0, queue[0]!.at - Date.now()));
    });
    from.on('close', () => clearTimeout(timer));
  }
}
