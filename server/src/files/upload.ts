/**
 * `POST /api/uploads?conversation=<id>` (DESIGN.md §11): the file is the raw
 * body; `Content-Type` is ignored (the bytes are sniffed), `X-File-Name`
 * (URI-encoded) names it, `X-Client-Msg-Id` (or `client_msg_id=`) is the
 * client id of the message it belongs to and makes the upload idempotent: a
 * retry with the same key answers with the first upload and stores nothing.
 *
 * Authenticated by `Authorization: Bearer <visitor token | service token>`,
 * or the agent's session cookie once accounts exist. Answers (JSON):
 * 201 / 200 (retry) an Attachment `{id, name, mime, size, width, height, url}`;
 * errors `{error: {code, message}}` with 400, 401, 403, 413 (`max_bytes`),
 * 415, 429 (`retry_after_ms`).
 *
 * The cap is enforced while streaming: a declared `Content-Length` over it
 * is refused before a byte is read, and a body that grows past it is cut off
 * at the chunk that would cross it, so the temp file never holds more than
 * the cap; the temp file is removed on every refusal and on an abort.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import { bearerCaller, type FilesDeps, type Uploader } from './deps.js';
import { ALLOWED_DESCRIPTION, safeFileName, SNIFF_BYTES, sniff, type Sniffed } from './sniff.js';
import { toJsonAttachment } from './wire.js';

/** The quota window, ms. */
export const QUOTA_WINDOW_MS = 60 * 60 * 1000;

/** Headers a browser may send cross-origin to the upload endpoint. */
const ALLOWED_HEADERS = 'authorization, content-type, x-file-name, x-client-msg-id';

/** An HTTP error answer of the upload endpoint. */
export interface UploadError {
  readonly status: string;
  readonly code: string;
  readonly message: string;
  readonly extra?: Readonly<Record<string, number>>;
}

/** "10 MB" for 10 MiB: the figure people read in the widget's message. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** The refusal of a body over the cap. */
export function tooLarge(maxBytes: number): UploadError {
  return { status: '413 Payload Too Large', code: 'too_large', message: `file too large (max ${formatMegabytes(maxBytes)})`, extra: { max_bytes: maxBytes } };
}

/** Registers the upload endpoint and its CORS preflight. */
export function registerUploads(app: TemplatedApp, deps: FilesDeps): void {
  app.options('/api/uploads', (res, req) => {
    const origin = req.getHeader('origin');
    res.cork(() => {
      res.writeStatus('204 No Content');
      corsHeaders(res, deps, origin);
      res.writeHeader('Access-Control-Allow-Methods', 'POST').writeHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS).writeHeader('Access-Control-Max-Age', '600');
      res.endWithoutBody();
    });
  });
  app.post('/api/uploads', (res, req) => handleUpload(res, req, deps));
}

