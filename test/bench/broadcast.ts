/**
 * `npm run bench -- broadcast`: the public mailbox at scale (issue 15).
 *
 * One server (dist/server/main.js, SQLite store on a temp data dir) and
 * `--visitors` open visitor sessions (default 10,000) held by generator
 * processes. Then:
 * 1. publish one announcement: time until every session has it, server CPU
 *    seconds over the window, the per-second push rate (flat over the spread
 *    window), bytes the server wrote to disk (/proc/<pid>/io write_bytes, and
 *    the growth of cs-chat.db + WAL) — the same as a publish with no session
 *    open, since nothing is written per visitor — and RSS before/after;
 * 2. recall it: the same figures;
 * 3. restart the server and reconnect every session with its old cursor
 *    (from before the publish): Welcome sizes and the time until all are back.
 * Every child runs under `ulimit -n <hard limit>`. Figures are for reading,
 * never asserts; `uptime` is printed with them (the machine is shared).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cpuMs, rssBytes } from './lib/proc.js';
import { repoRoot, startTarget, TARGETS, type RunningServer } from './lib/targets.js';

const API_TOKEN = 'bench-api-token-0123456789abcdef';
const SITE = 'bench';

interface Generator {
  child: ChildProcess;
  lines: string[];
  waiters: { match: (line: string) => boolean; done: (line: string) => void }[];
}

function startGenerator(url: string, count: number): Generator {
  const argv = ['node', '--import', 'tsx', join(repoRoot, 'test/bench/broadcast-clients.ts'), `--url=${url}`, `--count=${count}`, `--site=${SITE}`]
    .map((a) => `'${a}'`)
    .join(' ');
  const child = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${argv}`], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  const gen: Generator = { child, lines: [], waiters: [] };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    gen.lines.push(line);
    for (const w of [...gen.waiters]) if (w.match(line)) {
      gen.waiters.splice(gen.waiters.indexOf(w), 1);
      w.done(line);
    }
  });
  return gen;
}

function waitLine(gen: Generator, prefix: string): Promise<string> {
  const seen = gen.lines.find((l) => l.startsWith(prefix));
  if (seen) return Promise.resolve(seen);
  return new Promise((done) => gen.waiters.push({ match: (l) => l.startsWith(prefix), done }));
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Bytes the process has caused to be written to storage so far. */
function writeBytes(pid: number): number {
  const m = /write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function dbBytes(dir: string): number {
  let sum = 0;
  for (const f of ['cs-chat.db', 'cs-chat.db-wal']) {
    try {
      sum += statSync(join(dir, f)).size;
    } catch {
      // not there
    }
  }
  return sum;
}

interface Sample {
  cpuMs: number;
  rss: number;
  written: number;
  db: number;
  at: number;
}

function sample(server: RunningServer, dataDir: string): Sample {
  return { cpuMs: cpuMs(server.pid), rss: rssBytes(server.pid), written: writeBytes(server.pid), db: dbBytes(dataDir), at: Date.now() };
}

/** Counts `got <id> <recalled>` lines per second after `t0` until `n` arrived. */
async function receipts(gens: Generator[], id: string, recalled: boolean, n: number, t0: number, timeoutMs: number): Promise<{ got: number; lastMs: number; perSecond: number[] }> {
  const tag = `got ${id} ${recalled ? 1 : 0} `;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = gens.flatMap((g) => g.lines.filter((l) => l.startsWith(tag)).map((l) => Number(l.slice(tag.length))));
    if (times.length >= n || Date.now() > deadline) {
      const perSecond: number[] = [];
      for (const t of times) {
        const s = Math.max(0, Math.floor((t - t0) / 1000));
        perSecond[s] = (perSecond[s] ?? 0) + 1;
      }
      return { got: times.length, lastMs: times.length ? Math.max(...times) - t0 : -1, perSecond: Array.from(perSecond, (v) => v ?? 0) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;

/** Runs the broadcast bench; prints and returns its figures. */
export async function runBroadcastBench(options: { visitors?: number; spreadMs?: number; generators?: number } = {}): Promise<Record<string, unknown>> {
  const visitors = options.visitors ?? 10_000;
  const spreadMs = options.spreadMs ?? 30_000;
  const generators = options.generators ?? 2;
  const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(`broadcast bench: ${visitors} open visitor sessions in ${generators} generator processes, spread window ${spreadMs} ms`);
  console.log(`uptime: ${uptime()}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-bench-broadcast-'));
  process.env.CS_API_TOKEN = API_TOKEN;
  process.env.CS_BROADCAST_SPREAD_MS = String(spreadMs);
  process.env.CS_LOG_LEVEL = 'warn';
  let server = await startTarget(TARGETS['ours+journal'], { dataDir });
  const base = `http://127.0.0.1:${server.port}`;
  const gens: Generator[] = [];
  const result: Record<string, unknown> = { visitors, spreadMs };
  try {
    const expires = Date.now() + 7 * 24 * 3600_000;
    // A publish with no session open: the baseline for what a publish writes.
    const warm = await api(base, 'POST', '/api/announcements', { site: SITE, title: 'Warm-up', body: 'nobody online', expires_at: expires });
    let s0 = sample(server, dataDir);
    await api(base, 'POST', `/api/announcements/${warm.id as string}/publish`);
    let s1 = sample(server, dataDir);
    const idleWrite = { written: s1.written - s0.written, db: s1.db - s0.db };
    await api(base, 'POST', `/api/announcements/${warm.id as string}/stop`);

    const openStarted = Date.now();
    const per = Math.ceil(visitors / generators);
    for (let i = 0; i < generators; i++) gens.push(startGenerator(server.url, Math.min(per, visitors - i * per)));
    const ready = await Promise.all(gens.map((g) => waitLine(g, 'ready ')));
    const opened = ready.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    console.log(`  ${opened}/${visitors} sessions open in ${((Date.now() - openStarted) / 1000).toFixed(1)} s; server RSS ${mb(rssBytes(server.pid))}`);
    result.opened = opened;

    const made = await api(base, 'POST', '/api/announcements', { site: SITE, title: 'Closed on Monday', body: 'Back on Tuesday at 9:00.', link_url: 'https://shop.example/hours', expires_at: expires });
    const id = made.id as string;
    for (const phase of ['publish', 'recall'] as const) {
      await new Promise((r) => setTimeout(r, 1500));
      s0 = sample(server, dataDir);
      const t0 = Date.now();
      await api(base, 'POST', `/api/announcements/${id}/${phase}`);
      const committed = sample(server, dataDir);
      const got = await receipts(gens, id, phase === 'recall', opened, t0, spreadMs + 60_000);
      await new Promise((r) => setTimeout(r, 1500)); // the counters' flush (1 s) lands too
      s1 = sample(server, dataDir);
      const figures = {
        reached: got.got,
        allHaveItMs: got.lastMs,
        serverCpuS: Number(((s1.cpuMs - s0.cpuMs) / 1000).toFixed(2)),
        pushesPerSecond: got.perSecond,
        bytesWrittenByCommit: committed.written - s0.written,
        bytesWrittenWholeWindow: s1.written - s0.written,
        dbGrowthBytes: s1.db - s0.db,
        rssBeforeMB: Number((s0.rss / 1048576).toFixed(1)),
        rssAfterMB: Number((s1.rss / 1048576).toFixed(1)),
      };
      result[phase] = figures;
      console.log(
        `  ${phase}: ${figures.reached}/${opened} have it after ${(figures.allHaveItMs / 1000).toFixed(1)} s; server CPU ${figures.serverCpuS} s; ` +
          `pushes/s ${figures.pushesPerSecond.join(' ')}; disk writes ${figures.bytesWrittenByCommit} B at the commit, ${figures.bytesWrittenWholeWindow} B over the window ` +
          `(db+wal +${figures.dbGrowthBytes} B); RSS ${figures.rssBeforeMB} -> ${figures.rssAfterMB} MB`,
      );
    }
    console.log(`  a publish with no session open wrote ${idleWrite.written} B (db+wal +${idleWrite.db} B): nothing is written per visitor`);
    result.publishWithNoSessions = idleWrite;

    // A live announcement the reconnecting sessions are owed (their cursor is from before everything).
    const live = await api(base, 'POST', '/api/announcements', { site: SITE, title: 'New collection', body: 'Autumn is here.', expires_at: expires });
    await api(base, 'POST', `/api/announcements/${live.id as string}/publish`);
    await new Promise((r) => setTimeout(r, 500));
    await server.stop();
    server = await startTarget(TARGETS['ours+journal'], { dataDir, port: server.port });
    const r0 = Date.now();
    for (const g of gens) g.child.stdin!.write('reconnect\n');
    const back = await Promise.all(gens.map((g) => waitLine(g, 'reconnected ')));
    const welcomes = gens.flatMap((g) => g.lines.filter((l) => l.startsWith('welcomed ')).map((l) => l.split(' ').map(Number)));
    const sizes = welcomes.map((w) => w[1]!).sort((a, b) => a - b);
    const items = welcomes.map((w) => w[2]!);
    const lastMs = Math.max(...welcomes.map((w) => w[3]!)) - r0;
    const reconnect = {
      reconnected: back.reduce((n, l) => n + Number(l.split(' ')[1]), 0),
      allBackMs: lastMs,
      welcomeBytes: { min: sizes[0], median: sizes[Math.floor(sizes.length / 2)], max: sizes[sizes.length - 1] },
      itemsPerWelcome: { min: Math.min(...items), max: Math.max(...items) },
      serverRssMB: Number((rssBytes(server.pid) / 1048576).toFixed(1)),
    };
    result.reconnect = reconnect;
    console.log(
      `  restart + reconnect with old cursors: ${reconnect.reconnected}/${opened} back in ${(lastMs / 1000).toFixed(1)} s; Welcome ${reconnect.welcomeBytes.min}/${reconnect.welcomeBytes.median}/${reconnect.welcomeBytes.max} B (min/median/max) with ${reconnect.itemsPerWelcome.min}-${reconnect.itemsPerWelcome.max} announcements`,
    );
  } finally {
    for (const g of gens) g.child.kill('SIGTERM');
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  result.uptime = uptime();
  console.log(`uptime: ${result.uptime}`);
  const dir = join(repoRoot, 'test/bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'broadcast.json'), `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
  return result;
}
