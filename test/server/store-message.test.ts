/**
 * The send pipeline's durable tail (pipeline/store-message.ts, issue 16):
 * with a store that keeps nothing a Send is answered in the same turn, with
 * no promise; with a durable store the Ack and the fan-out wait for the
 * commit, the messages of one commit batch share its one promise, a retry
 * of an in-flight message waits for that commit, and a failed commit rolls
 * back and is answered REJECTED with retry-after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { cs } from '../../proto/gen/chat.js';
import { ServerMetrics } from '../../server/src/http/metrics.js';
import { WordFilter } from '../../server/src/pipeline/filter.js';
import type { PipelineDeps, Reply } from '../../server/src/pipeline/ports.js';
import { handleSend } from '../../server/src/pipeline/send.js';
import { durableMessageStore } from '../../server/src/pipeline/store-message.js';
import { ConversationStore } from '../../server/src/store/conversations.js';
import { MemoryOnlyStore, StoreUnavailableError, type DurableStore, type StoreRecord } from '../../server/src/store/records.js';

/** A durable store whose commits the test settles by hand, one shared promise per batch (as the writer does). */
class ManualStore implements DurableStore {
  readonly persistent = true;
  healthy = true;
  readonly reader = undefined;
  readonly records: StoreRecord[] = [];
  private batch: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | undefined;

  append(record: StoreRecord): Promise<void> {
    this.records.push(record);
    if (!this.batch) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
      this.batch = { promise, resolve, reject };
    }
    return this.batch.promise;
  }

  /** Commits (or fails) the open batch. */
  settle(error?: Error): void {
    const batch = this.batch;
    this.batch = undefined;
    if (error) batch?.reject(error);
    else batch?.resolve();
  }

  async purge(): Promise<void> {}
  async close(): Promise<void> {}
}

interface Sent {
  acks: cs.v1.Ack.$Properties[];
  delivered: number[];
}

function pipeline(durable: DurableStore): { deps: PipelineDeps; conversations: ConversationStore; reply: Reply; sent: Sent } {
  const conversations = new ConversationStore(durable);
  const sent: Sent = { acks: [], delivered: [] };
  const deps: PipelineDeps = {
    options: { maxTextLength: 4000, offlineReply: false, offlineReplyEveryMs: 300_000 },
    conversations,
    messages: durableMessageStore({ conversations, durable, now: () => 1000 }),
    durable,
    fanOut: {
      deliver: (_conversation, messages) => sent.delivered.push(...messages.map((m) => m.seq)),
      inboxChanged: () => undefined,
      assigneeChanged: () => undefined,
      agentsOnline: () => 1,
    },
    attachments: { claimForSend: (_c, _s, _id, _ids, kind) => ({ ok: true, kind }), messageStored: () => undefined, wireAttachments: () => [] },
    filter: new WordFilter([], 'mask'),
    agents: { account: () => undefined, isOnline: () => false },
    botTexts: () => ({ offline: '' }),
    metrics: new ServerMetrics(),
    log: pino({ level: 'silent' }),
    now: () => 1000,
  };
  const reply: Reply = {
    ack: (ack) => sent.acks.push(ack),
    error: () => undefined,
    together: (write) => write(),
  };
  return { deps, conversations, reply, sent };
}

const visitor = { role: cs.v1.Role.VISITOR, userId: 'v1', name: 'Ann', lang: 'en', primaryConversationId: '', site: 's' };

function open(conversations: ConversationStore): string {
  const { conversation } = conversations.getOrCreate('s', 'v1', '', 1000);
  visitor.primaryConversationId = conversation.id;
  return conversation.id;
}

const send = (clientMsgId: string): cs.v1.Send => cs.v1.Send.create({ clientMsgId, text: `text of ${clientMsgId}` });

test('with a store that keeps nothing, a Send is acked and fanned out in the same turn, with no promise made', () => {
  const { deps, conversations, reply, sent } = pipeline(new MemoryOnlyStore());
  open(conversations);
  const result = handleSend(deps, visitor, reply, send('m1'), 1000);
  assert.equal(result, undefined, 'no promise on the memory-only path');
  assert.deepEqual(sent.acks.map((a) => [a.status, a.seq]), [[cs.v1.AckStatus.OK, 1]]);
  assert.deepEqual(sent.delivered, [1]);
  const retry = handleSend(deps, visitor, reply, send('m1'), 1000);
  assert.equal(retry, undefined);
  assert.deepEqual(sent.acks.map((a) => [a.status, a.seq]), [[cs.v1.AckStatus.OK, 1], [cs.v1.AckStatus.DUPLICATE, 1]]);
});

