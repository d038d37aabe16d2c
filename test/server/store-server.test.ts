/**
 * The SQLite store behind a real server (issue 9): a visitor who never writes
 * leaves nothing durable; memory is a bounded hot set and older pages, dedup
 * of long-gone messages and restarts read SQLite; a restart replays nothing;
 * one server per data directory and per port; retention deletes only what
 * it should.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { DataDirLockedError, ListenError } from '../../server/src/index.js';
import { openDb } from '../../server/src/store/db.js';
import { startChildServer } from '../fuzz/child-server.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-store-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Counts rows in the server's database through a connection of its own ('messages': with those still in the message log). */
function rows(dataDir: string, table: string): number {
  const db = openDb(dataDir, { readonly: true });
  try {
    const count = (name: string): number => db.prepare(`SELECT count(*) FROM ${name}`).pluck().get() as number;
    return table === 'messages' ? count('messages') + count('message_log') : count(table);
  } finally {
    db.close();
  }
}

async function readAll(client: ProtoClient, conversationId: string): Promise<cs.v1.Message[]> {
  const messages: cs.v1.Message[] = [];
  for (;;) {
    const page = await client.sync({ conversationId, afterSeq: messages.length, limit: 200 });
    messages.push(...((page.messages ?? []) as cs.v1.Message[]));
    if (!page.hasMore) return messages;
  }
}

test('a visitor who never writes leaves nothing durable and nothing in memory once gone; the row appears with the first message', async (t) => {
  const dataDir = await tempDir(t);
  const server = await startTestServer({ dataDir });
  t.after(() => server.close());
  const idle = await ProtoClient.open(server.wsUrl, { site: 'shop', identity: { userId: 'quiet-1', name: 'Quiet', signature: server.identitySignature('quiet-1') } });
  const listed = idle.welcome?.conversations?.[0];
  assert.ok(listed?.id, 'Welcome lists the derived conversation');
  assert.equal(listed.lastSeq, 0);
  assert.equal(server.store.loaded, 1);
  assert.equal(rows(dataDir, 'conversations') + rows(dataDir, 'visitors') + rows(dataDir, 'messages'), 0, 'nothing durable for a visitor who only looked');
  await idle.close();
  const deadline = Date.now() + 10_000;
  while (server.store.loaded > 0) {
    assert.ok(Date.now() < deadline, 'the never-written conversation stayed in memory');
    await sleep(100);
  }

  const writer = await ProtoClient.open(server.wsUrl, { site: 'shop', identity: { userId: 'quiet-1', name: 'Quiet', signature: server.identitySignature('quiet-1') } });
  const ack = await writer.send({ text: 'now I write' });
  assert.equal(ack.seq, 1);
  await writer.close();
  assert.equal(rows(dataDir, 'conversations'), 1);
  assert.equal(rows(dataDir, 'messages'), 1);
  const db = openDb(dataDir, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('SELECT user_id, name FROM visitors').get(), { user_id: 'quiet-1', name: 'Quiet' }, 'the profile is written with the first message');
});

test('memory holds a bounded hot set: older pages, dedup of evicted messages and a restart read SQLite, and a restart replays nothing', async (t) => {
  const dataDir = await tempDir(t);
  const hotSetBytes = 256 * 1024;
  let server = await startTestServer({ dataDir, hotSetBytes, visitorBytesPerHour: 100_000_000, rateBurst: 100_000, ratePerSecond: 100_000 });
  const firstServer = server;
  t.after(() => firstServer.close()); // closing twice is fine; a failed assertion must not leave it running
  const visitor = await ProtoClient.open(server.wsUrl, { site: 'long' });
  t.after(() => visitor.close());
  const conversationId = visitor.conversationId;
  const sent: string[] = [];
  for (let i = 1; i <= 600; i += 1) {
    const ack = await visitor.send({ text: `${i} ${'x'.repeat(1000)}` });
    assert.equal(ack.seq, i);
    sent.push(ack.clientMsgId ?? '');
  }
  // The trim runs right after the append that passed the budget; the newest messages stay until the message log's merge (about a second).
  const conversation = server.store.get(conversationId)!;
  const deadline = Date.now() + 5000;
  while ((server.store.bytes > hotSetBytes || conversation.hotMessages >= 200) && Date.now() < deadline) await sleep(50);
  assert.ok(server.store.bytes <= hotSetBytes, `hot set ${server.store.bytes} B, budget ${hotSetBytes} B`);
  assert.ok(conversation.hotMessages < 200, `${conversation.hotMessages} of 600 messages still in memory`);

  const history = await readAll(visitor, conversationId);
  assert.deepEqual(history.map((m) => m.seq), Array.from({ length: 600 }, (_, i) => i + 1), 'every page, old ones from SQLite');
  assert.deepEqual(history.map((m) => m.clientMsgId), sent);
  const older = await visitor.sync({ conversationId, beforeSeq: 101, limit: 50 });
  assert.deepEqual(older.messages?.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 51));
  const retry = await visitor.send({ clientMsgId: sent[0], text: 'retry of the very first' });
  assert.equal(retry.status, cs.v1.AckStatus.DUPLICATE);
  assert.equal(retry.seq, 1, 'a retry whose message left memory still answers the original seq');
  await visitor.close();
  await server.close();

  server = await startTestServer({ dataDir, hotSetBytes });
  t.after(() => server.close());
  assert.equal(server.store.loaded, 0, 'no conversation was read at start: nothing is replayed');
  const back = await ProtoClient.open(server.wsUrl, { site: 'long', token: visitor.welcome?.token ?? '' });
  t.after(() => back.close());
  assert.equal(back.welcome?.conversations?.[0]?.lastSeq, 600, 'loaded on demand with its metadata');
  assert.equal(back.welcome?.conversations?.[0]?.epoch, visitor.welcome?.conversations?.[0]?.epoch);
  const again = await back.send({ clientMsgId: sent[599], text: 'retry after restart' });
  assert.equal(again.seq, 600);
});

