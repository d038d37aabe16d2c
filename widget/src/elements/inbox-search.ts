/**
 * The inbox's search box (issue 12): what the agent types is looked up with
 * `GET /api/conversations?q=` — visitor name, email, topic and the text of
 * every stored message through the server's full-text index — and the list
 * shows only the conversations found (still under the chosen tab). Typing
 * waits 250 ms before asking; an older answer is ignored; a query the index
 * cannot read shows the server's message. A service-token session (no
 * cookie) filters what is loaded by name, email, topic and preview instead.
 * With conversations of several sites (site keys), a site picker narrows
 * the list to one and every entry shows its site.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { ConversationInfo } from '../core/types.js';
import { AdminApi } from './admin-api.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** Wait after the last keystroke before searching, ms. */
const DEBOUNCE_MS = 250;

export class InboxSearch implements ReactiveController {
  /** What is typed. */
  query = '';
  /** Conversation ids the server found for `query`; undefined while none was asked or without the API. */
  found: ReadonlySet<string> | undefined;
  /** Why the last search was refused ('' for none). */
  error = '';
  /** The site shown ('' for every site). */
  site = '';
  private api: AdminApi | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private call = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }

  /** Searches through the API of `base` (an account's sign-in), or locally when undefined. */
  use(base: string | undefined): void {
    if ((this.api?.base ?? '') !== (base ?? '')) this.api = base === undefined ? undefined : new AdminApi(base);
  }

  /** The agent typed `query`. */
  set(query: string): void {
    this.query = query;
    clearTimeout(this.timer);
    const call = ++this.call;
    if (!query.trim() || !this.api) {
      this.found = undefined;
      this.error = '';
      this.host.requestUpdate();
      return;
    }
    const api = this.api;
    this.timer = setTimeout(() => {
      api.searchConversations(query.trim()).then(
        (ids) => {
          if (call !== this.call) return;
          this.found = new Set(ids);
          this.error = '';
          this.host.requestUpdate();
        },
        (error: unknown) => {
          if (call !== this.call) return;
          this.error = (error as Error).message;
          this.host.requestUpdate();
        },
      );
    }, DEBOUNCE_MS);
    this.host.requestUpdate();
  }

  /** Shows one site's conversations ('' every site). */
  pickSite(site: string): void {
    this.site = site;
    this.host.requestUpdate();
  }

  /** `list` narrowed to what the search found (all of it when nothing is searched). */
  filter(all: readonly ConversationInfo[]): ConversationInfo[] {
    const list = this.site ? all.filter((c) => c.site === this.site) : all;
    const q = this.query.trim().toLowerCase();
    if (!q) return [...list];
    if (this.api) return this.found ? list.filter((c) => this.found!.has(c.id)) : [...list];
    return list.filter((c) => [c.visitorName, c.visitorEmail, c.topic, c.preview].some((f) => f.toLowerCase().includes(q)));
  }

  /** The site keys among `list`, sorted (a picker shows when there are two or more). */
  static sites(list: readonly ConversationInfo[]): string[] {
    return [...new Set(list.map((c) => c.site).filter(Boolean))].sort();
  }

  /** The search box, the site picker (several sites) and the error line. */
  render(t: WorkbenchStrings, sites: readonly string[]): TemplateResult {
    return html`<div class="search" role="search">
      ${sites.length > 1
        ? html`<select aria-label=${t.siteFilter} @change=${(e: Event) => this.pickSite((e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!this.site}>${t.allSites}</option>
            ${sites.map((s) => html`<option value=${s} ?selected=${s === this.site}>${s}</option>`)}
          </select>`
        : nothing}
      <input
        type="search"
        aria-label=${t.searchLabel}
        placeholder=${t.searchPlaceholder}
        .value=${this.query}
        @input=${(e: Event) => this.set((e.target as HTMLInputElement).value)}
        @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.set('')}
      />
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </div>`;
  }
}
