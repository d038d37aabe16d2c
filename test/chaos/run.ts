/**
 * The chaos suite (issue 5): many visitors and agents as protocol clients
 * plus real `<cs-chat>` widgets in Chromium all send while the run
 *
 * - cuts random sockets abruptly (from the client side, and in the proxy),
 * - delays bytes and kills connections mid-stream in a loopback TCP proxy in
 *   front of the server (see proxy.ts for why "drop" means "kill"),
 * - SIGKILLs the server and restarts it on the same data dir (journal),
 * - reloads the widget's page right after a send.
 *
 * Then chaos stops, every outbox drains, every participant pulls a final
 * Sync, and a fresh agent reads the server's truth. The checks (verify.ts):
 * every message sent exactly once in every view, seqs contiguous, every view
 * in the server's order, nothing lost that any client saw acked, every
 * composer message present once. Exit code 1 on any violation.
 *
 *   npm run test:chaos          full run (a few minutes), then the same over the HTTP streaming fallback
 *   npm run test:chaos:small    small run (npm test), under a minute, then a small one over the fallback
 *   ... -- --transport=ws|stream only one transport. `stream`: the proxy refuses
 *                               WebSocket upgrades (502), protocol clients speak
 *                               GET /stream + POST /send (their GETs reopened every
 *                               few seconds, under chaos), widgets fall back by themselves
 *   ... -- --sabotage=no-resend clients never resend: must FAIL with lost messages
 *
 * Needs `npm run build` (dist/server/main.js, dist/cs-chat.js) and /usr/bin/chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { signAgentToken } from '../../server/src/gateway/auth.js';
import { launchChromium } from '../e2e/harness.js';
import { Ledger, Participant } from './participant.js';
import { ChaosProxy } from './proxy.js';
import { CHAOS_SECRET, liveChildren, startServerChild, type ServerChild } from './server-process.js';
import { checkCoverage, checkEpochs, checkLedger, checkServerSequences, checkViews, checkWidget, passed, readTruth, type CheckResult } from './verify.js';
import { WidgetVisitor } from './widget.js';

interface Size {
  visitors: number;
  agents: number;
  widgets: number;
  restarts: number;
  reloads: number;
  /** Length of the chaos phase, ms. */
  chaosMs: number;
  /** Mean time between two sends of one protocol client, ms. */
  sendEveryMs: number;
  /** Mean time between two abrupt socket cuts, ms. */
  cutEveryMs: number;
  /** Whole-run watchdog, ms. */
  watchdogMs: number;
}

const SMALL: Size = { visitors: 6, agents: 2, widgets: 1, restarts: 2, reloads: 1, chaosMs: 14_000, sendEveryMs: 700, cutEveryMs: 700, watchdogMs: 150_000 };
const FULL: Size = { visitors: 40, agents: 4, widgets: 2, restarts: 6, reloads: 3, chaosMs: 120_000, sendEveryMs: 1500, cutEveryMs: 400, watchdogMs: 900_000 };
/** Over the streaming fallback (issue 17): the small run is shorter still (npm test runs both). */
const SMALL_STREAM: Size = { ...SMALL, visitors: 4, restarts: 1, chaosMs: 10_000 };
const FULL_STREAM: Size = { ...FULL, visitors: 30, restarts: 4, chaosMs: 90_000 };
/** Over the fallback, protocol clients reopen their stream's GET this often, ms (so reopens happen under chaos). */
const STREAM_REOPEN_MS = 3000;

type Transport = 'ws' | 'stream';

/** Sites of the conversations under test: protocol visitors, and the demo shop the widget is on. */
const VISITOR_SITE = 'chaos';
const WIDGET_SITE = 'demo-shop';
/** Quiet period: longest wait for every outbox to drain, ms (the widget's reconnect backoff caps at 20 s). */
const DRAIN_TIMEOUT_MS = 45_000;

const args = process.argv.slice(2);
const small = args.includes('--small');
const transportArg = args.find((a) => a.startsWith('--transport='))?.split('=')[1] ?? '';
if (transportArg && transportArg !== 'ws' && transportArg !== 'stream') throw new Error(`unknown --transport=${transportArg} (known: ws, stream)`);
const transports: Transport[] = transportArg ? [transportArg as Transport] : ['ws', 'stream'];
const sabotage = args.find((a) => a.startsWith('--sabotage='))?.split('=')[1] ?? '';
if (sabotage && sabotage !== 'no-resend') throw new Error(`unknown --sabotage=${sabotage} (known: no-resend)`);

const cleanups: (() => Promise<void> | void)[] = [];
async function cleanUp(): Promise<void> {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  cleanups.length = 0;
  for (const child of [...liveChildren]) await child.kill().catch(() => undefined);
}

