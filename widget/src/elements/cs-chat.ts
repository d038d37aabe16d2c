/**
 * `<cs-chat>`: the visitor's chat. A launcher bubble with an unread badge
 * opens a panel with the merchant's name and agent presence, the message
 * list, and a composer. The element only renders: {@link ChatController}
 * owns the session, {@link AttentionController} handles the hidden-page title
 * badge and notifications, and the panel's inside ({@link ChatPanel}: message
 * window, rows, composer, their styles and texts) is a lazy chunk that
 * {@link LazyPanel} loads when the page is idle or on first open (chunks.ts),
 * so `dist/cs-chat.js` carries only what a page view needs before the chat
 * is opened: this launcher and the session.
 *
 * The session comes from the `session` property (tests, custom setups) or is
 * made from the attributes, just after the first paint, by `CsChat.createSession`, which the entries
 * (`widget/src/index.ts`, `widget/src/embed.ts`) point at `ChatSession`; the
 * element itself does not import the engine, so the views stay testable with a
 * fake session.
 *
 * @fires cs-ready - The session started (cache shown, connecting). Detail `{userId}`.
 * @fires cs-message - A message was sent or arrived. Detail `{item: TimelineItem}`.
 * @fires cs-unread - The unread count changed. Detail `{count}`.
 * @fires cs-state - The connection state changed. Detail `{oldState, newState}`.
 * @fires cs-error - Something the page must fix, e.g. `identify()` refused. Detail `{code, message}`.
 * @csspart launcher - The round launcher button.
 * @csspart panel - The chat panel (a dialog).
 * @csspart header - The panel header with the merchant name and presence.
 * @csspart message - Each message row.
 * @csspart event - Each system line (EVENT messages).
 * @csspart composer - The form with the textarea and the send button.
 * @cssprop --cs-accent - Brand colour (also settable with the `color` attribute). Default #4f46e5.
 * @cssprop --cs-accent-text - Text colour on the brand colour. Default #fff.
 * @cssprop --cs-font - Font stack. Default the system UI font.
 * @cssprop --cs-text - Text colour. Default #1f2937.
 * @cssprop --cs-bg - Panel background. Default #fff.
 * @cssprop --cs-bubble - The other side's bubble background. Default #f1f3f7.
 * @cssprop --cs-radius - Panel corner radius. Default 16px.
 * @cssprop --cs-z - z-index. Default 2147483000.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { loadChunk } from '../chunks.js';
import type { IdentityInput, Session, SessionFactory, TimelineItem } from '../core/types.js';
import { AttentionController, pageHidden } from './alerts.js';
import { ChatController } from './chat-controller.js';
import { launcherStringsFor, pickLang, type LauncherStrings } from './i18n-launcher.js';
import { launcherIcons } from './launcher-icons.js';
import { LazyPanel, PanelState } from './lazy-panel.js';
import { launcherStyles } from './launcher-styles.js';
import { previewText } from './message-text.js';
import { dialogKeydown, isFullScreen } from './panel-focus.js';
import { ScrollLock } from './scroll-lock.js';
import type { NewsDetail } from './cs-news.js';
import { resetStyles } from './styles.js';

export class CsChat extends LitElement {
  static override styles = [resetStyles, launcherStyles];

  static override properties = {
    isOpen: { type: Boolean, reflect: true, attribute: 'open' },
    merchantName: { type: String, attribute: 'merchant-name' },
    language: { type: String, attribute: 'lang' },
    server: { type: String },
    site: { type: String },
    topic: { type: String },
    position: { type: String, reflect: true },
    color: { type: String },
    greeting: { type: String },
    dbName: { type: String, attribute: 'db-name' },
  };

  /**
   * Makes a session from the attributes when none was set. The entries set
   * it to `new ChatSession(options)`; undefined leaves the element idle.
   */
  static createSession: SessionFactory | undefined;

  /** The panel is open (attribute `open`). */
  declare isOpen: boolean;
  /** Shown in the header (attribute `merchant-name`). Default "Support". */
  declare merchantName: string;
  /** Language tag (attribute `lang`); else `<html lang>`, else the browser's. */
  declare language: string;
  /** WebSocket URL of the server's `/ws`. */
  declare server: string;
  /** Merchant site key. */
  declare site: string;
  /** Conversation topic, e.g. an order number. Default ''. */
  declare topic: string;
  /** Corner: 'right' (default) or 'left'. */
  declare position: 'right' | 'left';
  /** Brand colour; sets `--cs-accent`. */
  declare color: string;
  /** The welcome line of the empty panel (attribute `greeting`). Default the built-in one of the language. */
  declare greeting: string;
  /** IndexedDB name for the session. Default 'cs-chat'. */
  declare dbName: string;

  private readonly chat = new ChatController(this);
  private readonly attentionCtl = new AttentionController(this, () => this.onPageVisible());
  private readonly lazy = new LazyPanel(this, this.chat);
  /** Pins the page while the open panel (or the box saying it loads) covers it on a phone. */
  private readonly scrollLock = new ScrollLock(this);
  /** The panel was opened once: render it from then on (keeps first paint cheap). */
  private panelMade = false;

  constructor() {
    super();
    this.isOpen = false;
    this.merchantName = '';
    this.language = '';
    this.server = '';
    this.site = '';
    this.topic = '';
    this.position = 'right';
    this.color = '';
    this.greeting = '';
    this.dbName = '';
  }

  /** The session this element renders (set it before connecting to bypass `createSession`). */
  get session(): Session | undefined {
    return this.chat.session;
  }

  set session(session: Session | undefined) {
    this.chat.session = session;
  }

  /** Unread messages from the other side. */
  get unread(): number {
    return this.chat.unread;
  }

  override connectedCallback(): void {
    const factory = CsChat.createSession;
    if (!this.chat.session && factory && this.server) {
      this.chat.createLater(() =>
        factory({
          url: this.server,
          role: 'visitor',
          site: this.site,
          topic: this.topic,
          lang: pickLang(this.language),
          ...(this.dbName ? { dbName: this.dbName } : {}),
        }),
      );
    }
    super.connectedCallback();
  }

  /** Opens the panel (loading its code first if the idle preload has not) and focuses the composer. */
  open(): void {
    if (this.isOpen) return;
    this.lazy.panel?.opening();
    void this.lazy.load();
    this.isOpen = true;
  }

  /** Closes the panel and returns focus to the launcher. */
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    void this.updateComplete.then(() => this.launcher?.focus());
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  /**
   * Binds the visitor to a merchant user (HMAC-signed by the merchant's
   * backend); reconnects. Rejects with an `IdentityError` (and fires
   * `cs-error`) when the signature is refused; the chat stays anonymous.
   */
  identify(identity: IdentityInput): Promise<void> {
    return this.chat.identify(identity);
  }

  /** Switches to the conversation of another topic; reconnects. */
  setTopic(topic: string): Promise<void> {
    this.topic = topic;
    return this.chat.setTopic(topic);
  }

  /** Forgets the visitor on this device (log-out): token, cache and outbox. */
  reset(): Promise<void> {
    this.lazy.panel?.reset();
    return this.chat.reset();
  }

  /** Called by the controller: the panel is open and the page visible. */
  panelVisible(): boolean {
    return this.isOpen && !pageHidden();
  }

  /**
   * What the visitor did with an announcement (the banner here, the card in
   * the panel): the session counts seen, clicked and dismissed once each;
   * the banner and Reply open the chat. (Reply's quote is the panel's.)
   */
  newsAction(d: NewsDetail): void {
    if (d.event) this.session?.announcementEvent(d.id, d.event);
    if (d.open) this.open();
  }

  /** Called by the controller for a message that arrived out of view. */
  attention(item: TimelineItem, unread: number): void {
    const s = this.strings;
    this.attentionCtl.notify(unread, this.merchantName || s.defaultTitle, previewText(item, s, 140), () => this.open());
  }

  private get strings(): LauncherStrings {
    return launcherStringsFor(pickLang(this.language));
  }

  private get launcher(): HTMLButtonElement | null {
    return this.renderRoot.querySelector('.launcher');
  }

  private onPageVisible(): void {
    if (this.isOpen) this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('color')) {
      if (this.color) this.style.setProperty('--cs-accent', this.color);
      else this.style.removeProperty('--cs-accent');
    }
    if (this.isOpen) this.panelMade = true;
    if (changed.has('isOpen')) this.scrollLock.set(this.isOpen && isFullScreen());
  }

  /** Lit commits the template in `super.update`; the panel's keyed rows follow at once, before the controllers measure the scroll position. */
  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    this.lazy.panel?.committed();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (this.lazy.panel) this.lazy.panel.updated();
    // Opened while the panel's code loads: focus goes into the box that says so (the panel focuses its composer when it comes).
    else if (changed.has('isOpen') && this.isOpen) this.renderRoot.querySelector<HTMLElement>('.loading button')?.focus();
  }

  protected override render() {
    const s = this.strings;
    const unread = this.chat.unread;
    return html`
      <button
        class="launcher"
        part="launcher"
        type="button"
        aria-label=${this.isOpen ? s.minimiseChat : s.openChat}
        aria-expanded=${this.isOpen ? 'true' : 'false'}
        aria-controls="panel"
        aria-describedby="unread"
        @click=${() => this.toggle()}
      >
        ${this.isOpen ? launcherIcons.down : launcherIcons.chat}
        ${unread ? html`<span class="badge" aria-hidden="true">${unread > 99 ? '99+' : unread}</span>` : nothing}
      </button>
      <span id="unread" class="sr-only">${unread ? s.unread(unread) : ''}</span>
      ${this.isOpen ? nothing : this.renderBanner()}
      ${this.panelMade ? this.renderDialog(s) : nothing}
    `;
  }

  /** The newest announcement as a banner by the closed launcher; `<cs-news>` is the lazy `news` chunk, loaded when there is one. */
  private renderBanner() {
    if (!this.chat.news.length) return nothing;
    // Defines <cs-news> (it upgrades in place); a failed load is tried again on the next render.
    loadChunk('news').catch(() => undefined);
    return html`<cs-news mode="banner" .items=${this.chat.news} @cs-news=${(e: CustomEvent<NewsDetail>) => this.newsAction(e.detail)}></cs-news>`;
  }

  /**
   * The panel's box, a dialog from the first click: modal on a phone (the
   * page pinned behind it, Tab kept inside), Escape closes. It holds the
   * panel once its code is loaded; until then, or after a load failed, a
   * line that says so (the load is retried; Retry tries now).
   */
  private renderDialog(s: LauncherStrings) {
    const panel = this.lazy.panel;
    const failed = this.lazy.state === PanelState.Failed;
    return html`
      <section
        id="panel"
        class="panel"
        part="panel"
        role="dialog"
        aria-modal=${isFullScreen() ? 'true' : nothing}
        aria-label=${panel?.label ?? s.defaultTitle}
        lang=${s.lang === 'zh' ? 'zh-CN' : 'en'}
        ?hidden=${!this.isOpen}
        @keydown=${(e: KeyboardEvent) => dialogKeydown(e, () => this.close(), this.shadowRoot)}
      >
        ${panel
          ? panel.render()
          : html`<div class="loading" role="status">
              <span>${failed ? s.chatLoadFailed : s.loadingChat}</span>
              ${failed ? html`<button class="retry" type="button" @click=${() => void this.lazy.load()}>${s.retry}</button>` : nothing}
              <button type="button" @click=${() => this.close()}>${s.closeChat}</button>
            </div>`}
      </section>
    `;
  }
}

if (!customElements.get('cs-chat')) customElements.define('cs-chat', CsChat);

declare global {
  interface HTMLElementTagNameMap {
    'cs-chat': CsChat;
  }
}
