/**
 * Files attached to an emailed reply (issue 14): kept as the visitor's
 * uploads of that conversation (DESIGN.md §11, files/), so the message
 * carries them like one sent from the widget. The same rules as an upload
 * hold: the type is sniffed from the bytes against the allow-list, the size
 * cap and the visitor's hourly upload quota apply, and at most
 * `MAX_ATTACHMENTS_PER_MESSAGE` ride on one message. A file that may not be
 * kept is named in the message text instead ("not imported"), never
 * dropped silently. Each file's upload key is the message's client id and
 * its position, so a second delivery of the same email finds the same rows.
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import type { Attachment } from 'mailparser';
import { MAX_ATTACHMENTS_PER_MESSAGE, safeFileName, sniff, type FileStore } from '../files/index.js';
import type { OmittedAttachment } from './reply-text.js';

/** Bytes one visitor may upload per hour and the largest file (the upload settings). */
export interface AttachmentLimits {
  readonly maxUploadBytes: number;
  /** 0 = no limit. */
  readonly uploadQuotaBytesPerHour: number;
}

/** The upload quota window, ms (as files/upload.ts counts it). */
const QUOTA_WINDOW_MS = 60 * 60 * 1000;

/** What became of an email's attachments: the upload ids to send, and what was left out and why. */
export interface KeptAttachments {
  readonly ids: readonly string[];
  readonly omitted: readonly OmittedAttachment[];
}

/**
 * Stores `attachments` as uploads of `uploaderId` in `conversationId`.
 * Storage errors leave the file out (named) rather than failing the reply.
 */
export function keepAttachments(
  files: FileStore,
  limits: AttachmentLimits,
  where: { conversationId: string; uploaderId: string; clientMsgId: string },
  attachments: readonly Attachment[],
  nowMs: number,
): KeptAttachments {
  const ids: string[] = [];
  const omitted: OmittedAttachment[] = [];
  let used = files.bytesUploadedSince(where.uploaderId, nowMs - QUOTA_WINDOW_MS);
  attachments.forEach((file, position) => {
    const name = file.filename ?? '';
    const leaveOut = (reason: string): void => void omitted.push({ filename: name, size: file.size, reason });
    if (ids.length >= MAX_ATTACHMENTS_PER_MESSAGE) return leaveOut(`more than ${MAX_ATTACHMENTS_PER_MESSAGE} files`);
    if (file.size > limits.maxUploadBytes) return leaveOut('too large');
    if (limits.uploadQuotaBytesPerHour > 0 && used + file.size > limits.uploadQuotaBytesPerHour) return leaveOut('upload quota reached');
    const found = sniff(file.content.subarray(0, 256 * 1024), name);
    if ('refused' in found) return leaveOut('file type not allowed');
    const temp = files.tempPath();
    try {
      writeFileSync(temp, file.content, { flag: 'wx' });
      const { row } = files.commit(
        temp,
        {
          conversationId: where.conversationId,
          uploaderId: where.uploaderId,
          uploadKey: `${where.clientMsgId}#${position}`,
          name: safeFileName(name || `attachment-${position + 1}`, found.mime),
          mime: found.mime,
          size: file.content.length,
          width: found.width,
          height: found.height,
          hash: createHash('sha256').update(file.content).digest('hex'),
        },
        nowMs,
      );
      ids.push(row.id);
      used += file.size;
    } catch {
      rmSync(temp, { force: true });
      leaveOut('could not be stored');
    }
  });
  return { ids, omitted };
}