function log(line: string): void {
  process.stdout.write(`chaos: ${line}\n`);
}

/** Random wait around `meanMs` (0.5x .. 1.5x). */
function jitter(meanMs: number): number {
  return meanMs * (0.5 + Math.random());
}

async function main(): Promise<number> {
  let failed = 0;
  for (const transport of transports) {
    failed += await run(transport);
    await cleanUp();
  }
  return failed > 0 ? 1 : 0;
}

/** One chaos run over one transport; resolves with the number of failed checks. */
async function run(transport: Transport): Promise<number> {
  const size = transport === 'ws' ? (small ? SMALL : FULL) : small ? SMALL_STREAM : FULL_STREAM;
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-chaos-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let server: ServerChild = await startServerChild(dataDir);
  const proxy = await ChaosProxy.start(server.port, { refuseUpgrades: transport === 'stream' });
  cleanups.push(() => proxy.close());
  const proxyWs = transport === 'ws' ? `ws://127.0.0.1:${proxy.port}/ws` : `http://127.0.0.1:${proxy.port}/stream`;
  const reopenMs = transport === 'stream' ? STREAM_REOPEN_MS : undefined;
  log(`${small ? 'small' : 'full'} run over ${transport === 'ws' ? 'WebSocket' : 'the HTTP streaming fallback (upgrades refused)'}: ${size.visitors} visitors, ${size.agents} agents, ${size.widgets} widget(s), ` +
    `${size.restarts} restarts, ${size.reloads} reloads, ${size.chaosMs / 1000} s of chaos${sabotage ? `, SABOTAGE ${sabotage}` : ''}`);

  const ledger = new Ledger();
  const resend = sabotage !== 'no-resend';
  const visitors = Array.from({ length: size.visitors }, (_, i) =>
    new Participant({ name: `visitor-${i + 1}`, role: 'visitor', url: proxyWs, reopenMs, sites: [VISITOR_SITE], ledger, resend }));
  const agents = Array.from({ length: size.agents }, (_, i) =>
    new Participant({ name: `agent-${i + 1}`, role: 'agent', url: proxyWs, reopenMs, sites: [VISITOR_SITE, WIDGET_SITE], agentToken: signAgentToken(CHAOS_SECRET, `chaos-agent-${i + 1}`), ledger, resend }));
  const participants = [...visitors, ...agents];
  cleanups.push(() => Promise.all(participants.map((p) => p.stop())).then(() => undefined));
  for (const p of participants) p.start();

  const browser: Browser = await launchChromium();
  cleanups.push(() => browser.close());
  const widgets: WidgetVisitor[] = [];
  for (let i = 0; i < size.widgets; i += 1) widgets.push(await WidgetVisitor.open(browser, `widget-${i + 1}`, `http://127.0.0.1:${proxy.port}/`));

  // ---- chaos phase ----------------------------------------------------------
  const chaosStart = Date.now();
  const chaosEnd = chaosStart + size.chaosMs;
  const chaosOn = (): boolean => Date.now() < chaosEnd;
  let restarts = 0;

  const senders = participants.map(async (p) => {
    await sleep(Math.random() * size.sendEveryMs);
    while (chaosOn()) {
      p.sendNew();
      await sleep(jitter(p.options.role === 'agent' ? size.sendEveryMs / 2 : size.sendEveryMs));
    }
  });

  const cutter = (async () => {
    while (chaosOn()) {
      await sleep(jitter(size.cutEveryMs));
      // Half the cuts from the client side (socket dropped without a close frame), half in the proxy (RST both ways).
      if (Math.random() < 0.5) participants[Math.floor(Math.random() * participants.length)]!.cut();
      else proxy.cutRandom();
    }
  })();

  const restarter = (async () => {
    for (let i = 1; i <= size.restarts; i += 1) {
      await sleep(Math.max(0, chaosStart + (size.chaosMs * i) / (size.restarts + 1) - Date.now()));
      if (!chaosOn()) break;
      await server.kill(); // SIGKILL mid-write: acks in flight, a journal batch half on disk
      restarts += 1;
      await sleep(200 + Math.random() * 800);
      server = await startServerChild(dataDir);
      proxy.retarget(server.port);
      log(`restart ${restarts}: SIGKILLed, back on port ${server.port}`);
    }
  })();

  const widgetLoops = widgets.map(async (w, wi) => {
    const reloadAt = Array.from({ length: size.reloads }, (_, i) => chaosStart + (size.chaosMs * (i + 0.6)) / (size.reloads + 0.5));
    let n = 0;
    while (chaosOn()) {
      n += 1;
      const text = `${w.name} message ${n} (${started.toString(36)})`;
      if (reloadAt.length > 0 && Date.now() >= reloadAt[0]! && wi === 0) {
        reloadAt.shift();
        await w.sendThenReload(text);
      } else {
        await w.send(text);
      }
      await sleep(jitter(1000));
    }
  });

  await Promise.all([...senders, cutter, restarter, ...widgetLoops]);
  const reloads = widgets.reduce((sum, w) => sum + w.reloads, 0);
  log(`chaos over after ${((Date.now() - started) / 1000).toFixed(1)} s: ${ledger.sent.size} protocol + ${widgets.reduce((s, w) => s + w.sent.length, 0)} widget messages, ` +
    `${proxy.cuts} proxy kills (${proxy.postsLost} of them POSTs lost), ${participants.reduce((s, p) => s + p.stats.clientCuts, 0)} client cuts, ${proxy.delayed} delayed chunks`);

  // ---- quiet period -----------------------------------------------------------
  proxy.setChaos(false);
  const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const pending = participants.reduce((sum, p) => sum + p.pending, 0);
    let widgetPending = 0;
    for (const w of widgets) {
      const { sending, failed } = await w.unsettled();
      widgetPending += sending + failed;
      if (failed > 0) await w.retryFailed();
    }
    if (pending === 0 && widgetPending === 0) break;
    if (Date.now() > drainDeadline) {
      log(`outboxes did not drain within ${DRAIN_TIMEOUT_MS / 1000} s: ${pending} protocol and ${widgetPending} widget messages still unacknowledged`);
      break;
    }
    await sleep(250);
  }
  await sleep(1500); // let the last fan-out land before the final pull
  await Promise.all(participants.map((p) => p.finalSync(20_000)));

  const truth = await readTruth(`ws://127.0.0.1:${server.port}/ws`, signAgentToken(CHAOS_SECRET, 'chaos-auditor'), [VISITOR_SITE, WIDGET_SITE]);
  const screens = await Promise.all(widgets.map((w) => w.screenTexts()));

  // ---- checks -------------------------------------------------------------------
  const results: CheckResult[] = [
    checkServerSequences(truth),
    checkLedger(truth, ledger, new Set(widgets.flatMap((w) => w.sent))),
    checkViews(truth, participants),
    checkCoverage(truth, agents),
    checkEpochs(participants),
    ...widgets.map((w, i) => checkWidget(truth, w.name, w.sent, screens[i]!)),
  ];
  const stored = [...truth.values()].reduce((sum, m) => sum + m.length, 0);
  const sum = (k: 'lost' | 'duplicated' | 'misordered'): number => results.reduce((s, r) => s + r[k], 0);
  const cuts = proxy.cuts + participants.reduce((s, p) => s + p.stats.clientCuts, 0);
  const resends = participants.reduce((s, p) => s + p.stats.resends, 0);
  const dupAcks = participants.reduce((s, p) => s + p.stats.duplicates, 0);
  log(`messages ${stored}, cuts ${cuts}, restarts ${restarts}, reloads ${reloads}, lost ${sum('lost')}, duplicated ${sum('duplicated')}, misordered ${sum('misordered')}`);
  log(`(${truth.size} conversations, ${ledger.acked.size} protocol acks, ${resends} resends, ${dupAcks} answered DUPLICATE, ` +
    `${widgets.reduce((s, w) => s + w.retries, 0)} widget retries, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  for (const r of results) {
    log(`${passed(r) ? 'ok  ' : 'FAIL'} ${r.name}`);
    for (const example of r.examples) log(`       ${example}`);
  }
  const failed = results.filter((r) => !passed(r)).length;
  log(`${results.length - failed} passed, ${failed} failed (${transport})`);
  if (failed > 0) log(`VIOLATION: the delivery contract broke under chaos over ${transport} (see the FAIL lines above)`);
  return failed;
}

const watchdogMs = transports.reduce((sum, t) => sum + (t === 'ws' ? (small ? SMALL : FULL) : small ? SMALL_STREAM : FULL_STREAM).watchdogMs, 0);
const watchdog = setTimeout(() => {
  log(`FAIL: the run did not finish within ${watchdogMs / 1000} s`);
  void cleanUp().finally(() => process.exit(1));
}, watchdogMs);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

main().then(
  async (code) => {
    clearTimeout(watchdog);
    await cleanUp();
    process.exit(code);
  },
  async (error: unknown) => {
    clearTimeout(watchdog);
    log(`FAIL: ${(error as Error).stack ?? String(error)}`);
    await cleanUp();
    process.exit(1);
  },
);
