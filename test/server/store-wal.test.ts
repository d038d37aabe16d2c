/**
 * The WAL index reader (server/src/store/wal.ts): the frame counts the
 * writer and checkpointer threads decide on, checked against what SQLite
 * itself reports, and the WAL file keeping its blocks when it restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { openDb, WAL_FILE_LIMIT_BYTES } from '../../server/src/store/db.js';
import { CHECKPOINTER_MIN_BYTES, checkpointerCopyDue, RESTART_PENDING_BYTES, WAL_HARD_BYTES, walBytes, walProgress, writerCheckpointDue } from '../../server/src/store/wal.js';
import { CHECKPOINT_WAL_BYTES } from '../../server/src/store/db.js';
import { afterEachCommit, countCommit } from '../../server/src/store/checkpointer.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A database in `dir` with checkpoints left to the test, one table `t (x <type>)`, and its insert. */
function walTable(t: { after(fn: () => void): void }, dir: string, type: 'TEXT' | 'BLOB') {
  const db = openDb(dir);
  t.after(() => db.close());
  db.pragma('wal_autocheckpoint = 0');
  db.exec(`CREATE TABLE t (x ${type})`);
  return { db, insert: db.prepare('INSERT INTO t (x) VALUES (?)') };
}

type Checkpoint = { busy: number; log: number; checkpointed: number };

test('the WAL progress gives the frames SQLite counts, and how many a checkpoint copied', async (t) => {
  const dir = await tempDir(t);
  const memory = new Database(':memory:');
  assert.equal(walProgress(memory), undefined, 'not in WAL mode: nothing to say');
  memory.close();
  const { db, insert } = walTable(t, dir, 'TEXT');
  for (let i = 0; i < 50; i++) insert.run('z'.repeat(3000));
  const before = walProgress(db);
  assert.ok(before, 'known once the connection wrote');
  assert.equal(before.pageSize, db.pragma('page_size', { simple: true }));
  assert.ok(before.frames > 50, `${before.frames} frames for 50 commits of a page or more each`);
  assert.equal(before.backfilled, 0, 'nothing checkpointed yet');
  assert.equal(walBytes(db), before.frames * (before.pageSize + 24));

  const [done] = db.pragma('wal_checkpoint(PASSIVE)') as Checkpoint[];
  assert.equal(done!.log, before.frames, 'the same frame count as SQLite’s own');
  const after = walProgress(db)!;
  assert.equal(after.frames, before.frames);
  assert.equal(after.backfilled, done!.checkpointed, 'the copied frames, as SQLite reports them');
  assert.equal(after.backfilled, after.frames);

  // The next write restarts the WAL from its start: the index says so, while the file keeps its blocks.
  const fileBefore = statSync(join(dir, 'cs-chat.db-wal')).size;
  insert.run('small');
  const restarted = walProgress(db)!;
  assert.ok(restarted.frames < 5, `the WAL restarted (${restarted.frames} frames)`);
  assert.equal(restarted.backfilled, 0);
  assert.equal(statSync(join(dir, 'cs-chat.db-wal')).size, fileBefore, 'the WAL file was not cut back on restart');
});

test('a WAL file grown past the limit is cut back to it when the WAL restarts', async (t) => {
  const dir = await tempDir(t);
  const { db, insert } = walTable(t, dir, 'BLOB');
  const blob = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; i < (WAL_FILE_LIMIT_BYTES * 1.5) / blob.length; i++) insert.run(blob);
  assert.ok(statSync(join(dir, 'cs-chat.db-wal')).size > WAL_FILE_LIMIT_BYTES);
  db.pragma('wal_checkpoint(PASSIVE)');
  insert.run(Buffer.alloc(10));
  assert.ok(walProgress(db)!.frames < 5, 'restarted');
  assert.ok(statSync(join(dir, 'cs-chat.db-wal')).size <= WAL_FILE_LIMIT_BYTES, 'cut back to the limit');
});

