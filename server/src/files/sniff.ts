/**
 * What a file is, from its first bytes (DESIGN.md §11): the type an upload
 * claims is never trusted. Only the allow-list below is accepted; anything
 * else (HTML, SVG, scripts, executables, archives) is refused with 415.
 *
 * | found | mime |
 * |---|---|
 * | JPEG, PNG, GIF, WebP | image/jpeg, image/png, image/gif, image/webp |
 * | HEIC / HEIF (ISO BMFF `ftyp` brand) | image/heic, image/heif |
 * | PDF | application/pdf |
 * | Word, Excel, PowerPoint (OOXML zip) | application/vnd.openxmlformats-officedocument.* |
 * | Word, Excel, PowerPoint 97–2003 (OLE2; told apart by the file name) | application/msword, application/vnd.ms-excel, application/vnd.ms-powerpoint |
 * | OpenDocument text, spreadsheet, presentation | application/vnd.oasis.opendocument.* |
 * | UTF-8 text without markup (`.csv` names: CSV) | text/plain, text/csv |
 *
 * Text that begins with `<` or holds an HTML/SVG/script tag near the start is
 * refused: served as text it would be harmless (nosniff, sandbox), but a
 * "photo" that is really a web page is exactly what an attacker uploads.
 */

/** How many leading bytes `sniff` needs to decide (JPEG dimensions may sit behind a big EXIF block). */
export const SNIFF_BYTES = 256 * 1024;

/** What the bytes are. */
export interface Sniffed {
  readonly mime: string;
  /** Pixels, images only (0 when the header does not say, e.g. HEIC). */
  readonly width: number;
  readonly height: number;
}

/** Why a file was refused: a short description of what was found, for the 415 message. */
export interface Refused {
  readonly refused: string;
}

/** Human-readable allow-list, for error messages. */
export const ALLOWED_DESCRIPTION = 'images (JPEG, PNG, GIF, WebP, HEIC), PDF, plain text, CSV and office documents (Word, Excel, PowerPoint, OpenDocument)';

/** True for the image types the allow-list holds (served inline). */
export function isImageMime(mime: string): boolean {
  return mime.startsWith('image/');
}

const HEIF_BRANDS: Readonly<Record<string, string>> = {
  heic: 'image/heic',
  heix: 'image/heic',
  hevc: 'image/heic',
  hevx: 'image/heic',
  heim: 'image/heic',
  heis: 'image/heic',
  mif1: 'image/heif',
  msf1: 'image/heif',
};

const OOXML: ReadonlyArray<readonly [string, string]> = [
  ['word/', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xl/', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt/', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
];

const ODF = new Set([
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);

const OLE_BY_EXTENSION: Readonly<Record<string, string>> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  return bytes.every((b, i) => head[at + i] === b);
}

function ascii(head: Uint8Array, from: number, to: number): string {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1', from, Math.min(to, head.length));
}

/**
 * Sniffs `head` (the first `SNIFF_BYTES` of a file, or all of it when
 * shorter). `name` is only used to tell the old binary office formats apart
 * and CSV from plain text; it never makes a refused type acceptable.
 */
export function sniff(head: Uint8Array, name: string): Sniffed | Refused {
  if (head.length === 0) return { refused: 'an empty file' };
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const ext = (/\.([a-z0-9]{1,8})$/i.exec(name)?.[1] ?? '').toLowerCase();
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', ...jpegSize(buf) };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { mime: 'image/png', ...(head.length >= 24 ? { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) } : NO_SIZE) };
  }
  const six = ascii(head, 0, 6);
  if (six === 'GIF87a' || six === 'GIF89a') {
    return { mime: 'image/gif', ...(head.length >= 10 ? { width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) } : NO_SIZE) };
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { mime: 'image/webp', ...webpSize(buf) };
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = HEIF_BRANDS[ascii(head, 8, 12)];
    if (brand) return { mime: brand, ...NO_SIZE };
    return { refused: 'a video or media container' };
  }
  if (ascii(head, 0, 5) === '%PDF-') return { mime: 'application/pdf', ...NO_SIZE };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return zipKind(buf);
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const mime = OLE_BY_EXTENSION[ext];
    return mime ? { mime, ...NO_SIZE } : { refused: 'an OLE2 file that is not named .doc, .xls or .ppt' };
  }
  return textKind(buf, ext);
}

