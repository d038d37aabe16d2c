/**
 * The script-tag entry (built to dist/cs-chat.js as a minified IIFE):
 *
 *   <script src="https://chat.example.com/cs-chat.js" data-site="acme" async></script>
 *
 * mounts one `<cs-chat>` into the page, talking to `wss://chat.example.com/ws`
 * unless `data-server` names another server, and sets `window.csChat` (open,
 * close, toggle, identify, setTopic, reset). Also reads `data-lang`,
 * `data-topic`, `data-position` (right|left), `data-color` and `data-title`.
 * Loading the script twice mounts one widget.
 *
 * Timing marks for the benchmark: `cs-chat:script-start` is the bundle's
 * first statement (a banner added by widget/build.mjs, since everything this
 * file imports is evaluated before its own first line), and
 * `cs-chat:launcher-painted` follows the launcher's first paint (set by
 * ChatController, which starts the session right after it).
 */
import type { UploadsApi } from './core/types.js';
import type * as UploadsEntry from './uploads-entry.js';

type UploadsModule = typeof UploadsEntry;
import { CsChat } from './elements/cs-chat.js';
import { apiFor, mountChat, readConfig, type CsChatApi } from './elements/embed-config.js';

declare global {
  interface Window {
    csChat?: CsChatApi;
  }
}

// The engine (session, IndexedDB, protobuf) is imported when the session is
// made, after the launcher's first paint; in the one-file bundle esbuild turns
// this import() into a lazily evaluated module, so none of its code runs before.
/** `currentScript` is only set while this script runs (async scripts too), so read it first. */
const script =
  (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[src*="cs-chat"][data-site]');

// The upload code and the file views are a file of their own next to this bundle (cs-chat-uploads.js),
// loaded when the panel first opens or the outbox holds a file. A non-literal import() stays out of the bundle.
const uploadsUrl = new URL('cs-chat-uploads.js', script?.src || location.href).href;
// The browser loads a module once; a failed load (offline) is tried again on the next import().
const loadUploads = async (): Promise<UploadsApi> => ((await import(uploadsUrl)) as UploadsModule).uploads;
CsChat.loadFileViews = async () => ((await import(uploadsUrl)) as UploadsModule).fileViews;
CsChat.createSession = async (options) => new (await import('./transport/session.js')).ChatSession({ loadUploads, ...options });

if (script && !window.csChat) {
  window.csChat = apiFor(mountChat(readConfig(script, location.href)));
}
