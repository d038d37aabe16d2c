/** The widget's pure core: ordering, dedup, backoff, outbox states, ids. No DOM, no I/O. */
export { Timeline, itemKey, type InsertResult } from './timeline.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export {
  Outbox,
  OutboxState,
  byCreation,
  type OutboxEntry,
  type OutboxOptions,
  type OutgoingMessage,
} from './outbox.js';
export { newId } from './ids.js';
