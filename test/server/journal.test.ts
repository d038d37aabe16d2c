/**
 * FileJournal on a real temp directory: round trip, ordering, torn tails,
 * compaction, group commit and a disk that refuses writes (injected, and a
 * real 64 KiB tmpfs when the machine lets us mount one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileJournal, JournalUnavailableError } from '../../server/src/store/journal.js';
import type { JournalFile, JournalFs, JournalRecord } from '../../server/src/store/journal.js';
import { nodeJournalFs } from '../../server/src/store/journal-fs.js';

type MsgRecord = Extract<JournalRecord, { t: 'msg' }>;

const msg = (seq: number, text = `message ${seq}`): MsgRecord => ({
  t: 'msg',
  conversationId: 'c1',
  seq,
  clientMsgId: `client-${seq}`,
  senderId: 'v1',
  senderRole: 1,
  senderName: '',
  kind: 0,
  text,
  serverTimeMs: 1_700_000_000_000 + seq,
  quoteSeq: 0,
  quickReplies: [],
});

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function replayAll(dir: string, fs?: JournalFs): Promise<{ records: JournalRecord[]; tornBytes: number; journal: FileJournal }> {
  const journal = new FileJournal(dir, { fs });
  const records: JournalRecord[] = [];
  const result = await journal.replay((record) => records.push(record));
  assert.equal(result.records, records.length);
  return { records, tornBytes: result.tornBytes, journal };
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.jnl')).sort();
}

/** node:fs with hooks: count fsyncs, fail or stall writes on cue. */
function hookedFs(hooks: { beforeWrite?: (path: string, data: Uint8Array) => Promise<Uint8Array | void> | Uint8Array | void }) {
  const counts = { fsyncs: 0, writes: 0 };
  const fs: JournalFs = {
    ...nodeJournalFs,
    async open(path, mode) {
      const file = await nodeJournalFs.open(path, mode);
      const hooked: JournalFile = {
        async write(data) {
          counts.writes += 1;
          const partial = await hooks.beforeWrite?.(path, data);
          if (partial) {
            await file.write(partial);
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          await file.write(data);
        },
        async sync() {
          counts.fsyncs += 1;
          await file.sync();
        },
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
      return hooked;
    },
  };
  return { fs, counts };
}

const allTypes: JournalRecord[] = [
  { t: 'conv', id: 'c1', site: 'shop', visitorId: 'v1', topic: 'order 7', epoch: 'e1', createdMs: 1 },
  msg(1, 'héllo 你好 👋'),
  { ...msg(2), kind: 2, quickReplies: ['yes', 'no'], quoteSeq: 1 },
  { t: 'status', conversationId: 'c1', status: 2, atMs: 3 },
  { t: 'assign', conversationId: 'c1', assigneeId: 'a1', atMs: 4 },
  { t: 'visitor', visitorId: 'v1', userId: 'u1', name: 'Ann', email: 'ann@example.com' },
  { t: 'read', conversationId: 'c1', role: 2, upToSeq: 2 },
];

test('replays every appended record of every type, in order, after a restart', async (t) => {
  const dir = await tempDir(t);
  const journal = new FileJournal(dir);
  assert.deepEqual(await journal.replay(() => assert.fail('empty dir has nothing to replay')), { records: 0, tornBytes: 0 });
  await Promise.all(allTypes.map((record) => journal.append(record)));
  await journal.close();

  const again = await replayAll(dir);
  assert.deepEqual(again.records, allTypes);
  assert.equal(again.tornBytes, 0);
  await again.journal.append(msg(3));
  await again.journal.close();
  const last = await replayAll(dir);
  assert.deepEqual(last.records, [...allTypes, msg(3)]);
  await last.journal.close();
});

test('resolves append promises in append order, across batches', async (t) => {
  const dir = await tempDir(t);
  const journal = new FileJournal(dir, { fsyncMs: 1 });
  await journal.replay(() => undefined);
  const resolved: number[] = [];
  const pending: Promise<void>[] = [];
  for (let seq = 1; seq <= 300; seq += 1) {
    pending.push(journal.append(msg(seq)).then(() => void resolved.push(seq)));
    if (seq % 37 === 0) await sleep(2); // let some batches go out while others fill
  }
  await Promise.all(pending);
  assert.deepEqual(resolved, Array.from({ length: 300 }, (_, i) => i + 1));
  assert.ok(journal.stats.batches > 1, 'the appends spanned several batches');
  await journal.close();
});

test('cuts a record torn mid-write and replays everything before it', async (t) => {
  const dir = await tempDir(t);
  const journal = new FileJournal(dir);
  await journal.replay(() => undefined);
  for (let seq = 1; seq <= 10; seq += 1) await journal.append(msg(seq));
  await journal.close();
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const fullSize = (await stat(path)).size;
  await truncate(path, fullSize - 5); // a crash in the middle of writing record 10

  const { records, tornBytes, journal: reopened } = await replayAll(dir);
  assert.deepEqual(records, Array.from({ length: 9 }, (_, i) => msg(i + 1)));
  assert.ok(tornBytes > 0 && tornBytes < fullSize, `tornBytes ${tornBytes}`);
  assert.equal((await stat(path)).size, fullSize - 5 - tornBytes, 'the torn tail was truncated away');
  await reopened.append(msg(10, 'sent again'));
  await reopened.close();
  const after = await replayAll(dir);
  assert.equal(after.tornBytes, 0);
  assert.deepEqual(after.records.at(-1), msg(10, 'sent again'));
  assert.equal(after.records.length, 10);
  await after.journal.close();
});

test('cuts at a flipped byte (checksum mismatch) and keeps the records before it', async (t) => {
  const dir = await tempDir(t);
  const journal = new FileJournal(dir);
  await journal.replay(() => undefined);
  for (let seq = 11; seq <= 20; seq += 1) await journal.append(msg(seq));
  await journal.close();
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const bytes = await readFile(path);
  const recordBytes = bytes.length / 10; // two-digit seqs: every record encodes to the same size
  assert.ok(Number.isInteger(recordBytes));
  const flipAt = Math.floor(recordBytes * 6 + recordBytes / 2); // inside the 7th record's body
  bytes[flipAt] = bytes[flipAt]! ^ 0x20;
  await writeFile(path, bytes);

  const { records, tornBytes, journal: reopened } = await replayAll(dir);
  assert.deepEqual(records, Array.from({ length: 6 }, (_, i) => msg(i + 11)));
  assert.equal(tornBytes, recordBytes * 4);
  await reopened.close();
});

test('compaction keeps the state, and appends made while the snapshot is written are not lost', async (t) => {
  const dir = await tempDir(t);
  let releaseSnapshot: () => void = () => undefined;
  const snapshotGate = new Promise<void>((resolve) => (releaseSnapshot = resolve));
  let snapshotStarted = false;
  const { fs } = hookedFs({
    async beforeWrite(path) {
      if (path.endsWith('.tmp')) {
        snapshotStarted = true;
        await snapshotGate; // hold the snapshot mid-write
      }
    },
  });
  const journal = new FileJournal(dir, { fs, compactBytes: 4096, fsyncMs: 1 });
  await journal.replay(() => undefined);
  const state: JournalRecord[] = [];
  journal.setSnapshotSource(() => state);
  const store = (record: JournalRecord): Promise<void> => {
    state.push(record); // memory first, then the journal, in one step (as the pipeline does)
    return journal.append(record);
  };

  let seq = 0;
  while (!snapshotStarted) await store(msg(++seq));
  const duringCompaction: Promise<void>[] = [];
  for (let i = 0; i < 50; i += 1) duringCompaction.push(store(msg(++seq)));
  await Promise.all(duringCompaction); // durable although the snapshot is still stalled
  assert.equal(journal.stats.compactions, 0, 'the snapshot is still being written');
  releaseSnapshot();
  while (journal.stats.compactions === 0) await sleep(2);
  for (let i = 0; i < 5; i += 1) await store(msg(++seq));
  await journal.close();

  const names = await readdir(dir);
  assert.equal(names.filter((name) => name.endsWith('.snap')).length, 1, names.join());
  assert.ok(!names.some((name) => name.endsWith('.tmp')), names.join());
  const { records, journal: reopened } = await replayAll(dir);
  assert.equal(records.length, seq);
  assert.deepEqual(records, state);
  await reopened.close();
});

test('a crash before the snapshot rename replays the old log', async (t) => {
  const dir = await tempDir(t);
  const journal = new FileJournal(dir);
  await journal.replay(() => undefined);
  for (let seq = 1; seq <= 5; seq += 1) await journal.append(msg(seq));
  await journal.close();
  await writeFile(join(dir, 'snapshot-00000009.tmp'), 'half a snapshot');
  const { records, tornBytes, journal: reopened } = await replayAll(dir);
  assert.equal(records.length, 5);
  assert.equal(tornBytes, 0);
  assert.ok(!(await readdir(dir)).some((name) => name.endsWith('.tmp')), 'the stray temp file is gone');
  await reopened.close();
});

test('group commit: appends made together share one write and one fsync', async (t) => {
  const dir = await tempDir(t);
  const { fs, counts } = hookedFs({});
  const journal = new FileJournal(dir, { fs, fsyncMs: 5 });
  await journal.replay(() => undefined);
  const before = counts.fsyncs;
  await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(msg(i + 1))));
  assert.equal(counts.fsyncs - before, 1, '200 appends in one tick, one fsync');
  assert.equal(journal.stats.batches, 1);

  for (let seq = 201; seq <= 205; seq += 1) await journal.append(msg(seq));
  assert.equal(counts.fsyncs - before, 6, 'an append awaited alone gets its own fsync');
  await journal.close();
});

