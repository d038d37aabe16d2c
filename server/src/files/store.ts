/**
 * Attachments on disk and in the `attachments` table (DESIGN.md §11).
 *
 * - Bytes live under `<dir>/<h0h1>/<sha256>`, once per content: the same
 *   photo uploaded twice (two messages, two visitors) is one file, and a
 *   file is unlinked when the last row naming its hash is deleted.
 * - An upload streams into `<dir>/tmp/` first; `commit` moves it into place
 *   and writes the row. `commit` and `deleteRows` are synchronous (renameSync,
 *   unlinkSync, one SQLite statement each), so on the one JS thread a file is
 *   never unlinked between another upload's "already there" and its insert.
 * - A message names its files by id; `claim` binds them to the Send's
 *   client id (same conversation and uploader only), `markSent` records that
 *   the message was stored. Rows no stored message refers to are removed by
 *   `collectUnreferenced` after a day.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/** One upload as stored. */
export interface AttachmentRow {
  readonly id: string;
  readonly conversationId: string;
  readonly uploaderId: string;
  /** The X-Client-Msg-Id it was uploaded with; '' when none. */
  readonly uploadKey: string;
  readonly name: string;
  readonly mime: string;
  /** Bytes. */
  readonly size: number;
  readonly width: number;
  readonly height: number;
  /** Hex SHA-256 of the bytes. */
  readonly hash: string;
  readonly createdMs: number;
  /** The client_msg_id of the Send that carries it, or null. */
  readonly messageClientId: string | null;
  readonly position: number;
  /** When that message was stored, or null (unreferenced). */
  readonly sentMs: number | null;
}

/** What an upload brings to `commit`. */
export type NewAttachment = Omit<AttachmentRow, 'id' | 'createdMs' | 'messageClientId' | 'position' | 'sentMs'>;

/** Most attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** The result of binding a Send's attachment ids. */
export type ClaimResult = { ok: true; rows: readonly AttachmentRow[] } | { ok: false; reason: string };

interface Row {
  id: string;
  conversation_id: string;
  uploader_id: string;
  upload_key: string;
  name: string;
  mime: string;
  size: number;
  width: number;
  height: number;
  hash: string;
  created_ms: number;
  message_client_id: string | null;
  position: number;
  sent_ms: number | null;
}

function fromRow(row: Row): AttachmentRow {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    uploaderId: row.uploader_id,
    uploadKey: row.upload_key,
    name: row.name,
    mime: row.mime,
    size: row.size,
    width: row.width,
    height: row.height,
    hash: row.hash,
    createdMs: row.created_ms,
    messageClientId: row.message_client_id,
    position: row.position,
    sentMs: row.sent_ms,
  };
}

/** How many message lookups `ofMessage` keeps in memory. */
const MESSAGE_CACHE_LIMIT = 5000;

/** The attachments of one server: the table plus the folder of files. */
export class FileStore {
  private readonly tmpDir: string;
  private readonly messageCache = new Map<string, readonly AttachmentRow[]>();
  private readonly stmt;

