/**
 * `npm run bench -- fallback`: the HTTP streaming fallback (issue 17) next to
 * WebSocket. One server (dist/server/main.js, store off, limits lifted), N
 * conversations (default 300), each with a visitor and an agent subscribed
 * to it (agents take inbox notices batched, as the workbench does). Three
 * setups: everyone on WebSocket; the visitors on the stream and the agents
 * on WebSocket (the usual case: the visitor is the one behind the proxy);
 * everyone on the stream (N agents each getting every inbox notice: the
 * heaviest case for the stream, whose fan-out is JavaScript where uWS's
 * pub/sub is C++). Every visitor keeps one message in
 * flight for the window (closed loop: the next Send after the Ack), so the
 * figures are acked messages/s, send→Ack p50/p99 (the visitor's round trip)
 * and send→Deliver p50/p99 (visitor to agent, one hop down the agent's
 * transport). The load generator is this one process; the machine is shared,
 * so read the two transports side by side, not as absolute capacity.
 *
 *   npm run build && npm run bench -- fallback [--conversations=300] [--duration=10000] [--rounds=2] [--profile]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { signAgentToken } from '../../server/src/gateway/auth.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { topSelfTime } from './lib/cpuprofile.js';
import { repoRoot } from './lib/targets.js';

const SECRET = 'bench-fallback-secret-0123456789';

export interface FallbackBenchOptions {
  readonly conversations?: number;
  /** Measuring window, ms. Default 10000. */
  readonly durationMs?: number;
  /** Runs of each transport (alternating order). Default 2. */
  readonly rounds?: number;
  /** Print the server's hottest functions (--cpu-prof) of the first stream run. */
  readonly profile?: boolean;
}

/** Who is on which transport: everyone on WebSocket, the visitors on the stream (agents on WebSocket, the usual case: the visitor is behind the proxy), or everyone on the stream. */
type Setup = 'ws' | 'stream-visitors' | 'stream-all';
const SETUPS: readonly Setup[] = ['ws', 'stream-visitors', 'stream-all'];

interface TransportResult {
  transport: Setup;
  conversations: number;
  ackedPerSec: number;
  ackP50Ms: number;
  ackP99Ms: number;
  deliverP50Ms: number;
  deliverP99Ms: number;
  connectMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function startServer(dataDir: string, profileDir: string | undefined): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, join(repoRoot, 'dist/server/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CS_SECRET: SECRET,
      CS_DATA_DIR: dataDir,
      CS_JOURNAL: 'off',
      CS_LOG_LEVEL: 'warn',
      CS_RATE_BURST: '100000',
      CS_RATE_PER_SECOND: '100000',
      CS_MAX_CONNECTIONS_PER_IP: '100000',
      CS_NEW_VISITORS_PER_IP_MINUTE: '1000000',
      CS_VISITOR_BYTES_PER_HOUR: '1000000000',
      CS_BOT: 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return { port, child };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('bench server did not start');
    await sleep(100);
  }
}

