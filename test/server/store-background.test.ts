/**
 * The writer thread's background jobs (store/background-turns.ts): a job due
 * now is queued behind the pending batches without a timer's delay, a job
 * due later waits its time, merges go first, and a failed job waits for the
 * next batch. Fake timers: what is queued, and how, is read directly.
 * A job due now is sized to the gap before the main thread's next batch, or
 * waits for that batch when the gap is too short; the main thread publishes
 * when its next batch leaves (a real StoreWriter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackgroundScheduler,
  GAP_MARGIN_MS,
  JOB_MS,
  MIN_JOB_MS,
  jobBudgetMs,
  NextBatch,
  nextBackground,
  sharedNow,
  type BackgroundDue,
  type BackgroundJob,
  type BackgroundTimers,
} from '../../server/src/store/background-turns.js';
import { openStore } from '../../server/src/store/open.js';
import type { StoreRecord } from '../../server/src/store/records.js';
import type { SqliteStore } from '../../server/src/store/sqlite-store.js';
import type { StoreWriter } from '../../server/src/store/writer.js';

/** Timers that only record what was queued; `fire` runs the oldest. */
function fakeTimers() {
  const queued: { kind: 'immediate' | 'timer'; ms: number; run: () => void; cancelled: boolean }[] = [];
  const timers: BackgroundTimers = {
    immediate(run) {
      const entry = { kind: 'immediate' as const, ms: 0, run, cancelled: false };
      queued.push(entry);
      return () => void (entry.cancelled = true);
    },
    timer(run, ms) {
      const entry = { kind: 'timer' as const, ms, run, cancelled: false };
      queued.push(entry);
      return () => void (entry.cancelled = true);
    },
  };
  const live = () => queued.filter((q) => !q.cancelled);
  const fire = (): void => {
    const next = live()[0];
    assert.ok(next, 'something is queued');
    next.cancelled = true;
    next.run();
  };
  return { timers, live, fire };
}

test('a merge step goes before an index slice when both are due, and the one due sooner goes first otherwise', () => {
  assert.deepEqual(nextBackground({ merge: 0, index: 0 }), { job: 'merge', inMs: 0 });
  assert.deepEqual(nextBackground({ merge: 400, index: 0 }), { job: 'index', inMs: 0 });
  assert.deepEqual(nextBackground({ merge: 100, index: 250 }), { job: 'merge', inMs: 100 });
  assert.deepEqual(nextBackground({ merge: undefined, index: 250 }), { job: 'index', inMs: 250 });
  assert.deepEqual(nextBackground({ merge: 3, index: undefined }), { job: 'merge', inMs: 3 });
  assert.equal(nextBackground({ merge: undefined, index: undefined }), undefined);
});

test('jobs due now run back to back through setImmediate, never through a timer (a 0 ms timer waits at least 1 ms)', () => {
  const t = fakeTimers();
  let mergeSteps = 3;
  const ran: BackgroundJob[] = [];
  const s = new BackgroundScheduler(
    (): BackgroundDue => ({ merge: mergeSteps > 0 ? 0 : undefined, index: undefined }),
    (job) => {
      ran.push(job);
      mergeSteps -= 1;
      return true;
    },
    t.timers,
  );
  s.schedule();
  s.schedule(); // one at a time: a second call while one is queued adds nothing
  assert.deepEqual(t.live().map((q) => q.kind), ['immediate']);
  t.fire();
  t.fire();
  assert.deepEqual(t.live().map((q) => q.kind), ['immediate'], 'each job queues the next as an immediate');
  t.fire();
  assert.deepEqual(ran, ['merge', 'merge', 'merge']);
  assert.deepEqual(t.live(), [], 'nothing is queued once nothing is due');
});

test('a job due later waits on a timer of its delay, and asks again when it fires', () => {
  const t = fakeTimers();
  let due: BackgroundDue = { merge: undefined, index: 250 };
  const ran: BackgroundJob[] = [];
  const s = new BackgroundScheduler(() => due, (job) => (ran.push(job), true), t.timers);
  s.schedule();
  assert.deepEqual(t.live().map((q) => [q.kind, q.ms]), [['timer', 250]]);
  // Meanwhile a merge became due (a batch came in): the job that runs is the one due now.
  due = { merge: 0, index: 0 };
  t.fire();
  assert.deepEqual(ran, ['merge']);
  due = { merge: undefined, index: 0 };
  t.fire();
  assert.deepEqual(ran, ['merge', 'index']);
});

test('a job that failed waits for the next schedule (the next batch); close cancels what is queued', () => {
  const t = fakeTimers();
  let calls = 0;
  const s = new BackgroundScheduler(() => ({ merge: 0, index: undefined }), () => (calls++, false), t.timers);
  s.schedule();
  t.fire();
  assert.equal(calls, 1);
  assert.deepEqual(t.live(), [], 'no retry loop on a failing disk');
  s.schedule();
  assert.equal(t.live().length, 1);
  s.close();
  assert.deepEqual(t.live(), []);
  s.schedule();
  assert.deepEqual(t.live(), [], 'nothing is queued after close');
});

