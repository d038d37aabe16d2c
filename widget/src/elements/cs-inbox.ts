/**
 * `<cs-inbox>`: the agent workbench. Password sign-in (and the first-run
 * setup and invite screens; inbox-signin.ts), the
 * conversation list with filters, the open conversation (the shared message
 * views over the same session, outbox and timeline as the visitor widget),
 * actions, canned replies, private notes, visitor details and alerts.
 *
 * The element renders; {@link InboxController} owns the session.
 *
 * Usage: `<cs-inbox></cs-inbox>` on a page served by the cs-chat server.
 * People sign in with email and password (a session cookie authenticates
 * the socket); on `/setup#code=…` and `/invite#code=…` the element shows
 * the owner setup and invite screens. Tools and tests may still pass a
 * service token: the `token` attribute, `#token=` in the URL, or one
 * remembered in this browser.
 *
 * @csspart topbar - the bar across the top.
 * @csspart list - the conversation list column.
 * @csspart thread - the open conversation.
 * @csspart details - the visitor details column.
 * @cssprop --cs-accent - Brand colour. Default #4f46e5.
 * @cssprop --cs-font - Font stack. Default the system UI font.
 */
import { emailSectionStrings } from './settings-email-i18n.js';
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { cs } from '../../../proto/gen/chat.js';
import { ConnState, type AttachmentView, type ConversationInfo, type SessionFactory, type TimelineItem } from '../core/types.js';
import { ChatSession } from '../transport/session.js';
import { stringsFor } from './i18n.js';
import { uploads } from '../transport/uploads.js';
import { fileViews, formatSize, type FileViews } from './file-views.js';
import { parseCannedReplies, type CannedReply } from './inbox-canned.js';
import './inbox-composer.js';
import type { ComposeDetail, CsInboxComposer } from './inbox-composer.js';
import { InboxController, InboxPhase } from './inbox-controller.js';
import { FILTER_LABELS, filterCounts, statusLabel, visitorLabel, type InboxFilter } from './inbox-model.js';
import { inboxDetailsStyles } from './inbox-details-styles.js';
import { inboxListStyles } from './inbox-list-styles.js';
import { inboxStyles } from './inbox-styles.js';
import { inboxThreadStyles } from './inbox-thread-styles.js';
import { conversationOption, detailsPanel, filesPanel } from './inbox-views.js';
import { GateController } from './inbox-gate.js';
import { httpBaseOf } from './inbox-account.js';
import { InboxDirectory, transferTargets } from './inbox-directory.js';
import { adminLinks, conversationActions, meBadge } from './inbox-actions.js';
import { InboxSearch } from './inbox-search.js';
import { icons, Kind, renderMessage, renderTyping, RoleCode, type MessageViewContext } from './message-list.js';
import { MessageRows } from './message-rows.js';
import { MessageWindow } from './message-window.js';
import { messageContext } from './session-view.js';
import { paneSwitcher, Pane } from './inbox-panes.js';
import { connectingScreen } from './inbox-connecting.js';
import { linkify } from './linkify.js';
import { workbenchLang, workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';
import { messageStyles } from './message-styles.js';
import { resetStyles } from './styles.js';

const defaultFactory: SessionFactory = (options) => new ChatSession({ loadUploads: async () => uploads, ...options });

/** The WebSocket URL of the server this page came from. */
function sameOriginWs(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

export class CsInbox extends LitElement {
  static override properties = {
    token: { type: String },
    server: { type: String },
    cannedReplies: { attribute: 'canned-replies', converter: (value: string | null) => parseCannedReplies(value) },
    quote: { state: true },
    transferTo: { state: true },
    pane: { state: true },
  };

  /** Agent token; setting it signs in (skips the form). */
  declare token: string;
  /** WebSocket URL of the server's /ws. Default: `/ws` on this page's origin. */
  declare server: string;
  /** The canned replies offered after `/`. Default a few generic answers. */
  declare cannedReplies: readonly CannedReply[];
  declare quote: TimelineItem | undefined;
  declare transferTo: string;
  /** The pane shown on narrow screens (see inbox-panes.ts). */
  declare pane: Pane;

  /** The session factory; replace before connecting to use another transport (tests, native bridges). */
  sessionFactory: SessionFactory = defaultFactory;
  private readonly inbox: InboxController;
  /** Sign-in, setup and invite screens while signed out. */
  private readonly gate: GateController;
  /** The team (transfer picker) and canned replies from the API, for an account's sign-in. */
  private readonly directory = new InboxDirectory(this);
  /** The search box over the list (inbox-search.ts). */
  private readonly search = new InboxSearch(this);
  /** Agents online at the last render: a change reads the team again (who is online). */
  private onlineSeen = -1;
  /** The shared windowed rendering of long timelines (the same as `<cs-chat>`'s). */
  private readonly window: MessageWindow;
  /** The workbench strings in the agent's language (their setting, else the browser's). */
  private get t(): WorkbenchStrings {
    return workbenchStrings(workbenchLang(this.inbox.account?.lang ?? ''));
  }
  /** The shared message views' strings, in the same language. */
  private get strings() {
    return stringsFor(this.t.lang);
  }
  /** Keyed rows, as in `<cs-chat>`: a row renders again only when its message or what it shows changed. */
  private readonly rows = new MessageRows((item, ctx) => this.renderItem(item, ctx));
  /** What the last render picked for the rows, applied right after it (see `update`). */
  private shown: { items: readonly TimelineItem[]; ctx: MessageViewContext; visitorName: string } | undefined;
  /** How files look, how they are attached (button, paste, drop), made with the shadow root. */
  private files: FileViews | undefined;
  /** The image shown full size (the lightbox), if any. */
  private lightbox: AttachmentView | undefined;

  constructor() {
    super();
    this.token = '';
    this.server = '';
    this.cannedReplies = parseCannedReplies(null);
    this.quote = undefined;
    this.transferTo = '';
    this.pane = Pane.List;
    this.inbox = new InboxController(this, (options) => this.sessionFactory(options), () => this.server || sameOriginWs());
    this.window = new MessageWindow(this, { loadOlder: () => this.inbox.loadOlder() });
    this.gate = new GateController(this, this.inbox, () => this.server || sameOriginWs());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.files ??= fileViews(
      { html, nothing },
      {
        root: this.shadowRoot,
        server: location.href,
        session: async () => this.inbox.current,
        conversation: () => this.inbox.selectedId,
        update: () => this.requestUpdate(),
        sent: () => this.window.scrollToEnd(),
      },
    );
    if (this.gate.takeLink()) return;
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromHash) {
      // Take the token and replace the history entry before anything else, so it leaves the address
      // bar, screenshots and the back button; a link's token is used for this visit and never remembered.
      history.replaceState(null, '', location.pathname + location.search);
    }
    const remembered = InboxController.rememberedToken();
    const token = this.token || fromHash || remembered;
    if (token && this.inbox.phase === InboxPhase.SignedOut) void this.inbox.signIn(token, token === remembered);
    else if (this.inbox.phase === InboxPhase.SignedOut) void this.gate.resume();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('token') && changed.get('token') !== undefined && this.token) void this.inbox.signIn(this.token);
    document.documentElement.lang = this.t.lang;
    const signedIn = this.inbox.account && this.inbox.phase !== InboxPhase.SignedOut;
    const base = signedIn ? httpBaseOf(this.server || sameOriginWs()) : undefined;
    this.directory.use(base);
    this.search.use(base);
    if (signedIn && this.inbox.agentsOnline !== this.onlineSeen) {
      this.onlineSeen = this.inbox.agentsOnline;
      void this.directory.refresh();
    }
  }

  /** Lit commits the template in `super.update`; the keyed rows follow at once, before the window measures the scroll position. */
  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    const list = this.renderRoot.querySelector<HTMLElement>('.rows');
    if (list && this.shown) this.rows.sync(list, this.shown.items, this.shown.ctx, this.shown.visitorName);
  }

  protected override updated(): void {
    const root = this.renderRoot;
    this.window.attach(root.querySelector<HTMLElement>('.log'), root.querySelector('.sentinel.top'), root.querySelector('.sentinel.bottom'));
  }

  override render(): TemplateResult {
    if (this.inbox.phase === InboxPhase.SignedOut) return this.gate.render();
    if (this.inbox.phase === InboxPhase.Connecting) return connectingScreen(this.inbox, this.t);
    return html`
      ${this.renderTopbar()}
      ${this.inbox.notice ? html`<div class="notice" role="alert">${this.inbox.notice}</div>` : nothing}
      ${paneSwitcher(this.pane, !!this.inbox.selectedId, (pane) => (this.pane = pane), this.t)}
      <div class="cols" data-pane=${this.pane}>
        ${this.renderSidebar()}
        ${this.inbox.selectedId ? this.renderThread() : html`<main class="thread empty" part="thread"><p>${this.t.pickConversation}</p></main>`}
        ${this.renderDetails()}
      </div>
      ${this.lightbox ? this.renderLightbox(this.lightbox) : nothing}
    `;
  }


  private renderTopbar(): TemplateResult {
    const inbox = this.inbox;
    const alerts = inbox.alerts;
    const t = this.t;
    const conn = inbox.connected ? t.connected : inbox.conn === ConnState.Offline ? t.offlineConn : inbox.conn === ConnState.Failed ? t.disconnected : t.reconnecting;
    return html`<header class="topbar" part="topbar">
      <div class="brand">${icons.chat}<span>${t.brand}</span></div>
      <span class=${inbox.connected ? 'conn ok' : 'conn'} role="status"><i aria-hidden="true"></i>${conn}</span>
      <span class="spacer"></span>
      ${inbox.connected ? html`<span class="muted">${t.agentsOnline(inbox.agentsOnline)}</span>` : nothing}
      ${inbox.connected
        ? html`<button type="button" class=${inbox.away ? 'ghost away-on' : 'ghost'} aria-pressed=${inbox.away ? 'true' : 'false'} title=${emailSectionStrings(t.lang).awayTitle} @click=${() => inbox.setAway(!inbox.away)}>${inbox.away ? emailSectionStrings(t.lang).away : emailSectionStrings(t.lang).available}</button>`
        : nothing}
      ${alerts.notificationPermission === 'default'
        ? html`<button type="button" class="ghost" @click=${this.enableNotifications}>${t.enableNotifications}</button>`
        : nothing}
      ${adminLinks(inbox.account, t)}
      <button type="button" class="ghost" title=${t.soundTitle} @click=${this.toggleSound}>${t.sound(alerts.soundOn)}</button>
      ${meBadge(inbox.account, inbox.agentId, inbox.agentName)}
      <button type="button" class="ghost" @click=${() => void inbox.signOut()}>${t.signOut}</button>
    </header>`;
  }

  private renderSidebar(): TemplateResult {
    const inbox = this.inbox;
    const counts = filterCounts(inbox.allConversations, inbox.agentId);
    const list = this.search.filter(inbox.conversations);
    const sites = InboxSearch.sites(inbox.allConversations);
    const focusId = list.some((c) => c.id === inbox.selectedId) ? inbox.selectedId : list[0]?.id;
    const now = Date.now();
    const t = this.t;
    return html`<nav class="sidebar" part="list" aria-label=${t.inboxNav}>
      ${this.search.render(t, sites)}
      <div class="tabs" role="tablist" aria-label=${t.filterConversations} @keydown=${this.onTabKey}>
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
            ${t.filterLabel(filter)}<span class="count"><span class="sr-only">, </span>${counts[filter]}</span>
          </button>`,
        )}
      </div>
      <div id="list-panel" role="tabpanel" aria-labelledby=${`tab-${inbox.filter}`}>
        ${list.length
          ? html`<ul class="convs" role="listbox" aria-label=${t.conversations} @keydown=${this.onListKey}>
              ${list.map((info) =>
                conversationOption(info, {
                  agentId: inbox.agentId,
                  selected: info.id === inbox.selectedId,
                  focusable: info.id === focusId,
                  nowMs: now,
                  onPick: () => this.open(info.id),
                  t,
                  agentName: (id) => this.directory.nameOf(id),
                  showSite: sites.length > 1,
                }),
              )}
            </ul>`
          : html`<p class="none">${this.search.query.trim() ? t.noMatches : t.noConversations}</p>`}
      </div>
    </nav>`;
  }

  private get openInfo(): ConversationInfo | undefined {
    const id = this.inbox.selectedId;
    return this.inbox.allConversations.find((c) => c.id === id) ?? this.inbox.view.info;
  }

  private renderThread(): TemplateResult {
    const inbox = this.inbox;
    const view = inbox.view;
    const info = this.openInfo;
    const t = this.t;
    const name = info ? visitorLabel(info, t.visitor) : t.visitor;
    this.shown = { items: this.window.slice(view.items, view.hasOlder), ctx: this.messageContext(view.items), visitorName: name };
    return html`<main class="thread" part="thread" aria-label=${t.conversationWith(name)}>
      <div class="thread-head">
        <div>
          <h2>${name}</h2>
          ${info
            ? html`<span class=${`status ${statusLabel(info.status)}`}>${t.statusName(statusLabel(info.status))}</span>
                <span class="muted">${info.assigneeId ? t.assignedTo(info.assigneeId === inbox.agentId ? t.assignedYou : this.directory.nameOf(info.assigneeId)) : t.unassigned}</span>`
            : nothing}
        </div>
        ${info ? this.renderActions(info) : nothing}
      </div>
      <div class="log" role="log" aria-label=${t.messagesLog} aria-live="polite">
        <div class="sentinel top"></div>
        ${this.window.loading ? html`<div class="older" role="status">${this.strings.loadingOlder}</div>` : nothing}
        <div class="rows"></div>
        ${renderTyping(view.typing, this.strings)}
        <div class="sentinel bottom"></div>
      </div>
      <div class="attach-row">
        ${this.files?.attach('en')}
        <span class="muted">Photos and files: attach, paste or drop</span>
        ${this.files?.notice()}
      </div>
      <cs-inbox-composer
        .canned=${this.directory.canned ?? this.cannedReplies}
        .t=${t}
        .quote=${this.quote}
        ?disabled=${!inbox.selectedId}
        @cs-compose=${this.onCompose}
        @cs-typing=${(e: CustomEvent<boolean>) => inbox.setTyping(e.detail)}
        @cs-cancel-quote=${() => (this.quote = undefined)}
      ></cs-inbox-composer>
    </main>`;
  }

  private renderItem(item: TimelineItem, ctx: MessageViewContext): TemplateResult {
    if (item.kind === Kind.Note) {
      const t = this.t;
      return html`<div class="note-msg" data-key=${item.key} role="note" aria-label=${t.noteBy(item.own ? t.assignedYou : item.senderName || t.anAgent)}>
        <div class="note-head"><b>${item.own ? t.youCap : item.senderName || t.agentWord}</b> · ${t.noteHead}</div>
        <div class="note-text">${linkify(item.text)}</div>
      </div>`;
    }
    // The visitor's messages carry the name they had when sent (often just "Visitor"):
    // show the label the list and header use, so one person has one name on screen.
    const visitorName = this.shown?.visitorName ?? '';
    const named = item.senderRole === RoleCode.Visitor && visitorName && item.senderName !== visitorName ? { ...item, senderName: visitorName } : item;
    return renderMessage(named, ctx);
  }

  private messageContext(items: readonly TimelineItem[]): MessageViewContext {
    return messageContext(items, {
      strings: this.strings,
      lang: this.t.lang,
      showNames: true,
      onRetry: (item) => this.inbox.retry(item),
      onReply: (item) => (this.quote = item),
      onQuickReply: () => undefined,
      files: this.files,
      onOpenImage: (attachment) => {
        this.lightbox = attachment;
        this.requestUpdate();
      },
    });
  }

  /** The image full size over the workbench; Escape, a click or the button closes it. */
  private renderLightbox(a: AttachmentView): TemplateResult {
    const close = (): void => {
      this.lightbox = undefined;
      this.requestUpdate();
    };
    return html`<div class="lightbox" role="dialog" aria-modal="true" aria-label=${a.name} tabindex="-1"
      @click=${close} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && close()}>
      <img src=${a.url} alt=${a.name} />
      <div class="lightbox-bar" @click=${(e: Event) => e.stopPropagation()}>
        <span>${a.name} · ${formatSize(a.size)}</span>
        <a href=${a.url} download=${a.name} target="_blank" rel="noopener">Download</a>
        <button type="button" @click=${close} autofocus>Close</button>
      </div>
    </div>`;
  }

  private renderActions(info: ConversationInfo): TemplateResult {
    return conversationActions({
      info,
      agentId: this.inbox.agentId,
      targets: transferTargets(this.directory.accounts, this.inbox.agentIds, [info.assigneeId, this.inbox.agentId]),
      transferTo: this.transferTo,
      t: this.t,
      act: (kind, agentId) => this.inbox.act(kind, agentId),
      pick: (agentId) => (this.transferTo = agentId),
      openPicker: () => void this.directory.refresh(),
    });
  }

  private renderDetails(): TemplateResult {
    const info = this.inbox.selectedId ? this.openInfo : undefined;
    return html`<aside class="details" part="details" aria-label=${this.t.visitorDetails}>
      ${info ? detailsPanel(info, this.t) : html`<p class="none">${this.t.detailsHere}</p>`}
      ${info ? filesPanel(this.inbox.view.items, location.href) : nothing}
    </aside>`;
  }

  private open(conversationId: string): void {
    this.pane = Pane.Thread;
    if (conversationId === this.inbox.selectedId) return;
    this.quote = undefined;
    this.transferTo = '';
    this.window.scrollToEnd();
    this.renderRoot.querySelector<CsInboxComposer>('cs-inbox-composer')?.reset();
    this.inbox.select(conversationId);
  }

  private onCompose(e: CustomEvent<ComposeDetail>): void {
    const { text, note, quoteSeq } = e.detail;
    this.quote = undefined;
    this.window.scrollToEnd();
    void this.inbox.send(text, { note, quoteSeq });
  }

  /** Arrow keys move between tabs and activate them (automatic activation). */
  private onTabKey(e: KeyboardEvent): void {
    const order = FILTER_LABELS.map(([f]) => f);
    const i = order.indexOf(this.inbox.filter);
    const next: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1 + order.length, Home: 0, End: order.length - 1 };
    if (!(e.key in next)) return;
    e.preventDefault();
    const filter: InboxFilter = order[next[e.key]! % order.length]!;
    this.inbox.setFilter(filter);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${filter}`)?.focus());
  }

  /** Arrow keys, Home and End move through the list and open the conversation. */
  private onListKey(e: KeyboardEvent): void {
    const list = this.search.filter(this.inbox.conversations);
    const current = (e.target as HTMLElement).closest<HTMLElement>('[role=option]')?.dataset['id'];
    const i = list.findIndex((c) => c.id === current);
    const next: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: list.length - 1 };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (current) this.open(current);
      return;
    }
    if (!(e.key in next)) return;
    e.preventDefault();
    const target = list[Math.min(list.length - 1, Math.max(0, next[e.key]!))];
    if (!target) return;
    this.open(target.id);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#conv-${CSS.escape(target.id)}`)?.focus());
  }

  private toggleSound(): void {
    this.inbox.alerts.setSound(!this.inbox.alerts.soundOn);
    this.requestUpdate();
  }

  private async enableNotifications(): Promise<void> {
    await this.inbox.alerts.requestNotifications();
    this.requestUpdate();
  }

  static override styles = [resetStyles, messageStyles, inboxStyles, inboxListStyles, inboxThreadStyles, inboxDetailsStyles];
}

customElements.define('cs-inbox', CsInbox);

declare global {
  interface HTMLElementTagNameMap {
    'cs-inbox': CsInbox;
  }
}
