/**
 * `<cs-news>`: the merchant's announcements inside `<cs-chat>` (DESIGN.md
 * §6). Loaded lazily (the `news` chunk, see chunks.ts) the first time a
 * visitor holds an announcement, so visitors without one never pay for it. It only renders what it is given and reports what the visitor
 * does; `<cs-chat>` talks to the session.
 *
 * - `mode="card"` (top of the open panel): the newest announcement not yet
 *   dismissed as a card (title, text, link, Reply, dismiss), and a
 *   "See all" list to read every current one again.
 * - `mode="banner"` (by the launcher while the panel is closed): the newest
 *   one not yet dismissed, one line; clicking it opens the chat.
 * A dismissed one never pops up again (it stays in the list). Text is
 * rendered as text, never as HTML; motion only without
 * `prefers-reduced-motion`.
 *
 * @fires cs-news - What the visitor did ({@link NewsDetail}): action `seen`
 *   (it was shown), `click` (its link), `dismiss`, `reply` (with the line to
 *   quote) or `open` (the banner was clicked).
 * @csspart card - The announcement card.
 * @csspart banner - The banner by the launcher.
 */
import { LitElement, css, html, nothing } from 'lit';
import { AnnouncementEvent, currentAnnouncements, type Announcement } from '../core/announcements.js';

/** What the visitor did with an announcement. */
export type NewsAction = 'seen' | 'click' | 'dismiss' | 'reply' | 'open';

/**
 * Detail of `cs-news`: the announcement, the event to count (Seen, Clicked,
 * Dismissed), the line a reply quotes, and whether to open the chat.
 */
export interface NewsDetail {
  readonly id: string;
  readonly action: NewsAction;
  readonly event?: AnnouncementEvent;
  readonly quote?: string;
  readonly open?: boolean;
}

const STRINGS = {
  en: { label: 'Announcement', dismiss: 'Dismiss', reply: 'Reply', more: 'Learn more', all: (n: number) => `More announcements (${n})`, hide: 'Show less' },
  zh: { label: '公告', dismiss: '关闭', reply: '回复', more: '了解更多', all: (n: number) => `更多公告（${n}）`, hide: '收起' },
};

const megaphone = html`<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7"/><path d="M18.5 5.5a9 9 0 0 1 0 13"/></svg>`;

export class CsNews extends LitElement {
  static override properties = {
    items: { attribute: false },
    mode: { type: String, reflect: true },
    lang: { type: String },
    expanded: { state: true },
  };

  static override styles = css`
    :host { display: block; font: inherit; color: var(--cs-text, #1f2937); }
    :host([mode='card']) { flex: none; max-height: 45%; overflow-y: auto; padding-bottom: 4px; }
    :host([mode='banner']) { position: fixed; z-index: var(--cs-z, 2147483000); bottom: 92px; right: 20px; max-width: min(320px, calc(100vw - 40px)); }
    :host([mode='banner'][left]) { right: auto; left: 20px; }
    .card { margin: 10px 12px 0; padding: 12px 12px 10px 14px; border-radius: 12px; background: var(--cs-bubble, #f1f3f7); border-inline-start: 4px solid var(--cs-accent, #4f46e5); }
    .top { display: flex; align-items: center; gap: 6px; color: var(--cs-accent, #4f46e5); font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; }
    .top .x { margin-inline-start: auto; }
    h3 { margin: 6px 0 2px; font-size: 15px; line-height: 1.3; }
    p { margin: 4px 0 0; font-size: 14px; line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 7.3em; overflow: auto; }
    .actions { display: flex; gap: 8px; margin-top: 10px; flex-wrap: wrap; }
    a.link, button.reply { font: inherit; font-size: 13px; font-weight: 600; padding: 6px 12px; border-radius: 999px; cursor: pointer; text-decoration: none; }
    a.link { background: var(--cs-accent, #4f46e5); color: var(--cs-accent-text, #fff); }
    button.reply { background: transparent; color: var(--cs-accent, #4f46e5); border: 1px solid currentColor; }
    button.x { border: 0; background: transparent; color: inherit; opacity: 0.7; cursor: pointer; font-size: 18px; line-height: 1; width: 28px; height: 28px; border-radius: 50%; }
    button.x:hover { opacity: 1; background: #0000000d; }
    .more { display: block; margin: 6px 12px 0; padding: 4px 2px; border: 0; background: none; color: var(--cs-accent, #4f46e5); font: inherit; font-size: 13px; cursor: pointer; }
    .list { margin: 4px 12px 0; padding: 0; list-style: none; max-height: 40vh; overflow: auto; }
    .list li { padding: 8px 10px; border-radius: 10px; background: var(--cs-bubble, #f1f3f7); margin-top: 6px; }
    .list h3 { margin: 0 0 2px; font-size: 14px; }
    .list .actions { margin-top: 6px; }
    .banner { display: flex; align-items: center; gap: 4px; padding: 6px 6px 6px 12px; border-radius: 14px; background: var(--cs-bg, #fff); box-shadow: 0 8px 28px #0f172a2e, 0 2px 6px #0f172a1f; border-inline-start: 4px solid var(--cs-accent, #4f46e5); }
    .banner .open { flex: 1; min-width: 0; display: flex; align-items: center; gap: 8px; border: 0; background: none; font: inherit; font-size: 14px; color: inherit; text-align: start; cursor: pointer; padding: 4px 0; }
    .banner .open span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .banner .open svg { flex: none; color: var(--cs-accent, #4f46e5); }
    button:focus-visible, a:focus-visible { outline: 2px solid var(--cs-accent, #4f46e5); outline-offset: 2px; }
    @media (prefers-reduced-motion: no-preference) {
      .card, .banner { animation: cs-news-in 0.25s ease-out; }
      @keyframes cs-news-in { from { opacity: 0; transform: translateY(6px); } }
    }
  `;

