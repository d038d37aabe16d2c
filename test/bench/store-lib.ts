/**
 * Shared parts of the store benchmarks (`npm run bench -- soak`, `-- abuse`):
 * the built server as a child process on its own data directory, a lean
 * protobuf client that keeps no frames (so the generator's memory stays
 * flat over minutes), and latency figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { cs } from '../../proto/gen/chat.js';
import { newMessageId } from '../../widget/src/core/ids.js';
import { rssBytes } from './lib/proc.js';
import { repoRoot } from './lib/targets.js';

export const BENCH_SECRET = 'store-bench-secret-0123456789';

/** The built server as a child process. */
export interface ServerChild {
  readonly pid: number;
  readonly port: number;
  readonly wsUrl: string;
  readonly url: string;
  /** Milliseconds from spawn to the first /healthz 200. */
  readonly startMs: number;
  rssMiB(): number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts dist/server/main.js on `dataDir` and resolves once /healthz answers 200. */
export async function startServer(dataDir: string, env: Record<string, string>): Promise<ServerChild> {
  const entry = join(repoRoot, 'dist/server/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const started = performance.now();
  // BENCH_SERVER_NODE_FLAGS (space-separated), as in the main bench: more node flags for the server, e.g. --cpu-prof.
  const flags = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...flags, entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CS_SECRET: BENCH_SECRET, CS_DATA_DIR: dataDir, CS_LOG_LEVEL: 'warn', CS_BOT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 60 s:\n${log}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /running on http:\/\/[^:]+:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    void exited.then(() => fail(new Error(`server exited before listening:\n${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - started;
  const pid = child.pid ?? 0;
  return {
    pid,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    startMs,
    rssMiB: () => rssBytes(pid) / 1024 / 1024,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Bytes of the store's files (cs-chat.db and its WAL). */
export function storeBytes(dataDir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dataDir)) if (name.startsWith('cs-chat.db')) bytes += statSync(join(dataDir, name)).size;
  return bytes;
}

/** A protobuf client that tracks only its pending sends. */
export class LeanClient {
  welcome: cs.v1.Welcome | undefined;
  error: cs.v1.Error | undefined;
  private readonly pending = new Map<string, { sentAt: number; done: (ack: cs.v1.Ack, ms: number) => void }>();
  private welcomed: (() => void) | undefined;
  private failed: ((error: Error) => void) | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => {
      const frame = cs.v1.Frame.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.welcome) {
        this.welcome = frame.welcome as cs.v1.Welcome;
        this.welcomed?.();
      } else if (frame.ack) {
        const waiter = this.pending.get(frame.ack.clientMsgId ?? '');
        if (waiter) {
          this.pending.delete(frame.ack.clientMsgId ?? '');
          waiter.done(frame.ack as cs.v1.Ack, performance.now() - waiter.sentAt);
        }
      } else if (frame.error) {
        this.error = frame.error as cs.v1.Error;
        if (!this.welcome) this.failed?.(new Error(`${cs.v1.ErrorCode[frame.error.code ?? 0]}: ${frame.error.message}`));
      }
    });
    socket.on('close', () => {
      this.failed?.(new Error('closed'));
      for (const waiter of this.pending.values()) waiter.done(cs.v1.Ack.create({ status: cs.v1.AckStatus.REJECTED, reason: 'closed' }), performance.now() - waiter.sentAt);
      this.pending.clear();
    });
  }

  /** Connects and says Hello; rejects with the Error frame's text when refused. */
  static async open(url: string, hello: cs.v1.Hello.$Properties, localAddress?: string): Promise<LeanClient> {
    const socket = new WebSocket(url, { localAddress, perMessageDeflate: false });
    const client = new LeanClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const ready = new Promise<void>((resolve, reject) => {
      client.welcomed = resolve;
      client.failed = reject;
    });
    socket.send(cs.v1.Frame.encode({ hello: { coreLevel: 99_999_999, platform: 'bench', deviceId: randomBytes(8).toString('hex'), ...hello } }).finish());
    try {
      await ready;
    } catch (error) {
      socket.terminate();
      throw error;
    }
    return client;
  }

  get conversationId(): string {
    return this.welcome?.conversations?.[0]?.id ?? '';
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one message; resolves with its Ack and the send→ack time, ms. */
  send(text: string, conversationId = this.conversationId): Promise<{ ack: cs.v1.Ack; ms: number }> {
    // Made as the widget and the workbench make them: the dedup index's writes depend on their order.
    const clientMsgId = newMessageId();
    return new Promise((resolve) => {
      this.pending.set(clientMsgId, { sentAt: performance.now(), done: (ack, ms) => resolve({ ack, ms }) });
      if (this.socket.readyState !== WebSocket.OPEN) {
        this.pending.delete(clientMsgId);
        resolve({ ack: cs.v1.Ack.create({ status: cs.v1.AckStatus.REJECTED, reason: 'closed' }), ms: 0 });
        return;
      }
      this.socket.send(cs.v1.Frame.encode({ send: { clientMsgId, conversationId, text } }).finish());
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

/** p50 / p99 / max of latencies, ms. */
export function latency(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

/** A change with its sign, one decimal: "+0.5", "-2.7", "0" (a "+" written before a formatted figure printed "+-2.7"). */
export function signedChange(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
}

/**
 * p99 of each of `windows` equal consecutive parts of a window's latencies
 * (acks in arrival order at a fixed rate: equal parts are about equal
 * stretches of time), and their median. One window's p99 moves between runs
 * by more than the effects the soak looks for (see soak.ts's header), so
 * the comparison of fresh and full is between these spreads,
 * not between two single figures.
 */
export function windowP99s(samples: number[], windows: number): { p99s: number[]; median: number } {
  if (!Number.isInteger(windows) || windows < 1) throw new RangeError(`windows must be a whole number of at least 1, not ${windows}`);
  const size = Math.floor(samples.length / windows);
  if (size === 0) return { p99s: [], median: NaN };
  const p99s = Array.from({ length: windows }, (_, i) => latency(samples.slice(i * size, (i + 1) * size)).p99);
  const sorted = [...p99s].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100;
  return { p99s, median };
}

/** The machine's load average line (the bench shares its cores). */
export async function machineLoad(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile('/proc/loadavg', 'utf8')).trim();
}
