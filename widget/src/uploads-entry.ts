/**
 * The `uploads` chunk (chunks.ts, widget/build.mjs): the session's upload
 * code (scaling, the HTTP upload, files through the outbox), loaded when the
 * first file is attached or the outbox holds one. The views of messages with
 * files (file-views.ts) are part of the panel chunk.
 */
export { uploads } from './transport/uploads.js';
