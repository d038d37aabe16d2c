/**
 * The server scenarios: closed-loop throughput, open-loop latency at fixed
 * offered rates, idle connections and a reconnect storm. Each starts its own
 * server child and its own generator children, and measures the server's CPU
 * and memory from /proc.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { LoadEvent } from '../loadgen.js';
import { topSelfTime, type HotFunction } from './cpuprofile.js';
import { Generators, SOURCE_ADDRESSES } from './generators.js';
import { CpuMeter, MachineMeter, openFilesLimit, rssBytes } from './proc.js';
import { summarize, type LatencySummary } from './stats.js';
import { BENCH_SECRET, repoRoot, startTarget, type RunningServer, type StartOptions, type TargetSpec } from './targets.js';

export interface LoadSizes {
  /** Conversations (each one visitor + one subscribed agent connection). */
  conversations: number;
  /** Unacked sends in flight per visitor (throughput). */
  inflight: number;
  /** Generator processes. */
  generators: number;
  warmupMs: number;
  durationMs: number;
  /** Latency runs: offered rates as fractions of our peak. */
  fractions: number[];
  /**
   * Latency runs at fixed offered rates, msgs/s, whatever the peak (issue
   * 16's table quotes ack p99 at 5,800 msgs/s): the same load for every
   * server, where "half of its own peak" is a different load for each.
   */
  rates?: number[];
  /**
   * Offered msgs/s one generator process takes in a latency run (default
   * 8,000: about half of one core here); a latency run gets
   * ceil(offered / this) processes, at most `generators`. Each process is a
   * main thread competing with the server for the cores: at 5,800 msgs/s two
   * half-idle generators and the server made three on 2 cores, and their
   * run-queue waits were in the p99 (issue 16). 0: always `generators`.
   */
  ratePerGenerator?: number;
  drainMs: number;
  /** Idle authenticated connections held open (from their own generators) during the latency runs; 0 or absent: none. */
  latencyIdle?: number;
  /**
   * Run the latency runs on the server process of the throughput run (true),
   * instead of a fresh server process and generators for each (the default).
   * With the store off a server keeps every message in memory, so after a
   * throughput run it holds most of a million messages and each later run
   * measures that run's leftovers (a larger heap to mark) as much as
   * itself; with the store on the fresh process opens the same data
   * directory (the store the throughput run filled), as after a restart.
   */
  sameServer?: boolean;
}

export interface ThroughputResult {
  ackedPerSec: number;
  deliveredPerSec: number;
  rejected: number;
  /** InboxUpdates received per second (all agents), and the frames that carried them. */
  inboxPerSec: number;
  inboxFramesPerSec: number;
  /** Server CPU, percent of one core. */
  serverCpuPct: number;
  serverCpuUsPerDelivered: number;
  generatorCpuPct: number;
  /** The busiest generator process alone, % of one core. */
  generatorBusiestCpuPct: number;
  generatorCpuUsPerDelivered: number;
}

export interface LatencyResult {
  /** Offered rate / the peak it was taken from (for a fixed-rate run, what that rate was of this server's peak). */
  fraction: number;
  /** A run at a fixed offered rate (`LoadSizes.rates`), not at a fraction of peak. */
  fixedRate?: boolean;
  offeredPerSec: number;
  sent: number;
  ackedPerSec: number;
  ack: LatencySummary;
  deliver: LatencySummary;
  missingAcks: number;
  missingDelivers: number;
  rejected: number;
  serverCpuPct: number;
  serverCpuUsPerDelivered: number;
  generatorCpuPct: number;
  /** The busiest generator process alone, % of one core (near 100: the generator, not the server, set the pace). */
  generatorBusiestCpuPct: number;
  /** Generator processes of this run (see `LoadSizes.ratePerGenerator`). */
  generators: number;
  /** The generators' own event-loop delay over the window, worst of them, ms. */
  generatorLoopP99Ms: number;
  generatorLoopMaxMs: number;
  /**
   * How late the generators sent after each scheduled instant (p99, max): the
   * generators' own share of every latency, which stays in it (latency runs
   * from the scheduled instant), shown so it is not taken for the server's.
   */
  sendLag: LatencySummary;
  /** The worst send→ack of each 100 ms of the window (by scheduled send instant), all generators, ms: a periodic stall shows as a spike every second. */
  ackWorstPer100msMs: number[];
  /** The server's main thread: ms per second it was runnable but waiting for a core (/proc schedstat). */
  serverRunQueueMsPerSec: number;
  /** The same for the generators' main threads, the worst of them. */
  generatorRunQueueMsPerSec: number;
  /** The whole machine over the window: busy and hypervisor-stolen CPU, % of all cores. */
  machineBusyPct: number;
  stealPct: number;
  /** 1-minute load average at the end of the window (the machine is shared). */
  load1: number;
  /** What our server says about itself over the window (its /metrics); absent for the peers. */
  server?: ServerSelf;
}

