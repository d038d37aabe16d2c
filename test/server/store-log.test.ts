/**
 * The message log (server/src/store/message-log.ts): commit batches append
 * there, the writer thread merges it into `messages` in slices, the hot set
 * keeps every unmerged message (never trimmed, never dropped) until the merge
 * says so, what a crash left in the log is merged before anything is served,
 * and a database from before the log is upgraded with every message kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, openMigrated } from '../../server/src/store/db.js';
import { ConversationStore } from '../../server/src/store/conversations.js';
import { MERGE_CONVERSATIONS, MERGE_SLICE_MIN_ROWS, MERGE_SLICE_MS, MessageLog } from '../../server/src/store/message-log.js';
import { migrate, MIGRATIONS } from '../../server/src/store/migrations.js';
import { openStore } from '../../server/src/store/open.js';
import type { SqliteStore } from '../../server/src/store/sqlite-store.js';
import { durableMessageStore } from '../../server/src/pipeline/store-message.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const COLUMNS = 'conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms, quote_seq, quick_replies';

function addConversation(db: ReturnType<typeof openDb>, id: string, lastSeq: number): void {
  db.prepare(
    `INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status, assignee_id)
     VALUES (?, 's', ?, '', 'e1', 1, ?, 1, 0, '')`,
  ).run(id, `v-${id}`, lastSeq);
}

function logRow(db: ReturnType<typeof openDb>, table: 'messages' | 'message_log', id: string, seq: number): void {
  db.prepare(`INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, 1, '', 0, ?, ?, 0, '')`).run(id, seq, `client-${seq}`, `v-${id}`, `text ${seq}`, 1000 + seq);
}

/** `count` conversations (c000, c001, …) with `rows` log rows each, logged round-robin as concurrent visitors would; returns their ids. */
function logConversations(db: ReturnType<typeof openDb>, count: number, rows: number): string[] {
  const ids = Array.from({ length: count }, (_, i) => `c${String(i).padStart(3, '0')}`);
  db.transaction(() => {
    for (const id of ids) addConversation(db, id, 0);
    for (let seq = 1; seq <= rows; seq++) for (const id of ids) logRow(db, 'message_log', id, seq);
  })();
  return ids;
}

/** The round's next move slice: the steps before it (loading the round) move nothing. */
function moveSlice(log: MessageLog): ReturnType<MessageLog['merge']> {
  for (let step = 0; step < 1000; step++) {
    const moved = log.merge();
    if (moved.length > 0) return moved;
  }
  throw new Error('no move slice in 1000 steps');
}

test('a database from before the log is upgraded: every message stays readable, the log starts empty', async (t) => {
  const dir = await tempDir(t);
  const old = openDb(dir);
  migrate(old, MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.up.name === 'messageLogTable')));
  addConversation(old, 'c1', 3);
  for (const seq of [1, 2, 3]) logRow(old, 'messages', 'c1', seq);
  old.close();
  const opened = openStore({ dataDir: dir });
  t.after(() => opened.close());
  const reader = opened.durable.reader!;
  assert.deepEqual(reader.messages('c1', 1, 10).map((m) => m.text), ['text 1', 'text 2', 'text 3']);
  assert.equal(reader.conversation('c1')?.lastSeq, 3);
  assert.equal(reader.findDuplicate('c1', 'v-c1', 'client-2'), 2);
  const check = openDb(dir, { readonly: true });
  t.after(() => check.close());
  assert.equal(check.prepare('SELECT count(*) FROM message_log').pluck().get(), 0);
});

