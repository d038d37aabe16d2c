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
 *
 * The panel and other visitor features are lazy chunks (chunks.ts) loaded
 * from `chunks/` beside this script, named in the registry widget/build.mjs
 * puts on `self.__csChat` before this module runs.
 */
import { REGISTRY_KEY, scriptChunkLoader, setChunkLoader, type ChunkRegistry } from './chunks.js';
import { CsChat } from './elements/cs-chat.js';
import { apiFor, mountChat, readConfig, type CsChatApi } from './elements/embed-config.js';
import { useServerConfig } from './elements/remote-config.js';

declare global {
  interface Window {
    csChat?: CsChatApi;
  }
}

// The engine (session, IndexedDB, protobuf) is imported when the session is
// made, after the launcher's first paint; in the one-file bundle esbuild turns
// this import() into a lazily evaluated module, so none of its code runs before.
CsChat.createSession = async (options) => new (await import('./transport/session.js')).ChatSession(options);

/** `currentScript` is only set while this script runs (async scripts too), so read it first. */
const script =
  (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[src*="cs-chat"][data-site]');

const registry = (self as unknown as Record<string, ChunkRegistry | undefined>)[REGISTRY_KEY];
if (script && registry) setChunkLoader(scriptChunkLoader(registry, script.src, script.nonce ?? ''));

if (script && !window.csChat) {
  const config = readConfig(script, location.href);
  const el = mountChat(config);
  window.csChat = apiFor(el);
  // Colour, title, position and greeting set in the workbench, unless the script tag says otherwise.
  void useServerConfig(el, config.server, script.dataset);
  // The link in an email about the conversation ends in #cs-chat: open the chat (issue 14).
  if (location.hash === '#cs-chat') window.csChat.open();
}
