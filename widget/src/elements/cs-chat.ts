/**
 * `<cs-chat>`: the visitor's chat. A launcher bubble with an unread badge
 * opens a panel with the merchant's name and agent presence, the message
 * list, and a composer. The element only renders: {@link ChatController}
 * owns the session, {@link MessageWindow} picks the rendered slice of a long
 * history, {@link AttentionController} handles the hidden-page title badge and
 * notifications.
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
import { ConnState, type IdentityInput, type Session, type SessionFactory, type TimelineItem } from '../core/types.js';
import { AttentionController, pageHidden } from './alerts.js';
import { ChatController } from './chat-controller.js';
import { ComposerController } from './composer.js';
import { chatStyles } from './cs-chat-styles.js';
import { pickLang, stringsFor, type Strings } from './i18n.js';
import { icons, previewText, renderTyping, type MessageViewContext } from './message-list.js';
import { MessageRows } from './message-rows.js';
import { MessageWindow } from './message-window.js';
import { isFullScreen, trapTab } from './panel-focus.js';
import { ScrollLock } from './scroll-lock.js';
import { messageContext, newestSeq } from './session-view.js';
import { messageStyles, resetStyles } from './styles.js';

export class CsChat extends LitElement {
  static override styles = [resetStyles, messageStyles, chatStyles];

  static override properties = {
    isOpen: { type: Boolean, reflect: true, attribute: 'open' },
    merchantName: { type: String, attribute: 'merchant-name' },
    language: { type: String, attribute: 'lang' },
    server: { type: String },
    site: { type: String },
    topic: { type: String },
    position: { type: String, reflect: true },
    color: { type: String },
    dbName: { type: String, attribute: 'db-name' },
    quoting: { state: true },
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
  /** IndexedDB name for the session. Default 'cs-chat'. */
  declare dbName: string;
  declare private quoting: TimelineItem | undefined;

  private readonly chat = new ChatController(this);
  private readonly window = new MessageWindow(this, { loadOlder: () => this.chat.loadOlder() });
  private readonly attentionCtl = new AttentionController(this, () => this.onPageVisible());
  private readonly rows = new MessageRows();
  /** What the last render picked for the rows, applied right after it (see `update`). */
  private shown: { items: readonly TimelineItem[]; ctx: MessageViewContext } | undefined;
  /** Pins the page behind the full-screen panel (phones). */
  private readonly scrollLock = new ScrollLock(this);
  /** The panel was opened once: render it from then on (keeps first paint cheap). */
  private panelMade = false;
  private readonly composer = new ComposerController(this, (typing) => this.chat.setTyping(typing));

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
    this.dbName = '';
    this.quoting = undefined;
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

  /** Opens the panel and focuses the composer. */
  open(): void {
    if (this.isOpen) return;
    this.window.scrollToEnd();
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
    this.quoting = undefined;
    this.composer.set('');
    return this.chat.reset();
  }

  /** Called by the controller: the panel is open and the page visible. */
  panelVisible(): boolean {
    return this.isOpen && !pageHidden();
  }

  /** Called by the controller for a message that arrived out of view. */
  attention(item: TimelineItem, unread: number): void {
    const s = this.strings;
    this.attentionCtl.notify(unread, this.merchantName || s.defaultTitle, previewText(item, s, 140), () => this.open());
  }

  private get strings(): Strings {
    return stringsFor(pickLang(this.language));
  }

  private get launcher(): HTMLButtonElement | null {
    return this.renderRoot.querySelector('.launcher');
  }

  private get textarea(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
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

  /** Lit commits the template in `super.update`; the keyed rows follow at once, before the controllers measure the scroll position. */
  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    const list = this.renderRoot.querySelector<HTMLElement>('.rows');
    if (list && this.shown) this.rows.sync(list, this.shown.items, this.shown.ctx);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const root = this.renderRoot;
    this.window.attach(root.querySelector('.log'), root.querySelector('.sentinel.top'), root.querySelector('.sentinel.bottom'));
    if (changed.has('isOpen') && this.isOpen) this.textarea?.focus();
    if (this.panelVisible() && this.window.seesNewest) this.chat.markSeen(newestSeq(this.chat.view.items));
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
        ${this.isOpen ? icons.down : icons.chat}
        ${unread ? html`<span class="badge" aria-hidden="true">${unread > 99 ? '99+' : unread}</span>` : nothing}
      </button>
      <span id="unread" class="sr-only">${unread ? s.unread(unread) : ''}</span>
      ${this.panelMade ? this.renderPanel(s) : nothing}
    `;
  }

  private renderPanel(s: Strings) {
    const name = this.merchantName || s.defaultTitle;
    // Presence only when known: while the link is down the header says so instead of a stale "Online".
    const linked = this.chat.conn === ConnState.Open;
    const online = linked && this.chat.agentsOnline > 0;
    const view = this.chat.view;
    this.shown = { items: this.window.slice(view.items, view.hasOlder), ctx: this.viewContext(s) };
    return html`
      <section
        id="panel"
        class="panel"
        part="panel"
        role="dialog"
        aria-modal=${isFullScreen() ? 'true' : nothing}
        aria-label=${s.chatWith(name)}
        lang=${s.lang === 'zh' ? 'zh-CN' : 'en'}
        ?hidden=${!this.isOpen}
        @keydown=${this.onPanelKeydown}
      >
        <header part="header">
          <div class="avatar" aria-hidden="true">${[...name][0]?.toUpperCase()}</div>
          <div class="heading">
            <h2>${name}</h2>
            <p class="presence"><i class=${online ? 'online' : 'away'}></i>${linked ? (online ? s.online : s.away) : this.chat.wasOpen ? s.reconnecting : ''}</p>
          </div>
          <button class="icon-btn" type="button" aria-label=${s.closeChat} @click=${() => this.close()}>${icons.close}</button>
        </header>
        ${this.renderBanner(s)}
        <div class="log" role="log" aria-live="polite" aria-label=${s.messages} tabindex="0">
          <div class="sentinel top"></div>
          ${this.window.loading ? html`<div class="older">${s.loadingOlder}</div>` : nothing}
          ${view.items.length === 0 ? html`<div class="empty">${s.empty}</div>` : nothing}
          <div class="rows"></div>
          <div class="sentinel bottom"></div>
        </div>
        <div class="below">${renderTyping(view.typing, s)}</div>
        ${this.quoting
          ? html`<div class="quoting">
              <span><b>${s.replyingTo}</b> ${previewText(this.quoting, s)}</span>
              <button class="icon-btn" type="button" aria-label=${s.cancelReply} @click=${() => this.cancelQuote()}>${icons.close}</button>
            </div>`
          : nothing}
        <form part="composer" @submit=${this.onSubmit}>
          <textarea
            rows="1"
            aria-label=${s.placeholder}
            placeholder=${s.placeholder}
            .value=${this.composer.text}
            @input=${this.onInput}
            @keydown=${this.onComposerKeydown}
            @compositionstart=${this.composer.compositionStart}
            @compositionend=${this.composer.compositionEnd}
            @blur=${() => this.composer.setTyping(false)}
          ></textarea>
          <button class="send" type="submit" aria-label=${s.send} ?disabled=${!this.composer.text.trim()}>${icons.send}</button>
        </form>
      </section>
    `;
  }

  private renderBanner(s: Strings) {
    const conn = this.chat.conn;
    if (conn === ConnState.Offline) return html`<div class="banner" role="status">${s.offline}</div>`;
    if (conn === ConnState.Failed) return html`<div class="banner failed" role="status">${s.unavailable}</div>`;
    if (this.chat.wasOpen && (conn === ConnState.Waiting || conn === ConnState.Connecting)) {
      return html`<div class="banner" role="status">${s.reconnecting}</div>`;
    }
    return nothing;
  }

  private viewContext(s: Strings): MessageViewContext {
    return messageContext(this.chat.view.items, {
      strings: s,
      lang: s.lang === 'zh' ? 'zh-CN' : 'en',
      showNames: true,
      onRetry: (item) => void this.chat.retry(item),
      onReply: (item) => {
        this.quoting = item;
        this.textarea?.focus();
      },
      onQuickReply: (label) => this.sendText(label, 0),
    });
  }

  private cancelQuote(): void {
    this.quoting = undefined;
    this.textarea?.focus();
  }

  private sendText(text: string, quoteSeq: number): void {
    if (!text.trim()) return;
    this.window.scrollToEnd();
    void this.chat.send(text, quoteSeq);
  }

  private submitDraft(): void {
    const text = this.composer.take();
    if (!text) return;
    this.sendText(text, this.quoting?.seq ?? 0);
    this.quoting = undefined;
    const ta = this.textarea;
    if (ta) {
      ta.value = '';
      ta.style.height = '';
    }
  }

  private onSubmit = (e: Event): void => {
    e.preventDefault();
    this.submitDraft();
    this.textarea?.focus();
  };

  private onInput = (e: Event): void => {
    const ta = e.target as HTMLTextAreaElement;
    ta.style.height = 'auto';
    ta.style.height = `${Math.min(ta.scrollHeight, 120)}px`;
    this.composer.input(ta.value);
  };

  /** Enter sends, Shift+Enter is a newline; an Enter that ends an IME composition never sends (composer.ts). */
  private onComposerKeydown = (e: KeyboardEvent): void => {
    if (!this.composer.sends(e)) return;
    e.preventDefault();
    this.submitDraft();
  };

  /**
   * Escape closes. On a phone the panel covers the page (a modal dialog), so
   * Tab and Shift+Tab cycle inside it; on a desktop it sits beside the page,
   * which stays usable, so Tab moves on to the page.
   */
  private onPanelKeydown = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.close();
      return;
    }
    if (e.key === 'Tab' && isFullScreen()) trapTab(e, e.currentTarget as HTMLElement, this.shadowRoot?.activeElement ?? null);
  };
}

if (!customElements.get('cs-chat')) customElements.define('cs-chat', CsChat);

declare global {
  interface HTMLElementTagNameMap {
    'cs-chat': CsChat;
  }
}
