/**
 * Frame codec: one protobuf `Frame` per binary WebSocket message. Decoding
 * checks UTF-8 strictly (the generated code uses `reader.stringVerify`), so
 * invalid text never reaches the pipeline.
 */
import { cs } from '../../../proto/gen/chat.js';

/** The name of a frame's body, e.g. 'send'; 'unknown' when the oneof is empty. */
export type FrameType = NonNullable<cs.v1.Frame['body']> | 'unknown';

/** A decoded frame and the name of its body. */
export interface DecodedFrame {
  readonly type: FrameType;
  readonly frame: cs.v1.Frame;
}

/** Encodes one frame to the bytes of a binary WebSocket message. */
export function encodeFrame(frame: cs.v1.Frame.$Properties): Uint8Array {
  if (frame.ack) return encodeAckFrame(frame.ack);
  return cs.v1.Frame.encode(frame).finish();
}

/** Bytes of `value` as a protobuf varint (a uint32). */
function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value > 0x7f) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

/** Writes a one-byte field tag; returns the offset after it. */
function writeTag(out: Buffer, at: number, tag: number): number {
  out[at] = tag;
  return at + 1;
}

/** Writes a length-delimited string field of `bytes` UTF-8 bytes; returns the offset after it. */
function writeString(out: Buffer, at: number, tag: number, value: string, bytes: number): number {
  const start = writeVarint(out, writeTag(out, at, tag), bytes);
  out.write(value, start, bytes, 'utf8');
  return start + bytes;
}

/**
 * `Frame { ack }` encoded by hand into one buffer, byte for byte what
 * protobufjs makes (fields 1–7 in order, proto3 defaults left out): every
 * Send gets an Ack, and protobufjs builds a writer and an operation object
 * per field for it, garbage the collector then pauses the socket loop for
 * (issue 16). Anything unusual (a negative status) goes through protobufjs.
 */
export function encodeAckFrame(ack: cs.v1.Ack.$Properties): Uint8Array {
  const clientMsgId = ack.clientMsgId ?? '';
  const conversationId = ack.conversationId ?? '';
  const seq = ack.seq ?? 0;
  const serverTimeMs = ack.serverTimeMs ?? 0;
  const status = ack.status ?? 0;
  const reason = ack.reason ?? '';
  const retryAfterMs = ack.retryAfterMs ?? 0;
  if (status < 0 || !Number.isInteger(seq) || !Number.isInteger(retryAfterMs)) return cs.v1.Frame.encode({ ack }).finish();
  const idBytes = clientMsgId === '' ? 0 : Buffer.byteLength(clientMsgId);
  const convBytes = conversationId === '' ? 0 : Buffer.byteLength(conversationId);
  const reasonBytes = reason === '' ? 0 : Buffer.byteLength(reason);
  // Present when not the default (protobufjs's rule), written as protobufjs's uint32 writes them.
  const hasSeq = seq !== 0;
  const hasRetry = retryAfterMs !== 0;
  const seqU = seq >>> 0;
  const retryU = retryAfterMs >>> 0;
  const length =
    (idBytes ? 1 + varintSize(idBytes) + idBytes : 0) +
    (convBytes ? 1 + varintSize(convBytes) + convBytes : 0) +
    (hasSeq ? 1 + varintSize(seqU) : 0) +
    (Object.is(serverTimeMs, 0) ? 0 : 9) +
    (status ? 1 + varintSize(status) : 0) +
    (reasonBytes ? 1 + varintSize(reasonBytes) + reasonBytes : 0) +
    (hasRetry ? 1 + varintSize(retryU) : 0);
  const out = Buffer.allocUnsafe(1 + varintSize(length) + length);
  out[0] = 0x22; // Frame.ack: field 4, length-delimited
  let at = writeVarint(out, 1, length);
  if (idBytes) at = writeString(out, at, 0x0a, clientMsgId, idBytes);
  if (convBytes) at = writeString(out, at, 0x12, conversationId, convBytes);
  if (hasSeq) at = writeVarint(out, writeTag(out, at, 0x18), seqU);
  if (!Object.is(serverTimeMs, 0)) at = out.writeDoubleLE(serverTimeMs, writeTag(out, at, 0x21));
  if (status) at = writeVarint(out, writeTag(out, at, 0x28), status);
  if (reasonBytes) at = writeString(out, at, 0x32, reason, reasonBytes);
  if (hasRetry) at = writeVarint(out, writeTag(out, at, 0x38), retryU);
  return out;
}

/**
 * Decodes the bytes of one WebSocket message. Copies nothing: call it inside
 * the uWS message callback, before the ArrayBuffer is neutered.
 * @throws Error on bytes that are not a Frame (truncated, bad wire type, bad UTF-8).
 */
export function decodeFrame(bytes: ArrayBuffer | Uint8Array): DecodedFrame {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const frame = cs.v1.Frame.decode(view);
  return { type: frame.body ?? 'unknown', frame };
}

/** Shorthand for an Error frame. */
export function errorFrame(
  code: cs.v1.ErrorCode,
  message: string,
  extra: { fatal?: boolean; ref?: string; retryAfterMs?: number } = {},
): cs.v1.Frame.$Properties {
  return { error: { code, message, fatal: extra.fatal ?? false, ref: extra.ref ?? '', retryAfterMs: extra.retryAfterMs ?? 0 } };
}
