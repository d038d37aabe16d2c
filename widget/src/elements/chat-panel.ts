/**
 * The inside of `<cs-chat>`'s panel, in the lazy `panel` chunk (see
 * chunks.ts): header with presence, connection banner, the windowed message
 * list with keyed rows, the quoting line and the composer, with the panel's
 * styles and texts. `<cs-chat>` (in dist/cs-chat.js) loads this module on
 * first open, or earlier when the page is idle, and then hands the inside
 * of its dialog box (its render and update work) to one {@link ChatPanel};
 * the box itself (modal on a phone, the page pinned, Escape) is the
 * element's, the same while this chunk loads.
 *
 * Messages with files render through the file views (file-views.ts: images
 * inline, file cards, upload progress and errors), which also give the
 * composer its attach button and take pasted and dropped files; the upload
 * code itself is the session's (the `uploads` chunk, on the first file).
 *
 * The panel holds only view state (the draft, the quoted message, the
 * window); messages and the outbox stay in the session, so a panel made late
 * (or again after a failed load) shows everything.
 */
import { html, nothing, type CSSResult, type ReactiveControllerHost } from 'lit';
import { loadChunk } from '../chunks.js';
import { AnnouncementEvent } from '../core/announcements.js';
import { ConnState, type TimelineItem } from '../core/types.js';
import type { ChatController } from './chat-controller.js';
import { ComposerController } from './composer.js';
import { fileViews, type FileViews } from './file-views.js';
import type { NewsDetail } from './cs-news.js';
import { chatStyles } from './cs-chat-styles.js';
import { pickLang, stringsFor, type Strings } from './i18n.js';
import { icons } from './icons.js';
import { previewText, renderTyping, type MessageViewContext } from './message-list.js';
import { MessageRows } from './message-rows.js';
import { messageStyles } from './message-styles.js';
import { MessageWindow } from './message-window.js';
import { messageContext } from './message-context.js';
import { newestSeq } from './session-view.js';
import { backAtText } from '../core/back-at.js';
import { EmailCapture } from './email-capture.js';

/** What the panel needs from `<cs-chat>`. */
export interface PanelHost extends ReactiveControllerHost {
  readonly isOpen: boolean;
  readonly merchantName: string;
  /** The merchant's welcome line ('' for the built-in one). */
  readonly greeting: string;
  readonly language: string;
  /** WebSocket URL of the server (file URLs are relative to it). */
  readonly server: string;
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
  close(): void;
  /** The panel is open and the page visible. */
  panelVisible(): boolean;
  /** The visitor acted on an announcement (counts it, opens the chat when asked). */
  newsAction(d: NewsDetail): void;
}

/** The panel's styles, added to the element's shadow root when the chunk arrives. */
export const panelStyles: readonly CSSResult[] = [messageStyles, chatStyles];

/** Makes the panel of one `<cs-chat>` (the chunk's entry point). */
export function createPanel(host: PanelHost, chat: ChatController): ChatPanel {
  return new ChatPanel(host, chat);
}

/** The panel's view state and rendering; see the module comment. */
export class ChatPanel {
  private readonly window: MessageWindow;
  private readonly rows = new MessageRows();
  private readonly composer: ComposerController;
  private readonly email: EmailCapture;
  /** What the last render picked for the rows, applied right after it (see `committed`). */
  private shown: { items: readonly TimelineItem[]; ctx: MessageViewContext } | undefined;
  /** The message, or the announcement (its `id` and line; a TimelineItem has no `id`), the composer replies to. */
  private quoting: TimelineItem | { readonly id: string; readonly text: string } | undefined;
  /** Focus the composer after the next render (the panel was opened). */
  private focusPending: boolean;
  /** How files look, the attach button, paste and drop. */
  private readonly files: FileViews;

  constructor(
    private readonly host: PanelHost,
    private readonly chat: ChatController,
  ) {
    this.window = new MessageWindow(host, { loadOlder: () => chat.loadOlder() });
    this.composer = new ComposerController(host, (typing) => chat.setTyping(typing));
    this.email = new EmailCapture(host, chat);
    this.focusPending = host.isOpen;
    this.files = fileViews(
      { html, nothing },
      {
        root: host.shadowRoot,
        server: host.server,
        session: () => chat.ready(),
        // The list follows a new own message by itself while it shows the newest.
        update: () => host.requestUpdate(),
        sent: () => this.window.scrollToEnd(),
      },
    );
  }

  /** The panel is about to open: show the newest messages and focus the composer. */
  opening(): void {
    this.window.scrollToEnd();
    this.focusPending = true;
  }

  /** Forgets the draft and the quote (the visitor logged out). */
  reset(): void {
    this.quoting = undefined;
    this.composer.set('');
  }

  /** Right after the element committed its template: the keyed rows, before the controllers measure the scroll position. */
  committed(): void {
    const list = this.host.renderRoot.querySelector<HTMLElement>('.rows');
    if (list && this.shown) this.rows.sync(list, this.shown.items, this.shown.ctx);
  }

