/**
 * Backup and restore (issue 9): `npm run backup -- <file>` copies the
 * database while the server keeps taking messages; the copy passes SQLite's
 * integrity check and, put in place as cs-chat.db of a new data directory,
 * serves every message that was acknowledged before the backup began.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

const run = promisify(execFile);

test('npm run backup copies the store while the server writes, and the copy restores every acked message', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cs-backup-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const server = await startTestServer({ dataDir, rateBurst: 100_000, ratePerSecond: 100_000, visitorBytesPerHour: 1e12 });
  let serverOpen = true;
  t.after(() => (serverOpen ? server.close() : undefined));
  const visitor = await ProtoClient.open(server.wsUrl, { site: 'backup' });
  const before: string[] = [];
  for (let i = 0; i < 150; i += 1) {
    const ack = await visitor.send({ text: `before backup ${i}` });
    assert.equal(ack.status, cs.v1.AckStatus.OK);
    before.push(ack.clientMsgId ?? '');
  }

  // Writes go on while the backup runs.
  let writing = true;
  const writer = (async () => {
    let n = 0;
    while (writing) await visitor.send({ text: `during backup ${n++}` });
  })();
  const file = join(root, 'copy.db');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', resolve('server/src/backup.ts'), file], { env: { ...process.env, CS_DATA_DIR: dataDir } });
  writing = false;
  await writer;
  assert.match(stdout, /backup written to .*copy\.db: \d+ bytes, 1 conversations, \d+ messages/);
  assert.ok(Number(/(\d+) messages/.exec(stdout)?.[1]) >= before.length);
  await assert.rejects(run(process.execPath, ['--import', 'tsx', resolve('server/src/backup.ts'), file], { env: { ...process.env, CS_DATA_DIR: dataDir } }), /exists already/, 'never overwrites');
  await visitor.close();
  await server.close();
  serverOpen = false;

  const restoredDir = join(root, 'restored');
  await mkdir(restoredDir);
  await copyFile(file, join(restoredDir, 'cs-chat.db'));
  assert.equal(existsSync(`${file}.partial`), false);
  const restored = await startTestServer({ dataDir: restoredDir });
  t.after(() => restored.close());
  const reader = await ProtoClient.open(restored.wsUrl, { site: 'backup', token: visitor.welcome?.token ?? '' });
  const page = await reader.sync({ afterSeq: 0, limit: 200 });
  await reader.close();
  assert.deepEqual(page.messages?.slice(0, before.length).map((m) => m.clientMsgId), before);
});