test('what a crash left in the log is merged at start, before anything is read', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  addConversation(db, 'c1', 2);
  logRow(db, 'messages', 'c1', 1);
  logRow(db, 'messages', 'c1', 2);
  // Committed by batches whose merge never ran (the process was killed).
  for (const seq of [3, 4, 5]) logRow(db, 'message_log', 'c1', seq);
  addConversation(db, 'c2', 0);
  logRow(db, 'message_log', 'c2', 1);
  db.close();
  const opened = openStore({ dataDir: dir });
  t.after(() => opened.close());
  const reader = opened.durable.reader!;
  assert.equal(reader.conversation('c1')?.lastSeq, 5, 'the row moved with the merge');
  assert.deepEqual(reader.messages('c1', 1, 10).map((m) => m.seq), [1, 2, 3, 4, 5]);
  assert.equal(reader.findDuplicate('c1', 'v-c1', 'client-4'), 4, 'the dedup index has them');
  assert.equal(reader.conversation('c2')?.lastSeq, 1);
  assert.equal(reader.conversation('c2')?.lastActivityMs, 1001);
  const check = openDb(dir, { readonly: true });
  t.after(() => check.close());
  assert.equal(check.prepare('SELECT count(*) FROM message_log').pluck().get(), 0);
});

test('a merge moves the conversations waiting longest, a slice at a time, and says what it moved', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  const count = MERGE_CONVERSATIONS + 10;
  // Two rounds: every conversation has seqs 1 and 2 waiting; the oldest rows are those of c000…
  const ids = logConversations(db, count, 2);
  let clock = 10_000;
  const log = new MessageLog(db, () => clock);
  assert.equal(log.waiting, 2 * count);
  assert.equal(log.dueInMs(), 0, 'waited past the delay (server_time_ms 1001)');
  const first = moveSlice(log);
  assert.equal(first.length, MERGE_CONVERSATIONS);
  assert.deepEqual(first.map((m) => m.conversationId), ids.slice(0, MERGE_CONVERSATIONS), 'oldest first');
  assert.ok(first.every((m) => m.seq === 2 && m.messages === 2));
  const rowsIn = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  assert.equal(rowsIn('messages'), 2 * MERGE_CONVERSATIONS);
  assert.equal(rowsIn('message_log'), 2 * count, 'the round deletes its rows from the log only once all of them moved');
  assert.equal(log.dueInMs(), 0, 'the rest of the round is due at once');
  assert.equal(db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck().get('c000'), 2);
  assert.equal(db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck().get(ids[count - 1]), 0, 'not merged yet: its row waits too');
  const rest = log.mergeAll();
  assert.deepEqual(rest.map((m) => m.conversationId), ids.slice(MERGE_CONVERSATIONS));
  assert.equal(log.waiting, 0);
  assert.equal(rowsIn('message_log'), 0);
  assert.equal(log.dueInMs(), undefined);
  assert.equal(db.prepare('SELECT count(*) FROM messages').pluck().get(), 2 * count);
  // A new row is due only after the delay (or once enough rows wait).
  clock = 50_000;
  logRow(db, 'message_log', 'c000', 3);
  log.committed(1);
  assert.ok((log.dueInMs() ?? 0) > 0, 'a fresh row waits for others');
});

test('a round takes its conversations in the order their oldest row arrived, each with its newest seq and activity', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  addConversation(db, 'z', 0);
  addConversation(db, 'a', 0);
  // z's oldest row is the log's first, a's newest row comes before z's: neither the ids' order nor the newest rows' order.
  db.transaction(() => {
    logRow(db, 'message_log', 'z', 1);
    for (const seq of [1, 2, 3]) logRow(db, 'message_log', 'a', seq);
    logRow(db, 'message_log', 'z', 2);
  })();
  const log = new MessageLog(db, () => 10_000);
  const moved = moveSlice(log);
  assert.deepEqual(moved, [
    { conversationId: 'z', seq: 2, messages: 2 },
    { conversationId: 'a', seq: 3, messages: 3 },
  ]);
  const row = db.prepare('SELECT last_seq AS lastSeq, last_activity_ms AS at FROM conversations WHERE id = ?');
  assert.deepEqual({ ...(row.get('z') as object) }, { lastSeq: 2, at: 1002 }, "its newest row's time (server_time_ms 1000 + seq)");
  assert.deepEqual({ ...(row.get('a') as object) }, { lastSeq: 3, at: 1003 });
});

