/**
 * Static files: the widget bundles and the demo pages. Each file is read and
 * compressed (gzip and brotli) once, on its first request, and again only when
 * its mtime changes (a rebuild). Answers carry an ETag (304 on a match),
 * Cache-Control, and for HTML a strict Content-Security-Policy. A missing
 * page gets a plain placeholder, so the server runs before the widget and the
 * demo are built.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/** The CSP of every HTML page: scripts, styles, sockets only from this server; images also from https, and blob: (the preview of a photo being uploaded). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; img-src 'self' https: data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

interface CachedFile {
  readonly mtimeMs: number;
  readonly type: string;
  readonly etag: string;
  readonly raw: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
}

/** Serves files from disk with compression and validation; one instance per server. */
export class StaticFiles {
  private readonly cache = new Map<string, CachedFile>();

  /**
   * Answers `req` with the file at `path`.
   * @param cacheControl the Cache-Control header.
   * @param placeholder what to send when the file does not exist (404 when omitted).
   */
  serve(res: HttpResponse, req: HttpRequest, path: string, cacheControl: string, placeholder?: string, corsAnyOrigin = false): void {
    const file = this.load(path);
    if (!file) {
      if (placeholder === undefined) {
        res.cork(() => res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('not found\n'));
      } else {
        res.cork(() => {
          res.writeStatus('200 OK').writeHeader('Content-Type', 'text/html; charset=utf-8');
          res.writeHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY).writeHeader('Cache-Control', 'no-store').end(placeholder);
        });
      }
      return;
    }
    const accept = req.getHeader('accept-encoding');
    const ifNoneMatch = req.getHeader('if-none-match');
    res.cork(() => {
      if (ifNoneMatch && ifNoneMatch === file.etag) {
        res.writeStatus('304 Not Modified').writeHeader('ETag', file.etag).writeHeader('Cache-Control', cacheControl).endWithoutBody();
        return;
      }
      res.writeStatus('200 OK').writeHeader('Content-Type', file.type).writeHeader('ETag', file.etag);
      res.writeHeader('Cache-Control', cacheControl).writeHeader('Vary', 'Accept-Encoding').writeHeader('X-Content-Type-Options', 'nosniff');
      // A module script loaded by import() from another origin is a CORS request.
      if (corsAnyOrigin) res.writeHeader('Access-Control-Allow-Origin', '*');
      if (file.type.startsWith('text/html')) res.writeHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      if (/\bbr\b/.test(accept)) res.writeHeader('Content-Encoding', 'br').end(file.brotli);
      else if (/\bgzip\b/.test(accept)) res.writeHeader('Content-Encoding', 'gzip').end(file.gzip);
      else res.end(file.raw);
    });
  }

  /** The file, read and compressed once per mtime; undefined when missing or not a file. */
  private load(path: string): CachedFile | undefined {
    let mtimeMs: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return undefined;
      mtimeMs = stat.mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    const raw = readFileSync(path);
    const file: CachedFile = {
      mtimeMs,
      type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(raw).digest('base64url').slice(0, 16)}"`,
      raw,
      gzip: gzipSync(raw, { level: 9 }),
      brotli: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
    };
    this.cache.set(path, file);
    return file;
  }
}

/** `relative` inside `root`, or undefined when it escapes it (`..`, absolute paths, NUL). */
export function safeJoin(root: string, relative: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = normalize(join(root, decoded));
  return full.startsWith(normalize(root) + sep) ? full : undefined;
}

/** The page shown at `/` or `/agent` until the demo exists. */
export function placeholderPage(title: string, hint: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:3rem"><h1>${title}</h1><p>${hint}</p></body></html>\n`;
}
