/** The widget's pure core: ordering, dedup, backoff, outbox states, ids, the shared domain types. No DOM, no I/O. */
export { Timeline, findBySeq, itemKey, lowerBound, type InsertResult } from './timeline.js';
export { DEFAULT_BACKOFF, backoffDelay, backoffOptions, type BackoffOptions } from './backoff.js';
export {
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_MAX_SEND_ATTEMPTS,
  Outbox,
  OutboxState,
  byCreation,
  needsUpload,
  type OutgoingAttachment,
  type OutboxEntry,
  type OutboxOptions,
  type OutgoingMessage,
} from './outbox.js';
export { newId, newMessageId } from './ids.js';
export * from './types.js';
export {
  AnnouncementEvent,
  currentAnnouncements,
  mergeAnnouncements,
  type Announcement,
  type AnnouncementMerge,
  type AnnouncementWire,
} from './announcements.js';