const NO_SIZE = { width: 0, height: 0 } as const;

/** JPEG: the first start-of-frame marker holds height and width. */
function jpegSize(buf: Buffer): { width: number; height: number } {
  let at = 2;
  while (at + 9 < buf.length) {
    if (buf[at] !== 0xff) return NO_SIZE;
    const marker = buf[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = buf.readUInt16BE(at + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: buf.readUInt16BE(at + 5), width: buf.readUInt16BE(at + 7) };
    if (marker === 0xda || length < 2) return NO_SIZE;
    at += 2 + length;
  }
  return NO_SIZE;
}

/** WebP: lossy (VP8), lossless (VP8L) or extended (VP8X) header. */
function webpSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 30) return NO_SIZE;
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = buf.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  return NO_SIZE;
}

/** A zip is accepted only as an office document: OpenDocument (a stored `mimetype` entry first) or OOXML (word/, xl/, ppt/ parts). */
function zipKind(buf: Buffer): Sniffed | Refused {
  if (buf.length > 38 && buf.toString('latin1', 30, 38) === 'mimetype') {
    const declared = buf.toString('latin1', 38, 38 + 60).replace(/PK[\s\S]*$/, '').trim();
    if (ODF.has(declared)) return { mime: declared, ...NO_SIZE };
  }
  let at = 0;
  let contentTypes = false;
  while (at + 30 <= buf.length && buf.readUInt32LE(at) === 0x04034b50) {
    const nameLength = buf.readUInt16LE(at + 26);
    const extraLength = buf.readUInt16LE(at + 28);
    const compressed = buf.readUInt32LE(at + 18);
    const entry = buf.toString('utf8', at + 30, Math.min(buf.length, at + 30 + nameLength));
    if (entry === '[Content_Types].xml') contentTypes = true;
    const office = OOXML.find(([prefix]) => entry.startsWith(prefix));
    if (office && contentTypes) return { mime: office[1], ...NO_SIZE };
    // Sizes after the data (bit 3) cannot be followed without the central directory: stop.
    if ((buf.readUInt16LE(at + 6) & 0x08) !== 0 && compressed === 0) break;
    at += 30 + nameLength + extraLength + compressed;
  }
  return { refused: 'a zip archive that is not an office document' };
}

const MARKUP = /<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|xml|\?xml)\b/i;

/** UTF-8 (or ASCII) text with no NUL and few control characters, and no markup. */
function textKind(buf: Buffer, ext: string): Sniffed | Refused {
  let text: string;
  try {
    // A multi-byte character cut at the end of the head is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(buf));
  } catch {
    return { refused: 'binary data of an unknown type' };
  }
  let controls = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0) return { refused: 'binary data of an unknown type' };
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) controls += 1;
  }
  if (controls > text.length / 100 + 1) return { refused: 'binary data of an unknown type' };
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<') || MARKUP.test(text.slice(0, 4096))) return { refused: 'HTML or other markup' };
  return { mime: ext === 'csv' ? 'text/csv' : 'text/plain', ...NO_SIZE };
}

/** `buf` without a trailing, incomplete UTF-8 sequence. */
function trimPartialUtf8(buf: Buffer): Buffer {
  let end = buf.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = buf[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (need > back) end -= back;
    break;
  }
  return buf.subarray(0, end);
}

/**
 * A file name safe to store and to put in a Content-Disposition header: the
 * last path segment, control characters and quotes removed, at most 120
 * characters, never empty.
 */
export function safeFileName(raw: string, mime: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>|:*?\u202a-\u202e\u2066-\u2069]/g, '').trim().replace(/^\.+/, '');
  const name = cleaned.length > 120 ? cleaned.slice(0, 60) + '…' + cleaned.slice(-59) : cleaned;
  return name || `file${DEFAULT_EXTENSION[mime] ?? ''}`;
}

const DEFAULT_EXTENSION: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/csv': '.csv',
};
