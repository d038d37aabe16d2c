/**
 * The FileJournal inside a real server when the disk refuses writes: the
 * sender gets Ack REJECTED "storage unavailable" (never an OK that a restart
 * could take back), /healthz turns 503, both recover when the disk does, and
 * a restart on the same data dir has every acknowledged message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { FileJournal, type JournalFs } from '../../server/src/store/journal.js';
import { nodeJournalFs } from '../../server/src/store/journal-fs.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

/** node:fs whose writes fail with ENOSPC while `full.value` is true. */
function fillableFs(full: { value: boolean }): JournalFs {
  const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  return {
    ...nodeJournalFs,
    async open(path, mode) {
      const file = await nodeJournalFs.open(path, mode);
      return {
        write: (data) => (full.value ? Promise.reject(enospc()) : file.write(data)),
        sync: () => file.sync(),
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
    },
  };
}

test('a full disk turns sends into REJECTED storage unavailable and /healthz into 503, then both recover; acked messages survive a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-journal-server-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const full = { value: false };
  const server = await startTestServer({ journal: new FileJournal(dataDir, { fs: fillableFs(full), probeMs: 20 }) });
  let serverOpen = true;
  t.after(() => (serverOpen ? server.close() : undefined));
  const health = async (): Promise<number> => (await fetch(`${server.url}/healthz`)).status;

  const visitor = await ProtoClient.open(server.wsUrl, { site: 'disk' });
  const acked: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const ack = await visitor.send({ text: `before ${i}` });
    assert.equal(ack.status, cs.v1.AckStatus.OK);
    acked.push(ack.clientMsgId ?? '');
  }
  assert.equal(await health(), 200);

  full.value = true;
  const refused = await visitor.send({ text: 'while full' });
  assert.equal(refused.status, cs.v1.AckStatus.REJECTED);
  assert.match(refused.reason ?? '', /storage unavailable/);
  assert.ok((refused.retryAfterMs ?? 0) > 0, 'the client is told when to retry');
  assert.equal(await health(), 503);
  const refusedAgain = await visitor.send({ text: 'still full' });
  assert.equal(refusedAgain.status, cs.v1.AckStatus.REJECTED);

  full.value = false;
  const deadline = Date.now() + 5000;
  while ((await health()) !== 200) {
    assert.ok(Date.now() < deadline, '/healthz did not recover');
    await sleep(20);
  }
  const retried = await visitor.send({ clientMsgId: refused.clientMsgId ?? '', text: 'while full' });
  assert.equal(retried.status, cs.v1.AckStatus.OK);
  assert.equal(retried.seq, 4, 'the refused message left no hole in the seqs');
  acked.push(retried.clientMsgId ?? '');
  await visitor.close();
  await server.close();
  serverOpen = false;

  const restarted = await startTestServer({ journal: new FileJournal(dataDir) });
  t.after(() => restarted.close());
  const reader = await ProtoClient.open(restarted.wsUrl, { site: 'disk', token: visitor.welcome?.token ?? '' });
  const stored = await reader.sync({ afterSeq: 0 });
  await reader.close();
  assert.deepEqual(stored.messages?.map((m) => m.clientMsgId), acked);
  assert.deepEqual(stored.messages?.map((m) => m.seq), [1, 2, 3, 4]);
});
