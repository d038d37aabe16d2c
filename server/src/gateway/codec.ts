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
  return cs.v1.Frame.encode(frame).finish();
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
