/**
 * The SQLite store below the server: group commit on the writer thread, a
 * commit held back by another connection's lock (nothing resolves until it
 * is released), a disk that refuses writes (a lock held past the busy
 * timeout, and a real full tmpfs), recovery by itself, and reads through the
 * main thread's read connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHECKPOINT_WAL_BYTES, openDb, WAL_FILE_LIMIT_BYTES } from '../../server/src/store/db.js';
import { WAL_HARD_BYTES, walBytes } from '../../server/src/store/wal.js';
import { ModuleWrites, openModuleDb } from '../../server/src/store/module-db.js';
import { statSync } from 'node:fs';
import { openStore } from '../../server/src/store/open.js';
import { StoreUnavailableError, type StoreRecord } from '../../server/src/store/records.js';
import type { SqliteStore } from '../../server/src/store/sqlite-store.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const conv = (id: string): StoreRecord => ({ t: 'conv', id, site: 's', visitorId: 'v1', topic: '', epoch: 'e1', createdMs: 1 });
const msg = (conversationId: string, seq: number, text = `message ${seq}`): StoreRecord => ({
  t: 'msg',
  conversationId,
  seq,
  clientMsgId: `client-${seq}`,
  senderId: 'v1',
  senderRole: 1,
  senderName: '',
  kind: 0,
  text,
  serverTimeMs: 1000 + seq,
  quoteSeq: 0,
  quickReplies: [],
});

/** Settles to 'resolved', 'rejected' or 'pending' after `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<string> {
  let state = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await sleep(ms);
  return state;
}

test('records written in the same few ms share one commit and read back in order', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 20 });
  t.after(() => opened.close());
  const store = opened.durable as SqliteStore;
  await Promise.all([store.append(conv('c1')), ...Array.from({ length: 200 }, (_, i) => store.append(msg('c1', i + 1)))]);
  assert.ok(store.stats.commits <= 3, `${store.stats.commits} commits for 201 records`);
  assert.equal(store.stats.counted, store.stats.commits, 'each commit counted for the checkpointer thread, which copies in the gap after it');
  const reader = store.reader;
  assert.equal(reader.messages('c1', 1, 300).length, 0, 'committed into the message log, not yet readable');
  await store.merged();
  assert.equal(reader.conversation('c1')?.lastSeq, 200);
  assert.deepEqual(reader.messages('c1', 198, 300).map((m) => m.seq), [198, 199, 200]);
  assert.equal(reader.findDuplicate('c1', 'v1', 'client-57'), 57);
  assert.equal(reader.findDuplicate('c1', 'v2', 'client-57'), 0);
});

test('a commit held back by another connection resolves nothing until it is released', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1 });
  t.after(() => opened.close());
  await opened.durable.append(conv('c1'));
  const other = openDb(dir);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE'); // holds the write lock, as a backup or an operator's sqlite3 shell could
  const write = opened.durable.append(msg('c1', 1));
  assert.equal(await stateAfter(write, 400), 'pending', 'not durable while the writer waits for the lock');
  other.exec('COMMIT');
  await write;
  await (opened.durable as SqliteStore).merged();
  assert.equal(opened.durable.reader?.conversation('c1')?.lastSeq, 1);
});

test('a lock held past the busy timeout turns the store unhealthy with StoreUnavailableError, and it recovers by itself', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1, busyTimeoutMs: 100, probeMs: 50 });
  t.after(() => opened.close());
  const other = openDb(dir);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  await assert.rejects(opened.durable.append(conv('c1')), StoreUnavailableError);
  assert.equal(opened.durable.healthy, false);
  await assert.rejects(opened.durable.append(conv('c2')), StoreUnavailableError, 'refused at once while unhealthy');
  other.exec('ROLLBACK');
  const deadline = Date.now() + 5000;
  while (!opened.durable.healthy) {
    assert.ok(Date.now() < deadline, 'did not recover');
    await sleep(20);
  }
  await opened.durable.append(conv('c1'));
  assert.equal(opened.durable.reader?.conversation('c1')?.id, 'c1');
});

test('a real full disk (tmpfs) refuses writes, loses nothing committed, and recovers when space frees', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'cs-store-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root and mount rights); the lock test covers the logic');
    return;
  }
  t.after(async () => {
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await rm(mountPoint, { recursive: true, force: true });
  });
  const dir = join(mountPoint, 'data');
  let opened = openStore({ dataDir: dir, commitMs: 0, probeMs: 20 });
  await opened.durable.append(conv('c1'));
  const ballast = join(mountPoint, 'ballast');
  const free = Number(execFileSync('df', ['--output=avail', '-B1', mountPoint]).toString().trim().split('\n').pop());
  await writeFile(ballast, Buffer.alloc(Math.max(0, free - 512 * 1024)));

  const committed: number[] = [];
  let rejection: unknown;
  for (let seq = 1; rejection === undefined && seq < 100_000; seq += 1) {
    await opened.durable.append(msg('c1', seq, 'x'.repeat(2000))).then(
      () => void committed.push(seq),
      (error: unknown) => void (rejection = error),
    );
  }
  assert.ok(rejection instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(rejection)}`);
  assert.match((rejection as Error).message, /full|disk|I\/O/i);
  assert.equal(opened.durable.healthy, false);
  assert.ok(committed.length > 5, `committed ${committed.length} before the disk filled`);

  await rm(ballast);
  const deadline = Date.now() + 10_000;
  while (!opened.durable.healthy) {
    assert.ok(Date.now() < deadline, 'did not recover after space freed');
    await sleep(20);
  }
  const next = committed.length + 1;
  await opened.durable.append(msg('c1', next, 'after recovery'));
  await opened.close();
  opened = openStore({ dataDir: dir });
  t.after(() => opened.close());
  const seqs = opened.durable.reader!.messages('c1', 1, 1_000_000).map((m) => m.seq);
  assert.deepEqual(seqs, [...committed, next]);
});

test('the records of one commit share one promise; the merge of the log moves the row to the newest seq and time, and says so', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 20 });
  t.after(() => opened.close());
  const store = opened.durable as SqliteStore;
  const readable: [string, number][] = [];
  store.onReadable((id, seq) => readable.push([id, seq]));
  const writes = [store.append(conv('c1')), ...Array.from({ length: 50 }, (_, i) => store.append(msg('c1', i + 1)))];
  assert.equal(new Set(writes).size, 1, 'one promise for the batch');
  await Promise.all(writes);
  assert.equal(store.reader.conversation('c1')?.lastSeq, 0, 'the row moves with the merge, not with every batch');
  // The merge is due MERGE_DELAY_MS after the first row waited.
  const since = performance.now();
  while (readable.length === 0) {
    assert.ok(performance.now() - since < 5000, 'merged within a few seconds');
    await sleep(20);
  }
  assert.deepEqual(readable, [['c1', 50]]);
  const row = store.reader.conversation('c1');
  assert.equal(row?.lastSeq, 50);
  assert.equal(row?.lastActivityMs, 1050);
  assert.deepEqual(store.reader.messages('c1', 1, 100).map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 1));
  await store.append(msg('c1', 51));
  await store.merged();
  assert.equal(store.reader.conversation('c1')?.lastSeq, 51, 'the next merge moves it on');
});

test('the modules’ connection commits without an fsync on this thread, and the writer thread’s next commit makes it durable', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1 });
  t.after(() => opened.close());
  const store = opened.durable as SqliteStore;
  const db = openModuleDb(dir);
  assert.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL: no fsync at commit');
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the writer thread checkpoints, not this connection');
  const writes = new ModuleWrites(db, store, (error) => assert.fail(String(error)), () => 1, 60_000);
  t.after(async () => {
    await writes.close();
    db.close();
  });
  assert.equal(writes.check(), undefined, 'nothing changed: nothing to sync');
  const commits = store.stats.commits;
  db.prepare("INSERT INTO meta (key, value) VALUES ('module-test', 'x')").run();
  const synced = writes.check();
  assert.ok(synced, 'a change is handed to the writer');
  await synced;
  assert.equal(store.stats.commits, commits + 1, 'one FULL commit on the writer thread');
  assert.equal(writes.check(), undefined, 'and only once');
});

test('the writer checkpoints after its replies (its automatic checkpoint is off), and the WAL stays bounded', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1 });
  t.after(() => opened.close());
  const store = opened.durable as SqliteStore;
  await store.append(conv('c1'));
  const text = 'x'.repeat(4000);
  const watch = openDb(dir);
  t.after(() => watch.close());
  let maxWal = 0;
  let maxFile = 0;
  for (let batch = 0; batch < 80; batch++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(msg('c1', batch * 50 + i + 1, text))));
    maxWal = Math.max(maxWal, walBytes(watch));
    maxFile = Math.max(maxFile, statSync(join(dir, 'cs-chat.db-wal')).size);
  }
  // 4,000 messages of 4 KB are over 16 MB of pages, twice (the log, then the merge): without checkpoints the WAL would hold all of them.
  assert.ok(maxWal < WAL_HARD_BYTES + CHECKPOINT_WAL_BYTES, `WAL reached ${maxWal} bytes`);
  assert.ok(maxFile <= WAL_FILE_LIMIT_BYTES + 1024 * 1024, `the WAL file reached ${maxFile} bytes`);
  await store.merged();
  assert.equal(store.reader.conversation('c1')?.lastSeq, 4000);
  const db = openDb(dir);
  t.after(() => db.close());
  assert.equal(db.pragma('journal_size_limit', { simple: true }), WAL_FILE_LIMIT_BYTES);
});

test('the checkpointer thread copies the WAL into the database file beside the commits, before the writer thread would', async (t) => {
  const dir = await tempDir(t);
  const opened = openStore({ dataDir: dir, commitMs: 1 });
  t.after(() => opened.close());
  const store = opened.durable as SqliteStore;
  await store.append(conv('c1'));
  const dbFile = join(dir, 'cs-chat.db');
  const startSize = statSync(dbFile).size;
  const watch = openDb(dir);
  t.after(() => watch.close());
  // About 2.5-3 MB of WAL (the log, then the merge's copy): past the checkpointer's half threshold, under the writer thread's own.
  const text = 'y'.repeat(3000);
  for (let batch = 0; batch < 9; batch++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(msg('c1', batch * 50 + i + 1, text))));
    assert.ok(walBytes(watch) < CHECKPOINT_WAL_BYTES, 'the writer thread has no checkpoint of its own to do yet');
  }
  const deadline = Date.now() + 5000;
  while (statSync(dbFile).size < startSize + 1024 * 1024) {
    assert.ok(Date.now() < deadline, `the database file stayed at ${statSync(dbFile).size} bytes: nothing was checkpointed`);
    await sleep(20);
  }
});
