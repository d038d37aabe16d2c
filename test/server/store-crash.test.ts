/**
 * Crash safety of the SQLite store through the real server (DESIGN.md §5, issues 5 and 9):
 * several protocol clients write as fast as they can, the server is SIGKILLed
 * at a random moment, restarted on the same data dir, and every message any
 * client saw acknowledged must be back with the same seq; seqs stay
 * contiguous, nothing is doubled, resending the unacknowledged ones is
 * deduplicated against what the store kept (after a restart every message is
 * out of memory, so the dedup answers come from the unique index). Without a
 * durable store (CS_JOURNAL=off) a restart changes the epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { startChildServer, type ChildServer } from '../fuzz/child-server.js';

const ROUNDS = 4;
/** Sends each socket keeps unacknowledged at once. */
const IN_FLIGHT = 8;
/** Two visitors with two devices each (concurrent senders in one conversation), two with one. */
const DEVICES_PER_VISITOR = [2, 2, 1, 1];
// A 1 MiB hot set: the conversations' older messages leave memory during the rounds, so reads and dedup go to SQLite.
const FAST_ENV = { CS_RATE_BURST: '100000', CS_RATE_PER_SECOND: '100000', CS_COMMIT_MS: '2', CS_HOT_SET_MB: '1', CS_VISITOR_BYTES_PER_HOUR: '100000000' };

interface Visitor {
  token: string;
  conversationId: string;
  epoch: string;
}

/** What the clients know: sent messages, and the seq of each acknowledged one. */
interface Ledger {
  sent: Map<string, { conversationId: string; text: string }>;
  acked: Map<string, number>;
}

async function readConversation(client: ProtoClient, conversationId: string): Promise<cs.v1.Message[]> {
  const messages: cs.v1.Message[] = [];
  for (;;) {
    const page = await client.sync({ conversationId, afterSeq: messages.length, limit: 200 }, 10_000);
    messages.push(...((page.messages ?? []) as cs.v1.Message[]));
    if (!page.hasMore) return messages;
  }
}

