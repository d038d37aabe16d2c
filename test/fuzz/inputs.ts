/**
 * fast-check arbitraries for the fuzz suite: what a hostile or broken client
 * can put in one WebSocket message. Five families:
 *
 * - `random`: bytes with no structure;
 * - `structured`: well-formed `Frame`s of every body kind with every field at
 *   its limits (empty, huge, 0, 2^32-1, NaN, negative enums, ids of other
 *   people's conversations);
 * - `mutated`: such a frame with bytes flipped, cut, inserted or repeated;
 * - `utf8`: a frame whose string field holds invalid UTF-8 (overlong,
 *   surrogates, stray continuation bytes);
 * - `huge`: repeated fields with thousands of entries (cursors, quick replies,
 *   messages), some past the payload cap.
 */
import fc from 'fast-check';
import { cs } from '../../proto/gen/chat.js';

export type InputKind = 'random' | 'structured' | 'mutated' | 'utf8' | 'huge';

export interface FuzzInput {
  kind: InputKind;
  bytes: Uint8Array;
}

/** Ids the fuzzer aims at: the victim's conversation must never answer to them. */
export interface Targets {
  victimConversationId: string;
  victimUserId: string;
  ownConversationId: string;
}

const PLACEHOLDER = 'ZZZZZZZZ';
const INVALID_UTF8: readonly number[][] = [
  [0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8],
  [0xc0, 0x80, 0xc1, 0xbf, 0xe0, 0x80, 0x80, 0x41], // overlong
  [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0x41, 0x42], // UTF-16 surrogates
  [0x80, 0x80, 0x80, 0x80, 0xbf, 0xbf, 0xbf, 0xbf], // continuation bytes alone
  [0xf4, 0x90, 0x80, 0x80, 0xf5, 0x80, 0x80, 0x80], // above U+10FFFF
  [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0xe2, 0x82], // truncated sequence at the end
];

function strings(targets: Targets): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', targets.victimConversationId, targets.ownConversationId, targets.victimUserId, 'c_AAAAAAAAAAAAAAAAAAAAAA', '\u0000', '..', '../../etc/passwd', '<img src=x onerror=alert(1)>'),
    fc.constantFrom('x'.repeat(128), 'x'.repeat(129), 'y'.repeat(3999), 'y'.repeat(4000), 'y'.repeat(4001), '😀'.repeat(2001)),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
}

const uint32 = fc.oneof(fc.constantFrom(0, 1, 2, 199, 200, 201, 0x7fffffff, 0xffffffff), fc.nat({ max: 1000 }));
const enumValue = fc.oneof(fc.integer({ min: -2, max: 14 }), fc.constantFrom(0x7fffffff, -0x80000000));
const double = fc.oneof(fc.constantFrom(0, -1, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, Date.now()), fc.double());

/** A Frame object of any body kind, fields drawn from the limit pools. */
function frameObject(targets: Targets, text: fc.Arbitrary<string> = strings(targets)): fc.Arbitrary<cs.v1.Frame.$Properties> {
  const s = text;
  const conversation = fc.record({ id: s, epoch: s, lastSeq: uint32, site: s, topic: s, visitorId: s, status: enumValue, assigneeId: s });
  const message = fc.record({ conversationId: s, seq: uint32, clientMsgId: s, senderId: s, senderRole: enumValue, text: s, serverTimeMs: double });
  const body = fc.oneof(
    fc.record({ hello: fc.record({ token: s, deviceId: s, platform: s, appVersion: s, coreLevel: uint32, site: s, topic: s, identity: fc.record({ userId: s, name: s, email: s, signature: s }), cursors: fc.array(fc.record({ conversationId: s, epoch: s, seq: uint32 }), { maxLength: 4 }), lang: s }) }),
    fc.record({ send: fc.record({ clientMsgId: s, conversationId: s, kind: enumValue, text: s, quoteSeq: uint32, quickReplies: fc.array(s, { maxLength: 4 }) }) }),
    fc.record({ send: fc.record({ clientMsgId: s, conversationId: s, kind: enumValue, text: s, quoteSeq: uint32, quickReplies: fc.array(s, { maxLength: 4 }) }) }),
    fc.record({ received: fc.record({ conversationId: s, upToSeq: uint32 }) }),
    fc.record({ sync: fc.record({ conversationId: s, afterSeq: uint32, beforeSeq: uint32, limit: uint32 }) }),
    fc.record({ sync: fc.record({ conversationId: fc.constant(targets.victimConversationId), afterSeq: uint32, beforeSeq: uint32, limit: uint32 }) }),
    fc.record({ subscribe: fc.record({ conversationId: s }) }),
    fc.record({ unsubscribe: fc.record({ conversationId: s }) }),
    fc.record({ typing: fc.record({ conversationId: s, typing: fc.boolean(), senderId: s, senderRole: enumValue, senderName: s }) }),
    fc.record({ read: fc.record({ conversationId: s, upToSeq: uint32 }) }),
    fc.record({ receipt: fc.record({ conversationId: s, readerRole: enumValue, deliveredUpTo: uint32, readUpTo: uint32 }) }),
    fc.record({ action: fc.record({ conversationId: s, action: enumValue, agentId: s }) }),
    fc.record({ pageView: fc.record({ url: s, title: s }) }),
    fc.record({ ping: fc.record({ timeMs: double }) }),
    fc.record({ pong: fc.record({ timeMs: double }) }),
    fc.record({ welcome: fc.record({ sessionId: s, userId: s, role: enumValue, token: s, conversations: fc.array(conversation, { maxLength: 2 }) }) }),
    fc.record({ ack: fc.record({ clientMsgId: s, conversationId: s, seq: uint32, status: enumValue, reason: s }) }),
    fc.record({ deliver: fc.record({ messages: fc.array(message, { maxLength: 3 }) }) }),
    fc.record({ syncResult: fc.record({ conversationId: s, epoch: s, messages: fc.array(message, { maxLength: 2 }), hasMore: fc.boolean() }) }),
    fc.record({ inboxUpdate: fc.record({ conversation, preview: s, unread: uint32 }) }),
    fc.record({ presence: fc.record({ agentsOnline: uint32, agentIds: fc.array(s, { maxLength: 3 }), visitorId: s, visitorOnline: fc.boolean() }) }),
    fc.record({ error: fc.record({ code: enumValue, message: s, fatal: fc.boolean(), retryAfterMs: uint32, ref: s }) }),
    fc.constant({}),
  );
  return body as fc.Arbitrary<cs.v1.Frame.$Properties>;
}