test('a round loads the log and deletes it from the log in steps of their own, each a chunk of ids, never all at once', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  // 10,000 rows: more than one load or drop step takes (MERGE_LOAD_ROWS).
  const total = 250 * 40;
  logConversations(db, 250, 40);
  const log = new MessageLog(db);
  const rowsIn = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  let loadSteps = 0;
  while (log.merge().length === 0) loadSteps += 1;
  assert.ok(loadSteps >= 2, `${total} rows loaded in ${loadSteps} steps before the first move`);
  let moves = 1;
  while (rowsIn('message_log') === total) {
    assert.ok(log.merge().length > 0 || rowsIn('message_log') < total, 'moves, then the first drop step');
    moves += 1;
  }
  assert.equal(rowsIn('messages'), total, 'every row moved before any left the log');
  assert.ok(rowsIn('message_log') > 0, `the first drop step deleted a chunk, not the whole prefix (${rowsIn('message_log')} left)`);
  let dropSteps = 1;
  while (rowsIn('message_log') > 0) {
    assert.deepEqual(log.merge(), []);
    dropSteps += 1;
  }
  assert.ok(dropSteps >= 2 && moves >= 2, `${moves} moves, ${dropSteps} drop steps`);
  assert.equal(log.dueInMs(), undefined, 'the round is over, nothing waits');
  assert.equal(db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck().get('c249'), 40);
});

test('a slice moves as many rows as fit in MERGE_SLICE_MS at the measured cost: slow rows make the next slices smaller, fast ones larger', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  // 1,200 conversations of 10 rows (more than the 16 slices below move): a slice takes whole conversations, so its rows are a multiple of 10.
  logConversations(db, 1200, 10);
  // A fake clock on which every row moved into messages took `rowUs`.
  let rowUs = 100;
  let total = 0;
  let counted = 0;
  const moved = db.prepare('SELECT count(*) FROM messages').pluck();
  const log = new MessageLog(db, () => 10_000, () => {
    const now = moved.get() as number;
    total += ((now - counted) * rowUs) / 1000;
    counted = now;
    return total;
  });
  const slice = (): number => log.merge().reduce((n, m) => n + m.messages, 0);
  // The first steps load the round (they move nothing); the moving average then needs a few slices to reach 100 µs.
  const slow = Array.from({ length: 12 }, slice);
  // At 100 µs a row, MERGE_SLICE_MS fits a few rows: the floor holds.
  assert.equal(slow.at(-1), MERGE_SLICE_MIN_ROWS, `slow rows: slices of ${slow.join(', ')}`);
  rowUs = 1;
  const fast = Array.from({ length: 10 }, slice);
  assert.ok(fast.at(-1)! > 2 * MERGE_SLICE_MIN_ROWS, `fast rows: slices of ${fast.join(', ')} after ${slow.join(', ')}`);
  assert.ok(fast.every((rows, i) => i === 0 || rows >= fast[i - 1]!), `they grow as the measured cost falls: ${fast.join(', ')}`);
  assert.ok(fast.at(-1)! <= (MERGE_SLICE_MS * 1000) / 3, 'no faster than the measured cost allows (a moving average: about 4 µs a row by then)');
});

