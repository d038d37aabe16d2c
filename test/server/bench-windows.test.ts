/**
 * The soak's per-part p99s (test/bench/store-lib.ts `windowP99s`): the
 * figures issue 9's "after the fill no worse than fresh" is read from; the
 * writer bench's options (test/bench/writer-cpu.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signedChange, windowP99s } from '../bench/store-lib.js';
import { writerCpuOptions } from '../bench/writer-cpu.js';

test('each part gets its own p99, in order, with their median', () => {
  // Four parts of 100 acks: 1 ms each but for one slow ack (and then two) per part at its end.
  const part = (slow: number, count: number): number[] => [...Array(100 - count).fill(1), ...Array(count).fill(slow)];
  const samples = [...part(50, 0), ...part(80, 2), ...part(20, 2), ...part(30, 2)];
  const { p99s, median } = windowP99s(samples, 4);
  assert.deepEqual(p99s, [1, 80, 20, 30]);
  assert.equal(median, 25);
});

test('an odd number of parts takes the middle one; leftover acks past the last whole part are not counted', () => {
  const samples = [...Array(10).fill(3), ...Array(10).fill(1), ...Array(10).fill(2), 99];
  const { p99s, median } = windowP99s(samples, 3);
  assert.deepEqual(p99s, [3, 1, 2]);
  assert.equal(median, 2);
});

test('fewer acks than parts give no figures rather than a wrong one', () => {
  const { p99s, median } = windowP99s([5, 6], 4);
  assert.deepEqual(p99s, []);
  assert.ok(Number.isNaN(median));
});

test('a number of parts that is not a whole number of at least 1 is refused with a clear error', () => {
  for (const windows of [0, -1, 2.5, Number.NaN]) assert.throws(() => windowP99s([1, 2, 3, 4], windows), /windows must be a whole number of at least 1/);
});

test('a change prints with its own sign: a fall is not "+-2.7"', () => {
  assert.equal(signedChange(-2.74), '-2.7');
  assert.equal(signedChange(12.44), '+12.4');
  assert.equal(signedChange(0), '0');
});

test('the writer bench takes whole numbers of at least 1 and refuses anything else with a clear error', () => {
  assert.deepEqual(writerCpuOptions([]), { messages: 200_000, conversations: 200, round: 150, runs: 3 });
  assert.deepEqual(writerCpuOptions(['writer', '--messages=5000', '--runs=1']), { messages: 5000, conversations: 200, round: 150, runs: 1 });
  for (const bad of ['--messages=0', '--round=1.5', '--runs=', '--conversations=ten', '--messages=-3']) {
    assert.throws(() => writerCpuOptions([bad]), (e: Error) => e.message.includes('must be a whole number of at least 1') && e.message.includes(bad), bad);
  }
});
