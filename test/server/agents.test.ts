/** Agents and visitors (issues 2 and 4): exchange, notify-pull, actions, notes, presence, bots, receipts. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const clients: ProtoClient[] = [];
async function visitor(hello: cs.v1.Hello.$Properties = {}, on: TestServer = server): Promise<ProtoClient> {
  const client = await ProtoClient.open(on.wsUrl, { site: 'acme', ...hello });
  clients.push(client);
  return client;
}
async function agent(id: string, on: TestServer = server): Promise<ProtoClient> {
  const client = await ProtoClient.open(on.wsUrl, { token: on.agentToken(id) });
  clients.push(client);
  return client;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hasMessage = (clientMsgId: string | undefined) => (f: cs.v1.Frame): boolean =>
  f.deliver?.messages?.some((m) => m.clientMsgId === clientMsgId) ?? false;

before(async () => {
  server = await startTestServer({ coalesceMs: 300 });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('agents and visitors', () => {
  test('a subscribed agent and a visitor exchange messages both ways', async () => {
    const v = await visitor();
    const a = await agent('alice');
    assert.equal(a.welcome?.role, cs.v1.Role.AGENT);
    a.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await sleep(20);
    const question = await v.send({ text: 'Where is my order?' });
    const got = await a.waitFor(hasMessage(question.clientMsgId));
    assert.equal(got.deliver?.messages?.[0]?.senderRole, cs.v1.Role.VISITOR);
    const answer = await a.send({ conversationId: v.conversationId, text: 'On its way.' });
    assert.equal(answer.seq, (question.seq ?? 0) + 1);
    const reply = await v.waitFor(hasMessage(answer.clientMsgId));
    assert.equal(reply.deliver?.messages?.[0]?.senderRole, cs.v1.Role.AGENT);
    assert.equal(reply.deliver?.messages?.[0]?.senderName, 'Alice');
    assert.equal(reply.deliver?.messages?.[0]?.senderId, '', 'visitors never get agent ids (issue 10)');
  });

  test('an unsubscribed agent gets a coalesced InboxUpdate and no Deliver until it subscribes', async () => {
    const watcher = await agent('bob');
    const v = await visitor();
    const mark = watcher.mark();
    for (let i = 1; i <= 8; i++) await v.send({ text: `burst ${i}` });
    const first = await watcher.waitFor((f) => f.inboxUpdate?.conversation?.id === v.conversationId, { since: mark });
    assert.ok(first.inboxUpdate?.preview?.startsWith('burst'));
    await sleep(700);
    const updates = watcher.frames.slice(mark).filter((f) => f.inboxUpdate?.conversation?.id === v.conversationId);
    assert.ok(updates.length >= 1 && updates.length <= 3, `coalesced: ${updates.length} updates for 8 messages`);
    const latest = updates[updates.length - 1]?.inboxUpdate;
    assert.equal(latest?.conversation?.lastSeq, 8);
    assert.equal(latest?.unread, 8);
    assert.equal(watcher.delivered(v.conversationId).length, 0);

    watcher.sendFrame({ subscribe: { conversationId: v.conversationId } });
    const pulled = await watcher.sync({ conversationId: v.conversationId, afterSeq: 0 });
    assert.equal(pulled.messages?.length, 8);
    const live = await v.send({ text: 'now you see me' });
    await watcher.waitFor(hasMessage(live.clientMsgId));
  });

  test('claim, transfer, resolve and reopen are EVENT messages in seq order: agents get the full log, the visitor customer-facing lines', async () => {
    const v = await visitor();
    const carol = await agent('carol');
    const dave = await agent('dave');
    await v.send({ text: 'help' });
    const mark = dave.mark();
    carol.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.CLAIM } });
    const claimed = await v.waitFor((f) => f.deliver?.messages?.some((m) => m.kind === cs.v1.MessageKind.EVENT) ?? false);
    const event = claimed.deliver?.messages?.[0];
    assert.equal(event?.seq, 2);
    assert.equal(event?.senderRole, cs.v1.Role.SYSTEM);
    assert.equal(event?.text, 'Carol joined the conversation', 'the visitor sees who joined, by display name');
    assert.equal(event?.event, cs.v1.EventKind.JOINED);
    assert.equal(event?.senderName, 'Carol');
    assert.equal(event?.senderId, '', 'no agent id in a visitor-facing event');
    await dave.waitFor((f) => f.inboxUpdate?.conversation?.id === v.conversationId && f.inboxUpdate.conversation.assigneeId === 'carol', { since: mark });
    // The assignee watches the conversation: it gets Deliver without Subscribe.
    const next = await v.send({ text: 'thanks' });
    await carol.waitFor(hasMessage(next.clientMsgId));

    carol.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.ASSIGN, agentId: 'dave' } });
    carol.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    await dave.waitFor((f) => f.inboxUpdate?.conversation?.id === v.conversationId && f.inboxUpdate.conversation.status === cs.v1.ConversationStatus.RESOLVED);
    await sleep(50);
    const history = await v.sync({ afterSeq: 0 });
    assert.deepEqual(history.messages?.map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.equal(history.messages?.[3]?.text, 'Dave joined the conversation');
    assert.equal(history.messages?.[4]?.text, 'This conversation was resolved');
    assert.equal(history.messages?.[4]?.event, cs.v1.EventKind.RESOLVED);
    assert.equal(history.conversation?.status, cs.v1.ConversationStatus.RESOLVED);
    assert.equal(history.conversation?.assigneeId, '', 'the visitor is not told the assignee id (issue 10)');
    const log = await dave.sync({ conversationId: v.conversationId, afterSeq: 0 });
    assert.equal(log.conversation?.assigneeId, 'dave');
    assert.deepEqual(
      log.messages?.filter((m) => m.kind === cs.v1.MessageKind.EVENT).map((m) => m.text),
      ['Carol claimed the conversation', 'Carol transferred the conversation to Dave', 'Carol resolved the conversation'],
    );

    carol.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.REOPEN } });
    carol.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.UNASSIGN } });
    await dave.waitFor((f) => f.inboxUpdate?.conversation?.id === v.conversationId && f.inboxUpdate.conversation.assigneeId === '');
    await sleep(50);
    const internal = (await v.sync({ afterSeq: 5 })).messages ?? [];
    assert.deepEqual(internal.map((m) => [m.seq, m.kind, m.text]), [[6, cs.v1.MessageKind.NOTE, ''], [7, cs.v1.MessageKind.NOTE, '']], 'reopen and unassign reach the visitor as empty placeholders');
  });

  test('a visitor cannot act on a conversation', async () => {
    const v = await visitor();
    const mark = v.mark();
    v.sendFrame({ action: { conversationId: v.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    const refused = await v.waitFor((f) => !!f.error, { since: mark });
    assert.equal(refused.error?.code, cs.v1.ErrorCode.FORBIDDEN);
  });

  test('agent notes reach other agents; the visitor gets only a content-free placeholder that keeps seqs contiguous', async () => {
    const v = await visitor();
    const erin = await agent('erin');
    const frank = await agent('frank');
    frank.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await v.send({ text: 'hello' });
    await sleep(20);
    const note = await erin.send({ conversationId: v.conversationId, kind: cs.v1.MessageKind.NOTE, text: 'VIP customer' });
    assert.equal(note.status, cs.v1.AckStatus.OK);
    const seen = await frank.waitFor(hasMessage(note.clientMsgId));
    assert.equal(seen.deliver?.messages?.[0]?.text, 'VIP customer');
    const reply = await erin.send({ conversationId: v.conversationId, text: 'Hi!' });
    await v.waitFor(hasMessage(reply.clientMsgId));
    const leaked = (m: cs.v1.Message.$Properties): boolean => m.text === 'VIP customer' || m.clientMsgId === note.clientMsgId || m.senderId === 'erin' && m.kind === cs.v1.MessageKind.NOTE;
    assert.ok(!v.delivered().some(leaked));
    const history = await v.sync({ afterSeq: 0 });
    assert.deepEqual(history.messages?.map((m) => m.seq), [1, 2, 3]);
    assert.deepEqual(history.messages?.map((m) => m.text), ['hello', '', 'Hi!']);
    assert.equal(history.messages?.[1]?.kind, cs.v1.MessageKind.NOTE);
    assert.ok(!history.messages?.some(leaked));
    const resumed = await visitor({ token: v.welcome?.token, cursors: [{ conversationId: v.conversationId, epoch: v.welcome?.conversations?.[0]?.epoch, seq: 0 }] });
    await resumed.waitFor((f) => !!f.deliver);
    assert.ok(!resumed.delivered().some(leaked));
    const agentHistory = await erin.sync({ conversationId: v.conversationId, afterSeq: 0 });
    assert.deepEqual(agentHistory.messages?.map((m) => m.text), ['hello', 'VIP customer', 'Hi!']);
  });

  test('a visitor may not send notes or events', async () => {
    const v = await visitor();
    for (const kind of [cs.v1.MessageKind.NOTE, cs.v1.MessageKind.EVENT]) {
      const ack = await v.send({ kind, text: 'sneaky' });
      assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
    }
  });

  test('typing is forwarded to the other side with the sender filled in, and read receipts come back', async () => {
    const v = await visitor();
    const gina = await agent('gina');
    gina.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await v.send({ text: 'typing test' });
    v.sendFrame({ typing: { conversationId: v.conversationId, typing: true } });
    const typing = await gina.waitFor((f) => f.typing?.conversationId === v.conversationId);
    assert.equal(typing.typing?.senderRole, cs.v1.Role.VISITOR);
    assert.equal(typing.typing?.typing, true);
    gina.sendFrame({ typing: { conversationId: v.conversationId, typing: true } });
    const back = await v.waitFor((f) => f.typing?.senderRole === cs.v1.Role.AGENT);
    assert.equal(back.typing?.senderName, 'Gina');
    assert.equal(back.typing?.senderId, '', 'by name, never by agent id (issue 10)');
    gina.sendFrame({ received: { conversationId: v.conversationId, upToSeq: 1 } });
    const delivered = await v.waitFor((f) => (f.receipt?.deliveredUpTo ?? 0) >= 1);
    assert.equal(delivered.receipt?.readerRole, cs.v1.Role.AGENT);
    gina.sendFrame({ read: { conversationId: v.conversationId, upToSeq: 1 } });
    const read = await v.waitFor((f) => (f.receipt?.readUpTo ?? 0) >= 1);
    assert.equal(read.receipt?.readerRole, cs.v1.Role.AGENT);
  });

  test('agents see the page the visitor is on and whether the visitor is online', async () => {
    const hank = await agent('hank');
    const v = await visitor({ pageUrl: 'https://shop.example/cart', pageTitle: 'Cart' });
    await v.send({ text: 'page test' });
    const update = await hank.waitFor((f) => f.inboxUpdate?.conversation?.id === v.conversationId);
    assert.equal(update.inboxUpdate?.conversation?.visitorPageUrl, 'https://shop.example/cart');
    assert.equal(update.inboxUpdate?.conversation?.visitorOnline, true);
    const mark = hank.mark();
    v.sendFrame({ pageView: { url: 'https://shop.example/checkout', title: 'Checkout' } });
    await hank.waitFor((f) => f.inboxUpdate?.conversation?.visitorPageUrl === 'https://shop.example/checkout', { since: mark });
    const offMark = hank.mark();
    await v.close();
    const gone = await hank.waitFor((f) => f.presence?.visitorId === v.welcome?.userId, { since: offMark });
    assert.equal(gone.presence?.visitorOnline, false);
  });

  test('agents hear nothing of a visitor who never wrote, and of a visitor who wrote they hear them come and go', async () => {
    const ida = await agent('ida');
    const mark = ida.mark();
    const quiet = await visitor();
    await quiet.close(); // opened the page, never wrote: in no agent's inbox
    const talker = await visitor();
    await talker.send({ text: 'anyone there?' });
    await talker.close();
    await ida.waitFor((f) => f.presence?.visitorId === talker.welcome?.userId && f.presence?.visitorOnline === false, { since: mark });
    const aboutQuiet = ida.frames.slice(mark).filter((f) => f.presence?.visitorId === quiet.welcome?.userId || f.inboxUpdate?.conversation?.visitorId === quiet.welcome?.userId);
    assert.deepEqual(aboutQuiet, [], 'no presence frame or inbox notice for a visitor agents cannot see');
  });

  test('visitors learn how many agents are online as they come and go, never who (issue 10)', async () => {
    const v = await visitor();
    const before = v.welcome?.agentsOnline ?? 0;
    const mark = v.mark();
    const ivan = await agent('ivan-presence');
    const up = await v.waitFor((f) => !!f.presence && f.presence.agentsOnline === before + 1, { since: mark });
    assert.deepEqual(up.presence?.agentIds, []);
    const downMark = v.mark();
    await ivan.close();
    const down = await v.waitFor((f) => !!f.presence && f.presence.agentsOnline === before, { since: downMark });
    assert.deepEqual(down.presence?.agentIds, []);
  });

  test('an agent Welcome lists conversations with messages and the known agents; a visitor sees only its own', async () => {
    const v = await visitor();
    await v.send({ text: 'listed' });
    const judy = await agent('judy');
    assert.ok(judy.welcome?.conversations?.some((c) => c.id === v.conversationId));
    assert.ok(judy.welcome?.agentIds?.includes('judy'));
    const other = await visitor();
    assert.deepEqual(other.welcome?.conversations?.map((c) => c.id), [other.conversationId]);
    assert.equal(other.welcome?.agentIds?.length ?? 0, 0);
  });

  test('a client below the newest core level gets quick replies downgraded to text', async () => {
    const old = await visitor({ coreLevel: 1 });
    const modern = await visitor({ token: old.welcome?.token });
    const kim = await agent('kim');
    const ack = await kim.send({ conversationId: old.conversationId, kind: cs.v1.MessageKind.QUICK_REPLIES, text: 'Pick one', quickReplies: ['Yes', 'No'] });
    const legacy = await old.waitFor(hasMessage(ack.clientMsgId));
    assert.equal(legacy.deliver?.messages?.[0]?.kind, cs.v1.MessageKind.TEXT);
    assert.equal(legacy.deliver?.messages?.[0]?.text, 'Pick one\nYes / No');
    const native = await modern.waitFor(hasMessage(ack.clientMsgId));
    assert.equal(native.deliver?.messages?.[0]?.kind, cs.v1.MessageKind.QUICK_REPLIES);
    assert.deepEqual(native.deliver?.messages?.[0]?.quickReplies, ['Yes', 'No']);
  });

  test('no greeting is stored; the offline auto-reply comes once, right after the question, in the visitor language', async () => {
    const bots = await startTestServer({ offlineReply: true });
    try {
      const v = await visitor({ lang: 'zh-CN' }, bots);
      const ack = await v.send({ text: '你好' });
      assert.equal(ack.seq, 1);
      await v.waitFor(() => v.delivered().length >= 1);
      const [offline] = v.delivered();
      assert.equal(offline?.senderRole, cs.v1.Role.BOT);
      assert.equal(offline?.seq, 2);
      assert.match(offline?.text ?? '', /^客服暂时不在。/);
      await v.send({ text: 'again' });
      await sleep(100);
      assert.equal(v.delivered().length, 1, 'no greeting, and the offline reply is not repeated within minutes');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await bots.close();
    }
  });
});
