/** Core delivery rules (issue 2): seq, dedup, fan-out, resume, isolation. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { newClientMsgId, ProtoClient, ServerError } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const clients: ProtoClient[] = [];
async function open(hello: cs.v1.Hello.$Properties = {}): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, { site: 'acme', ...hello });
  clients.push(client);
  return client;
}

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('messaging', () => {
  test('a new visitor gets an id, a token and a conversation; the token brings back the same conversation', async () => {
    const first = await open();
    assert.ok(first.welcome?.userId);
    assert.ok(first.welcome?.token);
    assert.equal(first.welcome?.role, cs.v1.Role.VISITOR);
    assert.ok(first.conversationId);
    const again = await open({ token: first.welcome?.token });
    assert.equal(again.welcome?.userId, first.welcome?.userId);
    assert.equal(again.conversationId, first.conversationId);
  });

  test('assigns contiguous seqs 1..n under concurrent senders', async () => {
    const a = await open();
    const b = await open({ token: a.welcome?.token });
    const agent = await open({ token: server.agentToken('seq-agent') });
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? a : i % 3 === 1 ? b : agent).send({ conversationId: a.conversationId, text: `m${i}` })),
    );
    assert.ok(acks.every((ack) => ack.status === cs.v1.AckStatus.OK));
    assert.deepEqual(acks.map((ack) => ack.seq).sort((x, y) => (x ?? 0) - (y ?? 0)), Array.from({ length: 30 }, (_, i) => i + 1));
    const sync = await a.sync({ afterSeq: 0, limit: 100 });
    assert.deepEqual(sync.messages?.map((m) => m.seq), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  test('answers a duplicate client_msg_id with the original seq and stores it once', async () => {
    const visitor = await open();
    const clientMsgId = newClientMsgId();
    await visitor.send({ text: 'before' });
    const first = await visitor.send({ clientMsgId, text: 'once' });
    const second = await visitor.send({ clientMsgId, text: 'once' });
    assert.equal(first.status, cs.v1.AckStatus.OK);
    assert.equal(second.status, cs.v1.AckStatus.DUPLICATE);
    assert.equal(second.seq, first.seq);
    const sync = await visitor.sync({ afterSeq: 0 });
    assert.equal(sync.messages?.filter((m) => m.clientMsgId === clientMsgId).length, 1);
    assert.equal(sync.messages?.length, 2);
  });

  test('delivers to every other device of the visitor, and the sender gets only the Ack', async () => {
    const phone = await open();
    const laptop = await open({ token: phone.welcome?.token });
    const tablet = await open({ token: phone.welcome?.token });
    const ack = await phone.send({ text: 'from phone' });
    for (const device of [laptop, tablet]) {
      const frame = await device.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false);
      assert.equal(frame.deliver?.messages?.[0]?.seq, ack.seq);
      assert.equal(frame.deliver?.messages?.[0]?.text, 'from phone');
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(phone.delivered().length, 0);
  });

  test('resume from a cursor returns exactly the missed messages in order', async () => {
    const visitor = await open();
    for (let i = 1; i <= 3; i++) await visitor.send({ text: `seen ${i}` });
    const epoch = visitor.welcome?.conversations?.[0]?.epoch ?? '';
    const conversationId = visitor.conversationId;
    const token = visitor.welcome?.token;
    await visitor.close();
    const other = await open({ token });
    for (let i = 4; i <= 6; i++) await other.send({ text: `missed ${i}` });
    const back = await open({ token, cursors: [{ conversationId, epoch, seq: 3 }] });
    const frame = await back.waitFor((f) => !!f.deliver);
    assert.deepEqual(frame.deliver?.messages?.map((m) => m.seq), [4, 5, 6]);
    assert.deepEqual(frame.deliver?.messages?.map((m) => m.text), ['missed 4', 'missed 5', 'missed 6']);
  });

  test('a cursor with another epoch gets the whole conversation from seq 1', async () => {
    const visitor = await open();
    await visitor.send({ text: 'one' });
    await visitor.send({ text: 'two' });
    const back = await open({ token: visitor.welcome?.token, cursors: [{ conversationId: visitor.conversationId, epoch: 'stale', seq: 2 }] });
    const frame = await back.waitFor((f) => !!f.deliver);
    assert.deepEqual(frame.deliver?.messages?.map((m) => m.seq), [1, 2]);
  });

  test('a visitor can neither read nor write another visitor’s conversation', async () => {
    const alice = await open();
    const mallory = await open();
    await alice.send({ text: 'secret' });
    await assert.rejects(mallory.sync({ conversationId: alice.conversationId, afterSeq: 0 }), (error: unknown) => {
      return error instanceof ServerError && error.frame.code === cs.v1.ErrorCode.FORBIDDEN;
    });
    const mark = mallory.mark();
    const ack = await mallory.send({ conversationId: alice.conversationId, text: 'intrusion' });
    assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
    const error = await mallory.waitFor((f) => f.error?.code === cs.v1.ErrorCode.FORBIDDEN, { since: mark });
    assert.equal(error.error?.ref, alice.conversationId);
    for (const frame of [{ subscribe: { conversationId: alice.conversationId } }, { typing: { conversationId: alice.conversationId, typing: true } }, { read: { conversationId: alice.conversationId, upToSeq: 1 } }]) {
      const before = mallory.mark();
      mallory.sendFrame(frame);
      const refused = await mallory.waitFor((f) => !!f.error, { since: before });
      assert.equal(refused.error?.code, cs.v1.ErrorCode.FORBIDDEN);
    }
    const sync = await alice.sync({ afterSeq: 0 });
    assert.deepEqual(sync.messages?.map((m) => m.text), ['secret']);
  });
});