/** Encodes a frame object; undefined when protobufjs refuses the values. */
function encode(frame: cs.v1.Frame.$Properties): Uint8Array | undefined {
  try {
    return cs.v1.Frame.encode(frame).finish();
  } catch {
    return undefined;
  }
}

const mutation = fc.record({
  op: fc.constantFrom('flip', 'cut', 'insert', 'repeat', 'set'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  value: fc.integer({ min: 0, max: 255 }),
  length: fc.integer({ min: 1, max: 64 }),
});

function mutate(bytes: Uint8Array, mutations: { op: string; at: number; value: number; length: number }[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = Math.min(out.length, Math.floor(m.at * (out.length + 1)));
    if (m.op === 'flip' && at < out.length) out[at] = out[at]! ^ (1 << (m.value & 7));
    else if (m.op === 'set' && at < out.length) out[at] = m.value;
    else if (m.op === 'cut') out = out.subarray(0, at);
    else if (m.op === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.alloc(m.length, m.value), out.subarray(at)]);
    else if (m.op === 'repeat') out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + m.length), out.subarray(at)]);
  }
  return out;
}

function withInvalidUtf8(bytes: Uint8Array, variant: number): Uint8Array {
  const out = Buffer.from(bytes);
  const at = out.indexOf(PLACEHOLDER);
  if (at >= 0) Buffer.from(INVALID_UTF8[variant % INVALID_UTF8.length]!).copy(out, at);
  return out;
}

/** Every family, weighted towards inputs that get past the decoder. */
export function fuzzInputs(targets: Targets): fc.Arbitrary<FuzzInput> {
  const frames = frameObject(targets).map(encode).filter((b): b is Uint8Array => b !== undefined);
  const holey = fc.constantFrom(PLACEHOLDER);
  const utf8Frame = fc
    .tuple(
      fc.oneof(
        fc.record({ send: fc.record({ clientMsgId: fc.string({ maxLength: 8 }), conversationId: fc.constantFrom('', targets.ownConversationId), text: holey }) }),
        fc.record({ send: fc.record({ clientMsgId: holey, text: fc.constant('ok') }) }),
        fc.record({ send: fc.record({ clientMsgId: fc.constant('u8'), conversationId: holey, text: fc.constant('ok') }) }),
        fc.record({ sync: fc.record({ conversationId: holey }) }),
        fc.record({ hello: fc.record({ site: holey, token: fc.constant('') }) }),
        fc.record({ hello: fc.record({ token: holey }) }),
        fc.record({ typing: fc.record({ conversationId: holey, typing: fc.constant(true) }) }),
      ),
      fc.nat(),
    )
    .map(([frame, variant]) => withInvalidUtf8(encode(frame as cs.v1.Frame.$Properties) ?? new Uint8Array(), variant));
  const manyStrings = (max: number): fc.Arbitrary<string[]> => fc.integer({ min: 0, max }).map((n) => Array.from({ length: n }, (_, i) => `r${i}`));
  const huge = fc.oneof(
    manyStrings(10_000).map((quickReplies) => ({ send: { clientMsgId: 'huge', kind: 2, text: 'pick', quickReplies } })),
    fc.integer({ min: 0, max: 3000 }).map((n) => ({ hello: { site: 'fuzz', cursors: Array.from({ length: n }, (_, i) => ({ conversationId: `c_${i}`, epoch: 'e', seq: i })) } })),
    fc.integer({ min: 0, max: 1000 }).map((n) => ({ deliver: { messages: Array.from({ length: n }, (_, i) => ({ conversationId: targets.victimConversationId, seq: i, text: 'spoof' })) } })),
    fc.integer({ min: 0, max: 10_000 }).map((n) => ({ presence: { agentIds: Array.from({ length: n }, (_, i) => `a${i}`) } })),
    fc.integer({ min: 60_000, max: 140_000 }).map((n) => ({ send: { clientMsgId: 'big', text: 'z'.repeat(n) } })),
  ).map((frame) => encode(frame as cs.v1.Frame.$Properties) ?? new Uint8Array());

  return fc.oneof(
    { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'random' as const, bytes })) },
    { weight: 20, arbitrary: frames.map((bytes) => ({ kind: 'structured' as const, bytes })) },
    { weight: 14, arbitrary: fc.tuple(frames, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([bytes, ms]) => ({ kind: 'mutated' as const, bytes: mutate(bytes, ms) })) },
    { weight: 4, arbitrary: utf8Frame.map((bytes) => ({ kind: 'utf8' as const, bytes })) },
    { weight: 1, arbitrary: huge.map((bytes) => ({ kind: 'huge' as const, bytes })) },
  );
}
