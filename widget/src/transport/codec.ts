/**
 * One WebSocket binary frame = one protobuf `Frame` (DESIGN.md §4), through
 * the generated static code and protobufjs/minimal. Decoding never throws: a
 * bad frame is a typed error value the caller handles.
 */
import { cs } from '../../../proto/gen/chat.js';

export type Frame = cs.v1.Frame;
export type FrameInit = cs.v1.Frame.$Properties;

/** Bytes that are not a Frame, or a Frame without a body. */
export class FrameDecodeError extends Error {
  readonly type = 'FrameDecode';
}

export type DecodeResult = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly error: FrameDecodeError };

/** Encodes a frame; protobufjs's writer always allocates a plain ArrayBuffer, hence the narrower type. */
export function encodeFrame(frame: FrameInit): Uint8Array<ArrayBuffer> {
  return cs.v1.Frame.encode(frame).finish() as Uint8Array<ArrayBuffer>;
}

export function decodeFrame(data: ArrayBuffer | Uint8Array): DecodeResult {
  try {
    const frame = cs.v1.Frame.decode(data instanceof Uint8Array ? data : new Uint8Array(data));
    if (!frame.body) return { ok: false, error: new FrameDecodeError('frame has no body') };
    return { ok: true, frame };
  } catch (cause) {
    return { ok: false, error: new FrameDecodeError(`undecodable frame: ${String(cause)}`, { cause }) };
  }
}
