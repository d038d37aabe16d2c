/** Unit tests of the pure core: Timeline ordering and dedup, gaps, backoff bounds, outbox states. */
import { Outbox, OutboxState, Timeline, backoffDelay, needsUpload, newId, newMessageId } from '../../widget/src/core/index.js';
import { MessageState, type TimelineItem } from '../../widget/src/core/types.js';
import { assert, assertEqual } from './helpers.js';

function msg(seq: number, id = `m${seq}`, own = false): TimelineItem {
  return {
    key: id, conversationId: 'c', seq, clientMsgId: id, senderId: own ? 'me' : 'them', senderRole: 1, senderName: '',
    kind: 0, text: `text ${seq}`, quoteSeq: 0, quickReplies: [], timeMs: seq, own, state: MessageState.Sent,
  };
}

function pending(id: string, timeMs: number): TimelineItem {
  return { ...msg(0, id, true), timeMs, state: MessageState.Sending };
}

/** Deterministic shuffle (mulberry32). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('Timeline', () => {
  it('takes fresh signed file URLs from a held message that comes again, without adding it twice', () => {
    const timeline = new Timeline();
    const file = (url: string) => ({ id: 'f_1', name: 'a.png', mime: 'image/png', size: 3, width: 2, height: 1, url });
    timeline.insert([{ ...msg(1), attachments: [file('/files/f_1?exp=1&sig=a')] }]);
    const again = timeline.insert([{ ...msg(1), attachments: [file('/files/f_1?exp=2&sig=b')] }]);
    assertEqual(again.added.length, 0, 'not added again');
    assertEqual(again.refreshed.length, 1, 'refreshed');
    assertEqual(timeline.items().length, 1, 'once');
    assertEqual(timeline.items()[0]?.attachments?.[0]?.url, '/files/f_1?exp=2&sig=b', 'the new URL is in place');
  });

  it('orders messages by seq whatever order they arrive in', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const timeline = new Timeline();
      const all = Array.from({ length: 60 }, (_, i) => msg(i + 1));
      for (const m of shuffled(all, seed)) timeline.insert([m]);
      assertEqual(timeline.items().map((i) => i.seq), all.map((m) => m.seq), `seed ${seed}`);
      assertEqual(timeline.cursor, 60, 'cursor after all arrived');
    }
  });

  it('drops a message it already holds, by seq and by client_msg_id', () => {
    const timeline = new Timeline();
    timeline.insert([msg(1), msg(2)]);
    const result = timeline.insert([msg(2), { ...msg(2), key: 'other', clientMsgId: 'other' }, msg(1), msg(3)]);
    assertEqual(result.added.map((i) => i.seq), [3], 'only seq 3 is new');
    assertEqual(timeline.items().length, 3, 'three items');
    timeline.addPending(pending('p1', 10));
    assert(!timeline.addPending(pending('p1', 10)), 'the same pending id is refused');
    assertEqual(timeline.items().length, 4, 'pending added once');
  });

  it('reports a gap and keeps the contiguous cursor below it', () => {
    const timeline = new Timeline();
    const first = timeline.insert([msg(1), msg(2), msg(4)]);
    assert(first.gap, 'gap reported when seq 3 is missing');
    assertEqual(timeline.cursor, 2, 'cursor stops below the gap');
    const filled = timeline.insert([msg(3)]);
    assert(!filled.gap, 'no gap once seq 3 arrives');
    assertEqual(timeline.cursor, 4, 'cursor moves over the filled gap');
  });

  it('starts the cursor at a floor when the newest page is loaded first', () => {
    const timeline = new Timeline();
    timeline.setFloor(49);
    timeline.insert(Array.from({ length: 50 }, (_, i) => msg(50 + i)));
    assertEqual(timeline.cursor, 99, 'cursor at the newest seq');
    assert(!timeline.hasGap, 'older pages are not a gap');
  });

  it('keeps own pending messages after the last seq one in creation order, and an ack moves one into its seq place', () => {
    const timeline = new Timeline();
    timeline.insert([msg(1)]);
    timeline.addPending(pending('b', 20));
    timeline.addPending(pending('a', 10));
    timeline.insert([msg(2)]);
    assertEqual(timeline.items().map((i) => i.key), ['m1', 'm2', 'a', 'b'], 'pending after seq, creation order');
    const acked = timeline.ack('b', 3, 30);
    assertEqual(acked?.state, MessageState.Sent, 'acked shows sent');
    assertEqual(timeline.items().map((i) => i.key), ['m1', 'm2', 'b', 'a'], 'b moved into seq 3');
    // The Deliver twin of an acked message is dropped.
    assertEqual(timeline.insert([{ ...msg(3, 'b', true) }]).added.length, 0, 'twin dropped');
  });

  it('returns a new frozen array on change and the same one otherwise', () => {
    const timeline = new Timeline();
    timeline.insert([msg(1)]);
    const a = timeline.items();
    assert(Object.isFrozen(a), 'frozen');
    assert(timeline.items() === a, 'same array without change');
    timeline.insert([msg(2)]);
    assert(timeline.items() !== a, 'new array after change');
  });

  it('drops seq messages on an epoch reset but keeps own pending ones', () => {
    const timeline = new Timeline();
    timeline.epoch = 'e1';
    timeline.insert([msg(1), msg(2)]);
    timeline.addPending(pending('p', 5));
    timeline.reset('e2');
    assertEqual(timeline.items().map((i) => i.key), ['p'], 'only pending left');
    assertEqual(timeline.cursor, 0, 'cursor reset');
    assertEqual(timeline.epoch, 'e2', 'new epoch');
    assertEqual(timeline.insert([msg(1)]).added.length, 1, 'seq 1 of the new epoch is taken');
  });

  it('shows own messages delivered and read from receipts', () => {
    const timeline = new Timeline();
    timeline.insert([msg(1, 'a', true), msg(2, 'b', true), msg(3, 'c', false)]);
    timeline.applyReceipt(2, 1);
    assertEqual(timeline.items().map((i) => i.state), ['read', 'delivered', 'sent'], 'states');
  });
});

describe('backoffDelay', () => {
  it('stays within [0, min(cap, base * 2^attempt)]', () => {
    const options = { baseMs: 500, capMs: 20000 };
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(20000, 500 * 2 ** attempt);
      assertEqual(backoffDelay(attempt, options, () => 0), 0, `lowest at ${attempt}`);
      const top = backoffDelay(attempt, options, () => 0.999999);
      assert(top <= ceiling && top >= ceiling * 0.99, `highest ${top} at attempt ${attempt} near ${ceiling}`);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, options);
        assert(d >= 0 && d <= ceiling, `${d} in bounds at attempt ${attempt}`);
      }
    }
  });
});

describe('Outbox', () => {
  function outbox(clock: { now: number }) {
    return new Outbox({ now: () => clock.now, random: () => 0.5, ackTimeoutMs: 1000, maxAttempts: 3, backoff: { baseMs: 100, capMs: 1000 } });
  }
  const message = (id: string, createdMs: number) => ({ clientMsgId: id, conversationId: 'c', kind: 0, text: id, quoteSeq: 0, createdMs });

  it('hands out creation times after every known message, so a tie never falls back to the random id', () => {
    const clock = { now: 100 };
    const box = outbox(clock);
    assertEqual([box.createdMs(), box.createdMs(), box.createdMs()], [100, 101, 102], 'three sends in one millisecond');
    box.add(message('other-tab', 500)); // another tab's message, or one restored from IndexedDB
    assertEqual(box.createdMs(), 501, 'after it');
    clock.now = 50; // the clock was set back
    assertEqual(box.createdMs(), 502, 'still after the newest');
    clock.now = 1000;
    assertEqual(box.createdMs(), 1000, 'the clock once it is ahead');
  });

  it('goes queued -> sending -> sent and leaves on Ack', () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    assertEqual(box.due().map((e) => e.clientMsgId), ['a'], 'due at once');
    assertEqual(box.markSending('a')?.state, OutboxState.Sending, 'sending');
    assertEqual(box.nextWakeMs(), 1000, 'ack deadline');
    assertEqual(box.acked('a')?.state, OutboxState.Sent, 'sent');
    assertEqual(box.all().length, 0, 'gone');
  });

  it('resends after the ack timeout with backoff and fails after the attempt limit', () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    // random() = 0.5, base 100: the full-jitter delays are 0.5 * 100 and 0.5 * 200.
    const backoffMs = [50, 100];
    for (let attempt = 1; attempt <= 3; attempt++) {
      box.markSending('a');
      clock.now += 1000;
      const [changed] = box.expire();
      if (attempt < 3) {
        assertEqual(changed?.state, OutboxState.Queued, `queued again after attempt ${attempt}`);
        assertEqual(changed!.dueMs, clock.now + backoffMs[attempt - 1]!, `backoff after attempt ${attempt}`);
        assertEqual(box.due().length, 0, `not due during the backoff after attempt ${attempt}`);
        clock.now = changed!.dueMs;
        assertEqual(box.due().map((e) => e.clientMsgId), ['a'], `due once the backoff is over (attempt ${attempt})`);
      } else {
        assertEqual(changed?.state, OutboxState.Failed, 'failed after the limit');
      }
    }
    assertEqual(box.retry('a')?.state, OutboxState.Queued, 'retry() re-queues');
    assertEqual(box.get('a')?.attempts, 0, 'attempts from zero');
  });

  it('honours REJECTED retry_after and fails a permanent rejection', () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    box.add(message('b', 2));
    box.markSending('a');
    box.markSending('b');
    assertEqual(box.rejected('a', 700, 'rate limited')?.dueMs, 700, 'due after retry_after');
    assertEqual(box.due().length, 0, 'not before');
    clock.now = 700;
    assertEqual(box.due().map((e) => e.clientMsgId), ['a'], 'due then');
    assertEqual(box.rejected('b', 0, 'too large')?.state, OutboxState.Failed, 'no retry_after: failed');
  });

  it('holds later messages behind a file being uploaded until the entry naming the upload replaces it', () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    const file = { name: 'parcel.jpg', mime: 'image/jpeg', size: 10, width: 4, height: 3 };
    box.add({ ...message('photo', 1), attachment: file });
    box.add(message('text', 2));
    assert(needsUpload(box.get('photo')!), 'a file without a server id needs its upload');
    box.defer('photo', 3_600_000);
    assertEqual(box.due().map((e) => e.clientMsgId), [], 'the text waits behind the photo being uploaded (order kept)');
    assertEqual(box.nextWakeMs(), 3_600_000, 'no wake-up before the upload reports back');
    const entry = box.get('photo')!;
    box.remove('photo');
    box.add({ ...entry, attachment: { ...file, id: 'f_1' } });
    assert(!needsUpload(box.get('photo')!), 'uploaded');
    assertEqual(box.due().map((e) => e.clientMsgId), ['photo'], 'then the photo goes first (the text after its Ack: one in flight per conversation)');
    box.defer('text', 3_600_000);
    box.rejected('text', 0, 'unsupported');
    assertEqual(box.get('text')?.state, OutboxState.Failed, 'a refused upload fails like a refused send');
  });

  it('preserves the order of queued messages and requeues in-flight ones on reconnect', () => {
    const clock = { now: 5 };
    const box = outbox(clock);
    box.add(message('c', 3));
    box.add(message('a', 1));
    box.add(message('b', 2));
    box.markSending('a');
    box.requeueInFlight();
    const sent: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const e of box.due()) {
        box.markSending(e.clientMsgId);
        sent.push(e.clientMsgId);
        box.acked(e.clientMsgId);
      }
    }
    assertEqual(sent, ['a', 'b', 'c'], 'creation order');
  });

  it('never lets a later message of a conversation overtake an earlier one the server rejects with retry_after', () => {
    // The reorder this prevents: a and b both on the wire; the server's rate limit rejects a (retry in 500 ms)
    // but has a token again when b arrives and stores it first, so b gets the lower seq. One in flight per
    // conversation: b goes only once a is acknowledged.
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    box.add(message('b', 2));
    box.add(message('c', 3));
    let tokens = 0; // empty for a's first send, refilled by every later arrival
    const stored: string[] = [];
    for (let round = 0; round < 20 && box.all().length; round++, clock.now += 250) {
      const wire = box.due().map((e) => (box.markSending(e.clientMsgId), e.clientMsgId));
      for (const id of wire) {
        if (tokens-- <= 0) {
          tokens = 1;
          box.rejected(id, 500, 'rate limited');
        } else {
          stored.push(id);
          box.acked(id);
        }
      }
    }
    assertEqual(stored, ['a', 'b', 'c'], 'the server stored (and numbered) them in creation order');
  });

  it("holds a conversation's later messages behind an earlier one that must wait, and lets other conversations go", () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    box.add(message('b', 2));
    box.add({ ...message('x', 3), conversationId: 'other' });
    box.markSending('a');
    box.rejected('a', 500, 'rate limited');
    assertEqual(box.due().map((e) => e.clientMsgId), ['x'], 'b waits behind a; the other conversation goes');
    box.defer('x', 300);
    assertEqual(box.due().length, 0, 'a deferred entry (another tab holds it) waits too');
    assertEqual(box.due(300).map((e) => e.clientMsgId), ['x'], 'judged at a given time');
    clock.now = 500;
    assertEqual(box.due().map((e) => e.clientMsgId), ['a', 'x'], "each conversation's head, in creation order");
    box.markSending('a');
    assertEqual(box.due().map((e) => e.clientMsgId), ['x'], 'an entry in flight holds the next one of its conversation back');
    box.acked('a');
    assertEqual(box.due().map((e) => e.clientMsgId), ['b', 'x'], 'b goes once a is acknowledged');
  });

  it("wakes for an ack deadline or the head of a conversation's queue, never for an entry held behind the head", () => {
    const clock = { now: 0 };
    const box = outbox(clock);
    box.add(message('a', 1));
    box.add(message('b', 2));
    box.markSending('a');
    assertEqual(box.nextWakeMs(), 1000, "a's ack deadline: b waits behind a in flight");
    box.rejected('a', 700, 'rate limited');
    assertEqual(box.nextWakeMs(), 700, 'a waits for retry_after; b behind it is due but cannot go first');
    box.add({ ...message('x', 3), conversationId: 'other' });
    assertEqual(box.nextWakeMs(), 0, 'another conversation is not held back');
    box.markSending('x');
    assertEqual(box.nextWakeMs(), 700, 'then the retry_after again (x waits for its ack until 1000)');
    box.acked('a');
    box.remove('b');
    assertEqual(box.nextWakeMs(), 1000, "x's ack deadline");
  });
});

describe('newId', () => {
  it('makes 128-bit hex ids that do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newId));
    assertEqual(ids.size, 1000, 'unique');
    assert([...ids].every((id) => /^[0-9a-f]{32}$/.test(id)), '32 hex digits');
  });
});

describe('newMessageId', () => {
  it('makes 128-bit hex ids that do not repeat, within one millisecond too', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newMessageId(1_764_700_000_000)));
    assertEqual(ids.size, 1000, 'unique');
    assert([...ids].every((id) => /^[0-9a-f]{32}$/.test(id)), '32 hex digits');
  });

  it('sorts an id made later after one made earlier, whatever the random part (the dedup index appends)', () => {
    const high = (b: Uint8Array): Uint8Array => b.fill(0xff);
    const low = (b: Uint8Array): Uint8Array => b.fill(0);
    const times = [0, 1, 255, 256, 1_764_700_000_000, 1_764_700_000_001, 1_764_700_086_400, 2 ** 47];
    for (let i = 1; i < times.length; i += 1) {
      const earlier = newMessageId(times[i - 1], high);
      const later = newMessageId(times[i], low);
      assert(earlier < later, `${earlier} (${times[i - 1]} ms) sorts before ${later} (${times[i]} ms)`);
    }
    assertEqual(newMessageId(1_764_700_000_000, low), '019ae0510f00' + '0'.repeat(20), 'time first, in hex');
  });

  it('still makes a valid id from a clock that is not a number', () => {
    for (const broken of [Number.NaN, Number.POSITIVE_INFINITY, -5]) {
      const id = newMessageId(broken);
      assert(/^0{12}[0-9a-f]{20}$/.test(id), `time 0 for ${broken}: ${id}`);
    }
  });
});
