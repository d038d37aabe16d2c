/**
 * One load-generator process (forked by run.ts; several run side by side so
 * the generator is not one single-threaded bottleneck). It holds a slice of
 * the conversations — each one visitor connection and one agent connection
 * subscribed to it — or a slice of idle / reconnecting clients, and runs what
 * the parent asks over IPC. Times inside one process use performance.now();
 * a visitor and its agent live in the same process, so send->deliver is
 * measured on one clock.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { backoffDelay } from '../../widget/src/core/backoff.js';
import { connect, type BenchClient, type DeliveredMessage, type Wire } from './lib/clients.js';
import { agentToken } from './peers/chat-state.js';

export type LoadCommand =
  | {
      cmd: 'setup';
      wire: Wire;
      url: string;
      secret: string;
      first: number;
      count: number;
      addresses: string[];
      /** Watchers variant: visitors only (no subscribed agent each), plus this many agents here that subscribe to nothing and follow the inbox. */
      watchers?: number;
    }
  | { cmd: 'throughput'; inflight: number; startAt: number; warmupMs: number; durationMs: number }
  | { cmd: 'latency'; ratePerSec: number; startAt: number; warmupMs: number; durationMs: number; drainMs: number }
  | { cmd: 'idle'; wire: Wire; url: string; count: number; addresses: string[]; storm: boolean }
  | { cmd: 'storm-report' }
  | { cmd: 'close' };

export interface LoadCounts {
  acked: number;
  duplicate: number;
  rejected: number;
  delivered: number;
  /** InboxUpdates received (single or inside an InboxBatch). */
  inbox: number;
  /** Frames that carried them. */
  inboxFrames: number;
}

export type LoadEvent =
  | { ev: 'ready'; opened: number; failed: number; firstError?: string }
  | ({ ev: 'throughput' } & LoadCounts)
  | ({
      ev: 'latency';
      ackUs: number[];
      deliverUs: number[];
      sent: number;
      missingAcks: number;
      missingDelivers: number;
      /** This generator's own event-loop delay over the window (p99, max), ms: a stalled generator shows up here, not as server latency. */
      loopP99Ms: number;
      loopMaxMs: number;
      /** Worst send→ack per 100 ms of scheduled send time over the window, µs (0: nothing acked from that slice): where in time the tail sits. */
      ackWorstPer100ms: number[];
      /** How late this generator sent each message of the window after its scheduled instant, µs (its own share of every latency). */
      sendLagUs: number[];
    } & LoadCounts)
  | { ev: 'storm'; total: number; resumed: number; connectAt: number[]; welcomeAt: number[]; attempts: number }
  | { ev: 'error'; message: string };

const TEXT = 'Hi! Where is my order #48213? It was due yesterday.';
const SITE = 'bench';
const idPrefix = randomBytes(8).toString('hex');
let idCounter = 0;
/** 128-bit client message id: a per-process random half and a counter half. */
function newId(): string {
  return idPrefix + (idCounter++).toString(16).padStart(16, '0');
}

function reply(e: LoadEvent): void {
  process.send!(e);
}

