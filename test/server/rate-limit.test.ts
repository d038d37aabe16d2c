/** TokenBucket (gateway/rate-limit.ts): the per-connection frame limit, on an injected clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../server/src/gateway/rate-limit.js';

test('a full bucket lets a burst of `burst` frames through at once, then says how long until the next token', () => {
  const bucket = new TokenBucket(3, 10, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
  assert.equal(bucket.take(0), 100, 'at 10 tokens a second the next one comes in 100 ms');
});

test('the wait shrinks as the bucket refills, and a token is there once it has passed', () => {
  const bucket = new TokenBucket(1, 10, 0);
  assert.equal(bucket.take(0), 0);
  assert.equal(bucket.take(40), 60);
  assert.equal(bucket.take(100), 0);
});

test('a refused frame takes no token: waiting the returned time is enough', () => {
  const bucket = new TokenBucket(1, 4, 0);
  bucket.take(0);
  const wait = bucket.take(0);
  assert.equal(wait, 250);
  assert.equal(bucket.take(0), 250, 'asking again does not push the wait further');
  assert.equal(bucket.take(wait), 0);
});

test('an idle bucket refills to `burst` and no further', () => {
  const bucket = new TokenBucket(3, 10, 0);
  for (let i = 0; i < 3; i++) bucket.take(0);
  const later = 60_000;
  assert.deepEqual([bucket.take(later), bucket.take(later), bucket.take(later)], [0, 0, 0]);
  assert.ok(bucket.take(later) > 0, 'a minute idle still holds only 3 tokens');
});

test('a steady rate at the refill rate is never refused', () => {
  const bucket = new TokenBucket(1, 20, 0);
  for (let ms = 0; ms <= 10_000; ms += 50) assert.equal(bucket.take(ms), 0, `refused at ${ms} ms`);
});
