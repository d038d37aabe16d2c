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
 */
import { CsChat } from './elements/cs-chat.js';
import { apiFor, mountChat, readConfig, type CsChatApi } from './elements/embed-config.js';
import { ChatSession } from './transport/session.js';

declare global {
  interface Window {
    csChat?: CsChatApi;
  }
}

CsChat.createSession = (options) => new ChatSession(options);

/** `currentScript` is only set while this script runs (async scripts too), so read it first. */
const script =
  (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[src*="cs-chat"][data-site]');

if (script && !window.csChat) {
  window.csChat = apiFor(mountChat(readConfig(script, location.href)));
}