function corsHeaders(res: HttpResponse, deps: FilesDeps, origin: string): void {
  if (!origin) return;
  const allowed = deps.options.allowedOrigins;
  if (allowed.length > 0 && !allowed.includes(origin)) return;
  res.writeHeader('Access-Control-Allow-Origin', origin).writeHeader('Vary', 'Origin');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** What the request says, copied out of `req` before anything asynchronous. */
interface UploadRequest {
  readonly origin: string;
  readonly caller: Uploader | undefined;
  readonly conversationId: string;
  readonly name: string;
  readonly uploadKey: string;
  readonly declaredLength: number | undefined;
}

function readRequest(req: HttpRequest, deps: FilesDeps): UploadRequest {
  const origin = req.getHeader('origin');
  const authorization = req.getHeader('authorization');
  const caller = authorization ? bearerCaller(deps.keys, authorization) : deps.cookieAgent?.(req.getHeader('cookie'), origin);
  const lengthHeader = req.getHeader('content-length');
  return {
    origin,
    caller,
    conversationId: req.getQuery('conversation') ?? '',
    name: decodeName(req.getHeader('x-file-name') || req.getQuery('name') || ''),
    uploadKey: req.getHeader('x-client-msg-id') || req.getQuery('client_msg_id') || '',
    declaredLength: /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined,
  };
}

/** A refusal known before the body is read, or undefined. */
function refuseEarly(request: UploadRequest, deps: FilesDeps): UploadError | undefined {
  if (!request.caller) return { status: '401 Unauthorized', code: 'unauthenticated', message: 'no or bad credentials: send Authorization: Bearer <token>' };
  if (!request.conversationId) return { status: '400 Bad Request', code: 'bad_request', message: 'conversation=<id> is required' };
  if (request.uploadKey.length > 64) return { status: '400 Bad Request', code: 'bad_request', message: 'X-Client-Msg-Id must be at most 64 characters' };
  if (!deps.mayUse(request.caller, request.conversationId)) return { status: '403 Forbidden', code: 'forbidden', message: 'you may not upload to this conversation' };
  const max = deps.options.maxUploadBytes;
  if (request.declaredLength !== undefined && request.declaredLength > max) return tooLarge(max);
  if (request.declaredLength === 0) return { status: '400 Bad Request', code: 'bad_request', message: 'the file is empty' };
  return quotaLeft(deps, request.caller, 0) ? undefined : overQuota(deps);
}

function quotaLeft(deps: FilesDeps, caller: Uploader, adding: number): boolean {
  const quota = deps.options.uploadQuotaBytesPerHour;
  if (quota <= 0 || caller.role !== cs.v1.Role.VISITOR) return true;
  const used = deps.files.bytesUploadedSince(caller.userId, deps.now() - QUOTA_WINDOW_MS);
  return adding === 0 ? used < quota : used + adding <= quota;
}

function overQuota(deps: FilesDeps): UploadError {
  const quota = deps.options.uploadQuotaBytesPerHour;
  return {
    status: '429 Too Many Requests',
    code: 'quota_exceeded',
    message: `upload limit reached (${formatMegabytes(quota)} per hour): try again later`,
    extra: { retry_after_ms: 10 * 60 * 1000, quota_bytes: quota },
  };
}

/** Streams one upload to a temp file, then sniffs, checks and keeps it. */
function handleUpload(res: HttpResponse, req: HttpRequest, deps: FilesDeps): void {
  const request = readRequest(req, deps);
  const early = refuseEarly(request, deps);
  if (early) {
    // The body is not wanted: close the connection after the answer instead of reading it.
    sendError(res, deps, request.origin, early, true);
    return;
  }
  const caller = request.caller!;
  const max = deps.options.maxUploadBytes;
  const temp = deps.files.tempPath();
  const out: WriteStream = createWriteStream(temp, { flags: 'wx' });
  const hash: Hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let received = 0;
  let done = false;
  let answered = false;
  // A paused response writes nothing either: resume before answering.
  let paused = false;
  const resume = (): void => {
    if (!paused || answered) return;
    paused = false;
    res.resume();
  };

  const discard = (): void => {
    if (done) return;
    done = true;
    // The stream opens its file asynchronously: remove it once the stream is closed, too.
    out.once('close', () => rmSync(temp, { force: true }));
    out.destroy();
    rmSync(temp, { force: true });
  };
  const fail = (error: UploadError, close: boolean): void => {
    discard();
    if (answered) return;
    resume();
    answered = true;
    sendError(res, deps, request.origin, error, close);
  };
  out.on('error', (error) => {
    deps.log.error({ err: error }, 'upload: temp file write failed');
    fail({ status: '503 Service Unavailable', code: 'storage_unavailable', message: 'the server cannot store files right now: try again later' }, true);
  });
  out.on('drain', resume);
  res.onAborted(() => {
    answered = true;
    discard();
  });

  res.onData((chunk, isLast) => {
    if (done) return;
    if (received + chunk.byteLength > max) {
      fail(tooLarge(max), true);
      return;
    }
    // The ArrayBuffer is only valid during this callback: copy it.
    const bytes = Buffer.from(chunk.slice(0));
    received += bytes.length;
    hash.update(bytes);
    if (headBytes < SNIFF_BYTES) {
      head.push(bytes);
      headBytes += bytes.length;
    }
    if (!out.write(bytes) && !isLast) {
      paused = true;
      res.pause();
    }
    if (!isLast) return;
    if (received === 0) return fail({ status: '400 Bad Request', code: 'bad_request', message: 'the file is empty' }, false);
    const found = sniff(Buffer.concat(head).subarray(0, SNIFF_BYTES), request.name);
    if ('refused' in found) {
      return fail({ status: '415 Unsupported Media Type', code: 'unsupported_type', message: `this file type is not allowed (it is ${found.refused}); allowed: ${ALLOWED_DESCRIPTION}` }, false);
    }
    out.end(() => finish(found));
  });

  const finish = (found: Sniffed): void => {
    if (done) return;
    if (!quotaLeft(deps, caller, received)) return fail(overQuota(deps), false);
    done = true;
    try {
      const { row, created } = deps.files.commit(
        temp,
        {
          conversationId: request.conversationId,
          uploaderId: caller.userId,
          uploadKey: request.uploadKey,
          name: safeFileName(request.name, found.mime),
          mime: found.mime,
          size: received,
          width: found.width,
          height: found.height,
          hash: hash.digest('hex'),
        },
        deps.now(),
      );
      if (answered) return;
      resume();
      answered = true;
      const body = JSON.stringify(toJsonAttachment(row, deps.keys, deps.now(), deps.options.fileUrlTtlMs));
      res.cork(() => {
        res.writeStatus(created ? '201 Created' : '200 OK').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store');
        corsHeaders(res, deps, request.origin);
        res.end(body);
      });
    } catch (error) {
      rmSync(temp, { force: true });
      deps.log.error({ err: error }, 'upload: could not keep the file');
      if (!answered) {
        resume();
        answered = true;
        sendError(res, deps, request.origin, { status: '503 Service Unavailable', code: 'storage_unavailable', message: 'the server cannot store files right now: try again later' }, true);
      }
    }
  };
}

function sendError(res: HttpResponse, deps: FilesDeps, origin: string, error: UploadError, close: boolean): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message, ...error.extra } });
  res.cork(() => {
    res.writeStatus(error.status).writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store');
    corsHeaders(res, deps, origin);
    res.end(body, close);
  });
}