test('a job is sized to the gap before the next batch: whole when it fits, shorter down to a minimum, none in a shorter gap', () => {
  assert.equal(jobBudgetMs(0), JOB_MS, 'no gap to find (batches back to back): a whole job');
  assert.equal(jobBudgetMs(5), JOB_MS);
  assert.equal(jobBudgetMs(JOB_MS + GAP_MARGIN_MS), JOB_MS);
  assert.equal(jobBudgetMs(3), 3 - GAP_MARGIN_MS);
  assert.equal(jobBudgetMs(MIN_JOB_MS + GAP_MARGIN_MS), MIN_JOB_MS);
  assert.equal(jobBudgetMs(MIN_JOB_MS + GAP_MARGIN_MS - 0.1), undefined);
  assert.equal(jobBudgetMs(0.5), undefined);
});

test('the next batch as the writer thread reads it: at once, a deadline, or none open (then the group-commit window)', () => {
  const main = new NextBatch(5);
  const writer = new NextBatch(5, main.buffer);
  assert.equal(writer.gapMs(), 5, 'nothing published yet: none open');
  main.publish(1000 + 3.5);
  assert.equal(writer.gapMs(1000), 3.5);
  assert.equal(writer.gapMs(1010), 0, 'a deadline passed: the batch is due now');
  main.publish(true);
  assert.equal(writer.gapMs(1000), 0);
  main.publish(undefined);
  assert.equal(writer.gapMs(1000), 5);
  assert.equal(new NextBatch(0).gapMs(), 0, 'no window (CS_COMMIT_MS 0): no gap to count on');
});

test('a job due now runs within the gap it has, and a gap too short waits for the batch, which it then follows', () => {
  const t = fakeTimers();
  let gap = 10;
  let steps = 4;
  const ran: [BackgroundJob, number][] = [];
  const s = new BackgroundScheduler(
    (): BackgroundDue => ({ merge: steps > 0 ? 0 : undefined, index: undefined }),
    (job, budgetMs) => {
      ran.push([job, budgetMs]);
      steps -= 1;
      return true;
    },
    t.timers,
    () => gap,
  );
  s.schedule();
  t.fire();
  assert.deepEqual(ran, [['merge', JOB_MS]], 'a long gap: a whole job');
  gap = 3;
  t.fire();
  assert.deepEqual(ran[1], ['merge', 3 - GAP_MARGIN_MS], 'a shorter gap: a shorter job');
  gap = 1;
  t.fire();
  assert.equal(ran.length, 2, 'a gap of 1 ms: no job before the batch');
  assert.deepEqual(t.live().map((q) => [q.kind, q.ms]), [['timer', 1 + GAP_MARGIN_MS]], 'should no batch come, the job goes after the gap');
  // The batch arrives and commits; the next one is close again, but the job waited once already: it goes now, whole.
  s.handled();
  assert.deepEqual(t.live().map((q) => q.kind), ['immediate'], 'the wait is cancelled, the job queued behind the batch');
  t.fire();
  assert.deepEqual(ran[2], ['merge', JOB_MS]);
  // Waiting again, and no batch comes: the timer runs it.
  t.fire();
  assert.equal(ran.length, 3);
  t.fire();
  assert.deepEqual(ran[3], ['merge', JOB_MS], 'the timer after the gap runs the job');
  assert.deepEqual(t.live(), []);
});

test('without a gap reader every job is whole, and handled() with nothing waiting only queues what is due', () => {
  const t = fakeTimers();
  const ran: number[] = [];
  let steps = 2;
  const s = new BackgroundScheduler(() => ({ merge: steps > 0 ? 0 : undefined, index: undefined }), (_job, budgetMs) => (ran.push(budgetMs), (steps -= 1), true), t.timers);
  s.handled();
  s.handled();
  assert.equal(t.live().length, 1);
  t.fire();
  t.fire();
  assert.deepEqual(ran, [JOB_MS, JOB_MS]);
});

const msg = (seq: number): StoreRecord => ({
  t: 'msg',
  conversationId: 'c1',
  seq,
  clientMsgId: `client-${seq}`,
  senderId: 'v1',
  senderRole: 1,
  senderName: '',
  kind: 0,
  text: `message ${seq}`,
  serverTimeMs: 1000 + seq,
  quoteSeq: 0,
  quickReplies: [],
});

test('the main thread publishes when its next batch leaves: the deadline of its window, at once while one is in flight, none once all committed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-gap-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const opened = openStore({ dataDir: dir, commitMs: 300 });
  t.after(() => opened.close());
  const writer = (opened.durable as unknown as { writer: StoreWriter }).writer; // private: what the thread reads is the subject here
  const gap = () => writer.nextBatch.gapMs();
  assert.equal(gap(), 300, 'nothing open');
  await opened.durable.append({ t: 'conv', id: 'c1', site: 's', visitorId: 'v1', topic: '', epoch: 'e1', createdMs: 1 });
  const before = sharedNow();
  const first = opened.durable.append(msg(1));
  const left = gap();
  assert.ok(left > 200 && left <= 300 - (sharedNow() - before) + 1, `the open batch leaves when its window closes: ${left} ms`);
  // A merge request flushes the batch and waits behind it: the next request leaves as soon as the batch is answered.
  const merged = (opened.durable as SqliteStore).merged();
  assert.equal(gap(), 0, 'a request queued behind the one in flight');
  await Promise.all([first, merged]);
  assert.equal(gap(), 300, 'all answered: nothing open');
  const second = opened.durable.append(msg(2));
  const third = opened.durable.append(msg(3));
  assert.ok(gap() > 200, 'two records in one window: one deadline');
  await Promise.all([second, third]);
  assert.equal(gap(), 300);
});
