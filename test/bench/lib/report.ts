/** The markdown table of a bench run: one column per server measured, ratios ours / floor and ours / peer, then every server against the floor. */
import type { HotFunction } from './cpuprofile.js';
import type { ConnResult, LoadResult, LoadSizes, WatchersResult } from './scenarios.js';

export interface BenchResult {
  date: string;
  /** The command line that produced it. */
  command?: string;
  mode: string;
  node: string;
  uwsNative: boolean | undefined;
  sizes: LoadSizes;
  rounds: number;
  load: LoadResult[];
  /** The idle-connections runs: N idle connections held, then 50 % of that server's peak. */
  idleLoad?: LoadResult[];
  /** Idle connections asked for in those runs. */
  latencyIdle?: number;
  /** Latency runs at fractions of each server's own peak ('own') or of ours ('ours'). */
  latencyPeak?: 'own' | 'ours';
  watchers?: WatchersResult[];
  connections: ConnResult[];
  profile?: { top: HotFunction[]; error?: string };
  widget?: unknown;
  durationS: number;
  /** `uptime` (load averages) before and after the run: the machine is shared. */
  uptime?: { before: string; after?: string };
}

/** Column order; only the servers a run measured are shown. */
const ORDER = ['ours', 'ours+journal', 'floor', 'ws-peer', 'socketio-peer', 'ws-peer+per-msg-inbox', 'socketio-peer+per-msg-inbox'] as const;
let COLUMNS: string[] = [...ORDER];