  /**
   * @param db a migrated connection (the attachments table exists).
   * @param dir the files folder (`CS_DATA_DIR/files`); made if missing; its tmp/ is emptied.
   */
  constructor(
    private readonly db: Database.Database,
    readonly dir: string,
  ) {
    this.tmpDir = join(dir, 'tmp');
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.stmt = {
      get: db.prepare<[string], Row>('SELECT * FROM attachments WHERE id = ?'),
      byKey: db.prepare<[string, string, string], Row>('SELECT * FROM attachments WHERE conversation_id = ? AND uploader_id = ? AND upload_key = ?'),
      insert: db.prepare(
        `INSERT INTO attachments (id, conversation_id, uploader_id, upload_key, name, mime, size, width, height, hash, created_ms)
         VALUES (@id, @conversationId, @uploaderId, @uploadKey, @name, @mime, @size, @width, @height, @hash, @createdMs)
         ON CONFLICT DO NOTHING`,
      ),
      bytesSince: db.prepare<[string, number], { total: number | null }>('SELECT SUM(size) AS total FROM attachments WHERE uploader_id = ? AND created_ms > ?'),
      bind: db.prepare<[string, number, string]>('UPDATE attachments SET message_client_id = ?, position = ? WHERE id = ?'),
      ofMessage: db.prepare<[string, string, string], Row>(
        'SELECT * FROM attachments WHERE conversation_id = ? AND uploader_id = ? AND message_client_id = ? ORDER BY position',
      ),
      markSent: db.prepare<[number, string, string, string]>(
        'UPDATE attachments SET sent_ms = ? WHERE conversation_id = ? AND uploader_id = ? AND message_client_id = ? AND sent_ms IS NULL',
      ),
      ofConversation: db.prepare<[string], Row>('SELECT * FROM attachments WHERE conversation_id = ? AND sent_ms IS NOT NULL ORDER BY sent_ms, position'),
      ofConversationAll: db.prepare<[string], Row>('SELECT * FROM attachments WHERE conversation_id = ?'),
      unsent: db.prepare<[number], Row>('SELECT * FROM attachments WHERE sent_ms IS NULL AND created_ms < ? LIMIT 500'),
      deleteRow: db.prepare<[string]>('DELETE FROM attachments WHERE id = ?'),
      hashUsed: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM attachments WHERE hash = ? LIMIT 1'),
    };
  }