/** Runs `make` for 0..n-1 with at most `limit` in flight. */
async function pool(n: number, limit: number, make: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await make(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

interface Pair {
  visitor: BenchClient;
  /** The conversation's subscribed agent (none in the watchers variant). */
  agent: BenchClient | undefined;
  conversationId: string;
  /** Agent's contiguous cursor, and what it last confirmed with Received. */
  cursor: number;
  confirmed: number;
  /** Ack callback of the running scenario. */
  onAck: (clientMsgId: string, status: number) => void;
}

const pairs: Pair[] = [];
/** Watchers variant: agents that follow every conversation through inbox notices only. */
const watchers: BenchClient[] = [];
const counts: LoadCounts = { acked: 0, duplicate: 0, rejected: 0, delivered: 0, inbox: 0, inboxFrames: 0 };
/** Set by a scenario: called for every message an agent receives. */
let onDelivered: (m: DeliveredMessage, now: number) => void = () => undefined;
let receivedTimer: NodeJS.Timeout | undefined;

async function setup(c: Extract<LoadCommand, { cmd: 'setup' }>): Promise<void> {
  let failed = 0;
  let firstError: string | undefined;
  await pool(c.count, 50, async (i) => {
    const n = c.first + i;
    const localAddress = c.addresses[n % c.addresses.length];
    try {
      const pair = { cursor: 0, confirmed: 0, onAck: () => undefined } as unknown as Pair;
      pair.visitor = await connect({ wire: c.wire, url: c.url, localAddress }, { onAck: (id, _seq, status) => pair.onAck(id, status) });
      const welcome = await pair.visitor.hello({ token: '', site: SITE, topic: `t${n}` });
      const conv = welcome.conversations[0];
      if (!conv) throw new Error('Welcome carried no conversation for the visitor');
      pair.conversationId = conv.id;
      const onMessages = (list: DeliveredMessage[]): void => {
        const now = performance.now();
        for (const m of list) {
          if (m.seq === pair.cursor + 1) pair.cursor = m.seq;
          onDelivered(m, now);
        }
      };
      if (c.watchers !== undefined) {
        pairs.push(pair);
        return;
      }
      pair.agent = await connect(
        { wire: c.wire, url: c.url, localAddress },
        { onDeliver: onMessages, onSyncResult: (_id, list) => onMessages(list), onInboxUpdate: countInbox },
      );
      await pair.agent.hello({ token: agentToken(c.secret, `agent${n}`) });
      pair.agent.subscribe(conv.id);
      pair.cursor = conv.lastSeq;
      pairs.push(pair);
    } catch (e) {
      failed++;
      firstError ??= String(e);
    }
  });
  for (let w = 0; w < (c.watchers ?? 0); w++) {
    try {
      const watcher = await connect({ wire: c.wire, url: c.url, localAddress: c.addresses[0] }, { onInboxUpdate: countInbox });
      await watcher.hello({ token: agentToken(c.secret, `watcher${c.first}-${w}`) });
      watchers.push(watcher);
    } catch (e) {
      failed++;
      firstError ??= String(e);
    }
  }
  // Cumulative, batched delivery acks (DESIGN.md §3.7), so the server's re-push never fires.
  receivedTimer = setInterval(() => {
    for (const p of pairs)
      if (p.agent && p.cursor > p.confirmed) {
        p.agent.received(p.conversationId, p.cursor);
        p.confirmed = p.cursor;
      }
  }, 200);
  reply({ ev: 'ready', opened: pairs.length, failed, firstError });
}

function countInbox(updates: number): void {
  counts.inbox += updates;
  counts.inboxFrames++;
}

function resetCounts(): void {
  counts.acked = counts.duplicate = counts.rejected = counts.delivered = counts.inbox = counts.inboxFrames = 0;
}

function countAck(status: number): void {
  if (status === 0) counts.acked++;
  else if (status === 1) counts.duplicate++;
  else counts.rejected++;
}

/** Local performance.now() of an epoch-ms instant. */
function perfAt(epochMs: number): number {
  return performance.now() + (epochMs - Date.now());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Closed loop: each visitor keeps `inflight` unacked sends; counts inside the window. */
async function throughput(c: Extract<LoadCommand, { cmd: 'throughput' }>): Promise<void> {
  const start = perfAt(c.startAt);
  const from = start + c.warmupMs;
  const to = from + c.durationMs;
  let running = true;
  resetCounts();
  onDelivered = (_m, now) => {
    if (now >= from && now < to) counts.delivered++;
  };
  await sleep(start - performance.now());
  for (const p of pairs) {
    p.onAck = (_id, status) => {
      const now = performance.now();
      if (now >= from && now < to) countAck(status);
      if (running) p.visitor.send(p.conversationId, newId(), TEXT);
    };
    for (let k = 0; k < c.inflight; k++) p.visitor.send(p.conversationId, newId(), TEXT);
  }
  await sleep(to - performance.now());
  running = false;
  await sleep(500); // let in-flight sends settle before the next scenario
  reply({ ev: 'throughput', ...counts });
}

/**
 * Open loop: sends at scheduled instants regardless of answers; latency is
 * taken from the scheduled instant (no coordinated omission).
 */
async function latency(c: Extract<LoadCommand, { cmd: 'latency' }>): Promise<void> {
  const start = perfAt(c.startAt);
  const from = start + c.warmupMs;
  const to = from + c.durationMs;
  const ackAt = new Map<string, number>();
  const deliverAt = new Map<string, number>();
  const ackUs: number[] = [];
  const deliverUs: number[] = [];
  const ackWorstPer100ms: number[] = new Array<number>(Math.ceil(c.durationMs / 100)).fill(0);
  const sendLagUs: number[] = [];
  let sent = 0;
  resetCounts();
  onDelivered = (m, now) => {
    const t = deliverAt.get(m.clientMsgId);
    if (t === undefined) return;
    deliverAt.delete(m.clientMsgId);
    counts.delivered++;
    deliverUs.push(Math.round((now - t) * 1000));
  };
  for (const p of pairs)
    p.onAck = (id, status) => {
      const t = ackAt.get(id);
      if (t === undefined) return;
      ackAt.delete(id);
      countAck(status);
      if (status === 0) {
        const us = Math.round((performance.now() - t) * 1000);
        ackUs.push(us);
        const slice = Math.floor((t - from) / 100);
        if (us > ackWorstPer100ms[slice]!) ackWorstPer100ms[slice] = us;
      } else deliverAt.delete(id);
    };
  const n = pairs.length;
  if (n === 0 || c.ratePerSec <= 0) return reply({ ev: 'latency', ...counts, ackUs, deliverUs, sent, missingAcks: 0, missingDelivers: 0, loopP99Ms: 0, loopMaxMs: 0, ackWorstPer100ms, sendLagUs });
  const interval = (1000 * n) / c.ratePerSec;
  const next = pairs.map((_p, i) => start + (i * interval) / n);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let loopReset = false;
  await sleep(start - performance.now());
  loop.enable();
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      if (!loopReset && now >= from) {
        loop.reset();
        loopReset = true;
      }
      for (let i = 0; i < n; i++) {
        while (next[i]! <= now && next[i]! < to) {
          const at = next[i]!;
          next[i] = at + interval;
          const id = newId();
          if (at >= from) {
            ackAt.set(id, at);
            deliverAt.set(id, at);
            sendLagUs.push(Math.round((now - at) * 1000));
            sent++;
          }
          pairs[i]!.visitor.send(pairs[i]!.conversationId, id, TEXT);
        }
      }
      if (now >= to) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  loop.disable();
  // The monitor records the time between its 1 ms samples: the delay is what exceeds 1 ms.
  const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e4) / 100 - 1);
  await sleep(c.drainMs);
  for (const p of pairs) p.onAck = () => undefined;
  onDelivered = () => undefined;
  reply({ ev: 'latency', ...counts, ackUs, deliverUs, sent, missingAcks: ackAt.size, missingDelivers: deliverAt.size, loopP99Ms: ms(loop.percentile(99)), loopMaxMs: ms(loop.max), ackWorstPer100ms, sendLagUs });
}

// ---- idle connections and the reconnect storm ----

interface StormClient {
  token: string;
  conversationId: string;
  epoch: string;
  client: BenchClient | undefined;
  attempt: number;
  resumed: boolean;
}
const idle: StormClient[] = [];
let stormWire: Wire = 'proto';
let stormUrl = '';
let stormAddresses: string[] = [];
let stormArmed = false;
let stopping = false;
const connectAt: number[] = [];
const welcomeAt: number[] = [];
let attempts = 0;
/** Widget defaults (SessionOptions.backoffBaseMs / backoffCapMs). */
const BACKOFF = { baseMs: 500, capMs: 20_000 };

function reconnectLater(s: StormClient, index: number): void {
  if (stopping) return;
  const delay = backoffDelay(s.attempt++, BACKOFF);
  setTimeout(() => void reconnect(s, index), delay);
}

async function reconnect(s: StormClient, index: number): Promise<void> {
  if (stopping) return;
  attempts++;
  try {
    const client = await connect(
      { wire: stormWire, url: stormUrl, localAddress: stormAddresses[index % stormAddresses.length], timeoutMs: 30_000 },
      { onClose: () => onStormClose(s, index) },
    );
    s.client = client;
    connectAt.push(Date.now());
    const w = await client.hello({ token: s.token, site: SITE, cursors: [{ conversationId: s.conversationId, epoch: s.epoch, seq: 0 }] });
    const conv = w.conversations[0];
    if (conv) {
      s.conversationId = conv.id;
      s.epoch = conv.epoch;
    }
    if (w.token) s.token = w.token;
    s.attempt = 0;
    s.resumed = true;
    welcomeAt.push(Date.now());
  } catch {
    s.client?.close();
    s.client = undefined;
    reconnectLater(s, index);
  }
}

function onStormClose(s: StormClient, index: number): void {
  // Only a resumed client reconnects here; a failed attempt is retried by `reconnect` itself.
  if (!stormArmed || stopping || !s.resumed) return;
  s.client = undefined;
  s.resumed = false;
  reconnectLater(s, index);
}

async function openIdle(c: Extract<LoadCommand, { cmd: 'idle' }>): Promise<void> {
  stormWire = c.wire;
  stormUrl = c.url;
  stormAddresses = c.addresses;
  let failed = 0;
  let firstError: string | undefined;
  await pool(c.count, 100, async (i) => {
    const s: StormClient = { token: '', conversationId: '', epoch: '', client: undefined, attempt: 0, resumed: true };
    try {
      s.client = await connect({ wire: c.wire, url: c.url, localAddress: c.addresses[i % c.addresses.length] }, { onClose: () => onStormClose(s, i) });
      const w = await s.client.hello({ token: '', site: SITE });
      s.token = w.token;
      s.conversationId = w.conversations[0]?.id ?? '';
      s.epoch = w.conversations[0]?.epoch ?? '';
      idle.push(s);
    } catch (e) {
      failed++;
      firstError ??= String(e);
      s.client?.close();
    }
  });
  stormArmed = c.storm;
  reply({ ev: 'ready', opened: idle.length, failed, firstError });
}

function closeAll(): void {
  stopping = true;
  if (receivedTimer) clearInterval(receivedTimer);
  for (const p of pairs) {
    p.visitor.close();
    p.agent?.close();
  }
  for (const w of watchers) w.close();
  for (const s of idle) s.client?.close();
  setTimeout(() => process.exit(0), 200);
}

process.on('message', (m: LoadCommand) => {
  const run = async (): Promise<void> => {
    switch (m.cmd) {
      case 'setup':
        return setup(m);
      case 'throughput':
        return throughput(m);
      case 'latency':
        return latency(m);
      case 'idle':
        return openIdle(m);
      case 'storm-report':
        return reply({ ev: 'storm', total: idle.length, resumed: idle.filter((s) => s.resumed).length, connectAt, welcomeAt, attempts });
      case 'close':
        return closeAll();
    }
  };
  run().catch((e: unknown) => reply({ ev: 'error', message: String(e instanceof Error ? e.stack : e) }));
});
process.on('disconnect', () => process.exit(0));
