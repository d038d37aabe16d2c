/**
 * The workbench's one controller: it owns the agent's session (sign-in,
 * sign-out, the open conversation, its subscription and read receipts) and the
 * alerts; `<cs-inbox>` only renders what it exposes and calls its methods.
 */
import type { ReactiveControllerHost } from 'lit';
import { cs } from '../../../proto/gen/chat.js';
import { ConnState, type ConversationInfo, type ConversationView, type Disposer, type Session, type SessionFactory, type TimelineItem } from '../core/types.js';
import { InboxAlerts, readStorage, writeStorage } from './alerts.js';
import { EMPTY_VIEW, newestSeq, SessionController } from './session-view.js';
import { httpBaseOf, logout, type AccountInfo } from './inbox-account.js';
import { agentIdOfToken, InboxFilter, totalUnread, visibleConversations, visitorLabel } from './inbox-model.js';
import { workbenchLang, workbenchStrings, type WorkbenchStrings } from './workbench-i18n.js';

/** Where the workbench is in its life. */
export const InboxPhase = {
  /** No token: the sign-in form shows. */
  SignedOut: 'signed-out',
  /** A session runs; no Welcome yet. */
  Connecting: 'connecting',
  /** Welcome received at least once: the inbox shows (also while reconnecting). */
  Ready: 'ready',
} as const;
export type InboxPhase = (typeof InboxPhase)[keyof typeof InboxPhase];

/** localStorage key of the remembered agent token. */
export const TOKEN_KEY = 'cs-inbox-token';

/** Quiet time after each Welcome, ms (see `quietUntilMs`). */
const QUIET_AFTER_WELCOME_MS = 2000;

/**
 * Owns the agent's {@link Session} for `<cs-inbox>`: signs in and out, keeps
 * the filter and the open conversation, sends, acts, marks read, and raises
 * alerts. Every change calls `host.requestUpdate()`.
 */
export class InboxController extends SessionController {
  phase: InboxPhase = InboxPhase.SignedOut;
  /** Why the last sign-in failed, shown on the form. */
  signInError = '';
  agentId = '';
  agentName = '';
  /** The signed-in account (undefined for a service token). */
  account: AccountInfo | undefined;
  /** A refused action or send the agent should know about ('' for none); clears itself. */
  notice = '';
  filter: InboxFilter = InboxFilter.All;
  selectedId = '';
  readonly alerts: InboxAlerts;