test('a failing disk rejects the batch and later appends, cuts the partial write, and recovers', async (t) => {
  const dir = await tempDir(t);
  let diskFull = false;
  const { fs } = hookedFs({
    beforeWrite(path, data) {
      if (diskFull && path.endsWith('.jnl')) return data.subarray(0, Math.floor(data.length / 2)); // half written, then ENOSPC
      if (diskFull && path.endsWith('probe.tmp')) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    },
  });
  const journal = new FileJournal(dir, { fs, probeMs: 10 });
  await journal.replay(() => undefined);
  for (let seq = 1; seq <= 3; seq += 1) await journal.append(msg(seq));

  diskFull = true;
  const failed = [journal.append(msg(4)), journal.append(msg(5))];
  for (const append of failed) await assert.rejects(append, JournalUnavailableError);
  assert.equal(journal.healthy, false);
  await assert.rejects(journal.append(msg(6)), JournalUnavailableError, 'appends while unhealthy reject at once');
  await sleep(40);
  assert.equal(journal.healthy, false, 'still unhealthy while the probe fails');

  diskFull = false;
  while (!journal.healthy) await sleep(5);
  await journal.append(msg(7));
  await journal.close();

  const { records, tornBytes, journal: reopened } = await replayAll(dir);
  await reopened.close();
  assert.deepEqual(records.map((record) => (record.t === 'msg' ? record.seq : -1)), [1, 2, 3, 7]);
  assert.equal(tornBytes, 0, 'the half-written batch was cut before the journal went on');
});

