/**
 * The ESM entry (dist/esm/index.js): the elements, the session and the
 * shared views for apps that bundle cs-chat themselves.
 *
 *   import { CsChat } from 'cs-chat';
 *   <cs-chat server="wss://chat.example.com/ws" site="acme"></cs-chat>
 *
 * Importing it defines `<cs-chat>` and makes elements without a `session`
 * create a `ChatSession` from their attributes; the panel and the other lazy
 * chunks are plain `import()`s (chunks-esm.ts) an app's bundler splits off.
 */
import './chunks-esm.js';
import { CsChat } from './elements/cs-chat.js';
import { ChatSession } from './transport/session.js';

CsChat.createSession = (options) => new ChatSession(options);

export { CsChat } from './elements/cs-chat.js';
// The lazy chunks' modules as types only (a value export would pull them into index.js): load them with loadChunk('panel' | 'news').
export type { CsNews, NewsAction } from './elements/cs-news.js';
export { ChatController } from './elements/chat-controller.js';
export { MessageWindow, type MessageWindowOptions } from './elements/message-window.js';
export { renderMessage, renderTyping, renderQuote, renderState, isSafeImageUrl, previewText, Kind, RoleCode, icons, type MessageViewContext } from './elements/message-list.js';
export { resetStyles } from './elements/styles.js';
export { messageStyles } from './elements/message-styles.js';
export type { ChatPanel, PanelHost } from './elements/chat-panel.js';
export { loadChunk, preloadChunks, setChunkLoader, type ChunkLoader, type ChunkName, type Chunks } from './chunks.js';
export { stringsFor, pickLang, type Strings } from './elements/i18n.js';
export { apiFor, mountChat, readConfig, wsUrlFor, type CsChatApi, type EmbedConfig } from './elements/embed-config.js';
export { ChatSession } from './transport/session.js';
export * from './core/types.js';
