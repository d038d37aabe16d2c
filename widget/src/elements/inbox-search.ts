/**
 * The inbox's search box (issue 12): what the agent types is looked up with
 * `GET /api/conversations?q=` — visitor name, email, topic and the text of
 * every stored message through the server's full-text index — and while a
 * search is on, the list and the tab counts are made of what the server
 * found, also conversations this workbench never loaded (the list loads the
 * newest CS_INBOX_CONVERSATIONS); one that is loaded shows its live state.
 * A hit found by its message text shows an excerpt of that message with
 * the words marked. Typing waits 250 ms before asking; an older answer is
 * ignored; a query the index cannot read shows the server's message. A
 * service-token session (no cookie) filters what is loaded by name, email,
 * topic and preview instead. With conversations of several sites (site
 * keys), a site picker narrows the list to one and every entry shows its
 * site.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { cs } from '../../../proto/gen/chat.js';
import type { ConversationInfo } from '../core/types.js';
import { AdminApi, type ConversationJson } from './admin-api.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** Wait after the last keystroke before searching, ms. */
const DEBOUNCE_MS = 250;

const STATUS: Readonly<Record<string, cs.v1.ConversationStatus>> = { open: cs.v1.ConversationStatus.OPEN, pending: cs.v1.ConversationStatus.PENDING, resolved: cs.v1.ConversationStatus.RESOLVED };
const ROLE: Readonly<Record<string, cs.v1.Role>> = { visitor: cs.v1.Role.VISITOR, agent: cs.v1.Role.AGENT, bot: cs.v1.Role.BOT, system: cs.v1.Role.SYSTEM };

/** A conversation of the JSON API as the list shows it (what the socket would say; online state unknown: offline). */
export function infoOfJson(c: ConversationJson): ConversationInfo {
  return {
    id: c.id,
    epoch: '',
    lastSeq: c.last_seq,
    site: c.site,
    topic: c.topic,
    visitorId: c.visitor_id,
    status: STATUS[c.status] ?? cs.v1.ConversationStatus.OPEN,
    assigneeId: c.assignee_id,
    visitorUserId: c.visitor_user_id,
    visitorName: c.visitor_name,
    visitorEmail: c.visitor_email,
    visitorOnline: false,
    visitorPageUrl: '',
    visitorPageTitle: '',
    platform: '',
    appVersion: '',
    createdMs: c.created_at,
    lastActivityMs: c.last_activity_at,
    preview: c.preview,
    previewSenderId: c.preview_sender_id ?? '',
    previewSenderRole: ROLE[c.preview_sender_role ?? ''] ?? cs.v1.Role.VISITOR,
    previewNote: c.preview_note === true,
    unread: c.unread,
    contactEmail: '',
    willEmail: false,
  };
}

/** The words of a query to mark in an excerpt, lower case (FTS syntax and operators left out). */
export function markTerms(query: string): string[] {
  return query
    .replace(/["*()^:{}+]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !/^(AND|OR|NOT|NEAR)$/.test(w))
    .map((w) => w.toLowerCase());
}

/** `text` with every occurrence of `terms` in `<mark>` (text nodes only: never markup from the text). */
export function marked(text: string, terms: readonly string[]): TemplateResult {
  const lower = text.toLowerCase();
  const parts: (string | TemplateResult)[] = [];
  let at = 0;
  while (at < text.length) {
    let best = -1;
    let length = 0;
    for (const term of terms) {
      const i = lower.indexOf(term, at);
      if (i >= 0 && (best < 0 || i < best || (i === best && term.length > length))) [best, length] = [i, term.length];
    }
    if (best < 0 || length === 0) break;
    if (best > at) parts.push(text.slice(at, best));
    parts.push(html`<mark>${text.slice(best, best + length)}</mark>`);
    at = best + length;
  }
  parts.push(text.slice(at));
  return html`${parts}`;
}

/** What the server found for one query. */
interface Found {
  readonly conversations: readonly ConversationInfo[];
  /** Excerpts of the matching messages by conversation id. */
  readonly excerpts: ReadonlyMap<string, string>;
  /** More matched than the answer holds (the counts say "500+"). */
  readonly hasMore: boolean;
}

export class InboxSearch implements ReactiveController {
  /** What is typed. */
  query = '';
  /** Why the last search was refused ('' for none). */
  error = '';
  /** The site shown ('' for every site). */
  site = '';
  /** What the server found for `query`; undefined while none was asked or without the API. */
  private found: Found | undefined;
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

  /** True while a query is typed. */
  get active(): boolean {
    return this.query.trim() !== '';
  }

  /** The server found more than it sent (the counts are at least what they say). */
  get truncated(): boolean {
    return this.found?.hasMore === true;
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
        (answer) => {
          if (call !== this.call) return;
          const excerpts = new Map(answer.conversations.flatMap((c) => (c.match ? [[c.id, c.match.text] as const] : [])));
          this.found = { conversations: answer.conversations.map(infoOfJson), excerpts, hasMore: answer.hasMore };
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

  /**
   * The conversations the list and its tab counts are made of: with a query,
   * what the server found (each loaded one in its live state from `loaded`;
   * until the first answer, what is loaded), else everything loaded; then
   * narrowed to the picked site.
   */
  scope(loaded: readonly ConversationInfo[]): ConversationInfo[] {
    const bySite = (list: readonly ConversationInfo[]): ConversationInfo[] => (this.site ? list.filter((c) => c.site === this.site) : [...list]);
    const q = this.query.trim().toLowerCase();
    if (!q) return bySite(loaded);
    if (this.api) {
      if (!this.found) return bySite(loaded);
      const live = new Map(loaded.map((c) => [c.id, c]));
      return bySite(this.found.conversations.map((c) => live.get(c.id) ?? c));
    }
    return bySite(loaded.filter((c) => [c.visitorName, c.visitorEmail, c.topic, c.preview].some((f) => f.toLowerCase().includes(q))));
  }

  /** The excerpt of the message that matched in `conversationId`, marked; undefined when the hit was by name or none was found. */
  excerpt(conversationId: string): TemplateResult | undefined {
    const text = this.found?.excerpts.get(conversationId);
    return text === undefined ? undefined : marked(text, markTerms(this.query));
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
