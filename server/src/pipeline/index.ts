/** The send pipeline and the other message-producing steps. */
export { handleSend, STORAGE_RETRY_MS } from './send.js';
export { handleAction } from './actions.js';
export { storeMessage, postServerMessage } from './store-message.js';
export { WordFilter } from './filter.js';
export { SERVER_CORE_LEVEL, toWireMessage } from './kinds.js';