  /** The announcements to show, newest first (already without expired ones). */
  declare items: readonly Announcement[];
  /** 'card' (in the panel) or 'banner' (by the launcher). */
  declare mode: 'card' | 'banner';
  /** 'en' or 'zh', taken from the element it is in (see connectedCallback). */
  declare lang: string;
  declare private expanded: boolean;

  constructor() {
    super();
    this.items = [];
    this.mode = 'card';
    this.lang = 'en';
    this.expanded = false;
  }

  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  /** What may be shown now: never an expired one, even while offline (re-rendered when the next one expires). */
  private get current(): readonly Announcement[] {
    return currentAnnouncements(this.items, Date.now());
  }

  /** The one shown as card or banner: the newest not dismissed. */
  private get featured(): Announcement | undefined {
    return this.current.find((a) => !a.sent.includes(AnnouncementEvent.Dismissed));
  }

  protected override updated(): void {
    const shown = this.featured;
    if (shown && !shown.sent.includes(AnnouncementEvent.Seen)) this.fire(shown.id, 'seen');
    clearTimeout(this.expiryTimer);
    const next = Math.min(...this.current.map((a) => a.expiresMs));
    if (Number.isFinite(next)) this.expiryTimer = setTimeout(() => this.requestUpdate(), Math.min(2 ** 31 - 1, next - Date.now() + 20));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Beside the launcher: on the left when <cs-chat position="left">; in <cs-chat>'s language (its lang, the page's, the browser's).
    const host = (this.getRootNode() as ShadowRoot).host;
    this.toggleAttribute('left', host?.getAttribute('position') === 'left');
    this.lang = /^zh/i.test(host?.getAttribute('lang') || document.documentElement.lang || navigator.language) ? 'zh' : 'en';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.expiryTimer);
  }

  protected override render() {
    const s = this.lang === 'zh' ? STRINGS.zh : STRINGS.en;
    const featured = this.featured;
    if (this.mode === 'banner') {
      if (!featured) return nothing;
      return html`<div class="banner" part="banner" role="status">
        <button class="open" type="button" @click=${() => this.fire(featured.id, 'open')}>${megaphone}<span>${featured.title || featured.body}</span></button>
        <button class="x" type="button" aria-label=${s.dismiss} @click=${() => this.fire(featured.id, 'dismiss')}>×</button>
      </div>`;
    }
    const items = this.current;
    const others = items.length - (featured ? 1 : 0);
    return html`
      ${featured
        ? html`<article class="card" part="card" aria-label=${s.label}>
            <div class="top">${megaphone}<span>${s.label}</span>
              <button class="x" type="button" aria-label=${s.dismiss} @click=${() => this.fire(featured.id, 'dismiss')}>×</button>
            </div>
            ${this.body(featured, s)}
          </article>`
        : nothing}
      ${others > 0
        ? html`<button class="more" type="button" aria-expanded=${this.expanded ? 'true' : 'false'} @click=${() => (this.expanded = !this.expanded)}>
              ${this.expanded ? s.hide : s.all(others)}
            </button>
            ${this.expanded ? html`<ul class="list">${items.filter((a) => a !== featured).map((a) => html`<li>${this.body(a, s)}</li>`)}</ul>` : nothing}`
        : nothing}
    `;
  }

  private body(a: Announcement, s: (typeof STRINGS)['en']) {
    return html`${a.title ? html`<h3>${a.title}</h3>` : nothing}
      ${a.body ? html`<p>${a.body}</p>` : nothing}
      <div class="actions">
        ${/^https?:\/\//i.test(a.linkUrl ?? '') ? html`<a class="link" href=${a.linkUrl} target="_blank" rel="noopener noreferrer" @click=${() => this.fire(a.id, 'click')}>${a.linkLabel || s.more}</a>` : nothing}
        <button class="reply" type="button" @click=${() => this.fire(a.id, 'reply')}>${s.reply}</button>
      </div>`;
  }

  private fire(id: string, action: NewsAction): void {
    const a = this.items.find((n) => n.id === id);
    const events = { seen: AnnouncementEvent.Seen, click: AnnouncementEvent.Clicked, dismiss: AnnouncementEvent.Dismissed } as const;
    const detail: NewsDetail = {
      id,
      action,
      event: action in events ? events[action as keyof typeof events] : undefined,
      quote: action === 'reply' && a ? ((a.title || a.body || '').split('\n')[0] ?? '').slice(0, 120) : undefined,
      open: action === 'reply' || action === 'open',
    };
    this.dispatchEvent(new CustomEvent('cs-news', { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get('cs-news')) customElements.define('cs-news', CsNews);

declare global {
  interface HTMLElementTagNameMap {
    'cs-news': CsNews;
  }
}
