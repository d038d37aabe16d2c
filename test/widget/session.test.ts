/**
 * ChatSession against the in-page fake server (exact control over lost acks,
 * dropped sockets and epochs), with real IndexedDB, BroadcastChannel and Web
 * Locks in real Chromium. Each test has its own database. The session's
 * clock is a ManualClock: ack timeouts, backoff, batching and leases run
 * when a test advances it, never on real timers.
 */
import { ChatSession, ConnState, MessageState, type SessionEnv, type SessionOptions } from '../../widget/src/transport/index.js';
import { ChatStore } from '../../widget/src/store/index.js';
import { FakeServer } from './fake-server.js';
import { ManualClock } from './manual-clock.js';
import { assert, assertEqual, dbName, sleep, waitFor } from './helpers.js';

const sessions: ChatSession[] = [];

/** Ack timeout and backoff cap of every test session, ms of clock time. */
const ACK_MS = 300;
const BACKOFF_CAP_MS = 100;

function session(server: FakeServer, db: string, options: Partial<SessionOptions> = {}, clock = new ManualClock(), env: Partial<SessionEnv> = {}): ChatSession {
  const s = new ChatSession(
    { url: 'ws://fake/ws', role: 'visitor', site: 'acme', dbName: db, ackTimeoutMs: ACK_MS, backoffBaseMs: 20, backoffCapMs: BACKOFF_CAP_MS, ...options },
    { createSocket: server.createSocket, ...clock.env, ...env },
  );
  sessions.push(s);
  return s;
}

const open = (s: ChatSession) => waitFor('the session to open', () => s.state === ConnState.Open);
const items = (s: ChatSession) => s.view(s.primaryConversationId).items;
const texts = (s: ChatSession) => items(s).map((i) => i.text);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

