/**
 * The writer thread's background jobs (store/background-turns.ts): a job due
 * now is queued behind the pending batches without a timer's delay, a job
 * due later waits its time, merges go first, and a failed job waits for the
 * next batch. Fake timers: what is queued, and how, is read directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundScheduler, nextBackground, type BackgroundDue, type BackgroundJob, type BackgroundTimers } from '../../server/src/store/background-turns.js';

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