/** Our server's event loop and GC over one window, read from its /metrics (prom-client's default metrics). */
export interface ServerSelf {
  /** Event-loop delay over the window (prom-client resets its histogram at every scrape), ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /**
   * GC pause time and count over the window by kind (minor = scavenge, major =
   * mark-compact, incremental marking steps), ms, as prom-client's default
   * metrics count them: its observer takes only the first GC of each batch
   * the runtime reports, so these are a lower bound.
   */
  gcMs: Record<string, number>;
  gcCount: Record<string, number>;
}

export interface LoadResult {
  target: string;
  round: number;
  pairs: number;
  error?: string;
  throughput?: ThroughputResult;
  latency: LatencyResult[];
  /** The idle connections held open during the latency runs, when asked for. */
  latencyIdle?: IdleOpened;
  /** What the server said about itself (native uWS or fallback), if anything. */
  serverNote?: string;
  /** Everything the server printed (its last 100 KB or more), kept when it ran with extra node flags (e.g. --trace-gc). */
  serverOutput?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function sum<T extends LoadEvent>(events: LoadEvent[], ev: T['ev']): T[] {
  return events.filter((e): e is T => e.ev === ev);
}

/** The line where a server reports native uWebSockets.js or its fallback. */
export function nativeNote(output: string): string | undefined {
  const line = output.split('\n').find((l) => /native|fallback/i.test(l));
  return line?.trim().slice(0, 300);
}

async function setupPairs(server: RunningServer, gens: Generators, n: number, watchers?: number): Promise<number> {
  const ready = await gens.all((i) => ({
    watchers: watchers === undefined ? undefined : i === 0 ? watchers : 0,
    cmd: 'setup',
    wire: server.spec.wire,
    url: server.url,
    secret: BENCH_SECRET,
    ...gens.slice(n, i),
    addresses: SOURCE_ADDRESSES,
  }));
  let opened = 0;
  const errors: string[] = [];
  for (const r of ready)
    if (r.ev === 'ready') {
      opened += r.opened;
      if (r.firstError) errors.push(r.firstError);
    }
  if (opened < n) throw new Error(`only ${opened} of ${n} conversations connected: ${errors[0] ?? ''}`);
  return opened;
}

/** prom-client's text format: `name{labels} value` lines into a map (labels kept in the key). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Our server's /metrics (undefined for a peer or when it does not answer). */
async function scrape(server: RunningServer): Promise<Map<string, number> | undefined> {
  if (server.spec.name !== 'ours' && server.spec.name !== 'ours+journal') return undefined;
  try {
    const res = await fetch(`http://${server.url.split('/')[2]}/metrics`);
    return res.ok ? parseMetrics(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

function serverSelf(before: Map<string, number> | undefined, after: Map<string, number> | undefined): ServerSelf | undefined {
  if (!before || !after) return undefined;
  const gcMs: Record<string, number> = {};
  const gcCount: Record<string, number> = {};
  for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
    const key = (what: string): string => `cs_nodejs_gc_duration_seconds_${what}{kind="${kind}"}`;
    gcMs[kind] = round1(((after.get(key('sum')) ?? 0) - (before.get(key('sum')) ?? 0)) * 1000);
    gcCount[kind] = (after.get(key('count')) ?? 0) - (before.get(key('count')) ?? 0);
  }
  // prom-client samples the loop every 10 ms and records the time between samples: the delay is what exceeds 10 ms.
  const ms = (name: string): number => round1(Math.max(0, (after.get(name) ?? NaN) * 1000 - 10));
  return { loopP99Ms: ms('cs_nodejs_eventloop_lag_p99_seconds'), loopMaxMs: ms('cs_nodejs_eventloop_lag_max_seconds'), gcMs, gcCount };
}

/** How far before and after the window our server's /metrics is read: a scrape is work for the server, kept out of the window's latencies. */
const SCRAPE_MARGIN_MS = 300;

/**
 * Measures CPU of server and generators over [startAt + warmup, + duration],
 * and our server's loop and GC from /metrics read `SCRAPE_MARGIN_MS` before
 * and after it (so those figures cover the window and the two margins).
 */
async function window(server: RunningServer, gens: Generators, startAt: number, warmupMs: number, durationMs: number) {
  await sleep(startAt + warmupMs - SCRAPE_MARGIN_MS - Date.now());
  const before = await scrape(server);
  await sleep(startAt + warmupMs - Date.now());
  const s = new CpuMeter([server.pid]);
  const g = new CpuMeter(gens.pids);
  const m = new MachineMeter([server.pid, ...gens.pids]);
  await sleep(durationMs);
  const cpu = { server: s.read(), gens: g.read(), machine: m.read() };
  const load1 = round1(loadavg()[0]!);
  await sleep(SCRAPE_MARGIN_MS);
  return { ...cpu, self: serverSelf(before, await scrape(server)), load1 };
}

async function throughput(server: RunningServer, gens: Generators, z: LoadSizes): Promise<ThroughputResult> {
  const startAt = Date.now() + 300;
  const answers = gens.all(() => ({ cmd: 'throughput', inflight: z.inflight, startAt, warmupMs: z.warmupMs, durationMs: z.durationMs }));
  const cpu = await window(server, gens, startAt, z.warmupMs, z.durationMs);
  const res = sum<Extract<LoadEvent, { ev: 'throughput' }>>(await answers, 'throughput');
  const secs = z.durationMs / 1000;
  const acked = res.reduce((a, r) => a + r.acked, 0);
  const delivered = res.reduce((a, r) => a + r.delivered, 0);
  return {
    ackedPerSec: Math.round(acked / secs),
    deliveredPerSec: Math.round(delivered / secs),
    rejected: res.reduce((a, r) => a + r.rejected, 0),
    inboxPerSec: Math.round(res.reduce((a, r) => a + r.inbox, 0) / secs),
    inboxFramesPerSec: Math.round(res.reduce((a, r) => a + r.inboxFrames, 0) / secs),
    serverCpuPct: Math.round((100 * cpu.server.cpuMs) / cpu.server.wallMs),
    serverCpuUsPerDelivered: round1((cpu.server.cpuMs * 1000) / Math.max(1, delivered)),
    generatorCpuPct: Math.round((100 * cpu.gens.cpuMs) / cpu.gens.wallMs),
    generatorBusiestCpuPct: Math.round((100 * cpu.gens.maxCpuMs) / cpu.gens.wallMs),
    generatorCpuUsPerDelivered: round1((cpu.gens.cpuMs * 1000) / Math.max(1, delivered)),
  };
}

/** One open-loop run at `fraction` of `peak`, or at `fixedRate` msgs/s when given. */
async function latency(server: RunningServer, gens: Generators, z: LoadSizes, pairs: number, fraction: number, peak: number, fixedRate?: number): Promise<LatencyResult> {
  const offered = fixedRate ?? Math.max(1, Math.round(peak * fraction));
  const startAt = Date.now() + 300;
  const answers = gens.all((i) => ({
    cmd: 'latency',
    ratePerSec: (offered * gens.slice(pairs, i).count) / pairs,
    startAt,
    warmupMs: z.warmupMs,
    durationMs: z.durationMs,
    drainMs: z.drainMs,
  }));
  const cpu = await window(server, gens, startAt, z.warmupMs, z.durationMs);
  const res = sum<Extract<LoadEvent, { ev: 'latency' }>>(await answers, 'latency');
  const delivered = res.reduce((a, r) => a + r.delivered, 0);
  const [serverWait = 0, ...genWaits] = cpu.machine.runQueueMsPerSec;
  return {
    fraction: fixedRate === undefined ? fraction : round1((100 * fixedRate) / Math.max(1, peak)) / 100,
    ...(fixedRate === undefined ? {} : { fixedRate: true }),
    offeredPerSec: offered,
    sent: res.reduce((a, r) => a + r.sent, 0),
    ackedPerSec: Math.round(res.reduce((a, r) => a + r.acked, 0) / (z.durationMs / 1000)),
    ack: summarize(res.flatMap((r) => r.ackUs)),
    deliver: summarize(res.flatMap((r) => r.deliverUs)),
    missingAcks: res.reduce((a, r) => a + r.missingAcks, 0),
    missingDelivers: res.reduce((a, r) => a + r.missingDelivers, 0),
    rejected: res.reduce((a, r) => a + r.rejected, 0),
    serverCpuPct: Math.round((100 * cpu.server.cpuMs) / cpu.server.wallMs),
    serverCpuUsPerDelivered: round1((cpu.server.cpuMs * 1000) / Math.max(1, delivered)),
    generatorCpuPct: Math.round((100 * cpu.gens.cpuMs) / cpu.gens.wallMs),
    generatorBusiestCpuPct: Math.round((100 * cpu.gens.maxCpuMs) / cpu.gens.wallMs),
    generators: gens.size,
    generatorLoopP99Ms: Math.max(0, ...res.map((r) => r.loopP99Ms)),
    generatorLoopMaxMs: Math.max(0, ...res.map((r) => r.loopMaxMs)),
    sendLag: summarize(res.flatMap((r) => r.sendLagUs)),
    ackWorstPer100msMs: (res[0]?.ackWorstPer100ms ?? []).map((_v, i) => Math.round(Math.max(...res.map((r) => r.ackWorstPer100ms[i] ?? 0)) / 100) / 10),
    serverRunQueueMsPerSec: serverWait,
    generatorRunQueueMsPerSec: Math.max(0, ...genWaits),
    machineBusyPct: cpu.machine.machineBusyPct,
    stealPct: cpu.machine.stealPct,
    load1: cpu.load1,
    server: cpu.self,
  };
}

/** Generator processes for a latency run offering `offered` msgs/s (`LoadSizes.ratePerGenerator`). */
function generatorsFor(offered: number, z: LoadSizes): number {
  const per = z.ratePerGenerator ?? 8000;
  return per > 0 ? Math.max(1, Math.min(z.generators, Math.ceil(offered / per))) : z.generators;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export interface IdleOpened {
  requested: number;
  opened: number;
  failed: number;
  firstError?: string;
}

/** Generator processes for `n` idle connections (each holds up to 15,000 under the open-files limit). */
export function idleGenerators(n: number): number {
  return Math.max(2, Math.ceil(n / 15_000));
}

/**
 * Opens `count` idle authenticated connections (anonymous visitor Hello, then
 * silence), spread over `gens` and the source addresses 127.0.0.2–101.
 * `opened` is the running total the generators hold; `storm` arms their
 * reconnect on close (the reconnect storm).
 */
async function openIdle(gens: Generators, server: RunningServer, count: number, storm: boolean): Promise<IdleOpened> {
  const ready = await gens.all((i) => ({ cmd: 'idle', wire: server.spec.wire, url: server.url, count: gens.slice(count, i).count, addresses: SOURCE_ADDRESSES, storm }));
  const r: IdleOpened = { requested: count, opened: 0, failed: 0 };
  for (const e of ready)
    if (e.ev === 'ready') {
      r.opened += e.opened;
      r.failed += e.failed;
      r.firstError ??= e.firstError;
    }
  return r;
}

/**
 * Throughput, then latency at `fractions` of `peak` (our peak; when absent,
 * this target's own), with `z.latencyIdle` idle connections held open during
 * the latency runs only. Each latency run gets a fresh server process and
 * generators (see `LoadSizes.sameServer`); ours with the store on keeps one
 * data directory for all of them. Returns what it measured even when a step
 * fails.
 */
export async function runLoad(spec: TargetSpec, z: LoadSizes, round: number, peak: number | undefined, start: StartOptions = {}): Promise<LoadResult> {
  const result: LoadResult = { target: spec.name, round, pairs: 0, latency: [] };
  const rates = z.rates ?? [];
  const idleCount = z.fractions.length || rates.length ? (z.latencyIdle ?? 0) : 0;
  const ownDataDir = spec.name === 'ours+journal' && !start.dataDir ? mkdtempSync(join(tmpdir(), 'cs-bench-store-')) : undefined;
  const options: StartOptions = { ...start, dataDir: start.dataDir ?? ownDataDir };
  /** One server process with its conversations set up: `idle` idle connections opened (their own generators), then `work`. */
  const phase = async (idle: number, work: (server: RunningServer, gens: Generators) => Promise<void>, generators = z.generators): Promise<void> => {
    const gens = Generators.start(generators);
    // Their own processes, so the latency generators' CPU and event loops stay as without them.
    const idleGens = idle > 0 ? Generators.start(idleGenerators(idle)) : undefined;
    let server: RunningServer | undefined;
    try {
      server = await startTarget(spec, options);
      result.pairs = await setupPairs(server, gens, z.conversations);
      if (idleGens) {
        result.latencyIdle = await openIdle(idleGens, server, idle, false);
        await sleep(1000); // let the server settle after the connection burst
      }
      await work(server, gens);
    } finally {
      gens.close();
      idleGens?.close();
      if (server) {
        result.serverNote ??= nativeNote(server.output());
        if (start.nodeFlags?.length) result.serverOutput = (result.serverOutput ?? '') + server.output();
        await server.stop();
      }
    }
  };
  try {
    if (z.sameServer) {
      await phase(0, async (server, gens) => {
        result.throughput = await throughput(server, gens, z);
        const base = peak ?? result.throughput.ackedPerSec;
        if (idleCount > 0) {
          const idleGens = Generators.start(idleGenerators(idleCount));
          try {
            result.latencyIdle = await openIdle(idleGens, server, idleCount, false);
            await sleep(1000);
            for (const f of z.fractions) result.latency.push(await latency(server, gens, z, result.pairs, f, base));
            for (const r of rates) result.latency.push(await latency(server, gens, z, result.pairs, 0, base, r));
          } finally {
            idleGens.close();
          }
        } else {
          for (const f of z.fractions) result.latency.push(await latency(server, gens, z, result.pairs, f, base));
          for (const r of rates) result.latency.push(await latency(server, gens, z, result.pairs, 0, base, r));
        }
      });
    } else {
      await phase(0, async (server, gens) => {
        result.throughput = await throughput(server, gens, z);
      });
      const base = peak ?? result.throughput!.ackedPerSec;
      for (const f of z.fractions)
        await phase(
          idleCount,
          async (server, gens) => {
            result.latency.push(await latency(server, gens, z, result.pairs, f, base));
          },
          generatorsFor(base * f, z),
        );
      for (const r of rates)
        await phase(
          idleCount,
          async (server, gens) => {
            result.latency.push(await latency(server, gens, z, result.pairs, 0, base, r));
          },
          generatorsFor(r, z),
        );
    }
  } catch (e) {
    result.error = String(e instanceof Error ? e.message : e);
  } finally {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
  return result;
}

/** The watchers variant: visitors only, a few agents following every conversation through inbox notices. */
export interface WatchersResult {
  target: string;
  conversations: number;
  agents: number;
  error?: string;
  throughput?: ThroughputResult;
  /** Open loop at half this target's own acked peak: visitor send→ack. */
  halfPeak?: LatencyResult;
  /** Inbox notices and frames per second reaching one watching agent (throughput window). */
  inboxPerAgentPerSec?: number;
  inboxFramesPerAgentPerSec?: number;
}

/**
 * Issue 6's variant: P conversations with a visitor each and no subscribed
 * agent, plus `agents` agents that subscribe to nothing and follow all of
 * them through InboxUpdate / InboxBatch. Throughput (acked) and visitor
 * send→ack at half of it; the agents' inbox rate.
 */
export async function runWatchers(spec: TargetSpec, z: LoadSizes, agents: number): Promise<WatchersResult> {
  const result: WatchersResult = { target: spec.name, conversations: 0, agents };
  let server: RunningServer | undefined;
  const gens = Generators.start(z.generators);
  try {
    server = await startTarget(spec);
    result.conversations = await setupPairs(server, gens, z.conversations, agents);
    result.throughput = await throughput(server, gens, z);
    // Counting runs from the throughput start to its reply: warm-up + window + 0.5 s settle.
    const countedSecs = (z.warmupMs + z.durationMs + 500) / z.durationMs;
    result.inboxPerAgentPerSec = round1(result.throughput.inboxPerSec / countedSecs / agents);
    result.inboxFramesPerAgentPerSec = round1(result.throughput.inboxFramesPerSec / countedSecs / agents);
    result.halfPeak = await latency(server, gens, z, result.conversations, 0.5, result.throughput.ackedPerSec);
  } catch (e) {
    result.error = String(e instanceof Error ? e.message : e);
  } finally {
    gens.close();
    await server?.stop();
  }
  return result;
}

export interface ConnResult {
  target: string;
  requested: number;
  opened: number;
  failed: number;
  firstError?: string;
  serverOpenFilesLimit: number;
  rssBaseMB: number;
  rssAfterMB: number;
  rssPerConnKB: number;
  /**
   * RSS growth per connection over the second half alone (opened in two equal
   * steps): the marginal cost, without one-off growth such as the V8 young
   * generation reaching its size while the first half connects.
   */
  rssMarginalPerConnKB?: number;
  storm?: {
    total: number;
    resumed: number;
    /** From SIGTERM to the last client's Welcome, ms. */
    resumeMsFromKill: number;
    /** From the restarted server accepting connections to the last Welcome, ms. */
    resumeMsFromReady: number;
    restartMs: number;
    peakConnectsPer100ms: number;
    attempts: number;
  };
  error?: string;
}

/** N idle authenticated connections (RSS per connection), then the server restarted under them. */
export async function runConnections(spec: TargetSpec, n: number, generators: number, stormTimeoutMs: number): Promise<ConnResult> {
  const r: ConnResult = { target: spec.name, requested: n, opened: 0, failed: 0, serverOpenFilesLimit: 0, rssBaseMB: 0, rssAfterMB: 0, rssPerConnKB: 0 };
  let server: RunningServer | undefined;
  const gens = Generators.start(generators);
  try {
    server = await startTarget(spec);
    r.serverOpenFilesLimit = openFilesLimit(server.pid);
    await sleep(500);
    const base = rssBytes(server.pid);
    // Two equal steps: the RSS between them gives the marginal cost per connection.
    const firstHalf = Math.floor(n / 2);
    let middle = base;
    let openedFirst = 0;
    for (const [step, count] of [firstHalf, n - firstHalf].entries()) {
      const o = await openIdle(gens, server, count, true);
      if (step === 0) openedFirst = o.opened;
      r.opened = o.opened;
      r.failed += o.failed;
      r.firstError ??= o.firstError;
      await sleep(1000);
      if (step === 0) middle = rssBytes(server.pid);
    }
    const after = rssBytes(server.pid);
    r.rssMarginalPerConnKB = round1((after - middle) / 1024 / Math.max(1, r.opened - openedFirst));
    r.rssBaseMB = round1(base / 2 ** 20);
    r.rssAfterMB = round1(after / 2 ** 20);
    r.rssPerConnKB = round1((after - base) / 1024 / Math.max(1, r.opened));

    // Reconnect storm: restart the server under the connected clients.
    const killedAt = Date.now();
    const port = server.port;
    await server.stop();
    server = await startTarget(spec, { port });
    const readyAt = Date.now();
    let reports: Extract<LoadEvent, { ev: 'storm' }>[] = [];
    while (Date.now() - readyAt < stormTimeoutMs) {
      await sleep(250);
      reports = (await gens.all(() => ({ cmd: 'storm-report' }))).filter((e): e is Extract<LoadEvent, { ev: 'storm' }> => e.ev === 'storm');
      if (reports.every((x) => x.resumed === x.total)) break;
    }
    const welcomes = reports.flatMap((x) => x.welcomeAt).filter((t) => t >= killedAt);
    const connects = reports.flatMap((x) => x.connectAt).filter((t) => t >= killedAt);
    const buckets = new Map<number, number>();
    for (const t of connects) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
    const last = welcomes.length ? Math.max(...welcomes) : NaN;
    r.storm = {
      total: reports.reduce((a, x) => a + x.total, 0),
      resumed: reports.reduce((a, x) => a + x.resumed, 0),
      resumeMsFromKill: last - killedAt,
      resumeMsFromReady: last - readyAt,
      restartMs: readyAt - killedAt,
      peakConnectsPer100ms: Math.max(0, ...buckets.values()),
      attempts: reports.reduce((a, x) => a + x.attempts, 0),
    };
  } catch (e) {
    r.error = String(e instanceof Error ? e.message : e);
  } finally {
    gens.close();
    await server?.stop();
  }
  return r;
}

/** One throughput run of `spec` under --cpu-prof; the top self-time functions. */
export async function profileLoad(spec: TargetSpec, z: LoadSizes): Promise<{ top: HotFunction[]; error?: string; file?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-prof-'));
  try {
    const r = await runLoad(spec, { ...z, fractions: [], rates: [] }, 0, undefined, { cpuProfDir: dir });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return { top: [], error: r.error ?? 'no .cpuprofile written (did the server exit cleanly on SIGTERM?)' };
    // Kept for a closer look (Chrome DevTools, Performance tab: load profile); git ignores it.
    const kept = join(repoRoot, 'test/bench/results', `${spec.name}.cpuprofile`);
    mkdirSync(dirname(kept), { recursive: true });
    copyFileSync(join(dir, file), kept);
    return { top: topSelfTime(join(dir, file), 15), error: r.error, file: relative(repoRoot, kept) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