  private session: Session | undefined;
  /** Torn down when the element leaves the page. */
  private hostDisposers: Disposer[] = [];
  /** Unread count per conversation seen so far, to tell a new conversation or message from an update. Undefined until the first list. */
  private seenUnread: Map<string, number> | undefined;
  /**
   * Until this time (ms) list changes update `seenUnread` without alerting:
   * right after a Welcome the server sends one InboxUpdate per conversation,
   * and a sign-in or reconnect must not ring for every unread conversation.
   */
  private quietUntilMs = 0;
  /** Sign-in call id: results of an older sign-in are ignored. */
  private signInCall = 0;
  /** The CSRF token of the account's sign-in session ('' for service tokens). */
  private csrf = '';
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  declare protected readonly host: ReactiveControllerHost & HTMLElement;

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    private readonly createSession: SessionFactory,
    /** WebSocket URL of the server's /ws; read when signing in. */
    private readonly serverUrl: () => string,
  ) {
    super(host);
    this.alerts = new InboxAlerts(host.ownerDocument);
    host.addController(this);
  }

  hostConnected(): void {
    this.hostDisposers.push(this.alerts.onVisible(() => this.markSelectedRead()));
  }

  hostDisconnected(): void {
    // Signed out of this element, not of the browser: the remembered token
    // signs in again if the element comes back.
    void this.stopSession();
    this.phase = InboxPhase.SignedOut;
    for (const dispose of this.hostDisposers.splice(0)) dispose();
    clearTimeout(this.noticeTimer);
    this.alerts.dispose();
  }

  /** The token remembered in this browser, if any. */
  static rememberedToken(): string {
    return readStorage(TOKEN_KEY) ?? '';
  }

  /**
   * Starts the session of a signed-in account: the socket is authenticated
   * by the session cookie on the upgrade (`/ws?auth=session`), so no token
   * is held by the page.
   */
  async signInAccount(account: AccountInfo, csrf: string): Promise<void> {
    const url = new URL(this.serverUrl());
    url.searchParams.set('auth', 'session');
    this.csrf = csrf;
    this.account = account;
    this.agentName = account.name;
    await this.start(account.id, '', url.toString(), false);
  }

  /** Starts an agent session with a service token (tools, `#token=` links); with `remember` (default off) keeps it in this browser once the server accepts it. */
  async signIn(token: string, remember = false): Promise<void> {
    token = token.trim();
    const agentId = agentIdOfToken(token);
    if (!agentId) {
      this.signInError = 'That is not an agent token. It looks like <agent-id>.<signature>; run `npm run agent-token -- <agent-id>`.';
      this.host.requestUpdate();
      return;
    }
    this.csrf = '';
    this.account = undefined;
    await this.start(agentId, token, this.serverUrl(), remember);
  }

  private async start(agentId: string, token: string, url: string, remember: boolean): Promise<void> {
    await this.stopSession();
    const call = ++this.signInCall;
    this.agentId = agentId;
    this.signInError = '';
    this.phase = InboxPhase.Connecting;
    this.host.requestUpdate();
    let session: Session;
    try {
      const made = this.createSession({ url, role: 'agent', agentToken: token, dbName: `cs-inbox-${agentId}` });
      session = made instanceof Promise ? await made : made;
    } catch (err) {
      if (call === this.signInCall) this.refuse(`Could not start: ${(err as Error).message}`);
      return;
    }
    if (call !== this.signInCall) return; // signed out or in again meanwhile
    this.session = session;
    this.listen(session, token, remember, call);
    this.host.requestUpdate();
    try {
      await session.start();
    } catch (err) {
      if (call === this.signInCall) this.refuse(`Could not start: ${(err as Error).message}`);
    }
  }

  /** Stops the session and forgets the remembered token; an account's session is signed out on the server too. */
  async signOut(): Promise<void> {
    writeStorage(TOKEN_KEY, null);
    const csrf = this.csrf;
    this.csrf = '';
    await this.stopSession();
    if (csrf) await logout(httpBaseOf(this.serverUrl()), csrf).catch(() => undefined);
    this.phase = InboxPhase.SignedOut;
    this.host.requestUpdate();
  }

  /** The workbench strings in the agent's language (for alerts). */
  private get t(): WorkbenchStrings {
    return workbenchStrings(workbenchLang(this.account?.lang ?? ''));
  }

  /** The WebSocket URL the workbench connects to. */
  get url(): string {
    return this.serverUrl();
  }

  /** I set myself away (the server's word, AgentStatus): I do not count as online for visitors. */
  away = false;

  /** Sets myself away or back (visitors see away mode when nobody else can answer). */
  setAway(away: boolean): void {
    this.session?.continuity.setAway(away);
  }

  /** Agents known to the server, for transfer (from Welcome / Presence when the session reports them). */
  get agentIds(): readonly string[] {
    return this.link.agentIds;
  }

  /** The socket is open. */
  get connected(): boolean {
    return this.link.conn === ConnState.Open;
  }

  /** Every conversation, newest activity first. */
  get allConversations(): readonly ConversationInfo[] {
    return this.session?.conversations() ?? [];
  }

  /** The conversations the current filter shows, newest activity first. */
  get conversations(): ConversationInfo[] {
    return visibleConversations(this.allConversations, this.filter, this.agentId);
  }

  /** The open conversation's view (empty when none is open). */
  get view(): ConversationView {
    return this.selectedId && this.session ? this.session.view(this.selectedId) : EMPTY_VIEW;
  }

  setFilter(filter: InboxFilter): void {
    this.filter = filter;
    this.host.requestUpdate();
  }

  /** Opens a conversation: subscribes to its messages (and drops the previous one). */
  select(conversationId: string): void {
    if (!this.session || conversationId === this.selectedId) return;
    if (this.selectedId) {
      this.session.setTyping(this.selectedId, false);
      this.session.unsubscribe(this.selectedId);
    }
    this.selectedId = conversationId;
    if (conversationId) this.session.subscribe(conversationId);
    this.markSelectedRead();
    this.host.requestUpdate();
  }

  /** Sends a reply (or, with `note`, a private note) in the open conversation. */
  async send(text: string, options: { note?: boolean; quoteSeq?: number } = {}): Promise<void> {
    if (!this.session || !this.selectedId || !text.trim()) return;
    const kind = options.note ? cs.v1.MessageKind.NOTE : cs.v1.MessageKind.TEXT;
    this.session.setTyping(this.selectedId, false);
    await this.session.send(this.selectedId, text, { kind, quoteSeq: options.quoteSeq ?? 0 });
  }

  /** The agent's session, once signed in (the file views send and cancel through it). */
  get current(): Session | undefined {
    return this.session;
  }

  retry(item: TimelineItem): void {
    void this.session?.retry(item.conversationId, item.clientMsgId);
  }

  /** Fetches the open conversation's previous page. */
  async loadOlder(): Promise<void> {
    if (this.session && this.selectedId) await this.session.loadOlder(this.selectedId);
  }

  setTyping(typing: boolean): void {
    if (this.session && this.selectedId) this.session.setTyping(this.selectedId, typing);
  }

  /** Claim, assign/transfer, resolve, reopen the open conversation. */
  act(action: cs.v1.ActionKind, agentId?: string): void {
    if (this.session && this.selectedId) this.session.action(this.selectedId, action, agentId);
  }

  private listen(session: Session, token: string, remember: boolean, call: number): void {
    const current = (): boolean => call === this.signInCall;
    this.link.link(session, {
      welcome: (event) => {
        if (!current()) return;
        this.phase = InboxPhase.Ready;
        this.quietUntilMs = Date.now() + QUIET_AFTER_WELCOME_MS;
        this.agentName = event.name || this.agentId;
        // The server says "away" right after Welcome when it is so.
        this.away = false;
        if (remember) writeStorage(TOKEN_KEY, token);
      },
      agentStatus: ({ away }) => {
        if (current()) this.away = away;
      },
      list: () => {
        if (!current()) return;
        this.noticeListChanges();
        this.updateTitle();
      },
      change: ({ conversationId }) => {
        if (!current()) return;
        if (conversationId === this.selectedId) this.markSelectedRead();
        this.updateTitle();
      },
      incoming: ({ item }) => {
        if (current()) this.alertIncoming(item);
      },
      error: (event) => {
        if (!current()) return;
        if (event.fatal && this.phase !== InboxPhase.Ready) this.refuse(event.message || 'The server refused this token.');
        else if (event.code === cs.v1.ErrorCode.UNAUTHENTICATED) this.refuse(event.message);
        else if (event.code !== cs.v1.ErrorCode.RESYNC && event.code !== cs.v1.ErrorCode.GOING_AWAY) this.showNotice(event.message);
      },
    });
  }

  /** Shows a short-lived notice (a refused action, a rate limit). */
  private showNotice(message: string): void {
    this.notice = message || 'The server refused that.';
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice = '';
      this.host.requestUpdate();
    }, 6000);
    this.host.requestUpdate();
  }

  /** A refused sign-in: back to the form with the reason, the bad token forgotten. */
  private refuse(reason: string): void {
    writeStorage(TOKEN_KEY, null);
    void this.stopSession();
    this.phase = InboxPhase.SignedOut;
    this.signInError = reason.charAt(0).toUpperCase() + reason.slice(1);
    this.host.requestUpdate();
  }

  private async stopSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.signInCall++;
    this.selectedId = '';
    this.seenUnread = undefined;
    this.link.unlink();
    this.alerts.setUnread(0);
    if (session) await session.stop();
  }

  /** Read receipts: everything shown in the open conversation, while the agent can see it. */
  private markSelectedRead(): void {
    if (!this.session || !this.selectedId || this.host.ownerDocument.hidden) return;
    const last = newestSeq(this.session.view(this.selectedId).items);
    if (last > 0) this.session.markRead(this.selectedId, last);
  }

  private updateTitle(): void {
    this.alerts.setUnread(totalUnread(this.allConversations));
  }

  /**
   * Alerts from the list (agents are told about conversations they have not
   * opened by InboxUpdate, not by messages): a conversation never seen before,
   * or more unread visitor messages in one that is not open.
   */
  private noticeListChanges(): void {
    const all = this.allConversations;
    const seen = this.seenUnread;
    this.seenUnread = new Map(all.map((c) => [c.id, c.unread]));
    if (!seen || Date.now() < this.quietUntilMs) return;
    for (const info of all) {
      // Conversations other agents own are theirs to answer.
      if (info.assigneeId && info.assigneeId !== this.agentId) continue;
      const before = seen.get(info.id);
      if (before === undefined) {
        this.alerts.alert(this.t.newConversation(visitorLabel(info, this.t.visitor)), info.preview, info.id, () => this.select(info.id));
      } else if (info.unread > before && info.id !== this.selectedId) {
        this.alerts.alert(this.t.newMessageFrom(visitorLabel(info, this.t.visitor)), info.preview, info.id, () => this.select(info.id));
      }
    }
  }

  /** Live messages of the open conversation alert only while the agent looks elsewhere. */
  private alertIncoming(item: TimelineItem): void {
    if (item.own || item.senderRole !== cs.v1.Role.VISITOR || item.conversationId !== this.selectedId) return;
    const doc = this.host.ownerDocument;
    if (!doc.hidden && doc.hasFocus()) return;
    const info = this.allConversations.find((c) => c.id === item.conversationId);
    const who = info ? visitorLabel(info, this.t.visitor) : item.senderName || this.t.visitor;
    this.alerts.alert(this.t.newMessageFrom(who), item.text, item.conversationId, () => this.select(item.conversationId));
  }
}
