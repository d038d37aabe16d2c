/**
 * The `attachments` table (DESIGN.md §8, §11), one migration step appended
 * to store/migrations.ts. A row is one upload; its bytes live once per
 * content hash under `CS_DATA_DIR/files/` (several rows may share a file).
 */
import type Database from 'better-sqlite3';

/** Migration step: the attachments table and its indexes. */
export function attachmentsTable(db: Database.Database): void {
  db.exec(`
    CREATE TABLE attachments (
      id                TEXT PRIMARY KEY,
      conversation_id   TEXT NOT NULL,
      uploader_id       TEXT NOT NULL,
      -- The client id of the message it was uploaded for (X-Client-Msg-Id), '' when none:
      -- a retried upload with the same key answers with the same row.
      upload_key        TEXT NOT NULL DEFAULT '',
      name              TEXT NOT NULL,
      mime              TEXT NOT NULL,
      size              INTEGER NOT NULL,
      width             INTEGER NOT NULL DEFAULT 0,
      height            INTEGER NOT NULL DEFAULT 0,
      hash              TEXT NOT NULL,      -- hex SHA-256 of the bytes = the file's name on disk
      created_ms        INTEGER NOT NULL,
      -- The Send that carries it: its client_msg_id and the position among its attachments.
      message_client_id TEXT,
      position          INTEGER NOT NULL DEFAULT 0,
      -- When that Send was stored; NULL = no message refers to it (removed after a day).
      sent_ms           INTEGER
    );
    CREATE UNIQUE INDEX attachments_upload_key ON attachments (conversation_id, uploader_id, upload_key) WHERE upload_key <> '';
    CREATE INDEX attachments_by_message ON attachments (conversation_id, uploader_id, message_client_id);
    CREATE INDEX attachments_by_hash ON attachments (hash);
    CREATE INDEX attachments_by_uploader ON attachments (uploader_id, created_ms);
    CREATE INDEX attachments_unsent ON attachments (created_ms) WHERE sent_ms IS NULL;
  `);
}