test('a second server on the same data directory refuses to start with a clear message', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startChildServer(dataDir);
  t.after(() => first.stop());
  await assert.rejects(startChildServer(dataDir), /cannot start: another cs-chat server is already using the data directory/);
  await assert.rejects(startTestServer({ dataDir }), DataDirLockedError, 'also in-process');
  const health = await fetch(`${first.url}/healthz`);
  assert.equal(health.status, 200, 'the first server is untouched');
});

test('listening on a port already in use fails loudly (exclusive listen), and the data directory is released again', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestServer({});
  t.after(() => first.close());
  await assert.rejects(startTestServer({ port: first.port, dataDir }), (error: unknown) => error instanceof ListenError && error.message.includes(String(first.port)));
  const next = await startTestServer({ dataDir });
  await next.close();
});

test('retention deletes resolved conversations idle past CS_RETENTION_DAYS, and keeps open and recent ones', async (t) => {
  const dataDir = await tempDir(t);
  let server = await startTestServer({ dataDir });
  const firstServer = server;
  t.after(() => firstServer.close());
  const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
  const ids: Record<string, string> = {};
  for (const name of ['old-resolved', 'old-open', 'new-resolved']) {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'keep', topic: name });
    for (let i = 0; i < 5; i += 1) await visitor.send({ text: `${name} ${i}` });
    ids[name] = visitor.conversationId;
    await visitor.close();
  }
  for (const name of ['old-resolved', 'new-resolved']) {
    agent.sendFrame({ action: { conversationId: ids[name], action: cs.v1.ActionKind.RESOLVE } });
    await agent.waitFor((f) => f.inboxUpdate?.conversation?.id === ids[name] && f.inboxUpdate.conversation.status === cs.v1.ConversationStatus.RESOLVED, { timeoutMs: 5000 });
  }
  await agent.close();
  await server.close();
  const db = openDb(dataDir);
  const tenDaysAgo = Date.now() - 10 * 86_400_000;
  db.prepare('UPDATE conversations SET last_activity_ms = ? WHERE id IN (?, ?)').run(tenDaysAgo, ids['old-resolved'], ids['old-open']);
  db.close();

  server = await startTestServer({ dataDir, retentionDays: 7, retentionEveryMs: 50 });
  t.after(() => server.close());
  const deadline = Date.now() + 5000;
  while (rows(dataDir, 'conversations') > 2) {
    assert.ok(Date.now() < deadline, 'retention did not run');
    await sleep(50);
  }
  const check = openDb(dataDir, { readonly: true });
  t.after(() => check.close());
  const left = check.prepare('SELECT id FROM conversations ORDER BY id').pluck().all();
  assert.deepEqual(left, [ids['new-resolved'], ids['old-open']].sort());
  assert.equal(check.prepare('SELECT count(*) FROM messages WHERE conversation_id = ?').pluck().get(ids['old-resolved']), 0, 'its messages went too');
  assert.equal(check.prepare('SELECT count(*) FROM messages').pluck().get(), rows(dataDir, 'messages'));
});

