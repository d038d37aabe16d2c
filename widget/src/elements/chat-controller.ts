/**
 * The one controller that owns a visitor's {@link Session} for `<cs-chat>`:
 * starts it just after the element's first paint and stops it when it leaves,
 * follows
 * the visitor's conversation, counts unread messages while the panel is not
 * in view, and re-dispatches what a merchant's page may care about as DOM
 * events on the element. The element reads this controller's fields and
 * renders; it never talks to the session itself.
 *
 * Why after the first paint: opening IndexedDB, reading the cache and the
 * socket's set-up cost tens of ms on a slow phone, and the launcher should be
 * on screen in the first frame after the script ran. The start waits for one
 * frame only (a timer when a hidden tab has no frames), and anything that
 * needs the session sooner (a send, identify, setTopic, reset, retry) starts
 * it at once and waits for it, so no message and no outbox flush is lost to
 * the delay.
 */
import type { ReactiveControllerHost } from 'lit';
import type { Announcement } from '../core/announcements.js';
import type { ConnState, ConversationView, Disposer, IdentityInput, Session, TimelineItem } from '../core/types.js';
import { EMPTY_VIEW, SessionController } from './session-view.js';

/** Detail of `cs-state`. */
export interface StateDetail {
  readonly oldState: ConnState;
  readonly newState: ConnState;
}

/** Performance mark set once, when the launcher's first frame has been painted. */
export const LAUNCHER_PAINTED_MARK = 'cs-chat:launcher-painted';

/** Longest wait for a frame before starting anyway (hidden tabs have no frames), ms. */
const START_FALLBACK_MS = 500;

/**
 * Runs `fn` once just after the next frame is painted: a task queued from
 * requestAnimationFrame runs after that frame's paint. Falls back to a timer.
 * @returns a disposer that cancels it.
 */
export function afterNextPaint(fn: () => void, fallbackMs = START_FALLBACK_MS): Disposer {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    fn();
  };
  const timer = setTimeout(run, fallbackMs);
  requestAnimationFrame(() => setTimeout(run, 0));
  return () => {
    done = true;
    clearTimeout(timer);
  };
}

/** What the controller needs from its element. */
export interface ChatHost extends ReactiveControllerHost, EventTarget {
  /** The panel is open and the page is visible: messages are being seen. */
  panelVisible(): boolean;
  /** A message from the other side arrived while the panel was not in view. */
  attention(item: TimelineItem, unread: number): void;
}

/** Owns the session of one `<cs-chat>`; see the module comment. */
export class ChatController extends SessionController {
  /** The conversation shown ('' until the session knows it). */
  conversationId = '';
  view: ConversationView = EMPTY_VIEW;
  /** Messages from the other side not seen yet. */
  unread = 0;
  /** Why the server refused the email left in the widget ('' none). */
  contactError = '';
  private savedEmail = '';
  /** The merchant's announcements to show, newest first. */
  news: readonly Announcement[] = [];
  private current: Session | undefined;
  /** The host element is on the page (between hostConnected and hostDisconnected). */
  private onPage = false;
  private lastRead = 0;
  /** `start()` of the current session, once called. */
  private started: Promise<void> | undefined;
  /** Attached but not started: start after the host's next paint. */
  private startPending = false;
  private cancelStart: Disposer | undefined;
  private painted = false;
  /** Makes the session at start time when none was set (so its code need not even run before the first paint). */
  private source: (() => Session | Promise<Session>) | undefined;
  private making: Promise<void> | undefined;

  /** The element, with what this controller asks of it. */
  declare protected readonly host: ChatHost;

  constructor(host: ChatHost) {
    super(host);
    host.addController(this);
  }

  /** The next opening while away outside business hours, ms since the epoch (0 unknown). */
  get nextOpenMs(): number {
    return this.link.nextOpenMs;
  }

  /** Offer the email field after this long without an agent reply, ms; 0: the server sends no email (offer nothing). */
  get askEmailAfterMs(): number {
    return this.link.askEmailAfterMs;
  }

  /** The email the server stored for this conversation (a Contact echo, or the conversation's), '' none. */
  get contactEmail(): string {
    return this.savedEmail || (this.view.info?.contactEmail ?? '');
  }

  /** Sends the email the visitor left (Contact); `contactError` says when the server refused it. */
  leaveEmail(email: string): void {
    this.contactError = '';
    this.current?.continuity.contact(this.conversationId, email);
  }

  get session(): Session | undefined {
    return this.current;
  }

  /** Swaps the session: the old one is stopped, the new one started if the element is connected. */
  set session(next: Session | undefined) {
    if (next === this.current) return;
    this.source = undefined;
    if (this.onPage) this.detach();
    this.current = next;
    if (this.onPage) this.attach();
  }

  hostConnected(): void {
    this.onPage = true;
    this.attach();
  }

  hostDisconnected(): void {
    this.onPage = false;
    this.detach();
  }

  /**
   * Makes the session with `make` when it is time to start one, unless a
   * session is set before then. `make` may be async (the script-tag bundle
   * evaluates the engine's code only then).
   */
  createLater(make: () => Session | Promise<Session>): void {
    if (!this.current) this.source = make;
  }