  /** After the element's update: observe the scroller, focus when just opened, mark what is seen as read. */
  updated(): void {
    const root = this.host.renderRoot;
    this.window.attach(root.querySelector('.log'), root.querySelector('.sentinel.top'), root.querySelector('.sentinel.bottom'));
    if (this.focusPending && this.host.isOpen) {
      this.focusPending = false;
      this.textarea?.focus();
    }
    if (this.host.panelVisible() && this.window.seesNewest) this.chat.markSeen(newestSeq(this.chat.view.items));
  }

  private get textarea(): HTMLTextAreaElement | null {
    return this.host.renderRoot.querySelector('textarea');
  }

  /** The panel's inside; the element renders it in the dialog box (cs-chat.ts), the same box as while the chunk loads. */
  render() {
    const s = stringsFor(pickLang(this.host.language));
    const name = this.host.merchantName || s.defaultTitle;
    // Presence only when known: while the link is down the header says so instead of a stale "Online".
    const linked = this.chat.conn === ConnState.Open;
    const online = linked && this.chat.agentsOnline > 0;
    // Away outside business hours: when the team is back, in the visitor's own zone and language (core/back-at.ts).
    const away = this.chat.nextOpenMs > 0 ? backAtText(this.chat.nextOpenMs, Date.now(), s.lang) : s.away;
    const view = this.chat.view;
    this.shown = { items: this.window.slice(view.items, view.hasOlder), ctx: this.viewContext(s) };
    return html`
      <header part="header">
        <div class="avatar" aria-hidden="true">${[...name][0]?.toUpperCase()}</div>
        <div class="heading">
          <h2>${name}</h2>
          <p class="presence"><i class=${online ? 'online' : 'away'}></i>${linked ? (online ? s.online : away) : this.chat.wasOpen ? s.reconnecting : ''}</p>
        </div>
        <button class="icon-btn" type="button" aria-label=${s.closeChat} @click=${() => this.host.close()}>${icons.close}</button>
      </header>
      ${this.renderBanner(s)}
      ${this.renderNews()}
      <div class="log" role="log" aria-live="polite" aria-label=${s.messages} tabindex="0">
        <div class="sentinel top"></div>
        ${this.window.loading ? html`<div class="older">${s.loadingOlder}</div>` : nothing}
        ${view.items.length === 0 ? html`<div class="empty">${this.host.greeting || s.empty}</div>` : nothing}
        <div class="rows"></div>
        ${this.email.render(s)}
        <div class="sentinel bottom"></div>
      </div>
      <div class="below">${renderTyping(view.typing, s)}</div>
      ${this.quoting
        ? html`<div class="quoting">
            <span><b>${s.replyingTo}</b> ${'id' in this.quoting ? this.quoting.text : previewText(this.quoting, s)}</span>
            <button class="icon-btn" type="button" aria-label=${s.cancelReply} @click=${() => this.cancelQuote()}>${icons.close}</button>
          </div>`
        : nothing}
      ${this.files.notice()}
      <form part="composer" @submit=${this.onSubmit}>
        ${this.files.attach(s.lang)}
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
    `;
  }

  /** The dialog's accessible name ("Chat with …"). */
  get label(): string {
    const s = stringsFor(pickLang(this.host.language));
    return s.chatWith(this.host.merchantName || s.defaultTitle);
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

  /** The announcements as a card above the messages (`<cs-news>`, the lazy `news` chunk). */
  private renderNews() {
    if (!this.chat.news.length) return nothing;
    loadChunk('news').catch(() => undefined);
    return html`<cs-news mode="card" .items=${this.chat.news} @cs-news=${this.onNews}></cs-news>`;
  }

  private onNews = ({ detail: d }: CustomEvent<NewsDetail>): void => {
    this.host.newsAction(d);
    if (d.quote) {
      this.quoting = { id: d.id, text: d.quote };
      this.host.requestUpdate();
      this.textarea?.focus();
    }
  };

  private viewContext(s: Strings): MessageViewContext {
    return messageContext(this.chat.view.items, {
      strings: s,
      lang: s.lang === 'zh' ? 'zh-CN' : 'en',
      showNames: true,
      onRetry: (item) => void this.chat.retry(item),
      onReply: (item) => {
        this.quoting = item;
        this.host.requestUpdate();
        this.textarea?.focus();
      },
      onQuickReply: (label) => this.sendText(label, 0),
      files: this.files,
    });
  }

  private cancelQuote(): void {
    this.quoting = undefined;
    this.host.requestUpdate();
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
    const quoting = this.quoting;
    if (quoting && 'id' in quoting) {
      // A reply to an announcement quotes it in the text (every client and transcript shows it), and counts as replied.
      this.sendText(`> ${quoting.text}\n${text}`, 0);
      this.host.newsAction({ id: quoting.id, action: 'reply', event: AnnouncementEvent.Replied });
    } else this.sendText(text, quoting?.seq ?? 0);
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
}