test('a real full disk (64 KiB tmpfs) turns unhealthy, loses nothing acked, and recovers when space frees', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'cs-journal-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root and mount rights); the injected-failure test covers the logic');
    return;
  }
  t.after(async () => {
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await rm(mountPoint, { recursive: true, force: true });
  });
  const dir = join(mountPoint, 'data');
  const journal = new FileJournal(dir, { probeMs: 10, fsyncMs: 0 });
  await journal.replay(() => undefined);
  await writeFile(join(mountPoint, 'ballast'), Buffer.alloc(32 * 1024));

  const acked: number[] = [];
  let seq = 0;
  let rejection: unknown;
  while (rejection === undefined && seq < 10_000) {
    const current = ++seq;
    await journal.append(msg(current, 'x'.repeat(500))).then(
      () => void acked.push(current),
      (error: unknown) => void (rejection = error),
    );
  }
  assert.ok(rejection instanceof JournalUnavailableError, `expected JournalUnavailableError, got ${String(rejection)}`);
  assert.equal(journal.healthy, false);
  assert.ok(acked.length > 10, `acked ${acked.length} before the disk filled`);

  await rm(join(mountPoint, 'ballast'));
  while (!journal.healthy) await sleep(5);
  await journal.append(msg(++seq, 'after recovery'));
  await journal.close();
  const { records, journal: reopened } = await replayAll(dir);
  await reopened.close();
  const replayed = records.map((record) => (record.t === 'msg' ? record.seq : -1));
  assert.deepEqual(replayed, [...acked, seq]);
});
