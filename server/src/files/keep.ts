/**
 * Storing a file from server code (no HTTP request): the same checks as
 * `POST /api/uploads` (size cap while reading, type sniffed from the bytes
 * against the allow-list, dedup by content hash, idempotent by key), for
 * callers such as inbound email that hold an attachment as a Buffer or a
 * stream. The row it makes is an upload like any other: a `Send` (or the
 * pipeline's stored message) by the same uploader in the same conversation
 * names it by id, and an upload no message carries is removed after a day.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { ALLOWED_DESCRIPTION, safeFileName, SNIFF_BYTES, sniff } from './sniff.js';
import type { AttachmentRow, FileStore } from './store.js';
import { formatMegabytes } from './upload.js';

/** A file to keep for a conversation. */
export interface KeepFileInput {
  readonly conversationId: string;
  /** Who the file is from: the sender of the message that will carry it (a visitor id for an email reply). */
  readonly uploaderId: string;
  /** The file name as sent (cleaned before it is stored). */
  readonly name: string;
  /** The bytes: all at once, or a stream (read with the cap enforced as it goes). */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * Makes it idempotent: the same key (with the same conversation and
   * uploader) answers with the first file and stores nothing new, e.g. the
   * email's Message-ID plus the part's index. Up to 64 characters. Default ''.
   */
  readonly key?: string;
}

/** Why a file was not kept. */
export type KeepFileRefusal = { readonly code: 'too_large' | 'unsupported_type' | 'empty' | 'bad_request'; readonly message: string };

/** The outcome of `keepFile`: the stored row (`created` false when the key or the bytes were known), or why not. */
export type KeepFileResult = { readonly ok: true; readonly row: AttachmentRow; readonly created: boolean } | ({ readonly ok: false } & KeepFileRefusal);

/** Stores `input` in `files`, refusing what is over `maxBytes` or not on the allow-list; nothing is kept on a refusal. */
export async function keepFile(files: FileStore, input: KeepFileInput, maxBytes: number, nowMs: () => number): Promise<KeepFileResult> {
  const key = input.key ?? '';
  if (key.length > 64) return { ok: false, code: 'bad_request', message: 'the key must be at most 64 characters' };
  const known = files.byUploadKey(input.conversationId, input.uploaderId, key);
  if (known) return { ok: true, row: known, created: false };
  const temp = files.tempPath();
  const out = createWriteStream(temp, { flags: 'wx' });
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  let writeError: Error | undefined;
  out.on('error', (error) => (writeError = error));
  const refuse = async (refusal: KeepFileRefusal): Promise<KeepFileResult> => {
    out.destroy();
    await once(out, 'close').catch(() => undefined);
    rmSync(temp, { force: true });
    return { ok: false, ...refusal };
  };
  try {
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = input.body instanceof Uint8Array ? [input.body] : input.body;
    for await (const chunk of chunks) {
      if (size + chunk.byteLength > maxBytes) return await refuse({ code: 'too_large', message: `file too large (max ${formatMegabytes(maxBytes)})` });
      const bytes = Buffer.from(chunk);
      size += bytes.length;
      hash.update(bytes);
      if (headBytes < SNIFF_BYTES) {
        head.push(bytes);
        headBytes += bytes.length;
      }
      if (!out.write(bytes)) await once(out, 'drain');
    }
  } catch (error) {
    await refuse({ code: 'bad_request', message: 'reading the file failed' });
    throw error;
  }
  if (writeError) {
    await refuse({ code: 'bad_request', message: 'writing the file failed' });
    throw writeError;
  }
  if (size === 0) return refuse({ code: 'empty', message: 'the file is empty' });
  const found = sniff(Buffer.concat(head).subarray(0, SNIFF_BYTES), input.name);
  if ('refused' in found) return refuse({ code: 'unsupported_type', message: `this file type is not allowed (it is ${found.refused}); allowed: ${ALLOWED_DESCRIPTION}` });
  out.end();
  await once(out, 'close');
  const { row, created } = files.commit(
    temp,
    {
      conversationId: input.conversationId,
      uploaderId: input.uploaderId,
      uploadKey: key,
      name: safeFileName(input.name, found.mime),
      mime: found.mime,
      size,
      width: found.width,
      height: found.height,
      hash: hash.digest('hex'),
    },
    nowMs(),
  );
  return { ok: true, row, created };
}
