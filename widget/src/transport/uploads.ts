/**
 * The upload code, loaded on first use (DESIGN.md §11): the lazy `uploads`
 * chunk (uploads-entry.ts), so the widget stays within its size budget until
 * someone attaches a file.
 *
 * - `prepare`: a big photo is scaled down in the browser (canvas, long side
 *   at most 2048 px, JPEG; WebP for PNGs, which may be transparent) so a
 *   visitor on mobile data does not send 5 MB. A HEIC/HEIF photo (an
 *   iPhone's, from a Mac or a drop: iOS's own picker hands over JPEG) is
 *   turned into JPEG whenever this browser can decode it (Safari), because
 *   the agent's browser most likely cannot show HEIC; where it cannot
 *   (Chromium, Firefox) it goes up unchanged and shows as a file card that
 *   says so. GIFs (animation) and other files pass unchanged.
 * - `upload`: `POST /api/uploads` with progress and cancel (XMLHttpRequest:
 *   fetch reports no upload progress), idempotent by the message's client id.
 *   Every failure becomes an `UploadProblem`: 413 from the server is "too
 *   large (max …)", from a proxy in front of it (any other body: its limit
 *   is not known) "too large for the server", 415
 *   "unsupported", 429 "quota"; no answer, 5xx and 403 (the server does not
 *   know the conversation yet, e.g. right after a restart) are retried.
 */
import { UploadProblem, type PreparedFile, type UploadOutcome, type UploadRequest, type UploadsApi } from '../core/types.js';
import { fileOutbox } from './file-outbox.js';

/** Longest side of a photo after scaling, px. */
export const MAX_IMAGE_SIDE = 2048;
/** Photos smaller than this are sent as they are, bytes. */
const SCALE_FROM_BYTES = 600 * 1024;
/** JPEG / WebP quality of a scaled photo. */
const QUALITY = 0.85;
/** Wait before an upload that failed on the network is tried again, ms. */
const RETRY_MS = 3000;

const SCALABLE = /^image\/(jpeg|png|webp)$/;
/** HEIC / HEIF: most browsers cannot show them, so they are re-encoded as JPEG whenever this one can decode them. */
const HEIF = /^image\/hei[cf](-sequence)?$/;

async function prepare(file: Blob, name: string): Promise<PreparedFile> {
  // Some systems give .heic files no type: the name says what they are.
  const mime = file.type || (/\.hei[cf]$/i.test(name) ? 'image/heic' : '');
  if (!mime.startsWith('image/') || !('createImageBitmap' in globalThis)) return { blob: file, name, mime, width: 0, height: 0 };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { blob: file, name, mime, width: 0, height: 0 }; // not decodable here (HEIC): the server sniffs it
  }
  const { width, height } = bitmap;
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(width, height));
  const heif = HEIF.test(mime);
  if (!heif && (!SCALABLE.test(mime) || (scale === 1 && file.size <= SCALE_FROM_BYTES))) {
    bitmap.close();
    return { blob: file, name, mime, width, height };
  }
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const type = mime === 'image/png' ? 'image/webp' : 'image/jpeg';
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, QUALITY));
  // A browser that cannot encode WebP gives PNG; a scaled copy that is not smaller is not worth it (a HEIC's JPEG always is: it can be shown).
  if (!blob || (blob.size >= file.size && scale === 1 && !heif)) return { blob: file, name, mime, width, height };
  const ext = blob.type === 'image/webp' ? '.webp' : blob.type === 'image/png' ? '.png' : '.jpg';
  return { blob, name: name.replace(/\.[^.]*$/, '') + ext, mime: blob.type, width: w, height: h };
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly retry_after_ms?: number };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Maps an HTTP answer to an outcome. */
export function outcomeOf(status: number, text: string, base: string): UploadOutcome {
  const body = parse(text);
  if (status === 200 || status === 201) {
    const a = body as { id: string; name: string; mime: string; size: number; width: number; height: number; url: string };
    return { ok: true, attachment: { id: a.id, name: a.name, mime: a.mime, size: a.size, width: a.width, height: a.height, url: base + a.url } };
  }
  const message = (body as ErrorBody | undefined)?.error?.message ?? `HTTP ${status}`;
  if (status === 413) {
    const ours = (body as ErrorBody | undefined)?.error?.code === 'too_large';
    return { ok: false, problem: ours ? UploadProblem.TooLarge : UploadProblem.TooLargeForProxy, retryAfterMs: 0, message };
  }
  if (status === 415) return { ok: false, problem: UploadProblem.Unsupported, retryAfterMs: 0, message };
  if (status === 429) return { ok: false, problem: UploadProblem.Quota, retryAfterMs: 0, message };
  return { ok: false, problem: UploadProblem.Network, retryAfterMs: RETRY_MS, message };
}

function upload(request: UploadRequest): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const url = `${request.base}/api/uploads?conversation=${encodeURIComponent(request.conversationId)}`;
    xhr.open('POST', url);
    if (request.token) xhr.setRequestHeader('Authorization', `Bearer ${request.token}`);
    else xhr.withCredentials = true;
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(request.name));
    xhr.setRequestHeader('X-Client-Msg-Id', request.clientMsgId);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) request.onProgress(e.loaded / e.total);
    };
    xhr.onload = () => resolve(outcomeOf(xhr.status, xhr.responseText, request.base));
    xhr.onerror = xhr.ontimeout = () => resolve({ ok: false, problem: UploadProblem.Network, retryAfterMs: RETRY_MS, message: 'network error' });
    xhr.onabort = () => resolve({ ok: false, problem: UploadProblem.Network, retryAfterMs: 0, message: 'cancelled' });
    if (request.signal.aborted) return xhr.abort();
    request.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(request.blob);
  });
}

/** The module's API (what `SessionOptions.loadUploads` resolves to). */
export const uploads: UploadsApi = { prepare, upload, files: (host) => fileOutbox(host, prepare, upload) };
