/**
 * The SQLite store inside a real server on a real full disk (a small tmpfs):
 * the sender gets Ack REJECTED "storage unavailable" with retry_after_ms
 * (never an OK that a restart could take back), /healthz turns 503, both
 * recover by themselves when space frees, and a restart on the same data
 * dir has every acknowledged message with contiguous seqs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

test('a full disk turns sends into REJECTED storage unavailable and /healthz into 503, then both recover; acked messages survive a restart', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'cs-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root and mount rights); robustness.test.ts covers a refusing store');
    return;
  }
  t.after(async () => {
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await rm(mountPoint, { recursive: true, force: true });
  });
  const dataDir = join(mountPoint, 'data');
  // The probe waits 500 ms: at 20 ms a one-row probe could fit in what the checkpointer freed before /healthz was read (one CI run saw 200).
  const server = await startTestServer({ dataDir, storeProbeMs: 500, rateBurst: 100_000, ratePerSecond: 100_000, visitorBytesPerHour: 1e12 });
  let serverOpen = true;
  t.after(() => (serverOpen ? server.close() : undefined));
  const health = async (): Promise<number> => (await fetch(`${server.url}/healthz`)).status;

  const visitor = await ProtoClient.open(server.wsUrl, { site: 'disk' });
  const acked: string[] = [];
  const first = await visitor.send({ text: 'before the disk filled' });
  assert.equal(first.status, cs.v1.AckStatus.OK);
  acked.push(first.clientMsgId ?? '');
  assert.equal(await health(), 200);

  const ballast = join(mountPoint, 'ballast');
  const free = Number(execFileSync('df', ['--output=avail', '-B1', mountPoint]).toString().trim().split('\n').pop());
  await writeFile(ballast, Buffer.alloc(Math.max(0, free - 256 * 1024)));
  let refused: cs.v1.Ack | undefined;
  for (let i = 0; i < 2000 && !refused; i += 1) {
    const ack = await visitor.send({ text: `filling ${i} ${'x'.repeat(3000)}` });
    if (ack.status === cs.v1.AckStatus.OK) acked.push(ack.clientMsgId ?? '');
    else refused = ack;
  }
  assert.ok(refused, 'the disk filled');
  assert.match(refused.reason ?? '', /storage unavailable/);
  assert.ok((refused.retryAfterMs ?? 0) > 0, 'the client is told when to retry');
  assert.equal(await health(), 503);
  const refusedAgain = await visitor.send({ text: 'still full' });
  assert.equal(refusedAgain.status, cs.v1.AckStatus.REJECTED);

  await rm(ballast);
  const deadline = Date.now() + 10_000;
  while ((await health()) !== 200) {
    assert.ok(Date.now() < deadline, '/healthz did not recover');
    await sleep(20);
  }
  const retried = await visitor.send({ clientMsgId: refused.clientMsgId ?? '', text: 'after the disk freed' });
  assert.equal(retried.status, cs.v1.AckStatus.OK);
  assert.equal(retried.seq, acked.length + 1, 'the refused message left no hole in the seqs');
  acked.push(retried.clientMsgId ?? '');
  await visitor.close();
  await server.close();
  serverOpen = false;

  const restarted = await startTestServer({ dataDir });
  t.after(() => restarted.close());
  const reader = await ProtoClient.open(restarted.wsUrl, { site: 'disk', token: visitor.welcome?.token ?? '' });
  const stored: cs.v1.Message[] = [];
  for (;;) {
    const page = await reader.sync({ afterSeq: stored.length, limit: 200 });
    stored.push(...((page.messages ?? []) as cs.v1.Message[]));
    if (!page.hasMore) break;
  }
  await reader.close();
  assert.deepEqual(stored.map((m) => m.clientMsgId), acked);
  assert.deepEqual(stored.map((m) => m.seq), acked.map((_, i) => i + 1));
});