/** Keeps IN_FLIGHT sends going on one socket until `stop()` says so. */
async function writeUntilStopped(client: ProtoClient, visitor: Visitor, ledger: Ledger, stopped: () => boolean): Promise<void> {
  const one = async (): Promise<void> => {
    while (!stopped() && client.isOpen) {
      const clientMsgId = newClientMsgId();
      const text = `m ${clientMsgId.slice(0, 8)}`;
      ledger.sent.set(clientMsgId, { conversationId: visitor.conversationId, text });
      try {
        const ack = await client.send({ clientMsgId, conversationId: visitor.conversationId, text }, 3000);
        if (ack.status === cs.v1.AckStatus.OK || ack.status === cs.v1.AckStatus.DUPLICATE) ledger.acked.set(clientMsgId, ack.seq ?? 0);
      } catch {
        return; // the server died under us: no Ack, nothing promised
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, one));
}

/** Checks the server's view of every conversation against what the clients were told. */
async function verify(server: ChildServer, visitors: Visitor[], ledger: Ledger): Promise<{ stored: number }> {
  let stored = 0;
  for (const visitor of visitors) {
    const reader = await ProtoClient.open(server.wsUrl, { site: 'crash', token: visitor.token });
    const epoch = reader.welcome?.conversations?.[0]?.epoch ?? '';
    // Even a conversation whose first message was never acked before the kill (no row yet, DESIGN.md §2)
    // comes back with its epoch: it is derived from the database's salt (store-epoch.test.ts).
    assert.equal(epoch, visitor.epoch, 'the store keeps the epoch across a crash');
    const messages = await readConversation(reader, visitor.conversationId);
    await reader.close();
    stored += messages.length;
    assert.deepEqual(messages.map((m) => m.seq), messages.map((_, i) => i + 1), `seqs of ${visitor.conversationId} are 1..n`);
    const bySeq = new Map<number, string>();
    const seen = new Set<string>();
    for (const m of messages) {
      assert.ok(!seen.has(m.clientMsgId ?? ''), `client_msg_id ${m.clientMsgId} stored twice`);
      seen.add(m.clientMsgId ?? '');
      bySeq.set(m.seq ?? 0, m.clientMsgId ?? '');
      const sent = ledger.sent.get(m.clientMsgId ?? '');
      assert.ok(sent, `stored message ${m.clientMsgId} was never sent`);
      assert.equal(m.text, sent.text);
    }
    for (const [clientMsgId, seq] of ledger.acked) {
      if (ledger.sent.get(clientMsgId)?.conversationId !== visitor.conversationId) continue;
      assert.equal(bySeq.get(seq), clientMsgId, `acked message ${clientMsgId} (seq ${seq}) is lost or moved`);
    }
  }
  return { stored };
}

test('SIGKILL during heavy writes loses no acknowledged message: same seqs, contiguous, no duplicates', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-crash-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const ledger: Ledger = { sent: new Map(), acked: new Map() };
  let server = await startChildServer(dataDir, FAST_ENV);
  t.after(() => server.kill());

  const visitors: Visitor[] = [];
  for (let i = 0; i < DEVICES_PER_VISITOR.length; i += 1) {
    const first = await ProtoClient.open(server.wsUrl, { site: 'crash' });
    const conversation = first.welcome?.conversations?.[0];
    visitors.push({ token: first.welcome?.token ?? '', conversationId: conversation?.id ?? '', epoch: conversation?.epoch ?? '' });
    await first.close();
  }

  const counts = { rounds: 0, acked: 0, resentDuplicates: 0, resentStored: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    // Resend last round's unacknowledged messages as a widget's outbox would:
    // each is either in the store already (DUPLICATE, original seq) or new.
    const unacked = [...ledger.sent].filter(([id]) => !ledger.acked.has(id));
    const clients: ProtoClient[] = [];
    for (const [i, visitor] of visitors.entries()) {
      for (let d = 0; d < DEVICES_PER_VISITOR[i]!; d += 1) clients.push(await ProtoClient.open(server.wsUrl, { site: 'crash', token: visitor.token }));
    }
    for (const [clientMsgId, { conversationId, text }] of unacked.slice(0, 40)) {
      const owner = clients[DEVICES_PER_VISITOR.slice(0, visitors.findIndex((v) => v.conversationId === conversationId)).reduce((a, b) => a + b, 0)]!;
      const ack = await owner.send({ clientMsgId, conversationId, text });
      assert.notEqual(ack.status, cs.v1.AckStatus.REJECTED, ack.reason ?? '');
      if (ack.status === cs.v1.AckStatus.DUPLICATE) counts.resentDuplicates += 1;
      else counts.resentStored += 1;
      ledger.acked.set(clientMsgId, ack.seq ?? 0);
    }

    let stopped = false;
    let clientIndex = 0;
    const writers: Promise<void>[] = [];
    for (const [i, visitor] of visitors.entries()) {
      for (let d = 0; d < DEVICES_PER_VISITOR[i]!; d += 1) writers.push(writeUntilStopped(clients[clientIndex++]!, visitor, ledger, () => stopped));
    }
    await sleep(300 + Math.floor(Math.random() * 900));
    await server.kill(); // mid-write: acks in flight, a transaction half in the WAL
    stopped = true;
    await Promise.all(writers);
    await Promise.all(clients.map((c) => c.close()));

    server = await startChildServer(dataDir, FAST_ENV);
    const { stored } = await verify(server, visitors, ledger);
    counts.rounds += 1;
    counts.acked = ledger.acked.size;
    assert.ok(stored >= ledger.acked.size, `${stored} stored, ${ledger.acked.size} acked`);
  }
  t.diagnostic(`crash rounds ${counts.rounds}, messages acked ${counts.acked}, sent ${ledger.sent.size}, ` +
    `resent after crash: ${counts.resentDuplicates} already stored (DUPLICATE), ${counts.resentStored} stored anew`);
  assert.ok(counts.acked > 100, `heavy writes: only ${counts.acked} acked`);
  assert.ok((await readdir(dataDir)).includes('cs-chat.db'), 'the messages live in CS_DATA_DIR/cs-chat.db');

  // CS_JOURNAL=off on the same data dir: nothing is read back, so the epoch changes.
  await server.stop();
  server = await startChildServer(dataDir, { ...FAST_ENV, CS_JOURNAL: 'off' });
  const returning = await ProtoClient.open(server.wsUrl, { site: 'crash', token: visitors[0]!.token });
  const conversation = returning.welcome?.conversations?.[0];
  await returning.close();
  assert.equal(conversation?.id, visitors[0]!.conversationId, 'the same visitor lands on the same conversation id');
  assert.notEqual(conversation?.epoch, visitors[0]!.epoch, 'a restart without journal changes the epoch');
  assert.equal(conversation?.lastSeq ?? 0, 0);
});