test('/metrics shows the hot set, the conversations in memory, store health, commits and the writer thread\'s job times', async (t) => {
  const dataDir = await tempDir(t);
  const server = await startTestServer({ dataDir });
  t.after(() => server.close());
  const visitor = await ProtoClient.open(server.wsUrl, { site: 'metrics' });
  t.after(() => visitor.close());
  await visitor.send({ text: 'counted' });
  // The writer thread posts its job timings about once a second.
  let text = '';
  const deadline = Date.now() + 5000;
  while (!/^cs_store_writer_job_seconds_count\{job="commit"\} [1-9]/m.test(text)) {
    assert.ok(Date.now() < deadline, `no commit timings on /metrics:\n${text.split('\n').filter((l) => l.includes('writer_job')).join('\n')}`);
    await sleep(100);
    text = await (await fetch(`${server.url}/metrics`)).text();
  }
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  assert.ok(value('cs_store_hot_set_bytes') > 0, text.slice(0, 200));
  assert.equal(value('cs_store_loaded_conversations'), 1);
  assert.equal(value('cs_store_healthy'), 1);
  assert.ok(value('cs_store_commits') >= 1);
  assert.ok(value('cs_store_records') >= 2, 'the conversation row and the message');
  const commits = value('cs_store_writer_job_seconds_count{job="commit"}');
  const queued = value('cs_store_writer_job_seconds_count{job="queue"}');
  assert.equal(queued, commits, 'every batch says how long it waited for the writer thread');
  const waited = value('cs_store_writer_job_seconds_sum{job="queue"}');
  assert.ok(waited >= 0 && waited < 5 * queued, `waits of a plausible size (${waited} s over ${queued} batches)`);
});

test('a long conversation keeps only its newest messages in memory even when the hot set has room', async (t) => {
  const dataDir = await tempDir(t);
  const server = await startTestServer({ dataDir, rateBurst: 100_000, ratePerSecond: 100_000 });
  t.after(() => server.close());
  const visitor = await ProtoClient.open(server.wsUrl, { site: 'chatty' });
  t.after(() => visitor.close());
  for (let i = 1; i <= 450; i += 1) assert.equal((await visitor.send({ text: `short ${i}` })).seq, i);
  // Messages leave memory once the message log's merge made them readable from SQLite (about a second).
  const deadline = Date.now() + 5000;
  let hot = server.store.get(visitor.conversationId)!.hotMessages;
  while (hot > 200 && Date.now() < deadline) {
    await sleep(50);
    hot = server.store.get(visitor.conversationId)!.hotMessages;
  }
  assert.ok(hot <= 200, `${hot} of 450 messages in memory (at most 200 per conversation)`);
  const history = await readAll(visitor, visitor.conversationId);
  assert.deepEqual(history.map((m) => m.seq), Array.from({ length: 450 }, (_, i) => i + 1));
});

test('the API lists conversations from SQLite: ones out of memory are listed, filtered and searched, and listing loads none of them', async (t) => {
  const dataDir = await tempDir(t);
  const apiToken = 'api-token-0123456789abcdefghij';
  let server = await startTestServer({ dataDir, apiToken, visitorBytesPerHour: 100_000_000 });
  for (let i = 0; i < 12; i++) {
    const visitor = await ProtoClient.open(server.wsUrl, { site: i % 2 === 0 ? 'even' : 'odd', topic: `order-${i}` });
    await visitor.send({ text: i === 7 ? 'My parcel is LATE' : `hello ${i}` });
    await visitor.close();
  }
  await server.close();
  // A restart starts with nothing in memory: every conversation is only in SQLite.
  server = await startTestServer({ dataDir, apiToken });
  t.after(() => server.close());
  assert.equal(server.store.loaded, 0);
  const get = async (query: string): Promise<{ conversations: { topic: string; preview: string; last_seq: number; unread: number }[]; sites: string[] }> => {
    const answer = await fetch(`${server.url}/api/conversations${query}`, { headers: { authorization: `Bearer ${apiToken}` } });
    assert.equal(answer.status, 200);
    return (await answer.json()) as { conversations: { topic: string; preview: string; last_seq: number; unread: number }[]; sites: string[] };
  };
  const all = await get('');
  assert.equal(all.conversations.length, 12, 'every stored conversation, not only the ones in memory');
  assert.deepEqual(all.sites, ['even', 'odd']);
  assert.equal(all.conversations[0]?.topic, 'order-11', 'newest activity first');
  assert.deepEqual([all.conversations[0]?.preview, all.conversations[0]?.last_seq, all.conversations[0]?.unread], ['hello 11', 1, 1], 'preview and unread read from the store');
  assert.equal((await get('?site=odd')).conversations.length, 6);
  assert.equal((await get('?status=resolved')).conversations.length, 0);
  assert.equal((await get('?status=open&limit=5')).conversations.length, 5);
  assert.deepEqual((await get('?q=parcel')).conversations.map((c) => c.topic), ['order-7'], 'message text, case folded');
  assert.deepEqual((await get('?q=ORDER-3')).conversations.map((c) => c.topic), ['order-3'], 'topic');
  assert.equal(server.store.loaded, 0, 'listing and searching loaded nothing into the hot set');
});
