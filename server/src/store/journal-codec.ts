/**
 * On-disk framing of journal records (log segments and snapshots share it).
 *
 * One record on disk:
 *
 * ```
 * | u32 LE body length | u32 LE CRC-32 of body | body: UTF-8 JSON of a JournalRecord |
 * ```
 *
 * JSON keeps the files readable with `strings` and the format tolerant of
 * new record fields; the journal is not on the hot path's CPU budget (the disk
 * is). The length + CRC-32 pair lets replay tell a whole record from a torn
 * one (a crash mid-write) or a damaged one (a flipped byte): decoding stops at
 * the first frame that does not check out, and everything before it is good.
 */
import { crc32 } from 'node:zlib';
import type { JournalRecord } from './journal-types.js';

/** Bytes of the length + checksum header in front of each record. */
export const FRAME_HEADER_BYTES = 8;

/**
 * Largest body a frame may declare, bytes. A header that claims more is taken
 * as damage, not as a reason to wait for 4 GB of data. 16 MiB.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const RECORD_TYPES: ReadonlySet<string> = new Set(['conv', 'msg', 'status', 'assign', 'visitor', 'read']);

/** Frames one record: header + JSON body. */
export function encodeRecord(record: JournalRecord): Buffer {
  const body = Buffer.from(JSON.stringify(record), 'utf8');
  if (body.length > MAX_RECORD_BYTES) {
    throw new RangeError(`journal record of ${body.length} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** What `decodeFrames` found in a buffer. */
export interface DecodedFrames {
  records: JournalRecord[];
  /** Bytes from the start that hold whole, valid frames. Cut the file here. */
  validBytes: number;
  /** Why decoding stopped before the end; undefined when the buffer was whole. */
  problem?: string;
}

/**
 * Decodes frames from the start of `data` up to the first one that is torn
 * (shorter than its header says), fails its checksum, or is not a record.
 * Never throws on bad bytes: damage is reported through `problem`.
 */
export function decodeFrames(data: Uint8Array): DecodedFrames {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < FRAME_HEADER_BYTES) {
      return { records, validBytes: offset, problem: `torn header at byte ${offset}` };
    }
    const length = buf.readUInt32LE(offset);
    const checksum = buf.readUInt32LE(offset + 4);
    if (length === 0 || length > MAX_RECORD_BYTES) {
      return { records, validBytes: offset, problem: `bad length ${length} at byte ${offset}` };
    }
    const start = offset + FRAME_HEADER_BYTES;
    if (buf.length - start < length) {
      return { records, validBytes: offset, problem: `torn record at byte ${offset}` };
    }
    const body = buf.subarray(start, start + length);
    if (crc32(body) !== checksum) {
      return { records, validBytes: offset, problem: `checksum mismatch at byte ${offset}` };
    }
    const record = parseRecord(body);
    if (!record) return { records, validBytes: offset, problem: `not a journal record at byte ${offset}` };
    records.push(record);
    offset = start + length;
  }
  return { records, validBytes: offset };
}

function parseRecord(body: Buffer): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { t?: unknown }).t;
  return typeof type === 'string' && RECORD_TYPES.has(type) ? (value as JournalRecord) : undefined;
}
