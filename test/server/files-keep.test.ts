/**
 * Files from server code and their end (issue 13): `Files.storeAttachment`
 * (what inbound email uses) applies the upload endpoint's cap, sniffing,
 * dedup and idempotency, and its file goes out in a message like an
 * upload; retention on a real server removes a purged conversation's files
 * from disk and keeps those of the conversations it keeps.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { openDb } from '../../server/src/store/db.js';
import { fixtures } from '../support/files.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const CAP = 64 * 1024;

async function* slowly(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
    await sleep(1);
  }
}

describe('Files.storeAttachment (server code, e.g. inbound email)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxUploadBytes: CAP });
  });
  after(() => server.close());

  test('a Buffer is kept with its sniffed type and dimensions; a message by the same sender carries it to the agent', async () => {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
    agent.sendFrame({ subscribe: { conversationId: visitor.conversationId } });
    const bytes = fixtures.png(40, 30);
    const kept = await server.files.storeAttachment({ conversationId: visitor.conversationId, uploaderId: visitor.welcome!.userId!, name: 'photo from mail.png', body: bytes, key: '<m1@mail.example>#1' });
    assert.ok(kept.ok);
    assert.deepEqual([kept.row.mime, kept.row.width, kept.row.height, kept.row.size, kept.created], ['image/png', 40, 30, bytes.length, true]);
    const again = await server.files.storeAttachment({ conversationId: visitor.conversationId, uploaderId: visitor.welcome!.userId!, name: 'x.png', body: bytes, key: '<m1@mail.example>#1' });
    assert.ok(again.ok);
    assert.equal(again.row.id, kept.row.id, 'the same key answers with the first file');
    assert.equal(again.created, false);

    const ack = await visitor.send({ text: 'see photo', attachments: [{ id: kept.row.id }] });
    assert.equal(ack.status, cs.v1.AckStatus.OK, ack.reason);
    const frame = await agent.waitFor((f) => f.deliver?.messages?.some((m) => m.seq === ack.seq) ?? false);
    const message = frame.deliver!.messages!.find((m) => m.seq === ack.seq)!;
    assert.equal(message.kind, cs.v1.MessageKind.IMAGE);
    const res = await fetch(`${server.url}${message.attachments![0]!.url}`);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
    await agent.close();
    await visitor.close();
  });

  test('a stream over the cap is refused while reading (nothing kept), HTML is refused, an empty body is refused', async () => {
    const before = server.files.store.storedHashes().length;
    const big = new Uint8Array(CAP + 1);
    big.set(fixtures.pdf());
    const read: number[] = [];
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of slowly(big, 8192)) {
        read.push(chunk.length);
        yield chunk;
      }
    }
    const tooBig = await server.files.storeAttachment({ conversationId: 'c1', uploaderId: 'v1', name: 'scan.pdf', body: counted() });
    assert.deepEqual(tooBig.ok ? 'kept' : [tooBig.code, tooBig.message], ['too_large', 'file too large (max 0.1 MB)']);
    assert.ok(read.reduce((a, b) => a + b, 0) <= CAP + 8192, 'stopped at the chunk that crossed the cap');
    const html = await server.files.storeAttachment({ conversationId: 'c1', uploaderId: 'v1', name: 'cat.png', body: Buffer.from('<!doctype html><script>alert(1)</script>') });
    assert.equal(html.ok ? 'kept' : html.code, 'unsupported_type');
    const empty = await server.files.storeAttachment({ conversationId: 'c1', uploaderId: 'v1', name: 'e.txt', body: new Uint8Array(0) });
    assert.equal(empty.ok ? 'kept' : empty.code, 'empty');
    assert.equal(server.files.store.storedHashes().length, before);
    assert.deepEqual(server.files.store.tempFiles(), []);
  });

  test('the same bytes from a stream and from a Buffer are one file on disk', async () => {
    const bytes = fixtures.pdf(`%%EOF ${Date.now()}`);
    const a = await server.files.storeAttachment({ conversationId: 'c2', uploaderId: 'v2', name: 'a.pdf', body: bytes });
    const b = await server.files.storeAttachment({ conversationId: 'c2', uploaderId: 'v2', name: 'b.pdf', body: slowly(bytes, 7) });
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.row.id, b.row.id);
    assert.equal(a.row.hash, b.row.hash);
    assert.equal(server.files.store.storedHashes().filter((h) => h === a.row.hash).length, 1);
  });
});

test('retention on a real server deletes the files of the conversations it purges, from disk too, and keeps the others', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-files-retention-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  let server = await startTestServer({ dataDir });
  const first = server;
  t.after(() => first.close());
  const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
  const ids: Record<string, string> = {};
  const hashes: Record<string, string> = {};
  for (const [name, colour] of [['old', [1, 2, 3]], ['new', [4, 5, 6]]] as const) {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'keep', topic: name });
    const res = await fetch(`${server.url}/api/uploads?conversation=${visitor.conversationId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${visitor.welcome!.token}`, 'x-file-name': `${name}.png` },
      body: fixtures.png(8, 8, colour) as Uint8Array<ArrayBuffer>,
    });
    const { id } = (await res.json()) as { id: string };
    assert.equal((await visitor.send({ text: '', attachments: [{ id }] })).status, cs.v1.AckStatus.OK);
    ids[name] = visitor.conversationId;
    hashes[name] = server.files.store.get(id)!.hash;
    agent.sendFrame({ action: { conversationId: visitor.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    await agent.waitFor((f) => f.inboxUpdate?.conversation?.id === visitor.conversationId && f.inboxUpdate.conversation.status === cs.v1.ConversationStatus.RESOLVED, { timeoutMs: 5000 });
    await visitor.close();
  }
  await agent.close();
  const onDisk = (hash: string): boolean => existsSync(join(dataDir, 'files', hash.slice(0, 2), hash));
  assert.ok(onDisk(hashes.old!) && onDisk(hashes.new!));
  await server.close();
  const db = openDb(dataDir);
  db.prepare('UPDATE conversations SET last_activity_ms = ? WHERE id = ?').run(Date.now() - 10 * 86_400_000, ids.old);
  db.close();

  server = await startTestServer({ dataDir, retentionDays: 7, retentionEveryMs: 50 });
  t.after(() => server.close());
  const deadline = Date.now() + 5000;
  while (onDisk(hashes.old!)) {
    assert.ok(Date.now() < deadline, 'retention did not delete the file');
    await sleep(50);
  }
  assert.ok(onDisk(hashes.new!), 'the kept conversation keeps its file');
  assert.equal(server.files.store.ofConversation(ids.old!).length, 0);
  assert.equal(server.files.store.ofConversation(ids.new!).length, 1);
});