test('with a durable store the Ack and the fan-out wait for the commit, and one batch is one promise', async () => {
  const durable = new ManualStore();
  const { deps, conversations, reply, sent } = pipeline(durable);
  const id = open(conversations);
  const first = handleSend(deps, visitor, reply, send('m1'), 1000);
  const second = handleSend(deps, visitor, reply, send('m2'), 1000);
  assert.ok(first instanceof Promise && second instanceof Promise);
  await new Promise((done) => setImmediate(done));
  assert.equal(sent.acks.length, 0, 'nothing acked before the commit');
  assert.equal(sent.delivered.length, 0);
  assert.deepEqual(durable.records.map((r) => r.t), ['conv', 'msg', 'msg'], 'the row goes with the first message');
  const conversation = conversations.get(id)!;
  assert.equal(conversation.pendingWrite(1), conversation.pendingWrite(2), 'messages of one batch wait for one promise');
  durable.settle();
  await Promise.all([first, second]);
  assert.deepEqual(sent.acks.map((a) => [a.status, a.seq]), [[cs.v1.AckStatus.OK, 1], [cs.v1.AckStatus.OK, 2]]);
  assert.deepEqual(sent.delivered, [1, 2]);
  assert.equal(conversation.pendingWrites, 0);
  assert.equal(conversation.pendingWrite(1), undefined, 'nothing in flight once committed');
  assert.equal(conversation.committedSeq, 2);
});

test('a retry of a message still being written waits for its commit and answers the original seq', async () => {
  const durable = new ManualStore();
  const { deps, conversations, reply, sent } = pipeline(durable);
  open(conversations);
  const original = handleSend(deps, visitor, reply, send('m1'), 1000);
  const retry = handleSend(deps, visitor, reply, send('m1'), 1000);
  assert.ok(retry instanceof Promise, 'the retry waits');
  await new Promise((done) => setImmediate(done));
  assert.equal(sent.acks.length, 0);
  durable.settle();
  await Promise.all([original, retry]);
  // Both answers carry seq 1 (their order is not part of the contract: each names its Send's client id).
  assert.deepEqual(sent.acks.map((a) => [a.status, a.seq]).sort(), [[cs.v1.AckStatus.OK, 1], [cs.v1.AckStatus.DUPLICATE, 1]]);
  assert.equal(durable.records.filter((r) => r.t === 'msg').length, 1, 'stored once');
});

test('a failed commit rolls the batch back: every Send of it gets Ack REJECTED with retry-after, and nothing stays in memory', async () => {
  const durable = new ManualStore();
  const { deps, conversations, reply, sent } = pipeline(durable);
  const id = open(conversations);
  const sends = [handleSend(deps, visitor, reply, send('m1'), 1000), handleSend(deps, visitor, reply, send('m2'), 1000)];
  durable.settle(new StoreUnavailableError('disk full'));
  await Promise.all(sends);
  assert.deepEqual(sent.acks.map((a) => [a.status, a.reason, a.retryAfterMs]), [
    [cs.v1.AckStatus.REJECTED, 'storage unavailable', 2000],
    [cs.v1.AckStatus.REJECTED, 'storage unavailable', 2000],
  ]);
  assert.equal(sent.delivered.length, 0);
  const conversation = conversations.get(id)!;
  assert.equal(conversation.lastSeq, 0);
  assert.equal(conversation.stored, false, 'the row goes again with the next first message');
  assert.equal(conversation.pendingWrites, 0);
  // The next try is stored anew with seq 1.
  const again = handleSend(deps, visitor, reply, send('m1'), 1000);
  durable.settle();
  await again;
  assert.deepEqual(sent.acks.at(-1) && [sent.acks.at(-1)!.status, sent.acks.at(-1)!.seq], [cs.v1.AckStatus.OK, 1]);
  assert.deepEqual(durable.records.filter((r) => r.t === 'conv').length, 2);
});

test('a hot set over its budget with nothing it may drop (memory only) is not walked again after every append (issue 16)', async () => {
  const durable = new MemoryOnlyStore();
  const conversations = new ConversationStore(durable, { hotSetBytes: 200_000 });
  let passes = 0;
  const trim = conversations.trim.bind(conversations);
  conversations.trim = () => {
    passes += 1;
    trim();
  };
  const messages = durableMessageStore({ conversations, durable, now: () => 1000 });
  const { conversation } = conversations.getOrCreate('site', 'visitor', '', 1000);
  for (let i = 0; i < 2000; i += 1) {
    messages.stage(conversation, { clientMsgId: `m${i}`.padEnd(32, '0'), senderId: 'visitor', senderRole: cs.v1.Role.VISITOR, senderName: '', kind: cs.v1.MessageKind.TEXT, text: 'x'.repeat(100), quoteSeq: 0, quickReplies: [] });
    await new Promise((resolve) => setImmediate(resolve)); // a trim is scheduled at most once per event-loop turn
  }
  assert.equal(conversation.lastSeq, 2000, 'nothing is dropped without a store to read it back from');
  assert.ok(conversations.bytes > 4 * 200_000, `${conversations.bytes} B, past the budget`);
  // Once per tenth of the budget of growth, not once per turn: about 30 passes for 2000 appends here.
  assert.ok(passes > 0 && passes < 100, `${passes} trim passes`);
  conversations.dispose();
});