test('asking leaves SQLite’s locks alone: a reader here keeps another process from truncating the WAL under it', async (t) => {
  const dir = await tempDir(t);
  const { db, insert } = walTable(t, dir, 'TEXT');
  for (let i = 0; i < 20; i++) insert.run(`row ${i}`);
  // A read transaction on a snapshot that needs the WAL: its read lock must hold the WAL in place.
  db.exec('BEGIN');
  assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 20);
  for (let i = 0; i < 5; i++) walProgress(db);
  // Reading the -shm file by hand (open, read, close) dropped every lock this process held on it, the reader's too:
  // another process could then truncate the WAL the reader still reads from.
  const child = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(join(dir, 'cs-chat.db'))}); d.pragma('busy_timeout = 0'); process.stdout.write(JSON.stringify(d.pragma('wal_checkpoint(TRUNCATE)')[0])); d.close();`;
  const other = JSON.parse(execFileSync(process.execPath, ['-e', child], { encoding: 'utf8' })) as Checkpoint;
  assert.equal(other.busy, 1, `the other process could not truncate the WAL under the reader (${JSON.stringify(other)})`);
  assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 20);
  db.exec('COMMIT');
});

test('the writer thread restarts the WAL once the checkpointer thread has copied nearly all of it, or past the hard limit', () => {
  const pageSize = 4096;
  const frames = (bytes: number): number => Math.ceil(bytes / (pageSize + 24));
  const wal = (bytes: number, pending: number) => ({ frames: frames(bytes), backfilled: frames(bytes) - frames(pending), pageSize });
  assert.equal(writerCheckpointDue(wal(CHECKPOINT_WAL_BYTES / 2, 0)), false, 'under the threshold: nothing to do');
  assert.equal(writerCheckpointDue(wal(CHECKPOINT_WAL_BYTES + 4096, 2 * RESTART_PENDING_BYTES)), false, 'past it, but the checkpointer is still copying');
  assert.equal(writerCheckpointDue(wal(CHECKPOINT_WAL_BYTES + 4096, RESTART_PENDING_BYTES / 2)), true, 'past it and nearly all copied');
  assert.equal(writerCheckpointDue(wal(WAL_HARD_BYTES + 4096, WAL_HARD_BYTES)), true, 'past the hard limit: whatever is left');

  assert.equal(checkpointerCopyDue(wal(CHECKPOINT_WAL_BYTES / 2, 0)), false, 'nothing waits');
  assert.equal(checkpointerCopyDue(wal(CHECKPOINT_WAL_BYTES / 2, CHECKPOINTER_MIN_BYTES / 2)), false, 'too little to be worth an fsync');
  assert.equal(checkpointerCopyDue(wal(CHECKPOINT_WAL_BYTES / 2, CHECKPOINTER_MIN_BYTES)), true, 'a MiB waits');
  assert.equal(checkpointerCopyDue(wal(CHECKPOINT_WAL_BYTES + 4096, 8192)), true, 'past the threshold, anything left, so the writer can restart the WAL');
});

const pause = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

test('the checkpointer looks right after each batch the writer counts, not on its own timer', async (t) => {
  const commits = new SharedArrayBuffer(4);
  const counter = new Int32Array(commits);
  let looks = 0;
  // A poll of a minute: every look below comes from a counted commit.
  const stop = afterEachCommit(commits, 60_000, () => (looks++, false));
  t.after(stop);
  await pause(30);
  assert.equal(looks, 0, 'nothing committed, nothing to look at');
  for (let i = 1; i <= 3; i++) {
    countCommit(counter);
    const deadline = Date.now() + 1000;
    while (looks < i) {
      assert.ok(Date.now() < deadline, `commit ${i} was not followed by a look within a second`);
      await pause(2);
    }
  }
  countCommit(counter);
  countCommit(counter);
  await pause(50);
  const after = looks as number;
  assert.ok(after === 4 || after === 5, `two commits counted together make one or two looks, not more (${after})`);
});

test('without commits the checkpointer still looks every poll while the WAL changes, and stops when told', async () => {
  let looks = 0;
  const stop = afterEachCommit(new SharedArrayBuffer(4), 10, () => (looks++, true), 10_000);
  await pause(200);
  stop();
  assert.ok(looks >= 3, `it looked ${looks} times in 200 ms at a 10 ms poll`);
  const stopped = looks;
  await pause(50);
  assert.ok(looks <= stopped + 1, 'no looks after stop (one already due may run)');
});

test('an idle checkpointer backs off to its idle poll, and a commit or a change brings it back', async (t) => {
  const commits = new SharedArrayBuffer(4);
  const counter = new Int32Array(commits);
  let looks = 0;
  let changing = false;
  const stop = afterEachCommit(commits, 5, () => (looks++, changing), 1000);
  t.after(stop);
  // Waits double from 5 ms towards the 1 s cap: 5, 10, 20, ..., 320 ms: about 7 looks in 600 ms, not 120.
  await pause(600);
  const idle = looks;
  assert.ok(idle >= 3 && idle <= 14, `idle, it looked ${idle} times in 600 ms (every 5 ms would be ~120)`);
  // Right after one of its own looks, backed off this far, its next wait is 640 ms or more.
  const mark = looks;
  const ownLook = Date.now() + 2000;
  while (looks === mark) {
    assert.ok(Date.now() < ownLook, 'no look of its own within 2 s of backing off');
    await pause(1);
  }
  // A commit wakes it at once, however long it meant to wait: a look within 250 ms is the commit's.
  const woken = looks;
  countCommit(counter);
  const deadline = Date.now() + 250;
  while (looks === woken) {
    assert.ok(Date.now() < deadline, 'a commit was not followed by a look within 250 ms while backed off');
    await pause(1);
  }
  // While `look` sees changes, it looks every poll again.
  changing = true;
  await pause(20);
  const before = looks;
  await pause(200);
  assert.ok(looks - before >= 15, `while the WAL changes it looks every 5 ms (${looks - before} looks in 200 ms)`);
});
