/**
 * Attachments (DESIGN.md §11): upload, storage by content hash, signed
 * URLs, serving, and the hooks the send pipeline and retention use.
 *
 * One `Files` per server. It keeps its rows in the server's SQLite database
 * (`CS_DATA_DIR/cs-chat.db`, table `attachments`) and the bytes under
 * `CS_DATA_DIR/files/`. Without a data directory (tests, `CS_JOURNAL=off`)
 * the bytes go to a temp folder removed at close.
 */
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { cs } from '../../../proto/gen/chat.js';
import type { Keys } from '../gateway/auth.js';
import type { FilesDeps, FilesOptions, Uploader } from './deps.js';
import { registerFileServing } from './serve.js';
import { isImageMime } from './sniff.js';
import { FileStore, type AttachmentRow } from './store.js';
import { keepFile, type KeepFileInput, type KeepFileResult } from './keep.js';
import { registerUploads } from './upload.js';
import { toWireAttachment } from './wire.js';

export { bearerCaller, type FilesDeps, type FilesOptions, type Uploader } from './deps.js';
export { checkFileUrl, expiryFor, signFileUrl } from './signing.js';
export { ALLOWED_DESCRIPTION, isImageMime, safeFileName, sniff } from './sniff.js';
export { FileStore, MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentRow } from './store.js';
export { formatMegabytes } from './upload.js';
export type { KeepFileInput, KeepFileRefusal, KeepFileResult } from './keep.js';
export { attachmentsTable } from './schema.js';

/** A file no stored message refers to is removed after this long, ms (a day). */
export const UNREFERENCED_FILE_MS = 24 * 60 * 60 * 1000;
/** How often unreferenced files are looked for, ms (an hour). */
const COLLECT_EVERY_MS = 60 * 60 * 1000;

/** The message fields attachments are keyed by. */
export interface MessageKey {
  readonly conversationId: string;
  readonly senderId: string;
  readonly clientMsgId: string;
  readonly kind: cs.v1.MessageKind;
}

/** The result of checking a Send's attachments: the kind the message gets, or why it is refused. */
export type SendAttachments = { ok: true; kind: cs.v1.MessageKind } | { ok: false; reason: string };

export interface OpenFilesOptions extends FilesOptions {
  /** The server's migrated database (the attachments table lives there). */
  readonly database: Database.Database;
  /** `CS_DATA_DIR`: the bytes go to `<dataDir>/files`; '' uses a temp folder removed at close. */
  readonly dataDir: string;
  readonly keys: Keys;
  readonly log: FilesDeps['log'];
  now(): number;
  mayUse(who: Uploader, conversationId: string): boolean;
  /** True when the message `(conversation, sender, clientMsgId)` is stored (double check before removing an unreferenced file). */
  isStored(conversationId: string, senderId: string, clientMsgId: string): boolean;
  cookieAgent?: FilesDeps['cookieAgent'];
}

