/** The widget's IndexedDB store: outbox, cached timelines, conversations, meta. */
export { ChatStore, CACHE_LIMIT, StoreClosedError, type ConversationRecord, type OutboxRecord } from './db.js';
