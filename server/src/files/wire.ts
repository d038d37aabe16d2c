/** How a stored attachment leaves the server: the wire `Attachment` (Deliver, SyncResult) and the JSON of the upload answer. */
import type { cs } from '../../../proto/gen/chat.js';
import type { Keys } from '../gateway/auth.js';
import { expiryFor, signFileUrl } from './signing.js';
import type { AttachmentRow } from './store.js';

/** The wire Attachment with a URL signed now (valid at least `ttlMs`). */
export function toWireAttachment(row: AttachmentRow, keys: Keys, nowMs: number, ttlMs: number): cs.v1.Attachment.$Properties {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime,
    size: row.size,
    width: row.width,
    height: row.height,
    url: signFileUrl(keys, row.id, expiryFor(nowMs, ttlMs)),
  };
}

/** The JSON answer of POST /api/uploads (DESIGN.md §12: snake_case; the fields are single words). */
export function toJsonAttachment(row: AttachmentRow, keys: Keys, nowMs: number, ttlMs: number): Record<string, string | number> {
  const wire = toWireAttachment(row, keys, nowMs, ttlMs);
  return { id: row.id, name: row.name, mime: row.mime, size: row.size, width: row.width, height: row.height, url: wire.url ?? '' };
}
