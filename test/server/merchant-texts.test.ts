/**
 * What a merchant sees in the first hour (issue 11): inbox previews by who
 * wrote them, display names instead of agent ids, Pong echoing the Ping, and
 * the server's own origin always allowed for the workbench.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { agentDisplayName } from '../../server/src/pipeline/events.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
async function serve(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer({ coalesceMs: 20, ...overrides });
  running.push(server);
  return server;
}
async function open(server: TestServer, hello: cs.v1.Hello.$Properties, origin?: string): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, hello, origin ? { origin } : {});
  clients.push(client);
  return client;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The newest InboxUpdate an agent got for a conversation after `since` that satisfies `ok`. */
async function updateFor(agent: ProtoClient, conversationId: string, since: number, ok: (u: cs.v1.InboxUpdate) => boolean): Promise<cs.v1.InboxUpdate> {
  const frame = await agent.waitFor((f) => f.inboxUpdate?.conversation?.id === conversationId && ok(f.inboxUpdate as cs.v1.InboxUpdate), { since });
  return frame.inboxUpdate as cs.v1.InboxUpdate;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe('inbox previews', () => {
  test('the preview is the question, not the offline auto-reply that follows it, and says the visitor wrote it', async () => {
    const server = await serve({ offlineReply: true });
    const v = await open(server, { site: 'shop' });
    await v.send({ text: 'Is the sage green throw back in stock?' });
    await v.waitFor(() => v.delivered().some((m) => m.senderRole === cs.v1.Role.BOT));
    await sleep(60);
    const agent = await open(server, { token: server.agentToken('alice') });
    const listed = await updateFor(agent, v.conversationId, 0, () => true);
    assert.equal(listed.conversation?.lastSeq, 2, 'the bot reply is stored after the question');
    assert.equal(listed.preview, 'Is the sage green throw back in stock?');
    assert.equal(listed.previewSenderRole, cs.v1.Role.VISITOR);
    assert.equal(listed.previewNote, false);
  });

  test("an agent's reply and a private note become the preview with who wrote them; events never do", async () => {
    const server = await serve();
    const v = await open(server, { site: 'shop' });
    const alice = await open(server, { token: server.agentToken('alice') });
    await v.send({ text: 'Where is my order?' });
    let mark = alice.mark();
    await alice.send({ conversationId: v.conversationId, text: 'It ships today.' });
    const reply = await updateFor(alice, v.conversationId, mark, (u) => u.preview === 'It ships today.');
    assert.equal(reply.previewSenderId, 'alice', 'the workbench says "You: …" for its own id');
    assert.equal(reply.previewSenderRole, cs.v1.Role.AGENT);

    mark = alice.mark();
    await alice.send({ conversationId: v.conversationId, kind: cs.v1.MessageKind.NOTE, text: 'VIP customer' });
    const note = await updateFor(alice, v.conversationId, mark, (u) => u.preview === 'VIP customer');
    assert.equal(note.previewNote, true);

    mark = alice.mark();
    alice.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    const resolved = await updateFor(alice, v.conversationId, mark, (u) => u.conversation?.status === cs.v1.ConversationStatus.RESOLVED && (u.conversation.lastSeq ?? 0) >= 4);
    assert.equal(resolved.preview, 'VIP customer', 'the resolve event is not the preview');
  });
});

describe('names and heartbeat', () => {
  test('visitors see agent display names, never ids, on messages and events', async () => {
    const server = await serve();
    const v = await open(server, { site: 'shop' });
    const agent = await open(server, { token: server.agentToken('demo-agent') });
    assert.equal(agent.welcome?.name, 'Demo Agent');
    await v.send({ text: 'hi' });
    const ack = await agent.send({ conversationId: v.conversationId, text: 'Hello!' });
    const got = await v.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false);
    assert.equal(got.deliver?.messages?.[0]?.senderName, 'Demo Agent');
    assert.equal(agentDisplayName('bob.smith@shop.example'), 'Bob Smith');
  });

  test('a Chinese visitor gets the join and resolve lines and the automatic reply in Chinese; agents keep the English log', async () => {
    const server = await serve({ offlineReply: true });
    const v = await open(server, { site: 'shop', lang: 'zh-CN' });
    await v.send({ text: '你好' });
    await v.waitFor(() => v.delivered().some((m) => m.senderRole === cs.v1.Role.BOT));
    const bot = v.delivered().find((m) => m.senderRole === cs.v1.Role.BOT);
    assert.equal(bot?.senderName, '自动回复', 'not a bare "Bot"');
    const agent = await open(server, { token: server.agentToken('alice') });
    agent.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.CLAIM } });
    agent.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    await v.waitFor(() => v.delivered().filter((m) => m.kind === cs.v1.MessageKind.EVENT).length >= 2);
    assert.deepEqual(v.delivered().filter((m) => m.kind === cs.v1.MessageKind.EVENT).map((m) => m.text), ['Alice 已加入会话', '本次会话已结束']);
    const log = await agent.sync({ conversationId: v.conversationId, afterSeq: 0 });
    assert.deepEqual(log.messages?.filter((m) => m.kind === cs.v1.MessageKind.EVENT).map((m) => m.text), ['Alice claimed the conversation', 'Alice resolved the conversation']);
  });

  test('a Pong echoes the time_ms of its Ping', async () => {
    const server = await serve();
    const client = await open(server, { site: 'shop' });
    const mark = client.mark();
    client.sendFrame({ ping: { timeMs: 12345.5 } });
    const pong = await client.waitFor((f) => !!f.pong, { since: mark });
    assert.equal(pong.pong?.timeMs, 12345.5);
  });
});

describe('origins', () => {
  test("the server's own origin is allowed whatever CS_ALLOWED_ORIGINS lists; other origins still get 403", async () => {
    const server = await serve({ allowedOrigins: ['https://shop.example'] });
    const own = new URL(server.wsUrl).host;
    const agent = await open(server, { token: server.agentToken('alice') }, `http://${own}`);
    assert.equal(agent.welcome?.role, cs.v1.Role.AGENT);
    await assert.rejects(ProtoClient.connect(server.wsUrl, { origin: `http://evil.example` }), /403/);
    await assert.rejects(ProtoClient.connect(server.wsUrl, { origin: `http://${own}.evil.example` }), /403/);
  });
});
