/**
 * Migration from the hand-written journal (issue 9): a data directory
 * written by the journal code (test/fixtures/journal-v1, made with it before
 * it was deleted: a snapshot, a segment with a torn tail, the demo secret) is
 * imported at the first start; every message, seq, epoch, dedup id, status,
 * assignee, read cursor, visitor profile and visitor token survives; the
 * journal files are moved aside; a second start does not import again; a
 * failed import refuses to start and leaves the directory as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cs } from '../../proto/gen/chat.js';
import { JournalImportError } from '../../server/src/store/legacy-import.js';
import { openStore } from '../../server/src/store/open.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

const FIXTURE = resolve('test/fixtures/journal-v1');

interface Expected {
  secret: string;
  tokens: Record<string, string>;
  conversations: {
    id: string;
    site: string;
    visitorId: string;
    topic: string;
    epoch: string;
    createdMs: number;
    status: number;
    assigneeId: string;
    readUpTo: { visitor: number; agent: number };
    lastSeq: number;
    messages: { seq: number; clientMsgId: string; senderId: string; senderRole: number; senderName: string; kind: number; text: string; serverTimeMs: number; quoteSeq: number; quickReplies: string[] }[];
  }[];
  visitors: { visitorId: string; userId: string; name: string; email: string }[];
}

async function fixtureCopy(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; expected: Expected }> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-import-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(FIXTURE, dir, { recursive: true });
  await rm(join(dir, 'expected.json'));
  await rm(join(dir, 'README.md'));
  const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
  return { dir, expected };
}

test('the old journal is imported at the first start with every message, seq, epoch, dedup id and cursor, then moved aside', async (t) => {
  const { dir, expected } = await fixtureCopy(t);
  const opened = openStore({ dataDir: dir }, undefined, Date.parse('2026-12-01T12:00:00Z'));
  t.after(() => opened.close());
  const report = opened.imported;
  assert.ok(report, 'an import ran');
  assert.equal(report.conversations, expected.conversations.length);
  assert.equal(report.messages, expected.conversations.reduce((n, c) => n + c.messages.length, 0));
  assert.ok(report.tornBytes > 0, 'the torn tail was noticed and ignored');

  const reader = opened.durable.reader!;
  for (const c of expected.conversations) {
    const row = reader.conversation(c.id);
    assert.ok(row, `conversation ${c.id}`);
    assert.deepEqual(
      { site: row.site, visitorId: row.visitorId, topic: row.topic, epoch: row.epoch, createdMs: row.createdMs, lastSeq: row.lastSeq, status: row.status, assigneeId: row.assigneeId, visitorRead: row.visitorReadSeq, agentRead: row.agentReadSeq },
      { site: c.site, visitorId: c.visitorId, topic: c.topic, epoch: c.epoch, createdMs: c.createdMs, lastSeq: c.lastSeq, status: c.status, assigneeId: c.assigneeId, visitorRead: c.readUpTo.visitor, agentRead: c.readUpTo.agent },
    );
    assert.deepEqual(reader.messages(c.id, 1, c.lastSeq), c.messages.map((m) => ({ ...m, conversationId: c.id })));
    for (const m of c.messages) assert.equal(reader.findDuplicate(c.id, m.senderId, m.clientMsgId), m.seq, 'dedup id survives');
  }
  for (const v of expected.visitors) assert.deepEqual(reader.visitor(v.visitorId), v);

  const names = await readdir(dir);
  assert.deepEqual(names.filter((n) => n.endsWith('.jnl') || n.endsWith('.snap')), [], 'journal files left the data directory');
  assert.ok(names.includes('journal-imported-2026-12-01'), names.join(', '));
  assert.deepEqual((await readdir(join(dir, 'journal-imported-2026-12-01'))).sort(), ['log-00000004.jnl', 'snapshot-00000004.snap']);
  assert.ok(names.includes('secret'), 'the secret stays where the server reads it');
});

test('a server on the imported directory serves the old conversations to the old visitor tokens, and a second start does not import again', async (t) => {
  const { dir, expected } = await fixtureCopy(t);
  let server = await startTestServer({ dataDir: dir, secret: expected.secret });
  const firstServer = server;
  t.after(() => firstServer.close());
  const bobConversation = expected.conversations.find((c) => c.visitorId.startsWith('u_'))!;
  const bob = await ProtoClient.open(server.wsUrl, { site: 'shop', token: expected.tokens.bob });
  const listed = bob.welcome?.conversations?.find((c) => c.id === bobConversation.id);
  assert.equal(listed?.epoch, bobConversation.epoch, 'same epoch: the widget keeps its cached timeline');
  assert.equal(listed?.lastSeq, bobConversation.lastSeq);
  const page = await bob.sync({ conversationId: bobConversation.id, afterSeq: 0, limit: 200 });
  assert.deepEqual(page.messages?.map((m) => m.seq), bobConversation.messages.map((m) => m.seq));
  const first = bobConversation.messages[0]!;
  const retry = await bob.send({ conversationId: bobConversation.id, clientMsgId: first.clientMsgId, text: first.text });
  assert.equal(retry.status, cs.v1.AckStatus.DUPLICATE);
  assert.equal(retry.seq, first.seq, 'a retry of an imported message answers its original seq');
  const fresh = await bob.send({ conversationId: bobConversation.id, text: 'after the upgrade' });
  assert.equal(fresh.seq, bobConversation.lastSeq + 1);
  await bob.close();
  await server.close();

  server = await startTestServer({ dataDir: dir, secret: expected.secret });
  t.after(() => server.close());
  const again = await ProtoClient.open(server.wsUrl, { site: 'shop', token: expected.tokens.bob });
  assert.equal(again.welcome?.conversations?.find((c) => c.id === bobConversation.id)?.lastSeq, bobConversation.lastSeq + 1, 'not imported twice');
  await again.close();
  assert.equal((await readdir(dir)).filter((n) => n.startsWith('journal-imported-')).length, 1);
});

test('an import that fails refuses to start with a clear message and leaves the directory as it was', async (t) => {
  const { dir } = await fixtureCopy(t);
  await mkdir(join(dir, 'log-00000005.jnl')); // a segment that cannot be read (a directory)
  const before = (await readdir(dir)).sort();
  assert.throws(
    () => openStore({ dataDir: dir }),
    (error: unknown) => error instanceof JournalImportError && /cannot import the old journal/.test(error.message) && /Nothing was changed/.test(error.message),
  );
  const after = (await readdir(dir)).filter((n) => n !== 'cs-chat.lock'); // the lock file (empty, never in the way) may stay
  assert.deepEqual(after.sort(), before, 'no database, no moved files');
  assert.equal(existsSync(join(dir, 'cs-chat.db')), false);
  await assert.rejects(startTestServer({ dataDir: dir }), JournalImportError);
});
