/**
 * `npm run bench -- abuse`: the attack of issue 9 against the built server
 * with its DEFAULT limits and the SQLite store on. From one IP (127.0.0.1),
 * for `--ms` (60 s), at once:
 *
 * - new anonymous sessions as fast as the server takes them (each Hello
 *   without a token, closed after its Welcome or refusal);
 * - topic cycling on one token: a new topic per connection, one message each;
 * - max-length texts at the per-connection rate limit on `--flood-sockets`
 *   sockets of one visitor;
 *
 * while a well-behaved visitor on another address (127.0.0.2) sends 5
 * messages a second. The attack runs in a child process of its own, so its
 * work does not delay the well-behaved client's measurements. Printed: the attackers' outcomes, server RSS at start,
 * peak and end, the well-behaved client's send→ack p50/p99 and failures, the
 * store's size, and the restart-to-healthy time afterwards. Figures only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cs } from '../../proto/gen/chat.js';
import { latency, LeanClient, machineLoad, startServer, storeBytes, type ServerChild } from './store-lib.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const DURATION_MS = option('ms', 60_000);
const FLOOD_SOCKETS = option('flood-sockets', 50);
const MAX_TEXT = 4000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface AttackResult {
  anon: { welcomed: number; refused: number; failed: number };
  topics: { opened: number; stored: number; refused: number; failed: number };
  flood: { ok: number; rejected: number; bytesAccepted: number };
}

/** The attacker's side (a child process): every attack at once for DURATION_MS; prints its counts as JSON. */
async function attack(wsUrl: string): Promise<void> {
  const srv = { wsUrl };
  const stopAt = performance.now() + DURATION_MS;
  const running = (): boolean => performance.now() < stopAt;
  const anon = { welcomed: 0, refused: 0, failed: 0 };
  const anonLoop = async (): Promise<void> => {
    while (running()) {
      try {
        const client = await LeanClient.open(srv.wsUrl, { site: 'shop' });
        anon.welcomed += 1;
        client.close();
      } catch (error) {
        if (/RATE_LIMITED/.test((error as Error).message)) anon.refused += 1;
        else anon.failed += 1;
      }
    }
  };

  const topics = { opened: 0, stored: 0, refused: 0, failed: 0 };
  const cycler = await LeanClient.open(srv.wsUrl, { site: 'shop', topic: 'topic-0' });
  const cyclerToken = cycler.welcome?.token ?? '';
  cycler.close();
  const topicLoop = async (): Promise<void> => {
    for (let n = 1; running(); n += 1) {
      try {
        const client = await LeanClient.open(srv.wsUrl, { site: 'shop', topic: `topic-${n}`, token: cyclerToken });
        topics.opened += 1;
        const { ack } = await client.send(`topic ${n}`);
        if (ack.status === cs.v1.AckStatus.OK) topics.stored += 1;
        client.close();
      } catch (error) {
        if (/RATE_LIMITED/.test((error as Error).message)) topics.refused += 1;
        else topics.failed += 1;
      }
    }
  };

  const flood = { ok: 0, rejected: 0, bytesAccepted: 0 };
  const flooder = await LeanClient.open(srv.wsUrl, { site: 'shop', topic: 'flood' });
  const floodToken = flooder.welcome?.token ?? '';
  flooder.close();
  const text = 'z'.repeat(MAX_TEXT);
  const floodSocket = async (): Promise<void> => {
    const client = await LeanClient.open(srv.wsUrl, { site: 'shop', topic: 'flood', token: floodToken });
    // The per-connection limit is a bucket of 200 refilled at 40/s: send at 40/s.
    while (running()) {
      const started = performance.now();
      const { ack } = await client.send(text);
      if (ack.status === cs.v1.AckStatus.OK) {
        flood.ok += 1;
        flood.bytesAccepted += MAX_TEXT;
      } else flood.rejected += 1;
      await sleep(Math.max(0, 25 - (performance.now() - started)));
    }
    client.close();
  };

  await Promise.all([anonLoop(), anonLoop(), topicLoop(), ...Array.from({ length: FLOOD_SOCKETS }, floodSocket)]);
  const result: AttackResult = { anon, topics, flood };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-abuse-'));
  console.log(`abuse: ${DURATION_MS / 1000} s from 127.0.0.1 against the default limits; load average ${await machineLoad()}`);
  let server: ServerChild | undefined;
  try {
    server = await startServer(dataDir, {});
    const srv = server;
    const rssStart = srv.rssMiB();
    let rssPeak = rssStart;
    const stopAt = performance.now() + DURATION_MS;
    const running = (): boolean => performance.now() < stopAt;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, srv.rssMiB())), 200);

    const good = { samples: [] as number[], failed: 0 };
    const goodClient = await LeanClient.open(srv.wsUrl, { site: 'shop', topic: 'customer' }, '127.0.0.2');
    const goodLoop = async (): Promise<void> => {
      while (running()) {
        const { ack, ms } = await goodClient.send('Where is my parcel?');
        if (ack.status === cs.v1.AckStatus.OK) good.samples.push(ms);
        else good.failed += 1;
        await sleep(200);
      }
    };

    const attacker = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--attack=${srv.wsUrl}`, `--ms=${DURATION_MS}`, `--flood-sockets=${FLOOD_SOCKETS}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let attackOutput = '';
    attacker.stdout.on('data', (chunk: Buffer) => (attackOutput += chunk.toString()));
    const attackDone = new Promise<void>((done) => attacker.once('exit', () => done()));
    await Promise.all([goodLoop(), attackDone]);
    const { anon, topics, flood } = JSON.parse(attackOutput.trim().split('\n').pop() ?? '{}') as AttackResult;
    clearInterval(sampler);
    goodClient.close();
    await sleep(3000); // let closed sockets' conversations leave memory
    const rssEnd = srv.rssMiB();
    const goodLatency = latency(good.samples);
    await srv.stop();
    const bytes = storeBytes(dataDir);
    server = await startServer(dataDir, {});
    console.log(
      [
        '',
        '| abuse (default limits, store on) | value |',
        '|---|---|',
        `| new anonymous sessions | ${anon.welcomed} welcomed, ${anon.refused} refused RATE_LIMITED, ${anon.failed} other failures |`,
        `| topic cycling on one token | ${topics.opened} topics opened, ${topics.stored} stored, ${topics.refused} refused RATE_LIMITED, ${topics.failed} other failures |`,
        `| max-length texts (${FLOOD_SOCKETS} sockets at 40/s) | ${flood.ok} stored (${(flood.bytesAccepted / 1024 / 1024).toFixed(1)} MiB), ${flood.rejected} rejected |`,
        `| server RSS | ${rssStart.toFixed(1)} MiB at start, peak ${rssPeak.toFixed(1)} MiB (+${(rssPeak - rssStart).toFixed(1)}), ${rssEnd.toFixed(1)} MiB at the end |`,
        `| well-behaved client (127.0.0.2) | ${goodLatency.n} acked, p50 ${goodLatency.p50} ms, p99 ${goodLatency.p99} ms, max ${goodLatency.max} ms, ${good.failed} failed |`,
        `| store on disk | ${(bytes / 1024 / 1024).toFixed(1)} MiB |`,
        `| restart to healthy afterwards | ${server.startMs.toFixed(0)} ms |`,
        `| machine | load average ${await machineLoad()} |`,
        '',
      ].join('\n'),
    );
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const attackUrl = argv.find((a) => a.startsWith('--attack='))?.slice('--attack='.length);
(attackUrl ? attack(attackUrl) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
