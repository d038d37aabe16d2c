/**
 * The one controller that owns a visitor's {@link Session} for `<cs-chat>`:
 * starts it when the element connects and stops it when it leaves, follows
 * the visitor's conversation, counts unread messages while the panel is not
 * in view, and re-dispatches what a merchant's page may care about as DOM
 * events on the element. The element reads this controller's fields and
 * renders; it never talks to the session itself.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  ConnState,
  type ConversationView,
  type Disposer,
  type IdentityInput,
  type Session,
  type TimelineItem,
} from '../transport/session-types.js';

/** Detail of `cs-state`. */
export interface StateDetail {
  readonly oldState: ConnState;
  readonly newState: ConnState;
}

const EMPTY_VIEW: ConversationView = { info: undefined, items: [], hasOlder: false, typing: [] };

/** What the controller needs from its element. */
export interface ChatHost extends ReactiveControllerHost, EventTarget {
  /** The panel is open and the page is visible: messages are being seen. */
  panelVisible(): boolean;
  /** A message from the other side arrived while the panel was not in view. */
  attention(item: TimelineItem, unread: number): void;
}

/** Owns the session of one `<cs-chat>`; see the module comment. */
export class ChatController implements ReactiveController {
  /** The conversation shown ('' until the session knows it). */
  conversationId = '';
  view: ConversationView = EMPTY_VIEW;
  conn: ConnState = ConnState.Idle;
  /** The socket was open at least once: later drops show "reconnecting". */
  wasOpen = false;
  agentsOnline = 0;
  /** Messages from the other side not seen yet. */
  unread = 0;
  private current: Session | undefined;
  private disposers: Disposer[] = [];
  private connected = false;
  private lastRead = 0;

  constructor(private readonly host: ChatHost) {
    host.addController(this);
  }

  get session(): Session | undefined {
    return this.current;
  }

  /** Swaps the session: the old one is stopped, the new one started if the element is connected. */
  set session(next: Session | undefined) {
    if (next === this.current) return;
    if (this.connected) this.detach();
    this.current = next;
    if (this.connected) this.attach();
  }

  hostConnected(): void {
    this.connected = true;
    this.attach();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.detach();
  }

  /** Queues a message in the visitor's conversation. */
  async send(text: string, quoteSeq = 0): Promise<void> {
    const s = this.current;
    if (!s || !text.trim()) return;
    s.setTyping(this.conversationId, false);
    const item = await s.send(this.conversationId, text, quoteSeq ? { quoteSeq } : undefined);
    this.fire('cs-message', { item });
  }

  retry(item: TimelineItem): Promise<void> {
    return this.current?.retry(item.conversationId, item.clientMsgId) ?? Promise.resolve();
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

  identify(identity: IdentityInput): Promise<void> {
    return this.current?.identify(identity) ?? Promise.resolve();
  }

  setTopic(topic: string): Promise<void> {
    this.lastRead = 0;
    return this.current?.setTopic(topic) ?? Promise.resolve();
  }

  reset(): Promise<void> {
    this.lastRead = 0;
    this.unread = 0;
    return this.current?.reset() ?? Promise.resolve();
  }

  private attach(): void {
    const s = this.current;
    if (!s) return;
    this.conn = s.state;
    this.disposers.push(
      s.on('state', (e) => {
        this.conn = e.newState;
        if (e.newState === ConnState.Open) this.wasOpen = true;
        this.fire('cs-state', e);
        this.host.requestUpdate();
      }),
      s.on('welcome', (e) => {
        this.agentsOnline = e.agentsOnline;
        this.refresh();
      }),
      s.on('presence', (e) => {
        this.agentsOnline = e.agentsOnline;
        this.host.requestUpdate();
      }),
      s.on('list', () => this.refresh()),
      s.on('change', (e) => {
        if (!this.conversationId || e.conversationId === this.conversationId) this.refresh();
      }),
      s.on('incoming', (e) => this.onIncoming(e.item)),
    );
    this.refresh();
    s.start().then(
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
    for (const dispose of this.disposers.splice(0)) dispose();
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
    }
    this.view = id ? s.view(id) : EMPTY_VIEW;
    this.host.requestUpdate();
  }

  private fire(type: string, detail: unknown): void {
    this.host.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