function mean(values: number[]): number | undefined {
  const ok = values.filter((v) => Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : undefined;
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 100) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`;
}

type Pick = (target: string) => number | undefined;

function row(label: string, pick: Pick): string {
  const v = Object.fromEntries(COLUMNS.map((c) => [c, pick(c)]));
  return `| ${label} | ${COLUMNS.map((c) => fmt(v[c])).join(' | ')} | ${ratio(v.ours, v.floor)} | ${ratio(v.ours, v['ws-peer'])} | ${ratio(v.ours, v['socketio-peer'])} |`;
}

/** A row of every server's figure divided by the floor's. */
function floorRow(label: string, pick: Pick): string {
  const floor = pick('floor');
  return `| ${label} | ${COLUMNS.map((c) => ratio(pick(c), floor)).join(' | ')} |`;
}

export function renderMarkdown(r: BenchResult): string {
  const measured = new Set([...r.load.map((l) => l.target), ...(r.watchers ?? []).map((w) => w.target), ...r.connections.map((c) => c.target)]);
  COLUMNS = ORDER.filter((c) => measured.has(c));
  const loads = (t: string): LoadResult[] => r.load.filter((l) => l.target === t && !l.error);
  const tp = (f: (x: NonNullable<LoadResult['throughput']>) => number): Pick => (t) => mean(loads(t).flatMap((l) => (l.throughput ? [f(l.throughput)] : [])));
  const lat = (fraction: number, f: (x: LoadResult['latency'][number]) => number): Pick => (t) =>
    mean(loads(t).flatMap((l) => l.latency.filter((x) => x.fraction === fraction && !x.fixedRate).map(f)));
  const conn = (f: (c: ConnResult) => number | undefined): Pick => (t) => {
    const c = r.connections.find((x) => x.target === t);
    return c ? f(c) : undefined;
  };

  const lines = [
    `# cs-chat benchmark (${r.mode})`,
    '',
    `${r.date}, Node ${r.node}, uWebSockets.js ${r.uwsNative === undefined ? 'not loadable' : r.uwsNative ? 'native' : 'fallback'}. ` +
      `${r.sizes.conversations} conversations (visitor + subscribed agent each), ${r.sizes.inflight} sends in flight per visitor, ` +
      `${r.sizes.durationMs / 1000} s windows, ${r.sizes.generators} generator processes, ${r.rounds} round(s) in alternating order (means shown). ` +
      `Latency runs (open loop) at fractions of ${r.latencyPeak === 'ours' ? 'our' : "each server's own"} closed-loop peak of the same run` +
      `${r.sizes.rates?.length ? ` and at the fixed rates ${r.sizes.rates.join(', ')} msgs/s` : ''}, ` +
      `each on ${r.sizes.sameServer ? "the throughput run's server process" : 'a fresh server process (store on: the same data directory)'}` +
      `${r.latencyIdle ? `; the idle-connections runs hold ${r.latencyIdle} idle authenticated connections, then 50% of that server's peak` : ''}. ` +
      `Command: \`${r.command ?? `npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}`}\`. Figures from a shared 2-core machine are noisy.`,
    '',
    ...(r.uptime ? [`uptime before: \`${r.uptime.before}\`${r.uptime.after ? `; after: \`${r.uptime.after}\`` : ''}`, ''] : []),
    ...(r.load.length ? [...halfPeakLines(r.load, r.idleLoad ?? [], r.latencyPeak), ''] : []),
    '## Every figure',
    '',
    `| metric | ${COLUMNS.join(' | ')} | ours / floor | ours / ws | ours / socket.io |`,
    `|---|${COLUMNS.map(() => '---|').join('')}---|---|---|`,
    row('throughput: acked msgs/s', tp((x) => x.ackedPerSec)),
    row('throughput: delivered msgs/s', tp((x) => x.deliveredPerSec)),
    row('server CPU, % of a core', tp((x) => x.serverCpuPct)),
    row('**server CPU µs / delivered msg** (throughput)', tp((x) => x.serverCpuUsPerDelivered)),
    row('generator CPU, % (all processes)', tp((x) => x.generatorCpuPct)),
    row('generator CPU, % (busiest process)', tp((x) => x.generatorBusiestCpuPct)),
    row('InboxUpdates/s received', tp((x) => x.inboxPerSec)),
    row('inbox frames/s received', tp((x) => x.inboxFramesPerSec)),
  ];
  for (const f of r.sizes.fractions) {
    const pct = Math.round(f * 100);
    lines.push(
      row(`${pct}% of ${r.latencyPeak === 'ours' ? 'our' : 'own'} peak: offered msgs/s`, lat(f, (x) => x.offeredPerSec)),
      row(`${pct}%: send→ack p50 / ms`, lat(f, (x) => x.ack.p50Ms)),
      row(`${pct}%: send→ack p99 / ms`, lat(f, (x) => x.ack.p99Ms)),
      row(`${pct}%: send→deliver p50 / ms`, lat(f, (x) => x.deliver.p50Ms)),
      row(`${pct}%: send→deliver p99 / ms`, lat(f, (x) => x.deliver.p99Ms)),
      row(`${pct}%: send→deliver max / ms`, lat(f, (x) => x.deliver.maxMs)),
      row(`${pct}%: server CPU µs / delivered msg`, lat(f, (x) => x.serverCpuUsPerDelivered)),
      row(`${pct}%: not acked / not delivered`, lat(f, (x) => x.missingAcks + x.missingDelivers)),
    );
  }
  const watch = (f: (w: WatchersResult) => number | undefined): Pick => (t) => {
    const w = r.watchers?.find((x) => x.target === t && !x.error);
    return w ? f(w) : undefined;
  };
  if (r.watchers?.length)
    lines.push(
      row(`watchers (${r.watchers[0]?.agents} agents, no subscriptions): acked msgs/s`, watch((w) => w.throughput?.ackedPerSec)),
      row('watchers: server CPU µs / acked msg', watch((w) => (w.throughput ? (w.throughput.serverCpuPct * 1e4) / Math.max(1, w.throughput.ackedPerSec) : undefined))),
      row('watchers: InboxUpdates/s per agent', watch((w) => w.inboxPerAgentPerSec)),
      row('watchers: inbox frames/s per agent', watch((w) => w.inboxFramesPerAgentPerSec)),
      row('watchers: send→ack p50 / ms at 50% of own peak', watch((w) => w.halfPeak?.ack.p50Ms)),
      row('watchers: send→ack p99 / ms at 50% of own peak', watch((w) => w.halfPeak?.ack.p99Ms)),
    );
  if (r.connections.length)
    lines.push(
      row('idle connections held', conn((c) => c.opened)),
      row('server RSS per idle connection / KB', conn((c) => c.rssPerConnKB)),
      row('… marginal (second half of them) / KB', conn((c) => c.rssMarginalPerConnKB)),
      row('server RSS with them / MB', conn((c) => c.rssAfterMB)),
      row('storm: server down (SIGTERM → listening again) / ms', conn((c) => c.storm?.restartMs)),
      row('storm: all resumed, ms after restart', conn((c) => c.storm?.resumeMsFromReady)),
      row('storm: resumed clients', conn((c) => c.storm?.resumed)),
      row('storm: peak connects per 100 ms', conn((c) => c.storm?.peakConnectsPer100ms)),
    );
  if (COLUMNS.includes('floor')) {
    lines.push('', '### Every server against the floor (figure / floor\'s figure, same run)', '', `| metric | ${COLUMNS.join(' | ')} |`, `|---|${COLUMNS.map(() => '---|').join('')}`);
    lines.push(
      floorRow('server CPU µs / delivered msg (throughput)', tp((x) => x.serverCpuUsPerDelivered)),
      floorRow('acked msgs/s (throughput)', tp((x) => x.ackedPerSec)),
      ...r.sizes.fractions.flatMap((f) => [
        floorRow(`${Math.round(f * 100)}%: server CPU µs / delivered msg`, lat(f, (x) => x.serverCpuUsPerDelivered)),
        floorRow(`${Math.round(f * 100)}%: send→ack p99`, lat(f, (x) => x.ack.p99Ms)),
      ]),
    );
  }
  const errors = [...r.load.filter((l) => l.error).map((l) => `${l.target} r${l.round}: ${l.error}`), ...r.connections.filter((c) => c.error).map((c) => `${c.target} connections: ${c.error}`)];
  if (errors.length) lines.push('', '**Errors:**', ...errors.map((e) => `- ${e}`));
  if (r.profile?.top.length) {
    lines.push('', '## Server hot path (ours, `--cpu-prof`, one throughput run, self time)', '', '| self ms | % | function | where |', '|---|---|---|---|');
    for (const f of r.profile.top) lines.push(`| ${f.selfMs} | ${f.percent} | ${f.name} | ${f.where} |`);
  }
  if (r.widget !== undefined) lines.push('', '## Widget', '', '```json', JSON.stringify(r.widget, null, 2), '```');
  lines.push('', ...targetLines(tp((x) => x.serverCpuUsPerDelivered)));
  lines.push('', 'Issue 6 targets: server CPU per delivered message ≤ 1/5 of Socket.IO and ≤ 1/2 of ws; p99 send→deliver < 5 ms at 50% of peak with 10,000 connections; < 4 KB RSS per idle connection, 100,000 held; widget < 40 KB gzip, launcher < 50 ms, 10,000 messages open < 100 ms, scroll p95 frame < 16 ms.', '');
  return lines.join('\n');
}

/** Issue 16's targets for the store-off hot path, checked on the throughput µs / delivered message. */
export function targetLines(usPerMsg: Pick): string[] {
  const ours = usPerMsg('ours');
  const floor = usPerMsg('floor');
  const sio = usPerMsg('socketio-peer');
  const check = (label: string, value: number | undefined, base: number | undefined, limit: number): string =>
    value === undefined || base === undefined || !base
      ? `- ${label}: not measured in this run`
      : `- ${label}: ${(value / base).toFixed(2)}× (target ≤ ${limit}×) — ${value / base <= limit ? 'holds' : 'MISSED'}`;
  const journal = usPerMsg('ours+journal');
  return [
    'Issue 16 targets (server CPU µs per delivered message, throughput run, same run for all):',
    check('ours (store off) / floor', ours, floor, 1.5),
    check('ours (store off) / Socket.IO peer (coalesced)', ours, sio, 0.6),
    check('ours+journal (store on) / floor', journal, floor, 3),
  ];
}

/** A latency run's figures as one half-peak table row. */
function halfPeakRow(label: string, peak: number | undefined, x: LoadResult['latency'][number]): string {
  const gc = x.server ? `${fmt(x.server.gcMs.minor)} / ${fmt(x.server.gcMs.major)} (${x.server.gcCount.minor} / ${x.server.gcCount.major})` : '–';
  const loop = x.server ? `${fmt(x.server.loopP99Ms)} / ${fmt(x.server.loopMaxMs)}` : '–';
  return (
    `| ${label} | ${fmt(peak)} | ${fmt(x.offeredPerSec)} | ${fmt(x.ack.p50Ms)} / **${fmt(x.ack.p99Ms)}** / ${fmt(x.ack.maxMs)} | ${fmt(x.deliver.p99Ms)} | ${x.missingAcks + x.missingDelivers} | ` +
    `${x.serverCpuPct} | ${loop} | ${gc} | ${x.generatorCpuPct} (${x.generatorBusiestCpuPct}; ${x.generators ?? '–'}) | ${fmt(x.generatorLoopP99Ms)} / ${fmt(x.generatorLoopMaxMs)} | ` +
    `${x.sendLag ? `${fmt(x.sendLag.p99Ms)} / ${fmt(x.sendLag.maxMs)}` : '–'} | ${x.serverRunQueueMsPerSec ?? '–'} / ${x.generatorRunQueueMsPerSec ?? '–'} | ${x.machineBusyPct ?? '–'} / ${x.stealPct ?? '–'} | ${x.load1} |`
  );
}

/**
 * Issue 16's latency figures in one table: every server at 50 % of its own
 * closed-loop peak (store off, store on, the floor, the peers), then the
 * idle-connections runs, with what could have made the p99 besides the
 * server's own work: its event loop and GC (ours, from /metrics), the
 * generators' CPU and event-loop delay, the machine's load. Then the
 * targets, held or missed.
 */
export function halfPeakLines(load: readonly LoadResult[], idle: readonly LoadResult[], latencyPeak: 'own' | 'ours' = 'own'): string[] {
  const half = (l: LoadResult): LoadResult['latency'][number] | undefined => l.latency.find((x) => x.fraction === 0.5 && !x.fixedRate);
  const fixed = (l: LoadResult): LoadResult['latency'] => l.latency.filter((x) => x.fixedRate);
  const name = (l: LoadResult): string => (l.target === 'ours+journal' ? 'ours+journal (store on)' : l.target === 'ours' ? 'ours (store off)' : l.target);
  const rows: string[] = [];
  const order = (l: LoadResult): number => ORDER.indexOf(l.target as (typeof ORDER)[number]);
  for (const l of [...load].sort((a, b) => order(a) - order(b) || a.round - b.round)) {
    const x = half(l);
    if (x) rows.push(halfPeakRow(`${name(l)} r${l.round}, 50% of peak`, l.throughput?.ackedPerSec, x));
    for (const f of fixed(l)) rows.push(halfPeakRow(`${name(l)} r${l.round}, fixed ${fmt(f.offeredPerSec)}/s`, l.throughput?.ackedPerSec, f));
  }
  for (const l of idle) {
    const x = half(l);
    const held = `${l.latencyIdle?.opened ?? 0}/${l.latencyIdle?.requested ?? 0} idle connections`;
    if (x) rows.push(halfPeakRow(`${l.target} + ${held}, 50% of peak`, l.throughput?.ackedPerSec, x));
    for (const f of fixed(l)) rows.push(halfPeakRow(`${l.target} + ${held}, fixed ${fmt(f.offeredPerSec)}/s`, l.throughput?.ackedPerSec, f));
  }
  const fixedP99 = (list: readonly LoadResult[], target: string): { rate: number; p99: number } | undefined => {
    const f = list.filter((l) => l.target === target).flatMap(fixed)[0];
    return f ? { rate: f.offeredPerSec, p99: f.ack.p99Ms } : undefined;
  };
  const p99 = (list: readonly LoadResult[], target: string): number | undefined => mean(list.filter((l) => l.target === target).flatMap((l) => { const x = half(l); return x ? [x.ack.p99Ms] : []; }));
  const check = (label: string, value: number | undefined, limit: number): string =>
    value === undefined ? `- ${label}: not measured in this run` : `- ${label}: ${fmt(value)} ms (target ≤ ${limit} ms) — ${value <= limit ? 'holds' : 'MISSED'}`;
  const idleOurs = idle.filter((l) => l.target === 'ours');
  const idleN = idleOurs[0]?.latencyIdle?.opened ?? 0;
  return [
    `## Ack latency at half of peak (issue 16)`,
    '',
    `Each server at 50% of ${latencyPeak === 'ours' ? 'our' : 'its own'} closed-loop peak, measured just before in the same run, and at the fixed rates of \`--rates\` (the same load for every server; issue 16's table quotes 5,800 msgs/s) ` +
      '(open loop, latency from each send\'s scheduled instant, so whatever delayed a message — the server, the generators or the machine — is in it; each latency run on a fresh server process unless `--same-server`). ' +
      'Server loop and GC are ours only (its /metrics, read 300 ms before and after the window so the scrape stays out of it). What else the p99 holds, measured beside it: the generators\' send lag (how late they sent after the scheduled instant: their own share), ' +
      'their CPU and loop delay (near 100% of a core, or a loop delay near the p99: the generator measured itself), the run-queue wait of the server\'s and the generators\' main threads ' +
      '(ms per second they were runnable but had no core: the 2 cores were busy with something else), and the machine\'s busy and hypervisor-stolen CPU (% of all cores; anything here, other users\' work too).',
    '',
    '| run | peak acked/s | offered msgs/s | send→ack p50 / **p99** / max, ms | send→deliver p99, ms | not acked + not delivered | server CPU % | server loop delay p99 / max, ms | server GC ms minor / major (count, lower bound) | generators CPU % (busiest one; processes) | generator loop delay p99 / max, ms | generator send lag p99 / max, ms | run-queue wait ms/s: server / worst generator | machine busy / stolen, % of all cores | load (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Issue 16 targets (ack p99 at half of peak, 200 conversations):',
    check('store on (ours+journal), at half of its own peak', latencyPeak === 'own' ? p99(load, 'ours+journal') : undefined, 50),
    check(`store off (ours) with ${idleN} idle connections held, at half of its peak`, idleN >= 10_000 ? p99(idleOurs, 'ours') : undefined, 20),
    ...[fixedP99(idleOurs, 'ours')].flatMap((f) =>
      f && idleN >= 10_000 ? [`- beside it, the same at the fixed ${fmt(f.rate)} msgs/s of the issue's table: ${fmt(f.p99)} ms (the ≤ 20 ms target is stated at half of peak; this row is for comparing servers at one load)`] : [],
    ),
  ];
}
