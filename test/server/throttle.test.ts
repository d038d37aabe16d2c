/**
 * KeyedThrottle (gateway/throttle.ts): the coalescer behind inbox updates and
 * receipts (DESIGN.md §3.6). The clock is injected and the timers are node's
 * mock timers, so every case runs in no real time.
 */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedThrottle } from '../../server/src/gateway/throttle.js';

const INTERVAL = 1000;
let clock = 0;
let fires: string[][] = [];
let throttle: KeyedThrottle;

/** Moves the clock and the mock timers on by `ms`, in ticks of 5 ms (as the event loop would). */
function advance(ms: number): void {
  for (let left = ms; left > 0; left -= 5) {
    clock += Math.min(5, left);
    mock.timers.tick(Math.min(5, left));
  }
}

/** Runs the setImmediate callbacks of this turn. */
function endOfTurn(): void {
  mock.timers.tick(0);
}

beforeEach(() => {
  mock.timers.enable({ apis: ['setInterval', 'setImmediate'] });
  clock = 0;
  fires = [];
  throttle = new KeyedThrottle(INTERVAL, (keys) => fires.push([...keys]), () => clock);
});

afterEach(() => {
  throttle.dispose();
  mock.timers.reset();
});

test('a quiet key fires at the end of the event-loop turn, not after the interval', () => {
  throttle.touch('a');
  assert.deepEqual(fires, [], 'nothing fires inside the turn that touched it');
  endOfTurn();
  assert.deepEqual(fires, [['a']]);
});

test('keys first touched in one turn fire together in one call', () => {
  for (const key of ['a', 'b', 'c']) throttle.touch(key);
  endOfTurn();
  assert.deepEqual(fires, [['a', 'b', 'c']]);
});

test('touches inside the interval fold into one trailing fire, between 1 and 1.25 intervals after the first', () => {
  throttle.touch('a');
  endOfTurn();
  for (let i = 0; i < 50; i++) {
    advance(10);
    throttle.touch('a');
  }
  assert.deepEqual(fires, [['a']], 'no second fire inside the interval');
  let firedAt = -1;
  while (firedAt < 0 && clock < 3 * INTERVAL) {
    advance(5);
    if (fires.length === 2) firedAt = clock;
  }
  assert.deepEqual(fires, [['a'], ['a']], 'fifty touches made one trailing fire');
  assert.ok(firedAt >= INTERVAL && firedAt <= INTERVAL * 1.25, `trailing fire at ${firedAt} ms`);
});

test('a busy key fires once per interval for as long as it stays busy', () => {
  throttle.touch('a');
  endOfTurn();
  for (let ms = 0; ms < 10 * INTERVAL; ms += 20) {
    advance(20);
    throttle.touch('a');
  }
  assert.ok(fires.length >= 8 && fires.length <= 11, `${fires.length} fires in 10 intervals`);
});

test('a key not touched again after its fire fires no more, and a later touch fires at once again', () => {
  throttle.touch('a');
  endOfTurn();
  advance(3 * INTERVAL);
  assert.deepEqual(fires, [['a']], 'no trailing fire without a new touch');
  throttle.touch('a');
  endOfTurn();
  assert.deepEqual(fires, [['a'], ['a']], 'its window closed: the next touch is a leading fire');
});

test('keys due at the same tick fire in one call', () => {
  throttle.touch('a');
  throttle.touch('b');
  endOfTurn();
  advance(100);
  throttle.touch('a');
  throttle.touch('b');
  advance(2 * INTERVAL);
  assert.deepEqual(fires, [['a', 'b'], ['a', 'b']]);
});

test('dispose cancels the pending leading and trailing fires', () => {
  throttle.touch('a');
  throttle.dispose();
  endOfTurn();
  assert.deepEqual(fires, []);
  throttle.touch('b');
  endOfTurn();
  throttle.touch('b');
  throttle.dispose();
  advance(3 * INTERVAL);
  assert.deepEqual(fires, [['b']], 'the trailing fire of b never came');
});

/** One real turn of the event loop (the mock timers run every pending immediate at once, so slices need the real ones). */
const realTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('more keys due at once than perTurn fire in slices, one slice per event-loop turn, each key once', async () => {
  throttle.dispose();
  mock.timers.reset();
  throttle = new KeyedThrottle(INTERVAL, (keys) => fires.push([...keys]), () => clock, () => 2);
  for (const key of ['a', 'b', 'c', 'd', 'e']) throttle.touch(key);
  await realTurn();
  assert.deepEqual(fires, [['a', 'b']], 'the first slice in the turn the leading fire runs');
  await realTurn();
  assert.deepEqual(fires, [['a', 'b'], ['c', 'd']], 'the next slice one turn later');
  await realTurn();
  await realTurn();
  assert.deepEqual(fires, [['a', 'b'], ['c', 'd'], ['e']], 'then the rest, and nothing twice');
});

test('a sliced key fires at most once per interval, counted from when it really fired', async () => {
  throttle.dispose();
  mock.timers.reset();
  mock.timers.enable({ apis: ['setInterval'] });
  let perTurn = 1;
  const firedAt = new Map<string, number[]>();
  throttle = new KeyedThrottle(INTERVAL, (keys) => keys.forEach((k) => firedAt.set(k, [...(firedAt.get(k) ?? []), clock])), () => clock, () => perTurn);
  for (const key of ['a', 'b', 'c']) throttle.touch(key);
  // Each turn of the event loop also moves the clock (a slow turn): the slices fire 0, 300 and 600 ms later.
  for (let i = 0; i < 3; i++) {
    await realTurn();
    clock += 300;
  }
  assert.deepEqual([...firedAt.values()], [[0], [300], [600]], 'one slice a turn');
  perTurn = 10;
  for (let ms = 0; ms < 5 * INTERVAL; ms += 20) {
    advance(20);
    for (const key of ['a', 'b', 'c']) throttle.touch(key);
  }
  for (const [key, times] of firedAt) {
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= INTERVAL, `${key} fired at ${times.join(', ')}`);
    assert.ok(times.length >= 4, `${key} kept firing once per interval: ${times.join(', ')}`);
  }
});

test('dispose cancels the queued slices too', async () => {
  throttle.dispose();
  mock.timers.reset();
  throttle = new KeyedThrottle(INTERVAL, (keys) => fires.push([...keys]), () => clock, () => 1);
  throttle.touch('a');
  throttle.touch('b');
  await realTurn();
  throttle.dispose();
  await realTurn();
  await realTurn();
  assert.deepEqual(fires, [['a']]);
});