/** The attachments service of one server. */
export class Files {
  readonly store: FileStore;
  private readonly deps: FilesDeps;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly options: OpenFilesOptions,
    private readonly tempRoot: string | undefined,
    filesDir: string,
  ) {
    this.store = new FileStore(options.database, filesDir);
    this.deps = {
      files: this.store,
      keys: options.keys,
      options,
      log: options.log,
      now: options.now,
      mayUse: options.mayUse,
      ...(options.cookieAgent ? { cookieAgent: options.cookieAgent } : {}),
    };
    this.timer = setInterval(() => this.collectUnreferenced(), COLLECT_EVERY_MS);
    this.timer.unref();
  }

  /** Uses the table in `options.database` and the folder of `options.dataDir` (or a throw-away one). */
  static open(options: OpenFilesOptions): Files {
    if (options.dataDir) return new Files(options, undefined, join(options.dataDir, 'files'));
    const root = mkdtempSync(join(tmpdir(), 'cs-files-'));
    return new Files(options, root, join(root, 'files'));
  }

  /** Registers `POST /api/uploads` and `GET /files/:id` (before any catch-all route). */
  register(app: TemplatedApp): void {
    registerUploads(app, this.deps);
    registerFileServing(app, this.deps);
  }

  /**
   * Pipeline hook, before the message is stored: binds the ids a Send names
   * to it (same conversation and uploader only) and says which kind the
   * message gets (IMAGE when every file is an image, else FILE). A Send
   * without attachments passes with its own kind.
   */
  claimForSend(conversationId: string, senderId: string, clientMsgId: string, ids: readonly string[], kind: cs.v1.MessageKind): SendAttachments {
    if (ids.length === 0) return { ok: true, kind };
    const claimed = this.store.claim(conversationId, senderId, clientMsgId, ids);
    if (!claimed.ok) return claimed;
    return { ok: true, kind: claimed.rows.every((row) => isImageMime(row.mime)) ? cs.v1.MessageKind.IMAGE : cs.v1.MessageKind.FILE };
  }

  /** Pipeline hook, after the message is stored: its files are referenced now. */
  messageStored(message: MessageKey): void {
    if (!carriesFiles(message.kind)) return;
    this.store.markSent(message.conversationId, message.senderId, message.clientMsgId, this.options.now());
  }

  /** The rows of a stored message's files (none for kinds that carry none). */
  rowsOf(message: MessageKey): readonly AttachmentRow[] {
    if (!carriesFiles(message.kind)) return [];
    return this.store.ofMessage(message.conversationId, message.senderId, message.clientMsgId);
  }

  /** The wire attachments of a stored message, each with a URL signed now. Only call it for frames that go to participants. */
  wireAttachments(message: MessageKey): cs.v1.Attachment.$Properties[] {
    const rows = this.rowsOf(message);
    if (rows.length === 0) return [];
    const now = this.options.now();
    return rows.map((row) => toWireAttachment(row, this.options.keys, now, this.options.fileUrlTtlMs));
  }

  /** Every file sent in a conversation, with fresh URLs (workbench details panel). */
  conversationFiles(conversationId: string): cs.v1.Attachment.$Properties[] {
    const now = this.options.now();
    return this.store.ofConversation(conversationId).map((row) => toWireAttachment(row, this.options.keys, now, this.options.fileUrlTtlMs));
  }

  /**
   * Stores a file from server code (an inbound email's attachment, say) as
   * an upload of `input.uploaderId` to `input.conversationId`: the cap
   * (`CS_MAX_UPLOAD_BYTES`), the sniffed allow-list and dedup apply as for
   * `POST /api/uploads`; no quota (the caller decides). A message by the same
   * sender in the same conversation then names `row.id` in its attachments
   * (`claimForSend`, as a `Send` does); one that never does is removed after
   * a day.
   */
  storeAttachment(input: KeepFileInput): Promise<KeepFileResult> {
    return keepFile(this.store, input, this.options.maxUploadBytes, this.options.now);
  }

  /** Retention: deletes the files of these conversations (rows, and bytes no other row names). */
  deleteFilesOfConversations(conversationIds: readonly string[]): number {
    return this.store.deleteFilesOfConversations(conversationIds);
  }

  /** Removes uploads older than a day that no stored message carries. */
  collectUnreferenced(): number {
    const now = this.options.now();
    try {
      return this.store.collectUnreferenced(now - UNREFERENCED_FILE_MS, this.options.isStored, now);
    } catch (error) {
      this.options.log.error({ err: error }, 'files: unreferenced clean-up failed');
      return 0;
    }
  }

  close(): void {
    clearInterval(this.timer);
    if (this.tempRoot) rmSync(this.tempRoot, { recursive: true, force: true });
  }
}

/** Kinds whose messages may carry uploaded files. */
function carriesFiles(kind: cs.v1.MessageKind): boolean {
  return kind === cs.v1.MessageKind.IMAGE || kind === cs.v1.MessageKind.FILE;
}