describe('ChatSession', () => {
  it('shows a message as sending at once and as sent with its seq after the Ack', async () => {
    const server = new FakeServer();
    const s = session(server, dbName('session'));
    await s.start();
    await open(s);
    const item = await s.send('', 'hello');
    assertEqual(item.state, MessageState.Sending, 'sending at once');
    await waitFor('sent', () => items(s)[0]?.state === MessageState.Sent);
    assertEqual(items(s).map((i) => [i.seq, i.text]), [[1, 'hello']], 'one message with seq 1');
  });

  it('gives each message a client id that starts with its creation time, so one sender\'s ids ascend', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session-ids'), {}, clock);
    await s.start();
    await open(s);
    const first = await s.send('', 'one');
    clock.nowMs += 1;
    const second = await s.send('', 'two');
    clock.nowMs += 86_400_000;
    const third = await s.send('', 'three');
    const ids = [first, second, third].map((item) => item.clientMsgId);
    assert(ids.every((id) => /^[0-9a-f]{32}$/.test(id)), `32 hex digits: ${ids.join(', ')}`);
    assertEqual(ids[0]!.slice(0, 12), first.timeMs.toString(16).padStart(12, '0'), 'the first 12 digits are the creation time, ms in hex');
    assertEqual([...ids].sort(), ids, 'ascending in the order written');
  });

  it('keeps the message in the outbox across a page reload mid-send and stores it once', async () => {
    const server = new FakeServer();
    const db = dbName('session');
    const first = session(server, db);
    await first.start();
    await open(first);
    server.dropAcks = 1; // the server stores it, the Ack is lost with the page
    const item = await first.send('', 'survives reload');
    await waitFor('the send to reach the server', () => server.sendsOf(item.clientMsgId) === 1);
    await first.stop();
    const store = await ChatStore.open(db);
    assertEqual((await store.outbox()).map((r) => r.clientMsgId), [item.clientMsgId], 'still in the outbox after the reload');
    store.close();

    const clock = new ManualClock();
    const second = session(server, db, {}, clock);
    await second.start();
    assertEqual(texts(second), ['survives reload'], 'shown from the outbox before connecting');
    // The closed page's lease on the entry runs out on the clock (2 x the ack timeout).
    await clock.until('acked after the reload', () => items(second)[0]?.state === MessageState.Sent);
    // The new page either resends it (answered DUPLICATE) or finds it by Sync first; never a second copy.
    assert(server.sendsOf(item.clientMsgId) <= 2, 'resent at most once by the new page');
    const conv = [...server.conversations.values()][0]!;
    assertEqual(conv.messages.length, 1, 'stored once on the server');
    assertEqual(items(second).map((i) => [i.seq, i.text]), [[1, 'survives reload']], 'shown once');
    const after = await ChatStore.open(db);
    await waitFor('the outbox to empty', async () => (await after.outbox()).length === 0);
    after.close();
  });

  it('resends after an ack timeout and shows the server DUPLICATE answer once', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), {}, clock);
    await s.start();
    await open(s);
    server.dropAcks = 1;
    const item = await s.send('', 'once');
    await waitFor('the first send', () => server.sendsOf(item.clientMsgId) === 1);
    clock.advance(ACK_MS - 1);
    await sleep(20); // room for a wrong early resend to show
    assertEqual(server.sendsOf(item.clientMsgId), 1, 'no resend before the ack timeout');
    clock.advance(1 + BACKOFF_CAP_MS); // the ack timeout, then the resend backoff
    await waitFor('acked after the resend', () => items(s)[0]?.state === MessageState.Sent);
    assertEqual(server.sendsOf(item.clientMsgId), 2, 'sent twice');
    assertEqual(server.framesOf('send').length, 2, 'no other sends');
    assertEqual(items(s).map((i) => [i.seq, i.text]), [[1, 'once']], 'shown once with the original seq');
  });

  it('shows failed after the attempt limit and sends again on retry()', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), { maxSendAttempts: 2 }, clock);
    await s.start();
    await open(s);
    server.dropAcks = 2;
    const item = await s.send('', 'try me');
    await waitFor('the first send', () => server.sendsOf(item.clientMsgId) === 1);
    clock.advance(ACK_MS + BACKOFF_CAP_MS); // the ack timeout, then the resend backoff
    await waitFor('the second send', () => server.sendsOf(item.clientMsgId) === 2);
    assertEqual(items(s)[0]?.state, MessageState.Sending, 'still sending after one timeout');
    clock.advance(ACK_MS);
    await waitFor('failed', () => items(s)[0]?.state === MessageState.Failed);
    await s.retry('', item.clientMsgId);
    await waitFor('sent after retry', () => items(s)[0]?.state === MessageState.Sent);
    assertEqual(items(s).length, 1, 'one message');
  });

  it('resumes by cursor after the socket drops', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), {}, clock);
    await s.start();
    await open(s);
    await s.send('', 'mine');
    await waitFor('sent', () => items(s)[0]?.state === MessageState.Sent);
    const conversationId = s.primaryConversationId;
    server.down = true;
    server.dropSockets();
    await waitFor('the session to notice', () => s.state !== ConnState.Open);
    for (const text of ['a1', 'a2', 'a3']) server.append(conversationId, text, false);
    const syncsBefore = server.framesOf('sync').length;
    server.down = false;
    await clock.until('caught up after the reconnect backoff', () => items(s).length === 4);
    const resume = server.framesOf('sync').slice(syncsBefore)[0]?.sync;
    assertEqual(resume?.afterSeq, 1, 'Sync after the cursor');
    assertEqual(items(s).map((i) => [i.seq, i.text]), [[1, 'mine'], [2, 'a1'], [3, 'a2'], [4, 'a3']], 'in order, once');
  });

  it('keeps a message queued while offline without spinning a timer, and sends it on reconnect', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), {}, clock);
    await s.start();
    await open(s);
    server.down = true;
    server.dropSockets();
    await waitFor('the session to notice', () => s.state !== ConnState.Open);
    const item = await s.send('', 'while offline');
    clock.advance(60_000); // throws if the outbox timer fired again and again
    assertEqual(server.sendsOf(item.clientMsgId), 0, 'nothing sent while down');
    assertEqual(items(s)[0]?.state, MessageState.Sending, 'shown as sending, not failed');
    server.down = false;
    await clock.until('sent after the reconnect', () => items(s)[0]?.state === MessageState.Sent);
    assertEqual(server.sendsOf(item.clientMsgId), 1, 'sent once');
  });

  it('pulls a gap with Sync after the cursor and acknowledges cumulatively', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), {}, clock);
    await s.start();
    await open(s);
    const id = s.primaryConversationId;
    server.append(id, 'one');
    server.append(id, 'two', false); // lost push
    server.append(id, 'three');
    await waitFor('the gap repaired', () => items(s).length === 3);
    assertEqual(texts(s), ['one', 'two', 'three'], 'order');
    assert(server.framesOf('sync').some((f) => f.sync?.afterSeq === 1), 'asked for what follows seq 1');
    assertEqual(server.framesOf('received').length, 0, 'no Received before the batch window ends');
    clock.advance(250);
    await waitFor('Received up to 3', () => server.framesOf('received').some((f) => f.received?.upToSeq === 3));
    assertEqual(server.framesOf('received').length, 1, 'one cumulative Received for three messages');
  });

  it('renders the cached timeline at once on start, before the socket opens', async () => {
    const server = new FakeServer();
    const db = dbName('session');
    const first = session(server, db);
    await first.start();
    await open(first);
    server.append(first.primaryConversationId, 'cached');
    await waitFor('delivered', () => items(first).length === 1);
    await first.stop();
    server.down = true;
    const second = session(server, db);
    await second.start();
    assertEqual(texts(second), ['cached'], 'cache shown while offline');
    assert(second.state !== ConnState.Open, 'not connected');
  });

  it('drops the cached timeline and resyncs when the epoch changes', async () => {
    const server = new FakeServer();
    const clock = new ManualClock();
    const s = session(server, dbName('session'), {}, clock);
    await s.start();
    await open(s);
    server.append(s.primaryConversationId, 'old world');
    await waitFor('delivered', () => items(s).length === 1);
    server.restartWithoutJournal('e2');
    server.append(s.primaryConversationId, 'new world', false);
    await clock.until('resynced', () => texts(s).join() === 'new world');
    assertEqual(items(s)[0]?.seq, 1, 'seq of the new epoch');
  });

  it('shows the same list once in two tabs and never sends an outbox entry from both', async () => {
    const server = new FakeServer();
    server.ackDelayMs = 150; // both tabs flush while the first sends are still in flight
    const db = dbName('session');
    // Messages left in the outbox by an earlier page: both tabs find them on start.
    const store = await ChatStore.open(db);
    const clock = new ManualClock();
    const now = clock.nowMs;
    const conversationId = 'c-v1-';
    await store.setMeta('token', 'v1');
    await store.setMeta('primary:acme:', conversationId);
    for (let i = 0; i < 3; i++) {
      await store.putOutbox({ clientMsgId: `left-${i}`, conversationId, kind: 0, text: `left ${i}`, quoteSeq: 0, createdMs: now + i, failed: false, owner: '', leaseUntilMs: 0 });
    }
    store.close();
    const a = session(server, db, {}, clock);
    const b = session(server, db, {}, clock);
    await Promise.all([a.start(), b.start()]);
    await Promise.all([open(a), open(b)]);
    await a.send('', 'from a');
    await b.send('', 'from b');
    const expected = ['left 0', 'left 1', 'left 2', 'from a', 'from b'];
    for (const s of [a, b]) {
      // The clock stands still: no ack times out while the slow acks travel, no lease runs out.
      await waitFor('all seq in one tab', () => items(s).length === 5 && items(s).every((i) => i.seq > 0));
    }
    assertEqual(texts(a), texts(b), 'same order in both tabs');
    assertEqual([...texts(a)].sort(), [...expected].sort(), 'each message once');
    assertEqual(items(a).map((i) => i.seq), [1, 2, 3, 4, 5], 'seqs');
    for (const f of server.framesOf('send')) assertEqual(server.sendsOf(f.send?.clientMsgId ?? ""), 1, `${f.send?.text} sent once`);
  });

  it('keeps creation order across two tabs when messages are written in one clock millisecond', async () => {
    const server = new FakeServer();
    server.ackDelayMs = 150; // slow acks: both tabs flush while the first sends are in flight
    const db = dbName('session');
    const clock = new ManualClock(); // stands still: every message below is written in the same millisecond
    const store = await ChatStore.open(db); // one visitor in both tabs
    await store.setMeta('token', 'v1');
    await store.setMeta('primary:acme:', 'c-v1-');
    store.close();
    const a = session(server, db, {}, clock);
    const b = session(server, db, {}, clock);
    await Promise.all([a.start(), b.start()]);
    await Promise.all([open(a), open(b)]);
    server.down = true;
    server.dropSockets();
    await waitFor('both tabs to notice', () => a.state !== ConnState.Open && b.state !== ConnState.Open);
    // Ids that sort against the writing order (random ids do so half of the time for each pair).
    const realRandom = crypto.getRandomValues;
    let byte = 0xf0;
    crypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
      const bytes = array as unknown as Uint8Array;
      bytes.fill(0);
      bytes[0] = byte--;
      return array;
    }) as typeof crypto.getRandomValues;
    try {
      for (const text of ['one', 'two', 'three']) await a.send('', text);
    } finally {
      crypto.getRandomValues = realRandom;
    }
    server.down = false;
    // Both tabs reconnect and flush the shared outbox; whichever holds a lease sends, the other waits.
    await clock.until('both tabs open again', () => a.state === ConnState.Open && b.state === ConnState.Open, 10);
    const conv = [...server.conversations.values()][0]!;
    await waitFor('all stored and acked in both tabs', () => [a, b].every((s) => items(s).length === 3 && items(s).every((i) => i.seq > 0)));
    assertEqual(conv.messages.map((m) => m.text), ['one', 'two', 'three'], 'stored in creation order');
    assertEqual(texts(a), ['one', 'two', 'three'], 'tab a in order');
    assertEqual(texts(b), texts(a), 'tab b the same');
    for (const f of server.framesOf('send')) assertEqual(server.sendsOf(f.send?.clientMsgId ?? ''), 1, `${f.send?.text} sent once`);
  });

  it('refuses an empty message with a clear error', async () => {
    const server = new FakeServer();
    const s = session(server, dbName('session'));
    await s.start();
    let error: unknown;
    await s.send('', '   ').catch((e: unknown) => (error = e));
    assert(error instanceof TypeError && /empty/.test(error.message), 'TypeError naming the problem');
    assertEqual(items(s).length, 0, 'nothing queued');
  });
});
