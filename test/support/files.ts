/**
 * Test files made in code: a real (decodable) PNG of any size and colour,
 * headers of JPEG/GIF/WebP/HEIC that the sniffer reads, a small PDF, and
 * stored (uncompressed) zip archives.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 8 + data.length);
  return out;
}

/** A valid RGB PNG of `width` × `height` filled with `rgb` (so browsers decode it). */
function png(width: number, height: number, rgb: readonly [number, number, number] = [200, 80, 40]): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x += 1) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]),
  );
}

/** JPEG markers up to a baseline start-of-frame (after an APP0 block): enough for the sniffer and its size reader. */
function jpeg(width: number, height: number): Uint8Array {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]));
}

function gif(width: number, height: number): Uint8Array {
  const head = Buffer.from('GIF89a\0\0\0\0\0\0\0', 'latin1');
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  return new Uint8Array(Buffer.concat([head, Buffer.from([0x3b])]));
}

/** A WebP lossless (VP8L) header. */
function webp(width: number, height: number): Uint8Array {
  const out = Buffer.alloc(32);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(24, 4);
  out.write('WEBPVP8L', 8, 'latin1');
  out.writeUInt32LE(11, 16);
  out[20] = 0x2f;
  out.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 21);
  return new Uint8Array(out);
}

function heic(): Uint8Array {
  const out = Buffer.alloc(32);
  out.writeUInt32BE(24, 0);
  out.write('ftypheic', 4, 'latin1');
  out.write('mif1heic', 16, 'latin1');
  return new Uint8Array(out);
}

/** A small PDF whose body ends with `tail`. */
function pdf(tail = '%%EOF'): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n${tail}\n`);
}

/** A zip of stored entries, in order. */
function zip(entries: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [name, content] of entries) {
    const data = Buffer.from(content, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(10, 4);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    parts.push(header, Buffer.from(name, 'utf8'), data);
  }
  parts.push(Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]));
  return new Uint8Array(Buffer.concat(parts));
}

/** The makers, by kind. */
export const fixtures = { png, jpeg, gif, webp, heic, pdf, zip };
