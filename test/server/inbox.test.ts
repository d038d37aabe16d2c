/** Inbox notices (DESIGN.md §3.6, issue 6): InboxBatch for agents that ask for it, unread counts, coalescing. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const COALESCE_MS = 300;
let server: TestServer;
const clients: ProtoClient[] = [];
async function visitor(topic: string): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, { site: 'inbox', topic });
  clients.push(client);
  return client;
}
async function agent(id: string, inboxBatch: boolean): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, { token: server.agentToken(id), inboxBatch });
  clients.push(client);
  return client;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every InboxUpdate a client got since `mark`, single or batched, in arrival order. */
function updatesOf(client: ProtoClient, since: number): cs.v1.InboxUpdate[] {
  return client.frames
    .slice(since)
    .flatMap((f) => (f.inboxUpdate ? [f.inboxUpdate] : ((f.inboxBatch?.updates ?? []) as cs.v1.InboxUpdate[]))) as cs.v1.InboxUpdate[];
}

before(async () => {
  server = await startTestServer({ coalesceMs: COALESCE_MS });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('inbox notices', () => {
  test('an agent that asks for InboxBatch gets the notices as batches, with the same final state an InboxUpdate agent gets', async () => {
    const batched = await agent('batch-ann', true);
    const single = await agent('single-sam', false);
    const [b0, s0] = [batched.mark(), single.mark()];
    const visitors = await Promise.all(['a', 'b', 'c'].map((t) => visitor(`busy-${t}`)));
    for (let round = 1; round <= 4; round++) await Promise.all(visitors.map((v) => v.send({ text: `message ${round}` })));
    await sleep(COALESCE_MS * 2.5);

    assert.equal(batched.frames.slice(b0).filter((f) => f.inboxUpdate).length, 0, 'no single InboxUpdate frames to a batch agent');
    assert.equal(single.frames.slice(s0).filter((f) => f.inboxBatch).length, 0, 'no InboxBatch frames to an agent that did not ask');
    for (const v of visitors) {
      const mine = (c: ProtoClient, since: number) => updatesOf(c, since).filter((u) => u.conversation?.id === v.conversationId);
      const [fromBatch, fromSingle] = [mine(batched, b0), mine(single, s0)];
      assert.ok(fromBatch.length >= 1 && fromBatch.length <= 3, `coalesced: ${fromBatch.length} notices for 4 messages`);
      assert.ok(fromSingle.length >= 1 && fromSingle.length <= 3, `coalesced: ${fromSingle.length} notices for 4 messages`);
      for (const last of [fromBatch.at(-1), fromSingle.at(-1)]) {
        assert.equal(last?.conversation?.lastSeq, 4);
        assert.equal(last?.preview, 'message 4');
        assert.equal(last?.unread, 4);
      }
    }
  });

  test('a signed-in agent that asks for InboxBatch gets its list previews in one batch after Welcome', async () => {
    const v = await visitor('listed');
    await v.send({ text: 'already here' });
    const a = await agent('late-lee', true);
    const batch = await a.waitFor((f) => !!f.inboxBatch, { what: 'InboxBatch' });
    const listed = (batch.inboxBatch?.updates ?? []).find((u) => u.conversation?.id === v.conversationId);
    assert.equal(listed?.preview, 'already here');
    assert.equal(listed?.unread, 1);
    assert.equal(batch.inboxBatch?.updates?.length, a.welcome?.conversations?.length, 'one notice per listed conversation');
    assert.equal(a.frames.filter((f) => f.inboxUpdate).length, 0);
  });

  test('unread counts visitor messages past the agents read cursor, not agent replies', async () => {
    const v = await visitor('unread');
    const a = await agent('reader-rae', false);
    for (let i = 1; i <= 3; i++) await v.send({ text: `question ${i}` });
    a.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await a.send({ conversationId: v.conversationId, text: 'answer' });
    const mark = a.mark();
    a.sendFrame({ read: { conversationId: v.conversationId, upToSeq: 2 } });
    const update = await a.waitFor(
      (f) => f.inboxUpdate?.conversation?.id === v.conversationId && f.inboxUpdate.conversation.lastSeq === 4 && f.inboxUpdate.unread === 1,
      { since: mark, timeoutMs: COALESCE_MS * 4, what: 'InboxUpdate with unread 1 (seq 3 only)' },
    );
    assert.equal(update.inboxUpdate?.preview, 'answer');
  });
});