  /** A fresh path in the temp folder for an upload in progress. */
  tempPath(): string {
    return join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`);
  }

  /** Where the bytes with `hash` live. */
  filePath(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  get(id: string): AttachmentRow | undefined {
    const row = this.stmt.get.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** The upload made with this key before, if any (a retried upload answers with it). */
  byUploadKey(conversationId: string, uploaderId: string, uploadKey: string): AttachmentRow | undefined {
    if (!uploadKey) return undefined;
    const row = this.stmt.byKey.get(conversationId, uploaderId, uploadKey);
    return row ? fromRow(row) : undefined;
  }

  /** Bytes `uploaderId` uploaded after `sinceMs` (the quota window). */
  bytesUploadedSince(uploaderId: string, sinceMs: number): number {
    return this.stmt.bytesSince.get(uploaderId, sinceMs)?.total ?? 0;
  }

  /**
   * Keeps the finished upload at `tempPath`: moves it into place unless the
   * same bytes are stored already (then it is deleted), and writes the row.
   * With an upload key that already has a row, that row is the answer (a
   * retry stores nothing new).
   */
  commit(tempPath: string, upload: NewAttachment, nowMs: number): { row: AttachmentRow; created: boolean } {
    const target = this.filePath(upload.hash);
    if (existsSync(target)) {
      unlinkSync(tempPath);
    } else {
      mkdirSync(join(this.dir, upload.hash.slice(0, 2)), { recursive: true });
      renameSync(tempPath, target);
    }
    const id = `f_${randomBytes(12).toString('base64url')}`;
    const inserted = this.stmt.insert.run({ ...upload, id, createdMs: nowMs }).changes > 0;
    if (inserted) return { row: this.get(id)!, created: true };
    const existing = this.byUploadKey(upload.conversationId, upload.uploaderId, upload.uploadKey);
    if (!existing) throw new Error('attachment insert ignored without an existing row');
    return { row: existing, created: false };
  }

  /**
   * Binds the attachments a Send names to that Send (`clientMsgId`): each id
   * must be an upload of `conversationId` by `senderId`, not already carried
   * by another stored message. Binding twice with the same Send is a no-op,
   * so a retried Send passes.
   */
  claim(conversationId: string, senderId: string, clientMsgId: string, ids: readonly string[]): ClaimResult {
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) return { ok: false, reason: `at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments per message` };
    if (new Set(ids).size !== ids.length) return { ok: false, reason: 'the same attachment named twice' };
    const rows: AttachmentRow[] = [];
    for (const id of ids) {
      const row = this.get(id);
      if (!row || row.conversationId !== conversationId || row.uploaderId !== senderId) {
        return { ok: false, reason: `attachment ${id} is not an upload of yours in this conversation` };
      }
      if (row.sentMs !== null && row.messageClientId !== clientMsgId) return { ok: false, reason: `attachment ${id} is already part of another message` };
      rows.push(row);
    }
    this.db.transaction(() => ids.forEach((id, position) => this.stmt.bind.run(clientMsgId, position, id)))();
    this.messageCache.delete(messageKey(conversationId, senderId, clientMsgId));
    return { ok: true, rows: rows.map((row, position) => ({ ...row, messageClientId: clientMsgId, position })) };
  }

  /** The message `(conversation, sender, clientMsgId)` was stored: its files are referenced now. */
  markSent(conversationId: string, senderId: string, clientMsgId: string, nowMs: number): void {
    this.stmt.markSent.run(nowMs, conversationId, senderId, clientMsgId);
  }

  /** The files a stored message carries, in order (cached; the rows of a sent message never change). */
  ofMessage(conversationId: string, senderId: string, clientMsgId: string): readonly AttachmentRow[] {
    const key = messageKey(conversationId, senderId, clientMsgId);
    const cached = this.messageCache.get(key);
    if (cached) return cached;
    const rows = this.stmt.ofMessage.all(conversationId, senderId, clientMsgId).map(fromRow);
    if (this.messageCache.size >= MESSAGE_CACHE_LIMIT) this.messageCache.clear();
    this.messageCache.set(key, rows);
    return rows;
  }

  /** Every file sent in a conversation, oldest first (the workbench's details panel). */
  ofConversation(conversationId: string): readonly AttachmentRow[] {
    return this.stmt.ofConversation.all(conversationId).map(fromRow);
  }

  /**
   * Retention (DESIGN.md §5): deletes every attachment of these
   * conversations, and each file on disk no other row still names.
   * @returns how many rows were deleted.
   */
  deleteFilesOfConversations(conversationIds: readonly string[]): number {
    const rows = conversationIds.flatMap((id) => this.stmt.ofConversationAll.all(id).map(fromRow));
    this.deleteRows(rows);
    return rows.length;
  }

  /**
   * Removes uploads that no stored message refers to and that are older
   * than `olderThanMs` (a day in production). `isStored` double-checks the
   * message store for rows whose "sent" mark was lost to a crash between the
   * message's commit and `markSent`: those are kept and marked.
   * @returns how many rows were removed.
   */
  collectUnreferenced(olderThanMs: number, isStored: (conversationId: string, senderId: string, clientMsgId: string) => boolean, nowMs: number): number {
    const stale = this.stmt.unsent.all(olderThanMs).map(fromRow);
    const doomed: AttachmentRow[] = [];
    for (const row of stale) {
      if (row.messageClientId !== null && isStored(row.conversationId, row.uploaderId, row.messageClientId)) {
        this.markSent(row.conversationId, row.uploaderId, row.messageClientId, nowMs);
      } else {
        doomed.push(row);
      }
    }
    this.deleteRows(doomed);
    return doomed.length;
  }

  /** Hashes of files on disk (tests). */
  storedHashes(): string[] {
    return readdirSync(this.dir)
      .filter((name) => /^[0-9a-f]{2}$/.test(name))
      .flatMap((sub) => readdirSync(join(this.dir, sub)));
  }

  /** Names in the temp folder (tests: an aborted upload leaves nothing). */
  tempFiles(): string[] {
    return readdirSync(this.tmpDir);
  }

  private deleteRows(rows: readonly AttachmentRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => rows.forEach((row) => this.stmt.deleteRow.run(row.id)))();
    this.messageCache.clear();
    for (const hash of new Set(rows.map((row) => row.hash))) {
      if (this.stmt.hashUsed.get(hash)) continue;
      rmSync(this.filePath(hash), { force: true });
    }
  }
}

function messageKey(conversationId: string, senderId: string, clientMsgId: string): string {
  return `${conversationId}\n${senderId}\n${clientMsgId}`;
}
