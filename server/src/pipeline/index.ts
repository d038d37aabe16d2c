/** The send pipeline and the other message-producing steps, and the ports they need. */
export { handleSend, STORAGE_RETRY_MS } from './send.js';
export { handleAction } from './actions.js';
export { visibleConversation } from './access.js';
export { durableMessageStore, storeMessage } from './store-message.js';
export { postServerMessage } from './server-message.js';
export { WordFilter } from './filter.js';
export { SERVER_CORE_LEVEL } from './kinds.js';
export { forVisitor, toInboxUpdate, toWireConversation, toWireMessage } from './wire.js';
export type { Caller, ErrorExtra, FanOut, MessageDraft, MessageStore, PipelineDeps, Reply } from './ports.js';
