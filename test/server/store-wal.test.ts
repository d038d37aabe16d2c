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
import { openDb, WAL_FILE_LIMIT_BYTES } from '../../server/src/store/db.js';
import { CHECKPOINTER_MIN_BYTES, checkpointerCopyDue, RESTART_PENDING_BYTES, WAL_HARD_BYTES, walBytes, walProgress, writerCheckpointDue } from '../../server/src/store/wal.js';
import { CHECKPOINT_WAL_BYTES } from '../../server/src/store/db.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

type Checkpoint = { busy: number; log: number; checkpointed: number };

test('the WAL index gives the frames SQLite counts, and how many a checkpoint copied', async (t) => {
  const dir = await tempDir(t);
  assert.equal(walProgress(dir), undefined, 'no database yet: nothing to read');
  const db = openDb(dir);
  t.after(() => db.close());
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x TEXT)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  for (let i = 0; i < 50; i++) insert.run('z'.repeat(3000));
  const before = walProgress(dir);
  assert.ok(before, 'the index is there once the connection wrote');
  assert.equal(before.pageSize, db.pragma('page_size', { simple: true }));
  assert.ok(before.frames > 50, `${before.frames} frames for 50 commits of a page or more each`);
  assert.equal(before.backfilled, 0, 'nothing checkpointed yet');
  assert.equal(walBytes(dir), before.frames * (before.pageSize + 24));

  const [done] = db.pragma('wal_checkpoint(PASSIVE)') as Checkpoint[];
  assert.equal(done!.log, before.frames, 'the same frame count as SQLite’s own');
  const after = walProgress(dir)!;
  assert.equal(after.frames, before.frames);
  assert.equal(after.backfilled, done!.checkpointed, 'the copied frames, as SQLite reports them');
  assert.equal(after.backfilled, after.frames);

  // The next write restarts the WAL from its start: the index says so, while the file keeps its blocks.
  const fileBefore = statSync(join(dir, 'cs-chat.db-wal')).size;
  insert.run('small');
  const restarted = walProgress(dir)!;
  assert.ok(restarted.frames < 5, `the WAL restarted (${restarted.frames} frames)`);
  assert.equal(restarted.backfilled, 0);
  assert.equal(statSync(join(dir, 'cs-chat.db-wal')).size, fileBefore, 'the WAL file was not cut back on restart');
});

test('a WAL file grown past the limit is cut back to it when the WAL restarts', async (t) => {
  const dir = await tempDir(t);
  const db = openDb(dir);
  t.after(() => db.close());
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x BLOB)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const blob = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; i < (WAL_FILE_LIMIT_BYTES * 1.5) / blob.length; i++) insert.run(blob);
  assert.ok(statSync(join(dir, 'cs-chat.db-wal')).size > WAL_FILE_LIMIT_BYTES);
  db.pragma('wal_checkpoint(PASSIVE)');
  insert.run(Buffer.alloc(10));
  assert.ok(walProgress(dir)!.frames < 5, 'restarted');
  assert.ok(statSync(join(dir, 'cs-chat.db-wal')).size <= WAL_FILE_LIMIT_BYTES, 'cut back to the limit');
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
