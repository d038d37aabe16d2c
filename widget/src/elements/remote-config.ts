/**
 * The widget's appearance from the server (issue 12): `GET /api/widget-config`
 * on the chat server gives the colour, title, position and greeting a
 * merchant set in the workbench, so changing them needs no change to the
 * script tag — whose `data-*` attributes still win. The last answer is kept
 * in localStorage, so a returning visitor's launcher paints in the right
 * colour at once; a first visit paints the default and recolours when the
 * answer arrives. Any failure (offline, an older server) keeps what the
 * attributes say.
 */
import type { CsChat } from './cs-chat.js';
import { pickLang } from './i18n-launcher.js';

/** What `/api/widget-config` answers (what this file uses of it). */
interface WidgetConfig {
  readonly color?: string;
  readonly title?: string;
  readonly position?: string;
  readonly texts?: Readonly<Record<string, { readonly greeting?: string } | undefined>>;
}

const KEY = 'cs-chat-config';

/** Applies `c` to `el` where the script tag set nothing. */
function apply(el: CsChat, c: WidgetConfig, data: DOMStringMap): void {
  if (!data.color && c.color) el.color = c.color;
  if (!data.title && c.title) el.merchantName = c.title;
  if (!data.position && (c.position === 'left' || c.position === 'right')) el.position = c.position;
  el.greeting = c.texts?.[/^zh/i.test(pickLang(el.language)) ? 'zh-CN' : 'en']?.greeting ?? '';
}

/**
 * Applies the remembered config at once, then the server's (`wsUrl`: the
 * widget's `/ws` URL; the API is on the same origin) when it answers.
 */
export function useServerConfig(el: CsChat, wsUrl: string, data: DOMStringMap): Promise<void> {
  const url = new URL('/api/widget-config', wsUrl.replace(/^ws/, 'http'));
  const key = `${KEY}:${url.origin}`;
  try {
    apply(el, JSON.parse(localStorage.getItem(key) ?? '{}') as WidgetConfig, data);
  } catch {
    // Nothing remembered, or storage is off.
  }
  return fetch(url, { credentials: 'omit' })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
    .then((text) => {
      apply(el, JSON.parse(text) as WidgetConfig, data);
      try {
        localStorage.setItem(key, text);
      } catch {
        // Storage full or off: it is fetched again next time.
      }
    })
    .catch(() => undefined);
}
