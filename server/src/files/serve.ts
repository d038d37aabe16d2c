/**
 * `GET /files/<id>?exp=<ms>&sig=<s>` (DESIGN.md §11). The signature and the
 * expiry are checked (403 otherwise; 404 for a good link to a deleted file).
 * Every answer, errors included, carries `X-Content-Type-Options: nosniff`
 * and `Content-Security-Policy: sandbox` (nothing served can run script,
 * even when opened directly), and `Cache-Control: private`. Images are
 * served inline with their sniffed type; everything else as
 * `Content-Disposition: attachment` with a safe file name. `Range:
 * bytes=a-b` (one range) answers 206, an unsatisfiable one 416.
 *
 * Files are at most the upload cap (10 MiB by default), so the requested
 * range is read into memory and written in one go.
 */
import { open } from 'node:fs/promises';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { FilesDeps } from './deps.js';
import { checkFileUrl } from './signing.js';
import { isImageMime } from './sniff.js';
import type { AttachmentRow } from './store.js';

/** The CSP of every /files answer. */
export const FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

function securityHeaders(res: HttpResponse): void {
  res.writeHeader('X-Content-Type-Options', 'nosniff').writeHeader('Content-Security-Policy', FILE_CSP);
  // The widget runs on the merchant's site: its <img> loads these cross-origin.
  res.writeHeader('Cross-Origin-Resource-Policy', 'cross-origin').writeHeader('Referrer-Policy', 'no-referrer');
}

function refuse(res: HttpResponse, status: string, message: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'text/plain; charset=utf-8').writeHeader('Cache-Control', 'private, no-store');
    securityHeaders(res);
    res.end(`${message}\n`);
  });
}

/** A one-range request as [start, end] inclusive, 'bad' when unsatisfiable, undefined when absent or not understood. */
export function parseRange(header: string, size: number): [number, number] | 'bad' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match as unknown as [string, string, string];
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'bad';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'bad';
  return [start, end];
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Registers `/files/:id`. */
export function registerFileServing(app: TemplatedApp, deps: FilesDeps): void {
  app.get('/files/:id', (res, req) => {
    const id = safeDecode(req.getParameter(0) ?? '');
    const exp = req.getQuery('exp') ?? '';
    const sig = req.getQuery('sig') ?? '';
    const rangeHeader = req.getHeader('range');
    const nowMs = deps.now();
    const problem = checkFileUrl(deps.keys, id, exp, sig, nowMs);
    if (problem) return refuse(res, '403 Forbidden', `forbidden: ${problem}`);
    const row = deps.files.get(id);
    if (!row) return refuse(res, '404 Not Found', 'not found');
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const range = parseRange(rangeHeader, row.size);
    if (range === 'bad') {
      res.cork(() => {
        res.writeStatus('416 Range Not Satisfiable').writeHeader('Content-Range', `bytes */${row.size}`).writeHeader('Cache-Control', 'private, no-store');
        securityHeaders(res);
        res.end();
      });
      return;
    }
    const [start, end] = range ?? [0, row.size - 1];
    readSlice(deps.files.filePath(row.hash), start, end - start + 1).then(
      (bytes) => {
        if (aborted) return;
        res.cork(() => writeFile(res, row, bytes, range ? [start, end] : undefined, Number(exp), nowMs));
      },
      (error: unknown) => {
        deps.log.error({ err: error, id: row.id }, 'file read failed');
        if (!aborted) refuse(res, '500 Internal Server Error', 'the file cannot be read');
      },
    );
  });
}

function writeFile(res: HttpResponse, row: AttachmentRow, bytes: Buffer, range: [number, number] | undefined, exp: number, nowMs: number): void {
  const image = isImageMime(row.mime);
  const type = row.mime.startsWith('text/') ? `${row.mime}; charset=utf-8` : row.mime;
  const maxAge = Math.max(0, Math.floor((exp - nowMs) / 1000));
  res.writeStatus(range ? '206 Partial Content' : '200 OK');
  res.writeHeader('Content-Type', type).writeHeader('Content-Disposition', contentDisposition(image ? 'inline' : 'attachment', row.name));
  res.writeHeader('Cache-Control', `private, max-age=${maxAge}`).writeHeader('Accept-Ranges', 'bytes').writeHeader('ETag', `"${row.hash.slice(0, 32)}"`);
  if (range) res.writeHeader('Content-Range', `bytes ${range[0]}-${range[1]}/${row.size}`);
  securityHeaders(res);
  res.end(bytes);
}

async function readSlice(path: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}
