/**
 * `<cs-announcements>`: the workbench's "Announcements" page for admins
 * (DESIGN.md §6, §12). A list with each announcement's state and counters
 * (delivered, seen, clicked, dismissed, replied); an editor with a live
 * preview of the widget's card (the real `<cs-news>`); the whitelist for
 * pre-release; and the lifecycle buttons (pre-release, publish, stop,
 * recall) the state allows. Everything goes through the JSON API, so the
 * server's checks (expiry, URL pattern, transitions) are the ones shown.
 *
 * Signed in with a session cookie it just works; otherwise it asks for an
 * admin API token (CS_API_TOKEN), kept for this tab only.
 *
 * @csspart list - The list of announcements.
 * @csspart editor - The form.
 * @csspart preview - The card preview.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { Announcement } from '../core/announcements.js';
import { ApiFailure, AnnouncementsApi, type AnnouncementInput, type AnnouncementJson } from './announcements-api.js';
import { announcementsStyles } from './cs-announcements-styles.js';
import './cs-news.js';

const DAY = 24 * 60 * 60 * 1000;
const TOKEN_KEY = 'cs-announcements-token';

/** The form's fields, as the inputs hold them. */
interface FormState {
  site: string;
  title: string;
  body: string;
  link_url: string;
  link_label: string;
  expires: string;
  starts: string;
  audience: 'all' | 'identified' | 'anonymous';
  url_pattern: string;
  lang: string;
  min_core_level: string;
  fallback_text: string;
  visitor_ids: string;
  user_ids: string;
}

