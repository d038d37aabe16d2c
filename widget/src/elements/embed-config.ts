/**
 * The script-tag integration, without the engine: read the `data-*`
 * attributes of the `<script>` that loaded the bundle, mount `<cs-chat>` into
 * the page, and expose the small JS API. `widget/src/embed.ts` wires these to
 * `ChatSession`; tests drive them with a fake session.
 */
import type { IdentityInput } from '../core/types.js';
import type { CsChat } from './cs-chat.js';

/** What a merchant can set on the script tag. */
export interface EmbedConfig {
  /** `data-site`: the merchant's site key. */
  readonly site: string;
  /** WebSocket URL: `data-server`, else derived from the script's own origin. */
  readonly server: string;
  /** `data-lang`, e.g. 'zh-CN'. '' follows the page. */
  readonly lang: string;
  /** `data-topic`, e.g. an order number. */
  readonly topic: string;
  /** `data-position`: 'right' (default) or 'left'. */
  readonly position: 'right' | 'left';
  /** `data-color`: brand colour. */
  readonly color: string;
  /** `data-title`: the merchant name in the header. */
  readonly title: string;
}

/** The API on `window.csChat` (the same methods exist on the element). */
export interface CsChatApi {
  readonly element: CsChat;
  open(): void;
  close(): void;
  toggle(): void;
  identify(identity: IdentityInput): Promise<void>;
  setTopic(topic: string): Promise<void>;
  reset(): Promise<void>;
}

/**
 * The WebSocket URL for a server given as `data-server` or implied by the
 * script's `src`: http(s) becomes ws(s), and a bare origin gets the `/ws` path.
 */
export function wsUrlFor(serverOrScriptSrc: string, pageUrl: string, fromScript: boolean): string {
  const u = new URL(serverOrScriptSrc, pageUrl);
  if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol !== 'wss:' && u.protocol !== 'ws:') throw new Error(`cs-chat: unsupported server URL ${serverOrScriptSrc}`);
  if (fromScript || u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Reads the script tag's `data-*` attributes. */
export function readConfig(script: HTMLScriptElement, pageUrl: string): EmbedConfig {
  const d = script.dataset;
  const server = d.server ? wsUrlFor(d.server, pageUrl, false) : wsUrlFor(script.src || pageUrl, pageUrl, true);
  return {
    site: d.site ?? '',
    server,
    lang: d.lang ?? '',
    topic: d.topic ?? '',
    position: d.position === 'left' ? 'left' : 'right',
    color: d.color ?? '',
    title: d.title ?? '',
  };
}

/** Creates `<cs-chat>` from a config and appends it to the body (now, or once the body exists). */
export function mountChat(config: EmbedConfig, doc: Document = document): CsChat {
  const el = doc.createElement('cs-chat');
  const attrs: Record<string, string> = {
    server: config.server,
    site: config.site,
    topic: config.topic,
    lang: config.lang,
    position: config.position,
    color: config.color,
    'merchant-name': config.title,
  };
  for (const [name, value] of Object.entries(attrs)) if (value) el.setAttribute(name, value);
  if (doc.body) doc.body.append(el);
  else doc.addEventListener('DOMContentLoaded', () => doc.body.append(el), { once: true });
  return el;
}

/** The `window.csChat` API for a mounted element. */
export function apiFor(el: CsChat): CsChatApi {
  return {
    element: el,
    open: () => el.open(),
    close: () => el.close(),
    toggle: () => el.toggle(),
    identify: (identity) => el.identify(identity),
    setTopic: (topic) => el.setTopic(topic),
    reset: () => el.reset(),
  };
}
