/** Attachments in messages (issue 13): Send.attachments binding rules, signed URLs in Deliver and Sync, retention, clean-up, migration. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { MIGRATIONS, migrate } from '../../server/src/store/migrations.js';
import { fixtures } from '../support/files.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

async function upload(client: { token: string; conversationId: string }, body: Uint8Array, name: string, key = ''): Promise<{ id: string; url: string; status: number }> {
  const headers: Record<string, string> = { authorization: `Bearer ${client.token}`, 'x-file-name': name };
  if (key) headers['x-client-msg-id'] = key;
  const res = await fetch(`${server.url}/api/uploads?conversation=${encodeURIComponent(client.conversationId)}`, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> });
  const json = (await res.json()) as { id: string; url: string };
  return { ...json, status: res.status };
}

async function visitorClient(): Promise<{ ws: ProtoClient; token: string; conversationId: string; userId: string }> {
  const ws = await ProtoClient.open(server.wsUrl, { site: 'acme' });
  return { ws, token: ws.welcome!.token!, conversationId: ws.conversationId, userId: ws.welcome!.userId! };
}

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

describe('Send.attachments', () => {
  test('a visitor photo reaches the agent once as IMAGE with name, size, dimensions and a signed URL; Sync renews the URL', async () => {
    const visitor = await visitorClient();
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
    agent.sendFrame({ subscribe: { conversationId: visitor.conversationId } });
    const clientMsgId = newClientMsgId();
    const file = await upload(visitor, fixtures.png(30, 20), 'parcel.png', clientMsgId);
    const ack = await visitor.ws.send({ clientMsgId, kind: cs.v1.MessageKind.TEXT, text: '', attachments: [{ id: file.id }] });
    assert.equal(ack.status, cs.v1.AckStatus.OK, ack.reason);
    const frame = await agent.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === clientMsgId) ?? false);
    const message = frame.deliver!.messages!.find((m) => m.clientMsgId === clientMsgId)!;
    assert.equal(message.kind, cs.v1.MessageKind.IMAGE);
    assert.equal(message.attachments?.length, 1);
    const [wire] = message.attachments!;
    assert.deepEqual([wire!.id, wire!.name, wire!.mime, wire!.width, wire!.height], [file.id, 'parcel.png', 'image/png', 30, 20]);
    assert.equal(wire!.size, fixtures.png(30, 20).length);
    const res = await fetch(`${server.url}${wire!.url}`);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), fixtures.png(30, 20));

    const retry = await visitor.ws.send({ clientMsgId, text: '', attachments: [{ id: file.id }] });
    assert.equal(retry.status, cs.v1.AckStatus.DUPLICATE);
    assert.equal(retry.seq, ack.seq);

    const synced = await agent.sync({ conversationId: visitor.conversationId, afterSeq: 0 });
    const again = synced.messages!.filter((m) => m.clientMsgId === clientMsgId);
    assert.equal(again.length, 1);
    assert.match(again[0]!.attachments![0]!.url!, /^\/files\/.+\?exp=\d+&sig=/);
    assert.equal(server.files.store.get(file.id)!.sentMs !== null, true);
    await agent.close();
    await visitor.ws.close();
  });

  test('an agent’s PDF reaches the visitor as FILE; the visitor downloads identical bytes as an attachment', async () => {
    const visitor = await visitorClient();
    await visitor.ws.send({ text: 'I need the invoice' });
    const agentToken = server.agentToken('bob');
    const agent = await ProtoClient.open(server.wsUrl, { token: agentToken });
    const bytes = fixtures.pdf('%%EOF invoice 42');
    const file = await upload({ token: agentToken, conversationId: visitor.conversationId }, bytes, 'invoice-42.pdf');
    const ack = await agent.send({ conversationId: visitor.conversationId, text: 'Here it is', attachments: [{ id: file.id }] });
    assert.equal(ack.status, cs.v1.AckStatus.OK, ack.reason);
    const frame = await visitor.ws.waitFor((f) => f.deliver?.messages?.some((m) => m.seq === ack.seq) ?? false);
    const message = frame.deliver!.messages!.find((m) => m.seq === ack.seq)!;
    assert.equal(message.kind, cs.v1.MessageKind.FILE);
    assert.equal(message.text, 'Here it is');
    const res = await fetch(`${server.url}${message.attachments![0]!.url}`);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="invoice-42.pdf"/);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
    await agent.close();
    await visitor.ws.close();
  });

  test('a visitor naming another uploader’s file, another conversation’s file or an unknown id is refused', async () => {
    const alice = await visitorClient();
    const mallory = await visitorClient();
    const alicesFile = await upload(alice, fixtures.png(2, 2), 'mine.png');
    const agentToken = server.agentToken('carol');
    const agentsFile = await upload({ token: agentToken, conversationId: mallory.conversationId }, fixtures.png(3, 3), 'agent.png');
    for (const id of [alicesFile.id, agentsFile.id, 'f_does_not_exist']) {
      const ack = await mallory.ws.send({ text: '', attachments: [{ id }] });
      assert.equal(ack.status, cs.v1.AckStatus.REJECTED, id);
      assert.match(ack.reason ?? '', /not an upload of yours in this conversation/);
    }
    assert.equal(server.files.store.get(alicesFile.id)!.messageClientId, null);
    await alice.ws.close();
    await mallory.ws.close();
  });

  test('a file already carried by one message cannot be attached to another', async () => {
    const visitor = await visitorClient();
    const file = await upload(visitor, fixtures.png(2, 2), 'once.png');
    assert.equal((await visitor.ws.send({ text: '', attachments: [{ id: file.id }] })).status, cs.v1.AckStatus.OK);
    const second = await visitor.ws.send({ text: '', attachments: [{ id: file.id }] });
    assert.equal(second.status, cs.v1.AckStatus.REJECTED);
    assert.match(second.reason ?? '', /already part of another message/);
    await visitor.ws.close();
  });

  test('visitors may no longer send IMAGE with a URL; service tokens (agents, bots) still may', async () => {
    const visitor = await visitorClient();
    const refused = await visitor.ws.send({ kind: cs.v1.MessageKind.IMAGE, text: 'https://tracker.example/pixel.png' });
    assert.equal(refused.status, cs.v1.AckStatus.REJECTED);
    assert.match(refused.reason ?? '', /visitors send images as uploads/);
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('bot-1') });
    const ok = await agent.send({ conversationId: visitor.conversationId, kind: cs.v1.MessageKind.IMAGE, text: 'https://cdn.example/catalogue.png' });
    assert.equal(ok.status, cs.v1.AckStatus.OK);
    const noFiles = await agent.send({ conversationId: visitor.conversationId, kind: cs.v1.MessageKind.FILE, text: 'x' });
    assert.equal(noFiles.status, cs.v1.AckStatus.REJECTED);
    await agent.close();
    await visitor.ws.close();
  });

  test('an old client (core level below attachments) gets the message as TEXT naming the files, no URL', async () => {
    const visitor = await visitorClient();
    const old = await ProtoClient.open(server.wsUrl, { token: visitor.token, site: 'acme', coreLevel: 20260101 });
    const file = await upload(visitor, fixtures.png(2, 2), 'old.png');
    const ack = await visitor.ws.send({ text: 'look', attachments: [{ id: file.id }] });
    const frame = await old.waitFor((f) => f.deliver?.messages?.some((m) => m.seq === ack.seq) ?? false);
    const message = frame.deliver!.messages!.find((m) => m.seq === ack.seq)!;
    assert.equal(message.kind, cs.v1.MessageKind.TEXT);
    assert.equal(message.text, 'look\n[old.png]');
    assert.equal(message.attachments?.length ?? 0, 0);
    await old.close();
    await visitor.ws.close();
  });
});

describe('file lifetime', () => {
  test('retention: deleteFilesOfConversations removes the rows and the bytes no other row names', async () => {
    const a = await visitorClient();
    const b = await visitorClient();
    const shared = fixtures.png(5, 5);
    const onlyA = fixtures.png(6, 6);
    const fa1 = await upload(a, shared, 's.png');
    const fa2 = await upload(a, onlyA, 'o.png');
    const fb = await upload(b, shared, 's.png');
    const store = server.files.store;
    const [sharedHash, onlyHash] = [store.get(fa1.id)!.hash, store.get(fa2.id)!.hash];
    assert.equal(server.files.deleteFilesOfConversations([a.conversationId]), 2);
    assert.equal(store.get(fa1.id), undefined);
    assert.ok(store.storedHashes().includes(sharedHash), 'still named by b');
    assert.ok(!store.storedHashes().includes(onlyHash));
    assert.equal((await fetch(`${server.url}${fa2.url}`)).status, 404);
    assert.equal((await fetch(`${server.url}${fb.url}`)).status, 200);
    await a.ws.close();
    await b.ws.close();
  });

  test('an upload no stored message refers to is removed after a day; sent ones stay', async () => {
    const visitor = await visitorClient();
    const unsent = await upload(visitor, fixtures.png(7, 7), 'unsent.png');
    const sent = await upload(visitor, fixtures.png(8, 8), 'sent.png');
    assert.equal((await visitor.ws.send({ text: '', attachments: [{ id: sent.id }] })).status, cs.v1.AckStatus.OK);
    const store = server.files.store;
    const stored = (conversationId: string, senderId: string, clientMsgId: string): boolean =>
      (server.store.get(conversationId)?.findDuplicate(senderId, clientMsgId) ?? 0) > 0;
    const now = Date.now();
    assert.equal(store.collectUnreferenced(now - 24 * 3600_000, stored, now), 0, 'younger than a day: kept');
    const removed = store.collectUnreferenced(now + 1, stored, now);
    assert.ok(removed >= 1);
    assert.equal(store.get(unsent.id), undefined);
    assert.notEqual(store.get(sent.id), undefined);
    await visitor.ws.close();
  });

  test('migration: a database at schema v1 gains the attachments table and keeps its rows', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES ('c1', 'acme', 'v1', '', 'e', 1, 1, 1, 0)").run();
    db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES ('c1', 1, 'm1', 'v1', 1, '', 0, 'hello', 1)").run();
    const result = migrate(db);
    assert.equal(result.from, 1);
    assert.ok(result.to >= 2);
    assert.equal((db.prepare('SELECT text FROM messages').get() as { text: string }).text, 'hello');
    db.prepare("INSERT INTO attachments (id, conversation_id, uploader_id, name, mime, size, hash, created_ms) VALUES ('f1', 'c1', 'v1', 'a.png', 'image/png', 3, 'ab', 1)").run();
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM attachments').get() as { n: number }).n, 1);
    db.close();
  });
});