/** A time as a datetime-local value (the browser's zone). */
function localInput(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function emptyForm(site: string): FormState {
  return {
    site,
    title: '',
    body: '',
    link_url: '',
    link_label: '',
    expires: localInput(Date.now() + 7 * DAY),
    starts: '',
    audience: 'all',
    url_pattern: '',
    lang: '',
    min_core_level: '',
    fallback_text: '',
    visitor_ids: '',
    user_ids: '',
  };
}

function formOf(a: AnnouncementJson): FormState {
  return {
    site: a.site,
    title: a.title,
    body: a.body,
    link_url: a.link_url,
    link_label: a.link_label,
    expires: localInput(a.expires_at),
    starts: localInput(a.starts_at),
    audience: a.audience,
    url_pattern: a.url_pattern,
    lang: a.lang,
    min_core_level: a.min_core_level ? String(a.min_core_level) : '',
    fallback_text: a.fallback_text,
    visitor_ids: a.whitelist.visitor_ids.join('\n'),
    user_ids: a.whitelist.user_ids.join('\n'),
  };
}

function inputOf(f: FormState): AnnouncementInput {
  return {
    site: f.site,
    title: f.title,
    body: f.body,
    link_url: f.link_url,
    link_label: f.link_label,
    expires_at: f.expires ? new Date(f.expires).getTime() : undefined,
    starts_at: f.starts ? new Date(f.starts).getTime() : 0,
    audience: f.audience,
    url_pattern: f.url_pattern,
    lang: f.lang,
    min_core_level: f.min_core_level ? Number(f.min_core_level) : 0,
    fallback_text: f.fallback_text,
  };
}

const ids = (text: string): string[] => [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];

/** Which lifecycle buttons a state offers. */
const MOVES: Readonly<Record<AnnouncementJson['state'], readonly ('prerelease' | 'publish' | 'stop' | 'recall')[]>> = {
  draft: ['prerelease', 'publish'],
  prerelease: ['publish', 'stop', 'recall'],
  published: ['stop', 'recall'],
  stopped: ['recall'],
  recalled: [],
};
const MOVE_LABEL = { prerelease: 'Pre-release to whitelist', publish: 'Publish', stop: 'Stop', recall: 'Recall' } as const;

export class CsAnnouncements extends LitElement {
  static override styles = announcementsStyles;

  static override properties = {
    site: { type: String },
    items: { state: true },
    selectedId: { state: true },
    form: { state: true },
    error: { state: true },
    notice: { state: true },
    needToken: { state: true },
    busy: { state: true },
  };

  /** The site key new announcements default to. */
  declare site: string;
  declare private items: AnnouncementJson[];
  declare private selectedId: string;
  declare private form: FormState;
  declare private error: string;
  declare private notice: string;
  declare private needToken: boolean;
  declare private busy: boolean;
  private api: AnnouncementsApi;
  private readonly base = location.origin;

  constructor() {
    super();
    this.site = 'demo-shop';
    this.items = [];
    this.selectedId = '';
    this.form = emptyForm(this.site);
    this.error = '';
    this.notice = '';
    this.needToken = false;
    this.busy = false;
    this.api = new AnnouncementsApi(this.base, sessionStorage.getItem(TOKEN_KEY) ?? '');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.form = emptyForm(this.site);
    void this.reload();
  }

  private get selected(): AnnouncementJson | undefined {
    return this.items.find((a) => a.id === this.selectedId);
  }

  private async reload(): Promise<void> {
    try {
      this.items = await this.api.list();
      this.needToken = false;
    } catch (error) {
      if (error instanceof ApiFailure && (error.status === 401 || error.status === 403)) this.needToken = true;
      this.error = (error as Error).message;
    }
  }

  /** Runs an API call, shows its error, refreshes the list. */
  private async run(what: string, fn: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = '';
    this.notice = '';
    try {
      await fn();
      this.notice = what;
      await this.reload();
      const current = this.selected;
      if (current) this.form = formOf(current);
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private save = (e: Event): void => {
    e.preventDefault();
    const current = this.selected;
    const input = inputOf(this.form);
    void this.run(current ? 'Saved.' : 'Created as a draft.', async () => {
      const saved = current ? await this.api.update(current.id, input) : await this.api.create(input);
      this.selectedId = saved.id;
      const list = { visitors: ids(this.form.visitor_ids), users: ids(this.form.user_ids) };
      const changed = !current || list.visitors.join() !== current.whitelist.visitor_ids.join() || list.users.join() !== current.whitelist.user_ids.join();
      if (changed && (saved.state === 'draft' || saved.state === 'prerelease') && (list.visitors.length || list.users.length || current)) {
        await this.api.setWhitelist(saved.id, list.visitors, list.users);
      }
    });
  };

  private move(move: 'prerelease' | 'publish' | 'stop' | 'recall'): void {
    const current = this.selected;
    if (!current) return;
    if (move === 'recall' && !confirm('Recall this announcement? It disappears from every visitor who holds it.')) return;
    void this.run(`${MOVE_LABEL[move]}: done.`, () => this.api.move(current.id, move));
  }

  private pick(a: AnnouncementJson | undefined): void {
    this.selectedId = a?.id ?? '';
    this.form = a ? formOf(a) : emptyForm(this.site);
    this.error = this.notice = '';
  }

  private field(name: keyof FormState) {
    return (e: Event) => {
      this.form = { ...this.form, [name]: (e.target as HTMLInputElement).value };
    };
  }

  private useToken = (e: Event): void => {
    e.preventDefault();
    const token = new FormData(e.target as HTMLFormElement).get('token')?.toString().trim() ?? '';
    sessionStorage.setItem(TOKEN_KEY, token);
    this.api.setToken(token);
    this.error = '';
    void this.reload();
  };

  override render(): TemplateResult {
    return html`
      <header class="bar">
        <a class="back" href="/agent">← Inbox</a>
        <h1>Announcements</h1>
        <span class="spacer"></span>
        <button type="button" class="primary" @click=${() => this.pick(undefined)}>New announcement</button>
      </header>
      ${this.needToken ? this.renderToken() : nothing}
      <div class="cols">
        <section class="list" part="list" aria-label="Announcements">
          ${this.items.length === 0 ? html`<p class="muted">No announcements yet.</p>` : nothing}
          <ul>
            ${this.items.map(
              (a) => html`<li>
                <button type="button" class=${a.id === this.selectedId ? 'row on' : 'row'} aria-current=${a.id === this.selectedId ? 'true' : 'false'} @click=${() => this.pick(a)}>
                  <span class="title">${a.title}</span>
                  <span class="state ${a.state}">${a.state}</span>
                  <span class="stats">${a.stats.delivered} delivered · ${a.stats.seen} seen · ${a.stats.clicked} clicked · ${a.stats.dismissed} dismissed · ${a.stats.replied} replied</span>
                </button>
              </li>`,
            )}
          </ul>
        </section>
        ${this.renderEditor()}
      </div>
    `;
  }

  private renderToken(): TemplateResult {
    return html`<form class="token" @submit=${this.useToken}>
      <label for="token">Admins only. Sign in to the workbench as an admin, or paste the server's <code>CS_API_TOKEN</code>:</label>
      <input id="token" name="token" type="password" autocomplete="off" required />
      <button type="submit" class="primary">Use token</button>
    </form>`;
  }

  private renderEditor(): TemplateResult {
    const f = this.form;
    const current = this.selected;
    const locked = current ? current.state === 'stopped' || current.state === 'recalled' : false;
    const whitelistOpen = !current || current.state === 'draft' || current.state === 'prerelease';
    const preview: Announcement = {
      id: 'preview',
      seq: 1,
      title: f.title || 'Title',
      body: f.body,
      linkUrl: f.link_url,
      linkLabel: f.link_label,
      publishedMs: Date.now(),
      expiresMs: Date.now() + DAY,
      sent: [],
    };
    return html`<section class="editor" part="editor" aria-label=${current ? 'Edit announcement' : 'New announcement'}>
      <div class="head">
        <h2>${current ? current.title : 'New announcement'}</h2>
        ${current ? html`<span class="state ${current.state}">${current.state}</span>` : nothing}
      </div>
      ${current
        ? html`<dl class="counters">
            ${(['delivered', 'seen', 'clicked', 'dismissed', 'replied'] as const).map((k) => html`<div><dt>${k}</dt><dd>${current.stats[k]}</dd></div>`)}
          </dl>`
        : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      <div class="split">
        <form @submit=${this.save} ?inert=${locked}>
          <label>Title <input required maxlength="200" .value=${f.title} @input=${this.field('title')} /></label>
          <label>Text <textarea rows="4" maxlength="2000" .value=${f.body} @input=${this.field('body')}></textarea></label>
          <div class="two">
            <label>Link URL <input type="url" placeholder="https://…" .value=${f.link_url} @input=${this.field('link_url')} /></label>
            <label>Link label <input maxlength="80" .value=${f.link_label} @input=${this.field('link_label')} /></label>
          </div>
          <div class="two">
            <label>Expires <input type="datetime-local" required .value=${f.expires} @input=${this.field('expires')} /></label>
            <label>Starts (optional) <input type="datetime-local" .value=${f.starts} @input=${this.field('starts')} /></label>
          </div>
          <fieldset>
            <legend>Who sees it</legend>
            <div class="two">
              <label>Site <input required .value=${f.site} @input=${this.field('site')} /></label>
              <label>Audience
                <select .value=${f.audience} @change=${this.field('audience')}>
                  <option value="all">Everyone</option>
                  <option value="identified">Identified visitors</option>
                  <option value="anonymous">Anonymous visitors</option>
                </select>
              </label>
            </div>
            <div class="two">
              <label>Pages (URL pattern) <input placeholder="/sale/*" .value=${f.url_pattern} @input=${this.field('url_pattern')} /></label>
              <label>Language <input placeholder="en, zh-CN…" .value=${f.lang} @input=${this.field('lang')} /></label>
            </div>
            <div class="two">
              <label>Minimum client level <input inputmode="numeric" placeholder="0" .value=${f.min_core_level} @input=${this.field('min_core_level')} /></label>
              <label>Older clients get <input placeholder="(nothing)" .value=${f.fallback_text} @input=${this.field('fallback_text')} /></label>
            </div>
          </fieldset>
          <fieldset ?disabled=${!whitelistOpen}>
            <legend>Pre-release whitelist</legend>
            <div class="two">
              <label>Visitor ids <textarea rows="2" placeholder="one per line" .value=${f.visitor_ids} @input=${this.field('visitor_ids')}></textarea></label>
              <label>User ids <textarea rows="2" placeholder="one per line" .value=${f.user_ids} @input=${this.field('user_ids')}></textarea></label>
            </div>
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary" ?disabled=${this.busy || locked}>${current ? 'Save' : 'Create draft'}</button>
            ${(current ? MOVES[current.state] : []).map(
              (m) => html`<button type="button" class=${m === 'recall' ? 'danger' : ''} ?disabled=${this.busy} @click=${() => this.move(m)}>${MOVE_LABEL[m]}</button>`,
            )}
          </div>
        </form>
        <aside class="preview" part="preview" aria-label="Preview">
          <h3>Preview in the widget</h3>
          <div class="phone"><cs-news mode="card" .items=${[preview]}></cs-news></div>
          <div class="phone small"><cs-news mode="banner" .items=${[preview]} style="position: static"></cs-news></div>
        </aside>
      </div>
    </section>`;
  }
}

if (!customElements.get('cs-announcements')) customElements.define('cs-announcements', CsAnnouncements);

declare global {
  interface HTMLElementTagNameMap {
    'cs-announcements': CsAnnouncements;
  }
}
