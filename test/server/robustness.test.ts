/** Hostile and broken input, storage trouble and re-push (issues 2 and 5): errors, never crashes, never touches others. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../server/src/store/db.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
async function serve(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  running.push(server);
  return server;
}
async function visitor(server: TestServer, hello: cs.v1.Hello.$Properties = {}): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, { site: 'acme', ...hello });
  clients.push(client);
  return client;
}
async function raw(server: TestServer): Promise<ProtoClient> {
  const client = await ProtoClient.connect(server.wsUrl);
  clients.push(client);
  return client;
}
/** A well-behaved pair keeps working: proves the server still serves others. */
async function stillServes(server: TestServer): Promise<void> {
  const a = await visitor(server);
  const b = await visitor(server, { token: a.welcome?.token });
  const ack = await a.send({ text: 'still here' });
  assert.equal(ack.status, cs.v1.AckStatus.OK);
  await b.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false);
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A data directory for a server with the SQLite store, and another connection to its database (an operator's sqlite3 shell, a backup). */
async function storeDir(): Promise<{ dataDir: string; other: () => Db }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-robust-'));
  let db: Db | undefined;
  cleanups.push(async () => {
    db?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { dataDir, other: () => (db ??= openDb(dataDir)) };
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const health = async (server: TestServer): Promise<number> => (await fetch(`${server.url}/healthz`)).status;

describe('robustness', () => {
  test('random bytes get Error BAD_FRAME and the server serves others', async () => {
    const server = await serve();
    const client = await raw(server);
    const mark = client.mark();
    client.sendRaw(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]));
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.BAD_FRAME);
    await stillServes(server);
  });

  test('a truncated frame gets Error BAD_FRAME', async () => {
    const server = await serve();
    const client = await visitor(server);
    const bytes = cs.v1.Frame.encode({ send: { clientMsgId: newClientMsgId(), conversationId: client.conversationId, text: 'cut me short' } }).finish();
    const mark = client.mark();
    client.sendRaw(bytes.subarray(0, bytes.length - 4));
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.BAD_FRAME);
    assert.equal((await client.send({ text: 'and then a good one' })).status, cs.v1.AckStatus.OK);
  });

  test('text with invalid UTF-8 gets Error BAD_FRAME and is not stored', async () => {
    const server = await serve();
    const client = await visitor(server);
    // Frame.send (field 3) { text (field 4): 0xC3 0x28 } — an invalid two-byte sequence.
    const mark = client.mark();
    client.sendRaw(Uint8Array.from([0x1a, 0x04, 0x22, 0x02, 0xc3, 0x28]));
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.BAD_FRAME);
    assert.equal((await client.sync({ afterSeq: 0 })).messages?.length ?? 0, 0);
  });

  test('repeated malformed frames close the socket, and only that one', async () => {
    const server = await serve();
    const client = await raw(server);
    for (let i = 0; i < 6; i++) client.sendRaw(randomBytes(1).fill(0xff));
    const closed = await client.closed;
    assert.equal(closed.code, 1008);
    await stillServes(server);
  });

  test('Send before Hello gets Error PROTOCOL', async () => {
    const server = await serve();
    const client = await raw(server);
    const mark = client.mark();
    client.sendFrame({ send: { clientMsgId: newClientMsgId(), text: 'too early' } });
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.PROTOCOL);
    assert.ok((await client.hello({ site: 'acme' })).userId, 'Hello still works after');
  });

  test('a second Hello gets Error PROTOCOL', async () => {
    const server = await serve();
    const client = await visitor(server);
    const mark = client.mark();
    client.sendFrame({ hello: { site: 'acme' } });
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.PROTOCOL);
  });

  test('an oversize frame closes that socket with a reason and the server serves others', async () => {
    const server = await serve({ maxPayloadBytes: 4096 });
    const client = await visitor(server);
    const mark = client.mark();
    client.sendRaw(cs.v1.Frame.encode({ send: { clientMsgId: newClientMsgId(), text: 'x'.repeat(6000) } }).finish());
    const error = await client.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.TOO_LARGE);
    const closed = await client.closed;
    assert.equal(closed.code, 1009, `close code ${closed.code} (${closed.reason})`);
    await stillServes(server);
  });

  test('a text over the length cap gets Ack REJECTED and is not stored', async () => {
    const server = await serve({ maxTextLength: 100 });
    const client = await visitor(server);
    const ack = await client.send({ text: 'y'.repeat(101) });
    assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
    assert.match(ack.reason ?? '', /longer than 100/);
    assert.equal((await client.sync({ afterSeq: 0 })).messages?.length ?? 0, 0);
  });

  test('a flood over the rate limit gets an answer for every frame and leaves others served', async () => {
    // Hello takes a token too: a burst of 101 leaves exactly 100 for the sends (no reliance on refill timing).
    const server = await serve({ rateBurst: 101, ratePerSecond: 20 });
    const client = await visitor(server);
    const ids = Array.from({ length: 300 }, () => newClientMsgId());
    const mark = client.mark();
    for (const clientMsgId of ids) client.sendFrame({ send: { conversationId: client.conversationId, clientMsgId, text: 'flood' } });
    await client.waitFor(() => client.frames.slice(mark).filter((f) => f.ack).length >= ids.length, { timeoutMs: 10_000 });
    const acks = client.frames.slice(mark).flatMap((f) => (f.ack ? [f.ack] : []));
    const ok = acks.filter((a) => a.status === cs.v1.AckStatus.OK);
    const rejected = acks.filter((a) => a.status === cs.v1.AckStatus.REJECTED);
    assert.equal(ok.length + rejected.length, ids.length, 'no silent drop');
    assert.ok(ok.length >= 100, `the burst passes (${ok.length})`);
    assert.ok(rejected.length > 0 && rejected.every((a) => (a.retryAfterMs ?? 0) > 0 && a.reason === 'rate limited'));
    await stillServes(server);
  });

  test('a malformed Hello field (site over the cap) is refused with BAD_FRAME', async () => {
    const server = await serve();
    const client = await raw(server);
    await assert.rejects(client.hello({ site: 's'.repeat(500) }), /BAD_FRAME/);
  });

  test('the Ack and the fan-out wait for the commit: a writer held back by another connection sends nothing until it is released', async () => {
    const { dataDir, other } = await storeDir();
    const server = await serve({ dataDir });
    const sender = await visitor(server);
    const peer = await visitor(server, { token: sender.welcome?.token });
    await sender.send({ text: 'first, committed' });
    other().exec('BEGIN IMMEDIATE'); // holds the write lock: the writer thread waits (busy timeout 5 s)
    const clientMsgId = newClientMsgId();
    const ackPromise = sender.send({ clientMsgId, text: 'wait for the disk' });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(sender.frames.filter((f) => f.ack?.clientMsgId === clientMsgId).length, 0, 'no Ack before the commit');
    assert.equal(peer.delivered().filter((m) => m.clientMsgId === clientMsgId).length, 0, 'no Deliver before the commit');
    other().exec('COMMIT');
    assert.equal((await ackPromise).status, cs.v1.AckStatus.OK);
    await peer.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === clientMsgId) ?? false);
    // Committed into the message log (merged into messages later: store/message-log.ts), or merged already.
    const stored = other().prepare('SELECT seq FROM message_log WHERE client_msg_id = @id UNION SELECT seq FROM messages WHERE client_msg_id = @id').pluck().get({ id: clientMsgId });
    assert.equal(stored, 2, 'acked means in the database');
  });

  test('when the store refuses, the send is rejected with retry_after_ms, rolled back, and a retry later succeeds once', async () => {
    const { dataDir, other } = await storeDir();
    const server = await serve({ dataDir, busyTimeoutMs: 200, storeProbeMs: 50 });
    const sender = await visitor(server);
    const peer = await visitor(server, { token: sender.welcome?.token });
    await sender.send({ text: 'kept' });
    other().exec('BEGIN IMMEDIATE'); // held past the busy timeout: the commit fails, as on a broken disk
    const clientMsgId = newClientMsgId();
    const first = sender.send({ clientMsgId, text: 'lost disk' });
    const second = sender.send({ text: 'also in flight' });
    for (const ack of [await first, await second]) {
      assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
      assert.equal(ack.reason, 'storage unavailable');
      assert.ok((ack.retryAfterMs ?? 0) > 0);
    }
    other().exec('ROLLBACK');
    const deadline = Date.now() + 5000;
    while ((await health(server)) !== 200) {
      assert.ok(Date.now() < deadline, '/healthz did not recover');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sync = await sender.sync({ afterSeq: 0 });
    assert.deepEqual(sync.messages?.map((m) => m.text), ['kept']);
    assert.equal(sync.conversation?.lastSeq, 1);
    const retry = await sender.send({ clientMsgId, text: 'lost disk' });
    assert.equal(retry.status, cs.v1.AckStatus.OK);
    assert.equal(retry.seq, 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(peer.delivered().map((m) => m.seq), [1, 2]);
  });

  test('an unhealthy store turns /healthz to 503 and sends into REJECTED storage unavailable at once', async () => {
    const { dataDir, other } = await storeDir();
    const server = await serve({ dataDir, busyTimeoutMs: 100, storeProbeMs: 50 });
    const client = await visitor(server);
    assert.equal(await health(server), 200);
    other().exec('BEGIN IMMEDIATE');
    assert.equal((await client.send({ text: 'nope' })).status, cs.v1.AckStatus.REJECTED);
    assert.equal(await health(server), 503);
    const started = Date.now();
    const ack = await client.send({ text: 'nope again' });
    assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
    assert.equal(ack.reason, 'storage unavailable');
    assert.ok(Date.now() - started < 100, 'refused at once, not after another busy timeout');
    other().exec('ROLLBACK');
  });

  test('a push not confirmed by Received is pushed again', async () => {
    const server = await serve({ repushAfterMs: 200 });
    const sender = await visitor(server);
    const receiver = await visitor(server, { token: sender.welcome?.token });
    receiver.sendFrame({ received: { conversationId: sender.conversationId, upToSeq: 0 } });
    await new Promise((r) => setTimeout(r, 20));
    const ack = await sender.send({ text: 'did you get it?' });
    const is = (f: cs.v1.Frame): boolean => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false;
    await receiver.waitFor(is);
    await receiver.waitFor(() => receiver.frames.filter(is).length >= 2, { timeoutMs: 3000 });
    receiver.sendFrame({ received: { conversationId: sender.conversationId, upToSeq: ack.seq } });
    await new Promise((r) => setTimeout(r, 100));
    const count = receiver.frames.filter(is).length;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(receiver.frames.filter(is).length, count, 'no re-push after the Received');
  });
});
