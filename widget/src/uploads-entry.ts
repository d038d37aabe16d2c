/**
 * The upload code as one file, `dist/cs-chat-uploads.js` (an ES module next
 * to cs-chat.js), which the script-tag widget imports when its panel first
 * opens or a file waits in its outbox (embed.ts): the session's half
 * (scaling, the HTTP upload, files through the outbox) and the views of
 * messages with files.
 */
export { uploads } from './transport/uploads.js';
export { fileViews } from './elements/file-views.js';
