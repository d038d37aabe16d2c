/**
 * The gateway codec (server/src/gateway/codec.ts): the hand-written Ack
 * encoder (issue 16: every Send gets one, without protobufjs's per-field
 * writer objects) makes exactly the bytes protobufjs makes, for every field
 * set, left at its default, long, short or non-ASCII.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cs } from '../../proto/gen/chat.js';
import { encodeAckFrame, encodeFrame } from '../../server/src/gateway/codec.js';

const reference = (ack: cs.v1.Ack.$Properties): Buffer => Buffer.from(cs.v1.Frame.encode({ ack }).finish());

/** A small deterministic generator (the test must repeat exactly). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('the hand-written Ack frame is byte for byte what protobufjs encodes, and decodes back to the same Ack', () => {
  const next = random(16);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const texts = ['', 'a', 'c_AbCdEfGhIjKlMnOpQrStUv', 'f'.repeat(32), 'rate limited: too much text stored this hour', 'é👍 中文', 'x'.repeat(200)];
  const numbers = [0, 1, 127, 128, 16383, 16384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 4_294_967_295];
  const cases: cs.v1.Ack.$Properties[] = [
    {},
    { clientMsgId: 'id', conversationId: 'c', status: cs.v1.AckStatus.OK, seq: 1, serverTimeMs: 1_796_176_480_027 },
    { clientMsgId: 'id', status: cs.v1.AckStatus.REJECTED, reason: 'storage unavailable', retryAfterMs: 2000, serverTimeMs: 0.5 },
    { serverTimeMs: -0 },
    { seq: undefined, reason: undefined, retryAfterMs: undefined, serverTimeMs: 12.25 },
  ];
  for (let i = 0; i < 2000; i++) {
    const ack: cs.v1.Ack.$Properties = {};
    if (next() < 0.8) ack.clientMsgId = pick(texts);
    if (next() < 0.8) ack.conversationId = pick(texts);
    if (next() < 0.8) ack.seq = pick(numbers);
    if (next() < 0.8) ack.serverTimeMs = pick([0, 1, Date.now(), 1e15 + 0.5, -3.5]);
    if (next() < 0.8) ack.status = pick([cs.v1.AckStatus.OK, cs.v1.AckStatus.DUPLICATE, cs.v1.AckStatus.REJECTED]);
    if (next() < 0.5) ack.reason = pick(texts);
    if (next() < 0.5) ack.retryAfterMs = pick(numbers);
    cases.push(ack);
  }
  for (const ack of cases) {
    const bytes = Buffer.from(encodeAckFrame(ack));
    assert.deepEqual(bytes, reference(ack), JSON.stringify(ack));
    assert.deepEqual(Buffer.from(encodeFrame({ ack })), bytes, 'encodeFrame takes the same path');
    const back = cs.v1.Frame.decode(bytes).ack!;
    assert.equal(back.clientMsgId, ack.clientMsgId ?? '');
    assert.equal(back.seq, ack.seq ?? 0);
    assert.equal(back.status, ack.status ?? 0);
    assert.equal(back.reason, ack.reason ?? '');
    assert.equal(back.retryAfterMs, ack.retryAfterMs ?? 0);
    assert.ok(Object.is(back.serverTimeMs, ack.serverTimeMs ?? 0) || (back.serverTimeMs === 0 && Object.is(ack.serverTimeMs, -0)));
  }
});

test("a decoded Frame owns only its oneof's last member (proto/generate.mjs's oneof setter keeps protobufjs's meaning)", () => {
  const hello = cs.v1.Frame.encode({ hello: { token: 'v' } }).finish();
  const send = cs.v1.Frame.encode({ send: { clientMsgId: 'c1', conversationId: 'conv', text: 'hi' } }).finish();
  const ping = cs.v1.Frame.encode({ ping: {} }).finish();
  // Two members in one frame (concatenated fields): proto3 keeps the last.
  const both = cs.v1.Frame.decode(Buffer.concat([hello, send]));
  assert.equal(both.body, 'send');
  assert.equal(both.send?.text, 'hi');
  assert.equal(Object.hasOwn(both, 'hello'), false);
  assert.equal(both.hello, null);
  const back = cs.v1.Frame.decode(Buffer.concat([send, ping, hello]));
  assert.equal(back.body, 'hello');
  assert.deepEqual(Object.keys(back), ['hello']);
  // One member: nothing else is touched.
  const one = cs.v1.Frame.decode(send);
  assert.equal(one.body, 'send');
  assert.deepEqual(Object.keys(one), ['send']);
  // Setting the oneof by name drops the member set before.
  (one as { body?: string }).body = 'ping';
  assert.equal(Object.hasOwn(one, 'send'), false);
});
