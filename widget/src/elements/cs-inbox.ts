/**
 * `<cs-inbox>`: the agent workbench. Password sign-in (and the first-run
 * setup and invite screens; inbox-signin.ts), the
 * conversation list with filters, the open conversation (the shared message
 * views over the same session, outbox and timeline as the visitor widget),
 * actions, canned replies, private notes, visitor details and alerts.
 *
 * The element lays the screen out and holds its state; {@link InboxController}
 * owns the session. The parts are views of their own: the top bar
 * (inbox-topbar.ts), the list column (inbox-sidebar.ts), the open
 * conversation and the lightbox (inbox-thread.ts), the visitor details
 * (inbox-views.ts), the signed-out screens (inbox-gate.ts).
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
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { AttachmentView, ConversationInfo, SessionFactory, TimelineItem } from '../core/types.js';
import { ChatSession } from '../transport/session.js';
import { uploads } from '../transport/uploads.js';
import { fileViews, type FileViews } from './file-views.js';
import { stringsFor } from './i18n.js';
import { httpBaseOf } from './inbox-account.js';
import { conversationActions } from './inbox-actions.js';
import { parseCannedReplies, type CannedReply } from './inbox-canned.js';
import type { ComposeDetail, CsInboxComposer } from './inbox-composer.js';
import { connectingScreen } from './inbox-connecting.js';
import { InboxController, InboxPhase } from './inbox-controller.js';
import { inboxDetailsStyles } from './inbox-details-styles.js';
import { InboxDirectory, transferTargets } from './inbox-directory.js';
import { GateController } from './inbox-gate.js';
import { inboxListStyles } from './inbox-list-styles.js';
import { visitorLabel } from './inbox-model.js';
import { paneSwitcher, Pane } from './inbox-panes.js';
import { InboxSearch } from './inbox-search.js';
import { inboxSidebar } from './inbox-sidebar.js';
import { inboxStyles } from './inbox-styles.js';
import { emptyThread, lightbox, threadPane, threadRow } from './inbox-thread.js';
import { inboxThreadStyles } from './inbox-thread-styles.js';
import { inboxTopbar, TopbarMenu } from './inbox-topbar.js';
import { inboxTopbarStyles } from './inbox-topbar-styles.js';
import { detailsPanel, filesPanel } from './inbox-views.js';
import type { MessageViewContext } from './message-list.js';
import { MessageRows } from './message-rows.js';
import { messageStyles } from './message-styles.js';
import { MessageWindow } from './message-window.js';
import { messageContext } from './message-context.js';
import { resetStyles } from './styles.js';
import { workbenchLang, workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';

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
  /** The top bar's overflow menu on narrow screens (inbox-topbar.ts). */
  private readonly menu = new TopbarMenu(this);
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
  private readonly rows = new MessageRows((item, ctx) => threadRow(item, ctx, this.t, this.shown?.visitorName ?? ''));
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
      ${inboxTopbar(this.inbox, this.t, this.menu, () => this.requestUpdate())}
      ${this.inbox.notice ? html`<div class="notice" role="alert">${this.inbox.notice}</div>` : nothing}
      ${paneSwitcher(this.pane, !!this.inbox.selectedId, (pane) => (this.pane = pane), this.t)}
      <div class="cols" data-pane=${this.pane}>
        ${inboxSidebar({
          inbox: this.inbox,
          search: this.search,
          directory: this.directory,
          t: this.t,
          open: (id) => this.open(id),
          focusAfterRender: (selector) => void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus()),
        })}
        ${this.inbox.selectedId ? this.renderThread() : emptyThread(this.t)}
        ${this.renderDetails()}
      </div>
      ${this.lightbox ? lightbox(this.lightbox, () => this.closeLightbox()) : nothing}
    `;
  }

  private get openInfo(): ConversationInfo | undefined {
    const id = this.inbox.selectedId;
    return this.inbox.allConversations.find((c) => c.id === id) ?? this.inbox.view.info;
  }

  private renderThread(): TemplateResult {
    const view = this.inbox.view;
    const info = this.openInfo;
    const t = this.t;
    const name = info ? visitorLabel(info, t.visitor) : t.visitor;
    this.shown = { items: this.window.slice(view.items, view.hasOlder), ctx: this.messageContext(view.items), visitorName: name };
    return threadPane({
      inbox: this.inbox,
      info,
      name,
      t,
      strings: this.strings,
      loadingOlder: this.window.loading,
      files: this.files,
      canned: this.directory.canned ?? this.cannedReplies,
      quote: this.quote,
      actions: info ? this.renderActions(info) : nothing,
      agentName: (id) => this.directory.nameOf(id),
      compose: (e) => this.onCompose(e),
      cancelQuote: () => (this.quote = undefined),
    });
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

  private closeLightbox(): void {
    this.lightbox = undefined;
    this.requestUpdate();
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
      ${info ? filesPanel(this.inbox.view.items, location.href, this.t) : nothing}
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

  static override styles = [resetStyles, messageStyles, inboxStyles, inboxTopbarStyles, inboxListStyles, inboxThreadStyles, inboxDetailsStyles];
}

customElements.define('cs-inbox', CsInbox);

declare global {
  interface HTMLElementTagNameMap {
    'cs-inbox': CsInbox;
  }
}
