/**
 * The workbench's conversation list column: the search box, the filter tabs
 * (arrow keys move between them and activate them) and the list itself, a
 * listbox whose arrow keys, Home and End move through the conversations and
 * open them. While a search is on, the list and the tab counts are what it
 * found (inbox-search.ts). A view: `<cs-inbox>` passes in the state and the
 * callbacks.
 */
import { html, type TemplateResult } from 'lit';
import type { InboxController } from './inbox-controller.js';
import type { InboxDirectory } from './inbox-directory.js';
import { FILTER_LABELS, filterCounts, visibleConversations, type InboxFilter } from './inbox-model.js';
import { InboxSearch } from './inbox-search.js';
import { conversationOption } from './inbox-views.js';
import type { WorkbenchStrings } from './workbench-i18n.js';

/** What the list column shows and calls. */
export interface SidebarView {
  readonly inbox: InboxController;
  readonly search: InboxSearch;
  /** Agents' names by id (who a conversation is assigned to). */
  readonly directory: InboxDirectory;
  readonly t: WorkbenchStrings;
  /** Opens a conversation (shows the thread pane on a phone). */
  open(conversationId: string): void;
  /** Focuses what `selector` finds in the workbench once the next render is done. */
  focusAfterRender(selector: string): void;
}

/** The list column. */
export function inboxSidebar(v: SidebarView): TemplateResult {
  const { inbox, search, t } = v;
  // While a search is on, the tabs count what it found (over every stored conversation), not what is loaded.
  const scope = search.scope(inbox.allConversations);
  const counts = filterCounts(scope, inbox.agentId);
  const list = visibleConversations(scope, inbox.filter, inbox.agentId);
  const more = search.active && search.truncated ? '+' : '';
  const sites = InboxSearch.sites(inbox.allConversations);
  const focusId = list.some((c) => c.id === inbox.selectedId) ? inbox.selectedId : list[0]?.id;
  const now = Date.now();
  return html`<nav class="sidebar" part="list" aria-label=${t.inboxNav}>
    ${search.render(t, sites)}
    <div class="tabs" role="tablist" aria-label=${t.filterConversations} @keydown=${(e: KeyboardEvent) => onTabKey(v, e)}>
      ${FILTER_LABELS.map(
        ([filter]) => html`<button
          type="button"
          role="tab"
          id=${`tab-${filter}`}
          aria-selected=${String(inbox.filter === filter)}
          aria-controls="list-panel"
          tabindex=${inbox.filter === filter ? '0' : '-1'}
          data-filter=${filter}
          @click=${() => inbox.setFilter(filter)}
        >
          ${t.filterLabel(filter)}<span class="count"><span class="sr-only">, </span>${counts[filter]}${more}</span>
        </button>`,
      )}
    </div>
    <div id="list-panel" role="tabpanel" aria-labelledby=${`tab-${inbox.filter}`}>
      ${list.length
        ? html`<ul class="convs" role="listbox" aria-label=${t.conversations} @keydown=${(e: KeyboardEvent) => onListKey(v, e)}>
            ${list.map((info) =>
              conversationOption(info, {
                agentId: inbox.agentId,
                selected: info.id === inbox.selectedId,
                focusable: info.id === focusId,
                nowMs: now,
                onPick: () => v.open(info.id),
                t,
                agentName: (id) => v.directory.nameOf(id),
                showSite: sites.length > 1,
                excerpt: search.excerpt(info.id),
              }),
            )}
          </ul>`
        : html`<p class="none">${search.query.trim() ? t.noMatches : t.noConversations}</p>`}
    </div>
  </nav>`;
}

/** Arrow keys move between tabs and activate them (automatic activation). */
function onTabKey(v: SidebarView, e: KeyboardEvent): void {
  const order = FILTER_LABELS.map(([f]) => f);
  const i = order.indexOf(v.inbox.filter);
  const next: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1 + order.length, Home: 0, End: order.length - 1 };
  if (!(e.key in next)) return;
  e.preventDefault();
  const filter: InboxFilter = order[next[e.key]! % order.length]!;
  v.inbox.setFilter(filter);
  v.focusAfterRender(`#tab-${filter}`);
}

/** Arrow keys, Home and End move through the list and open the conversation. */
function onListKey(v: SidebarView, e: KeyboardEvent): void {
  const list = visibleConversations(v.search.scope(v.inbox.allConversations), v.inbox.filter, v.inbox.agentId);
  const current = (e.target as HTMLElement).closest<HTMLElement>('[role=option]')?.dataset['id'];
  const i = list.findIndex((c) => c.id === current);
  const next: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: list.length - 1 };
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    if (current) v.open(current);
    return;
  }
  if (!(e.key in next)) return;
  e.preventDefault();
  const target = list[Math.min(list.length - 1, Math.max(0, next[e.key]!))];
  if (!target) return;
  v.open(target.id);
  v.focusAfterRender(`#conv-${CSS.escape(target.id)}`);
}
