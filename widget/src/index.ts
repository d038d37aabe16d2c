/**
 * The ESM entry (dist/esm/index.js): the elements, the session and the
 * shared views for apps that bundle cs-chat themselves.
 *
 *   import { CsChat } from 'cs-chat';
 *   <cs-chat server="wss://chat.example.com/ws" site="acme"></cs-chat>
 *
 * Importing it defines `<cs-chat>` and makes elements without a `session`
 * create a `ChatSession` from their attributes.
 */
import { CsChat } from './elements/cs-chat.js';
import { ChatSession } from './transport/session.js';

CsChat.createSession = (options) => new ChatSession(options);

export { CsChat } from './elements/cs-chat.js';
export { ChatController } from './elements/chat-controller.js';
export { MessageWindow, type MessageWindowOptions } from './elements/message-window.js';
export { renderMessage, renderTyping, renderQuote, renderState, isSafeImageUrl, previewText, Kind, RoleCode, icons, type MessageViewContext } from './elements/message-list.js';
export { resetStyles, messageStyles } from './elements/styles.js';
export { stringsFor, pickLang, type Strings } from './elements/i18n.js';
export { apiFor, mountChat, readConfig, wsUrlFor, type CsChatApi, type EmbedConfig } from './elements/embed-config.js';
export { ChatSession } from './transport/session.js';
export * from './core/types.js';
