/**
 * The servers under test, each started as its own child process on a
 * loopback port: ours (the built dist/server/main.js, journal off and on)
 * and the two peers. Every child runs through a shell wrapper that raises
 * the open-files limit as far as the hard limit allows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wire } from './clients.js';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const ourServerEntry = join(repoRoot, 'dist', 'server', 'main.js');
/** At least 16 characters, as the server demands. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef';
/** Identity key (CS_IDENTITY_SECRET) of the benchmarked server: identify signatures are made with it. */
export const BENCH_IDENTITY_SECRET = 'bench-identity-0123456789abcdef';
export const HOST = '127.0.0.1';

export const TargetName = {
  Ours: 'ours',
  OursJournal: 'ours+journal',
  /** uWS + protobufjs doing only seq, dedup, keep, Ack, one Deliver publish, coalesced inbox batches (issue 16's yardstick). */
  Floor: 'floor',
  Ws: 'ws-peer',
  SocketIo: 'socketio-peer',
  /** Labelled extras: the peers sending one InboxUpdate per message to every other agent (PEER_INBOX=per-message). */
  WsPerMessage: 'ws-peer+per-msg-inbox',
  SocketIoPerMessage: 'socketio-peer+per-msg-inbox',
} as const;
export type TargetName = (typeof TargetName)[keyof typeof TargetName];

export interface TargetSpec {
  readonly name: TargetName;
  readonly wire: Wire;
}

export const TARGETS: Record<TargetName, TargetSpec> = {
  ours: { name: TargetName.Ours, wire: Wire.Proto },
  'ours+journal': { name: TargetName.OursJournal, wire: Wire.Proto },
  floor: { name: TargetName.Floor, wire: Wire.Proto },
  'ws-peer': { name: TargetName.Ws, wire: Wire.Proto },
  'socketio-peer': { name: TargetName.SocketIo, wire: Wire.SocketIo },
  'ws-peer+per-msg-inbox': { name: TargetName.WsPerMessage, wire: Wire.Proto },
  'socketio-peer+per-msg-inbox': { name: TargetName.SocketIoPerMessage, wire: Wire.SocketIo },
};

/**
 * Settings for our server under load: rate limit and per-IP connection limit
 * lifted (the generator is one IP sending thousands of frames a second), no
 * greeting bot, quiet logs. Names per server/src/main.ts.
 */
export const OURS_BENCH_ENV: Record<string, string> = {
  CS_RATE_BURST: '1000000',
  CS_RATE_PER_SECOND: '1000000',
  CS_MAX_CONNECTIONS_PER_IP: '1000000',
  CS_NEW_VISITORS_PER_IP_MINUTE: '100000000',
  CS_VISITOR_BYTES_PER_HOUR: '100000000000',
  CS_BOT: 'off',
  CS_LOG_LEVEL: 'info',
};

export interface RunningServer {
  readonly spec: TargetSpec;
  readonly pid: number;
  readonly port: number;
  /** What a client connects to. */
  readonly url: string;
  /** Everything the server printed (for the native/fallback line). */
  readonly output: () => string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a port (the reconnect storm restarts on the same one). */
  port?: number;
  /** Run node with --cpu-prof into this folder. */
  cpuProfDir?: string;
  /** Journal folder for ours+journal (made in tmp if not given). */
  dataDir?: string;
  /** More node flags for the server (e.g. --trace-gc while looking for a stall). */
  nodeFlags?: string[];
}

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((ok, no) => {
    const srv = createServer();
    srv.on('error', no);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const sock = createConnection({ host: HOST, port });
    sock.once('connect', () => {
      sock.destroy();
      ok(true);
    });
    sock.once('error', () => ok(false));
  });
}

async function waitListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output().slice(-2000)}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port} within 20 s:\n${output().slice(-2000)}`);
}

function command(spec: TargetSpec, opts: StartOptions): string[] {
  // BENCH_SERVER_NODE_FLAGS (space-separated): more node flags for every server started, e.g. --cpu-prof for the latency runs too.
  const extra = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const prof = [...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...(opts.nodeFlags ?? []), ...extra];
  switch (spec.name) {
    case TargetName.Ours:
    case TargetName.OursJournal:
      return ['node', ...prof, ourServerEntry];
    case TargetName.Floor:
      return ['node', '--import', 'tsx', ...prof, join(repoRoot, 'test/bench/peers/floor-peer.ts')];
    case TargetName.Ws:
    case TargetName.WsPerMessage:
      return ['node', '--import', 'tsx', ...prof, join(repoRoot, 'test/bench/peers/ws-peer.ts')];
    case TargetName.SocketIo:
    case TargetName.SocketIoPerMessage:
      return ['node', '--import', 'tsx', ...prof, join(repoRoot, 'test/bench/peers/socketio-peer.ts')];
  }
}

/** Starts one server and waits until its port accepts connections. */
export async function startTarget(spec: TargetSpec, opts: StartOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PORT: String(port), HOST, CS_SECRET: BENCH_SECRET, CS_IDENTITY_SECRET: BENCH_IDENTITY_SECRET, NODE_ENV: 'production' };
  if (spec.name === TargetName.WsPerMessage || spec.name === TargetName.SocketIoPerMessage) env.PEER_INBOX = 'per-message';
  let ownDataDir: string | undefined;
  if (spec.name === TargetName.Ours || spec.name === TargetName.OursJournal) {
    if (!existsSync(ourServerEntry)) throw new Error(`${ourServerEntry} is missing: run \`npm run build\` first`);
    Object.assign(env, OURS_BENCH_ENV);
    if (spec.name === TargetName.Ours) env.CS_JOURNAL = 'off';
    else {
      ownDataDir = opts.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'cs-bench-journal-'));
      env.CS_DATA_DIR = opts.dataDir ?? ownDataDir!;
      env.CS_JOURNAL = 'on';
    }
  }
  // exec keeps the pid: /proc/<pid> is the server itself, not the shell.
  const argv = command(spec, opts).map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${argv}`], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = (): string => out;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitListening(port, child, output);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const url = spec.wire === Wire.Proto ? `ws://${HOST}:${port}/ws` : `http://${HOST}:${port}`;
  return {
    spec,
    pid: child.pid!,
    port,
    url,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
