/**
 * A conversation's epoch across restarts (DESIGN.md §3.9, §5). The epoch
 * tells a client whether the seqs it holds still mean what they meant: with
 * the SQLite store on, it must never change for a conversation the server
 * still has, or clients drop their copy for nothing. A conversation gets
 * its row with its first message (§2), so before that its epoch lives in
 * memory only; these tests pin it down at the moments a restart can hit:
 * a Welcome listed it and nothing was written yet, and its first message is
 * staged with the commit still under way (an injected 60 s commit window
 * holds it there, instead of hoping a SIGKILL lands inside 5 ms). Both run
 * over the HTTP streaming fallback, where the chaos suite saw the change.
 *
 * In-process: the hot set dropping a never-written conversation and loading
 * it again keeps its epoch too, while a conversation deleted by retention
 * comes back under a new one (a client may still hold the deleted seqs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cs } from '../../proto/gen/chat.js';
import { ConversationStore } from '../../server/src/store/conversations.js';
import { openMigrated } from '../../server/src/store/db.js';
import { MIGRATIONS } from '../../server/src/store/migrations.js';
import { openStore } from '../../server/src/store/open.js';
import { signAgentToken } from '../../server/src/gateway/auth.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { CHILD_SECRET, startChildServer, type ChildServer } from '../fuzz/child-server.js';

const SITE = 'epoch';

async function withDataDir(body: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-epoch-'));
  try {
    await body(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A visitor over GET /stream + POST /send; resolves with the client and its primary conversation as the Welcome listed it. */
async function visitorOverStream(server: ChildServer, token: string, cursors: cs.v1.Cursor.$Properties[] = []): Promise<{ client: ProtoClient; conversation: cs.v1.Conversation }> {
  const client = await ProtoClient.connect(`${server.url}/stream`);
  const welcome = await client.hello({ site: SITE, token, cursors });
  const conversation = welcome.conversations?.[0] as cs.v1.Conversation | undefined;
  assert.ok(conversation?.id, 'the Welcome lists the primary conversation');
  return { client, conversation };
}

/** Resolves once the server answered a Ping sent after everything before it (frames of one session are handled in order). */
async function roundTrip(client: ProtoClient): Promise<void> {
  const timeMs = Date.now();
  const since = client.frames.length;
  client.sendFrame({ ping: { timeMs } });
  await client.waitFor((f) => Number(f.pong?.timeMs ?? 0) === timeMs, { since, timeoutMs: 10_000, what: 'Pong' });
}

test('a database from before stable epochs gets a salt and keeps every stored epoch', async () => {
  await withDataDir(async (dataDir) => {
    const step = MIGRATIONS.findIndex((m) => m.name.startsWith('meta epoch_salt'));
    assert.ok(step > 0, 'a schema step makes the salt');
    const older = MIGRATIONS.slice(0, step);
    const db = openMigrated(dataDir, { migrations: older });
    db.prepare(`INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES ('c_old', ?, 'v_old', '', 'rAnd0m01', 1, 0, 1, 0)`).run(SITE);
    assert.equal(db.prepare("SELECT count(*) FROM meta WHERE key = 'epoch_salt'").pluck().get(), 0);
    db.close();
    const opened = openStore({ dataDir, commitMs: 1 });
    const store = new ConversationStore(opened.durable);
    try {
      assert.match(opened.durable.reader?.epochSalt() ?? '', /^[0-9a-f]{32}$/, 'the upgrade made a salt');
      assert.equal(store.get('c_old')?.epoch, 'rAnd0m01', 'a stored conversation keeps the epoch its row holds');
    } finally {
      store.dispose();
      await opened.close();
    }
  });
});

test('a conversation listed before its first message keeps its epoch across a SIGKILL', async () => {
  await withDataDir(async (dataDir) => {
    let server = await startChildServer(dataDir);
    try {
      const first = await visitorOverStream(server, '');
      const token = first.client.welcome?.token ?? '';
      const before = first.conversation;
      assert.equal(before.lastSeq ?? 0, 0, 'nothing written yet: no row in the store');
      await server.kill();
      await first.client.close().catch(() => undefined);

      server = await startChildServer(dataDir);
      const again = await visitorOverStream(server, token, [{ conversationId: before.id, epoch: before.epoch, seq: 0 }]);
      assert.equal(again.conversation.id, before.id, 'the same visitor lands on the same line');
      assert.equal(again.conversation.epoch, before.epoch, 'a restart with the store on keeps the epoch of a conversation not written yet');
      await again.client.close();
    } finally {
      await server.kill();
    }
  });
});

test('a SIGKILL while the first message is still being committed keeps the epoch, and the unacknowledged message is sent again', async () => {
  await withDataDir(async (dataDir) => {
    // A 60 s group-commit window: the first message is staged in memory, its transaction not begun, when the kill comes.
    let server = await startChildServer(dataDir, { CS_COMMIT_MS: '60000' });
    try {
      const first = await visitorOverStream(server, '');
      const token = first.client.welcome?.token ?? '';
      const before = first.conversation;
      const clientMsgId = newClientMsgId();
      const since = first.client.frames.length;
      first.client.sendFrame({ send: { clientMsgId, conversationId: before.id, text: 'hello, is my parcel on its way?' } });
      await roundTrip(first.client);
      assert.equal(first.client.frames.slice(since).some((f) => f.ack), false, 'no Ack before the commit');
      await server.kill();
      await first.client.close().catch(() => undefined);

      server = await startChildServer(dataDir);
      const again = await visitorOverStream(server, token, [{ conversationId: before.id, epoch: before.epoch, seq: 0 }]);
      assert.equal(again.conversation.epoch, before.epoch, 'the row never committed, yet the epoch is the one the client holds');
      assert.equal(again.conversation.lastSeq ?? 0, 0, 'the message that was never acknowledged is not there');
      const ack = await again.client.send({ clientMsgId, conversationId: before.id, text: 'hello, is my parcel on its way?' });
      assert.equal(ack.status, cs.v1.AckStatus.OK);
      assert.equal(ack.seq, 1);
      await again.client.close();
      await server.kill();

      server = await startChildServer(dataDir);
      const stored = await visitorOverStream(server, token, [{ conversationId: before.id, epoch: before.epoch, seq: 1 }]);
      assert.equal(stored.conversation.epoch, before.epoch, 'the row holds the same epoch');
      assert.equal(stored.conversation.lastSeq, 1);
      await stored.client.close();
    } finally {
      await server.kill();
    }
  });
});