async function runTransport(transport: Setup, conversations: number, durationMs: number, profileDir?: string): Promise<TransportResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-bench-fallback-'));
  const { port, child } = await startServer(dataDir, profileDir);
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const streamUrl = `http://127.0.0.1:${port}/stream`;
  const visitorUrl = transport === 'ws' ? wsUrl : streamUrl;
  const agentUrl = transport === 'stream-all' ? streamUrl : wsUrl;
  const clients: ProtoClient[] = [];
  try {
    const connectStart = Date.now();
    const pairs: { visitor: ProtoClient; agent: ProtoClient }[] = [];
    // In batches, so the connects do not all land in one event-loop turn.
    for (let first = 0; first < conversations; first += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, conversations - first) }, async (_v, k) => {
          const i = first + k;
          // Generous waits: the machine running this is shared (the load average is printed).
          const visitor = await ProtoClient.connect(visitorUrl, { timeoutMs: 30_000 });
          await visitor.hello({ site: 'bench' }, 30_000);
          const agent = await ProtoClient.connect(agentUrl, { timeoutMs: 30_000 });
          // As the workbench does (Hello.inbox_batch): the inbox notices of an interval in one frame.
          await agent.hello({ token: signAgentToken(SECRET, `bench-agent-${i}`), inboxBatch: true }, 30_000);
          clients.push(visitor, agent);
          agent.sendFrame({ subscribe: { conversationId: visitor.conversationId } });
          return { visitor, agent };
        }),
      );
      pairs.push(...batch);
    }
    const connectMs = Date.now() - connectStart;
    await sleep(500);

    const sentAt = new Map<string, number>();
    const ackMs: number[] = [];
    const deliverMs: number[] = [];
    let measuring = false;
    let running = true;
    let acked = 0;
    for (const { visitor, agent } of pairs) {
      agent.socket.on('message', () => {
        const frame = agent.frames[agent.frames.length - 1];
        for (const m of frame?.deliver?.messages ?? []) {
          const t = sentAt.get(m.clientMsgId ?? '');
          if (t !== undefined && measuring) deliverMs.push(performance.now() - t);
        }
        agent.frames.length = 0;
      });
      const next = (): void => {
        if (!running) return;
        const clientMsgId = newClientMsgId();
        sentAt.set(clientMsgId, performance.now());
        visitor.sendFrame({ send: { conversationId: visitor.conversationId, clientMsgId, text: 'bench message, about sixty bytes long, like a chat line' } });
      };
      visitor.socket.on('message', () => {
        const frame = visitor.frames[visitor.frames.length - 1];
        visitor.frames.length = 0;
        const ack = frame?.ack;
        if (!ack) return;
        const t = sentAt.get(ack.clientMsgId ?? '');
        if (t !== undefined && measuring) {
          ackMs.push(performance.now() - t);
          acked += 1;
        }
        next();
      });
      next();
    }
    await sleep(2000); // warm-up
    measuring = true;
    const windowStart = performance.now();
    await sleep(durationMs);
    measuring = false;
    const windowS = (performance.now() - windowStart) / 1000;
    running = false;
    await sleep(500);
    ackMs.sort((a, b) => a - b);
    deliverMs.sort((a, b) => a - b);
    return {
      transport,
      conversations,
      ackedPerSec: Math.round(acked / windowS),
      ackP50Ms: percentile(ackMs, 50),
      ackP99Ms: percentile(ackMs, 99),
      deliverP50Ms: percentile(deliverMs, 50),
      deliverP99Ms: percentile(deliverMs, 99),
      connectMs,
    };
  } finally {
    for (const c of clients) c.socket.terminate();
    if (profileDir) {
      // SIGTERM: the server drains and exits, and Node writes the profile on exit.
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    } else child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return '(uptime unavailable)';
  }
}

/** Runs both transports, alternating, `rounds` times each, and prints one line per run and the medians. */
export async function runFallbackBench(options: FallbackBenchOptions = {}): Promise<TransportResult[]> {
  const conversations = options.conversations ?? 300;
  const durationMs = options.durationMs ?? 10_000;
  const rounds = options.rounds ?? 2;
  console.log(`bench fallback: ${conversations} conversations (visitor + subscribed agent each, ${conversations * 2} sessions), one message in flight per visitor, ${durationMs} ms window, ${rounds} rounds`);
  console.log(`bench fallback: uptime ${uptime()}`);
  const results: TransportResult[] = [];
  for (let round = 0; round < rounds; round++) {
    // Forward, then reversed, so drift on a shared machine hits both alike.
    const order = round % 2 === 0 ? SETUPS : [...SETUPS].reverse();
    for (const transport of order) {
      const profileDir = options.profile && transport === 'stream-all' && round === 0 ? mkdtempSync(join(tmpdir(), 'cs-bench-prof-')) : undefined;
      const r = await runTransport(transport, conversations, durationMs, profileDir);
      results.push(r);
      console.log(
        `  [${transport.padEnd(15)} r${round}] ${String(r.ackedPerSec).padStart(6)} msg/s acked; send→ack p50 ${r.ackP50Ms} ms p99 ${r.ackP99Ms} ms; ` +
          `send→deliver p50 ${r.deliverP50Ms} ms p99 ${r.deliverP99Ms} ms; ${r.conversations * 2} sessions connected in ${r.connectMs} ms`,
      );
      if (profileDir) {
        const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
        if (file) for (const f of topSelfTime(join(profileDir, file), 12, repoRoot)) console.log(`    ${String(f.selfMs).padStart(8)} ms ${String(f.percent).padStart(5)}%  ${f.name}  ${f.where}`);
      }
    }
  }
  const median = (t: Setup, k: 'ackedPerSec' | 'deliverP99Ms'): number => {
    const v = results.filter((r) => r.transport === t).map((r) => r[k]).sort((a, b) => a - b);
    return v[Math.floor((v.length - 1) / 2)] ?? NaN;
  };
  for (const setup of SETUPS) {
    console.log(
      `  median (lower middle) [${setup.padEnd(15)}] ${median(setup, 'ackedPerSec')} msg/s, deliver p99 ${median(setup, 'deliverP99Ms')} ms: ` +
        `${(median(setup, 'ackedPerSec') / median('ws', 'ackedPerSec')).toFixed(2)}x the WebSocket throughput`,
    );
  }
  console.log(`bench fallback: uptime ${uptime()}`);
  return results;
}