test('the hot set keeps unmerged messages: never trimmed, the conversation never dropped, until the merge says so', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1 });
  t.after(() => opened.close());
  const durable = opened.durable as SqliteStore;
  // A budget of one byte: everything that may leave memory does, at every trim.
  const conversations = new ConversationStore(durable, { hotSetBytes: 1, keepPerConversation: 0, maxTailMessages: 5 });
  t.after(() => conversations.dispose());
  const store = durableMessageStore({ conversations, durable, now: () => Date.now() });
  const { conversation } = conversations.getOrCreate('s', 'v1', '', Date.now());
  const draft = (n: number) => ({ clientMsgId: `m-${n}`, senderId: 'v1', senderRole: 1, senderName: '', kind: 0, text: `hello ${n}`, quoteSeq: 0, quickReplies: [] });
  const staged = Array.from({ length: 40 }, (_, i) => store.stage(conversation, draft(i + 1)).committed);
  await Promise.all(staged);
  assert.equal(conversation.committedSeq, 40);
  assert.equal(durable.reader.messages(conversation.id, 1, 40).length, 0, 'committed into the log: not readable from messages yet');
  conversations.trim();
  assert.equal(conversations.loaded, 1, 'not dropped while its messages wait in the log');
  assert.equal(conversation.hotMessages, 40, 'nothing trimmed from the tail');
  assert.equal(conversation.findDuplicate('v1', 'm-7'), 7, 'a retry of an unmerged message finds its seq in memory');
  await durable.merged();
  assert.equal(conversation.readableSeq, 40, 'the merge was reported');
  conversations.trim();
  assert.equal(conversations.loaded, 0, 'dropped once the store reads all of it');
  const reloaded = conversations.get(conversation.id);
  assert.equal(reloaded?.lastSeq, 40);
  assert.equal(reloaded?.message(12)?.text, 'hello 12');
  assert.equal(reloaded?.findDuplicate('v1', 'm-7'), 7, 'and the dedup index has it');
});

test('a crash in the middle of a round leaves rows in both tables; the next merge moves the rest and changes nothing twice', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  const ids = logConversations(db, MERGE_CONVERSATIONS + 5, 1);
  const first = moveSlice(new MessageLog(db));
  assert.equal(first.length, MERGE_CONVERSATIONS);
  db.close(); // killed here: the first slice's rows are in messages and still in the log
  const opened = openStore({ dataDir: dir });
  t.after(() => opened.close());
  const reader = opened.durable.reader!;
  for (const id of ids) assert.deepEqual(reader.messages(id, 1, 5).map((m) => m.seq), [1], id);
  const check = openDb(dir, { readonly: true });
  t.after(() => check.close());
  assert.equal(check.prepare('SELECT count(*) FROM messages').pluck().get(), ids.length, 'each message once');
  assert.equal(check.prepare('SELECT count(*) FROM message_log').pluck().get(), 0);
});

test('a merge that meets a real duplicate (same sender and client id under another seq) fails whole and keeps the log', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  addConversation(db, 'c1', 1);
  logRow(db, 'messages', 'c1', 1);
  db.prepare(`INSERT INTO message_log (${COLUMNS}) VALUES ('c1', 2, 'client-1', 'v-c1', 1, '', 0, 'again', 1002, 0, '')`).run();
  const log = new MessageLog(db);
  assert.throws(() => log.mergeAll(), /UNIQUE/);
  assert.equal(db.prepare('SELECT count(*) FROM message_log').pluck().get(), 1, 'nothing lost');
  assert.equal(db.prepare('SELECT last_seq FROM conversations').pluck().get(), 1);
});

test('a batch appended flat lands whole: every field of every row, in order, across the many-row statements and the rest', async (t) => {
  const dir = await tempDir(t);
  const db = openMigrated(dir);
  t.after(() => db.close());
  const log = new MessageLog(db);
  // 16 rows a statement: 2 full statements and 5 rows left over, then one of each size below a statement.
  for (const count of [37, 16, 1, 15]) {
    const before = db.prepare('SELECT count(*) FROM message_log').pluck().get() as number;
    const values: (string | number)[] = [];
    for (let i = 0; i < count; i++) {
      const n = before + i;
      values.push(`c${n % 3}`, n + 1, `client-${n}`, `v-${n}`, 1 + (n % 2), `name ${n}`, n % 4, `text ${n} é👍`, 1000 + n, n % 5, n % 2 ? '["a","b"]' : '');
    }
    assert.equal(db.transaction(() => log.appendFlat(values))(), count);
    const rows = db.prepare(`SELECT ${COLUMNS} FROM message_log WHERE id > ? ORDER BY id`).raw().all(before);
    assert.deepEqual(rows.flat(), values, `${count} rows`);
  }
  assert.throws(() => log.appendFlat(['c0', 1]), /2 values do not make rows of 11/);
});