  /** After a render: the first one since attaching schedules the start for just after it is painted. */
  hostUpdated(): void {
    if (!(this.startPending || (this.source && !this.current)) || this.cancelStart) return;
    this.cancelStart = afterNextPaint(() => {
      this.cancelStart = undefined;
      if (!this.painted) {
        this.painted = true;
        performance.mark(LAUNCHER_PAINTED_MARK);
      }
      void this.ready();
    });
  }

  /**
   * The current session, started: starts it now if it was waiting for the
   * first paint, and resolves once its start (cache loaded, socket opening)
   * is done. Undefined without a session or while the element is detached.
   */
  async ready(): Promise<Session | undefined> {
    if (!this.current && this.source && this.onPage) await (this.making ??= this.make(this.source));
    const s = this.current;
    if (!s || !this.onPage) return undefined;
    if (this.startPending) this.startNow(s);
    await this.started;
    return s === this.current ? s : undefined;
  }

  /** Queues a message in the visitor's conversation. */
  async send(text: string, quoteSeq = 0): Promise<void> {
    if (!text.trim()) return;
    const s = await this.ready();
    if (!s) return;
    s.setTyping(this.conversationId, false);
    const item = await s.send(this.conversationId, text, quoteSeq ? { quoteSeq } : undefined);
    this.fire('cs-message', { item });
  }

  async retry(item: TimelineItem): Promise<void> {
    await (await this.ready())?.retry(item.conversationId, item.clientMsgId);
  }

  loadOlder(): Promise<void> {
    return this.current && this.conversationId ? this.current.loadOlder(this.conversationId) : Promise.resolve();
  }

  setTyping(typing: boolean): void {
    if (this.conversationId) this.current?.setTyping(this.conversationId, typing);
  }

  /** The panel shows everything up to `seq`: clear the badge and tell the other side (once per new seq). */
  markSeen(seq: number): void {
    this.clearUnread();
    if (!this.current || !this.conversationId || seq <= this.lastRead) return;
    this.lastRead = seq;
    this.current.markRead(this.conversationId, seq);
  }

  clearUnread(): void {
    if (!this.unread) return;
    this.unread = 0;
    this.fire('cs-unread', { count: 0 });
    this.host.requestUpdate();
  }

  /**
   * Identifies the visitor. A refusal rejects with the session's
   * IdentityError, fires `cs-error` `{code, message}` and says on the console
   * what is wrong and how to fix it; the chat goes on anonymous.
   */
  async identify(identity: IdentityInput): Promise<void> {
    try {
      await (await this.ready())?.identify(identity);
    } catch (error) {
      const message = (error as Error).message;
      this.fire('cs-error', { code: 'identity_rejected', message });
      console.error(`cs-chat: identify() refused (${message}): sign on your server, signature = hex(HMAC-SHA256(CS_IDENTITY_SECRET, userId))`);
      throw error;
    }
  }

  async setTopic(topic: string): Promise<void> {
    this.lastRead = 0;
    await (await this.ready())?.setTopic(topic);
  }

  async reset(): Promise<void> {
    this.lastRead = 0;
    this.unread = 0;
    await (await this.ready())?.reset();
  }

  private attach(): void {
    const s = this.current;
    if (!s) return;
    this.link.link(s, {
      state: (e) => this.fire('cs-state', e),
      welcome: () => this.refresh(),
      list: () => this.refresh(),
      change: (e) => {
        if (!this.conversationId || e.conversationId === this.conversationId) this.refresh();
      },
      incoming: (e) => this.onIncoming(e.item),
      contact: (e) => {
        if (e.conversationId === this.conversationId) this.savedEmail = e.email;
      },
      error: (e) => {
        if (e.ref === 'contact') this.contactError = e.message;
      },
    });
    this.refresh();
    this.startPending = true;
  }

  private async make(source: () => Session | Promise<Session>): Promise<void> {
    try {
      const made = await source();
      if (!this.current && this.source === source) this.session = made;
    } catch (err) {
      console.error('cs-chat: could not make the session', err);
    } finally {
      this.source = undefined;
      this.making = undefined;
    }
  }

  private startNow(s: Session): void {
    this.startPending = false;
    this.cancelStart?.();
    this.cancelStart = undefined;
    this.started = s.start().then(
      () => {
        if (s !== this.current) return;
        this.refresh();
        s.pageView(location.href, document.title);
        this.fire('cs-ready', { userId: s.userId });
      },
      (err: unknown) => console.error('cs-chat: session failed to start', err),
    );
  }

  private detach(): void {
    this.link.unlink();
    this.cancelStart?.();
    this.cancelStart = undefined;
    this.startPending = false;
    this.started = undefined;
    const s = this.current;
    if (s) void s.stop();
  }

  private onIncoming(item: TimelineItem): void {
    if (item.conversationId !== this.conversationId && this.conversationId) return;
    this.fire('cs-message', { item });
    if (this.host.panelVisible()) return;
    this.unread += 1;
    this.fire('cs-unread', { count: this.unread });
    this.host.attention(item, this.unread);
    this.host.requestUpdate();
  }

  private refresh(): void {
    const s = this.current;
    if (!s) return;
    const id = s.primaryConversationId;
    if (id !== this.conversationId) {
      this.conversationId = id;
      this.lastRead = 0;
      this.savedEmail = '';
    }
    // Before the first Welcome the id is empty: the view of "" holds what the visitor already sent (pending, "Sending").
    this.view = s.view(id);
    this.news = s.announcements();
    this.host.requestUpdate();
  }

  private fire(type: string, detail: unknown): void {
    this.host.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