test('a message whose commit is under way is shown to nobody: not in a Welcome, a Sync, a resume or an agent inbox', async () => {
  await withDataDir(async (dataDir) => {
    let server = await startChildServer(dataDir, { CS_COMMIT_MS: '60000' });
    try {
      const writer = await visitorOverStream(server, '');
      const token = writer.client.welcome?.token ?? '';
      const conversationId = writer.conversation.id ?? '';
      writer.client.sendFrame({ send: { clientMsgId: newClientMsgId(), conversationId, text: 'staged, not committed' } });
      await roundTrip(writer.client);

      // The visitor's other device resumes from 0 and asks for everything: a message a SIGKILL can still take back must not reach it.
      const other = await visitorOverStream(server, token, [{ conversationId, epoch: writer.conversation.epoch, seq: 0 }]);
      assert.equal(other.conversation.lastSeq ?? 0, 0, 'the Welcome counts only committed messages');
      const page = await other.client.sync({ conversationId, afterSeq: 0, limit: 50 });
      assert.deepEqual(page.messages ?? [], [], 'a Sync returns only committed messages');
      assert.equal(page.conversation?.lastSeq ?? 0, 0);
      assert.equal(other.client.frames.some((f) => (f.deliver?.messages?.length ?? 0) > 0), false, 'the resume pushed nothing');
      const agent = await ProtoClient.open(server.wsUrl, { token: signAgentToken(CHILD_SECRET, 'alice') });
      assert.equal((agent.welcome?.conversations ?? []).some((c) => c.id === conversationId), false, 'no agent inbox lists a conversation whose row is not committed');
      // Nor the JSON API: a script reading it would hold a message the kill takes back.
      const bearer = { authorization: `Bearer ${signAgentToken(CHILD_SECRET, 'alice')}` };
      const one = await fetch(`${server.url}/api/conversations/${encodeURIComponent(conversationId)}?after_seq=0`, { headers: bearer });
      if (one.ok) assert.deepEqual(((await one.json()) as { messages?: unknown[] }).messages ?? [], [], 'the API lists only committed messages');
      else assert.equal(one.status, 404, 'a conversation with nothing committed is not found');
      await Promise.all([agent.close(), other.client.close()]);
      await server.kill();
      await writer.client.close().catch(() => undefined);

      server = await startChildServer(dataDir);
      const after = await visitorOverStream(server, token);
      assert.equal(after.conversation.lastSeq ?? 0, 0, 'the kill took the message back: whoever had been shown it would hold a seq the server gives to another');
      await after.client.close();
    } finally {
      await server.kill();
    }
  });
});

test('the hot set dropping a never-written conversation keeps its epoch; one deleted by retention comes back under a new epoch, after a restart too', async () => {
  await withDataDir(async (dataDir) => {
    let opened = openStore({ dataDir, commitMs: 1 });
    let store = new ConversationStore(opened.durable, { hotSetBytes: 1 });
    try {
      const idle = store.getOrCreate(SITE, 'v_idle', '', 1).conversation;
      store.trim(); // over a 1-byte budget: the idle, never-written conversation leaves memory
      assert.equal(store.loaded, 0, 'the idle conversation was dropped');
      const back = store.getOrCreate(SITE, 'v_idle', '', 2);
      assert.equal(back.created, true, 'made again in memory');
      assert.equal(back.conversation.epoch, idle.epoch, 'the same epoch as before it was dropped');

      const written = store.getOrCreate(SITE, 'v_gone', '', 1).conversation;
      const { id, site, visitorId, topic, epoch, createdMs } = written;
      await opened.durable.append({ t: 'conv', id, site, visitorId, topic, epoch, createdMs, status: cs.v1.ConversationStatus.RESOLVED });
      await opened.durable.append({ t: 'msg', conversationId: id, seq: 1, clientMsgId: 'm1', senderId: visitorId, senderRole: cs.v1.Role.VISITOR, senderName: '', kind: cs.v1.MessageKind.TEXT, text: 'old', serverTimeMs: 1, quoteSeq: 0, quickReplies: [] });
      store.trim();
      assert.equal(await store.purgeExpired(Date.now(), 10), 1, 'retention deleted the resolved conversation');
      const recreated = store.getOrCreate(SITE, 'v_gone', '', Date.now());
      assert.equal(recreated.created, true);
      assert.notEqual(recreated.conversation.epoch, epoch, 'a client holding the deleted seqs must drop them');

      // The salt retention replaced is the database's: the next start derives the same new epoch, never the deleted one.
      store.dispose();
      await opened.close();
      opened = openStore({ dataDir, commitMs: 1 });
      store = new ConversationStore(opened.durable, { hotSetBytes: 1 });
      assert.equal(store.getOrCreate(SITE, 'v_gone', '', Date.now()).conversation.epoch, recreated.conversation.epoch);
    } finally {
      store.dispose();
      await opened.close();
    }
  });
});
