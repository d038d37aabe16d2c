/**
 * The per-conversation id filter (server/src/store/id-filter.ts, issue 16):
 * once a conversation's older messages left memory, a new message needs no
 * lookup in the store's dedup index, while a retry of a message that left
 * memory still gets its original seq; a conversation loaded from the store
 * reads its ids once (short histories), and a message still in flight when
 * it does counts as seen. The filter never misses a pair it was given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conversation, type StoredMessage } from '../../server/src/store/conversations.js';
import { IdFilter, pairFingerprint } from '../../server/src/store/id-filter.js';
import type { ColdReader, ConversationRow } from '../../server/src/store/records.js';

const message = (seq: number, clientMsgId = `id-${seq}`, senderId = 'v1'): StoredMessage => ({
  conversationId: 'c1',
  seq,
  clientMsgId,
  senderId,
  senderRole: 1,
  senderName: '',
  kind: 0,
  text: `text ${seq}`,
  serverTimeMs: seq,
  quoteSeq: 0,
  quickReplies: [],
});

/** A store holding `stored` messages; counts the dedup lookups and id reads it answers. */
function coldStore(stored: StoredMessage[]): { cold: ColdReader; lookups: () => number; idReads: () => number } {
  let lookups = 0;
  let idReads = 0;
  const cold: Partial<ColdReader> = {
    findDuplicate: (_c, senderId, clientMsgId) => {
      lookups += 1;
      return stored.find((m) => m.senderId === senderId && m.clientMsgId === clientMsgId)?.seq ?? 0;
    },
    clientIds: () => {
      idReads += 1;
      return stored.map((m): [string, string] => [m.senderId, m.clientMsgId]);
    },
    messages: (_c, from, to) => stored.filter((m) => m.seq >= from && m.seq <= to),
  };
  return { cold: cold as ColdReader, lookups: () => lookups, idReads: () => idReads };
}

test('the filter answers "never added" only for pairs never added, through its growth', () => {
  const filter = new IdFilter();
  const added = Array.from({ length: 5000 }, (_, i) => pairFingerprint(`v${i % 7}`, `client-${i}`));
  for (const fingerprint of added) filter.add(fingerprint);
  assert.ok(added.every((fingerprint) => filter.mayHave(fingerprint)), 'no pair it was given is ever missed');
  assert.equal(filter.size, new Set(added).size);
  const strangers = Array.from({ length: 5000 }, (_, i) => pairFingerprint('v1', `other-${i}`)).filter((f) => filter.mayHave(f));
  assert.ok(strangers.length < 5, `${strangers.length} collisions of 5000`);
  assert.notEqual(pairFingerprint('ab', 'c'), pairFingerprint('a', 'bc'), 'the separator keeps sender and id apart');
});

test('a pair asked for again gets the fingerprint it had; the next pair, even one differing only in its sender or id, its own', () => {
  const first = pairFingerprint('v1', 'c_1');
  assert.equal(pairFingerprint('v1', 'c_1'), first, 'the same pair again');
  assert.equal(pairFingerprint(['v', '1'].join(''), ['c_', '1'].join('')), first, 'equal strings, other objects');
  const otherSender = pairFingerprint('v2', 'c_1');
  const otherId = pairFingerprint('v2', 'c_2');
  assert.notEqual(otherSender, first, 'another sender, same id');
  assert.notEqual(otherId, otherSender, 'same sender, another id');
  // Each equals what a fresh computation gives (another pair in between clears the last one).
  pairFingerprint('x', 'y');
  assert.equal(pairFingerprint('v2', 'c_1'), otherSender);
  pairFingerprint('x', 'y');
  assert.equal(pairFingerprint('v2', 'c_2'), otherId);
});

test('after the tail was trimmed, a new message asks the store nothing and a retry of a trimmed one gets its seq', () => {
  const stored: StoredMessage[] = [];
  const { cold, lookups } = coldStore(stored);
  const conversation = new Conversation('c1', 's', 'v1', '', 'e1', 0, cold, 0);
  for (let seq = 1; seq <= 300; seq++) {
    assert.equal(conversation.findDuplicate('v1', `id-${seq}`), 0);
    const m = message(seq);
    conversation.append(m);
    stored.push(m);
  }
  conversation.committedSeq = 300;
  conversation.trim(20);
  assert.equal(conversation.hotMessages, 20);
  assert.equal(conversation.findDuplicate('v1', 'id-301'), 0);
  assert.equal(conversation.findDuplicate('v2', 'id-5'), 0, 'the same id from another sender is another pair');
  assert.equal(lookups(), 0, 'new ids: no lookup in the store');
  assert.equal(conversation.findDuplicate('v1', 'id-5'), 5, 'a retry of a message that left memory: the original seq');
  assert.equal(lookups(), 1, 'from the store, as before');
  assert.equal(conversation.findDuplicate('v1', 'id-290'), 290, 'from the tail');
});

test('a conversation loaded from the store reads its ids once; a message in flight meanwhile counts as seen once trimmed', () => {
  const stored = Array.from({ length: 50 }, (_, i) => message(i + 1));
  const { cold, lookups, idReads } = coldStore(stored);
  const row: ConversationRow = {
    id: 'c1', site: 's', visitorId: 'v1', topic: '', epoch: 'e1', createdMs: 0, lastSeq: 50, lastActivityMs: 50, status: 0, assigneeId: '',
    visitorReadSeq: 0, agentReadSeq: 0, visitorDeliveredSeq: 0, agentDeliveredSeq: 0,
  };
  const conversation = Conversation.fromRow(row, cold, undefined);
  const inFlight = message(51);
  conversation.append(inFlight); // not in the store yet
  assert.equal(conversation.findDuplicate('v1', 'id-52'), 0);
  assert.equal(idReads(), 1, 'the stored ids were read once');
  assert.equal(lookups(), 0);
  assert.equal(conversation.findDuplicate('v1', 'id-53'), 0);
  assert.equal(idReads(), 1, 'and not again');
  assert.equal(conversation.findDuplicate('v1', 'id-7'), 7, 'a stored one is asked of the store');
  stored.push(inFlight);
  conversation.committedSeq = 51;
  conversation.trim(0);
  const before = lookups();
  assert.equal(conversation.findDuplicate('v1', 'id-51'), 51, 'the message that was in flight at the read is known');
  assert.equal(lookups(), before + 1);
});
