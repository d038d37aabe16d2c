/**
 * `ChatSession`: the orchestrator the elements use (the `Session` contract,
 * DESIGN.md §3). This file holds the public API, the Hello and the Welcome,
 * and hands incoming frames to the parts, one concern each:
 *
 * - `outbox-flusher.ts`: the outbox on the wire (shown `sending` at once, in
 *   IndexedDB before it is sent, out only on Ack; resends, `failed`; leases,
 *   Web Locks and a BroadcastChannel between the tabs of one visitor).
 * - `sync.ts`: catch-up by cursor, older pages, gaps pulled.
 * - `signals.ts`: `Received` and `Read` batched, typing throttled.
 * - `changes.ts`: change events coalesced per frame, the message cache.
 * - `conversations.ts`: per-conversation state and the epoch rule.
 * - `credentials.ts`: token, device id, identity, and refused credentials.
 * - `arrivals.ts`: delivered messages and acked seqs into the timelines.
 * - `mapping.ts`: wire <-> item, pure.
 */
import { cs } from '../../../proto/gen/chat.js';
import { newId, newMessageId, type Announcement, type AnnouncementEvent, type OutgoingMessage } from '../core/index.js';
import { ConnState, type ActionKind, type ConversationInfo, type ConversationView, type Disposer, type IdentityInput } from '../core/types.js';
import type { MessageKind, Session, SessionEvents, SessionFiles, SessionOptions, TimelineItem } from '../core/types.js';
import { ChatStore } from '../store/index.js';
import { Announcements } from './announcements.js';
import { Arrivals } from './arrivals.js';
import { Changes, type ChangesDeps } from './changes.js';
import type { Frame } from './codec.js';
import { Connection } from './connection.js';
import { Credentials } from './credentials.js';
import { Continuity } from './continuity.js';
import { browserSessionEnv, type SessionEnv } from './env.js';
import { Conversations, ignore } from './conversations.js';
import { roleOf } from './mapping.js';
import { OutboxFlusher, type FlusherDeps } from './outbox-flusher.js';
import { Signals, type SignalsDeps } from './signals.js';
import { Sync, type SyncDeps } from './sync.js';
import { Timers } from './timers.js';

export { PAGE_SIZE } from './sync.js';
export { browserSessionEnv, type SessionEnv } from './env.js';

/** This client's release level, sent in Hello.core_level. */
export const CORE_LEVEL = 20261201;

/** What the session's parts need from it, all in one object. */
type AllDeps = ChangesDeps & SignalsDeps & SyncDeps & FlusherDeps;

type Listener<K extends keyof SessionEvents> = (event: SessionEvents[K]) => void;

export class ChatSession implements Session {
  private readonly env: SessionEnv;
  private readonly dbName: string;
  private readonly tabId = newId().slice(0, 8);
  private readonly listeners = new Map<keyof SessionEvents, Set<Listener<keyof SessionEvents>>>();
  private readonly subscribed = new Set<string>();
  private readonly timers: Timers;
  private readonly convs: Conversations;
  private readonly changes: Changes;
  private readonly signals: Signals;
  private readonly sync: Sync;
  private readonly outbox: OutboxFlusher;
  readonly files: SessionFiles;
  private readonly conn: Connection;
  readonly continuity = new Continuity((frame) => this.conn.send(frame), () => this.primary, (type, event) => this.emit(type, event));
  private readonly news: Announcements;
  private readonly arrivals: Arrivals;
  private readonly credentials: Credentials;
  private store: ChatStore | undefined;
  private primary = '';
  private userIdValue = '';
  private topic: string;
  private page: { url: string; title: string } = { url: '', title: '' };

  constructor(
    private readonly options: SessionOptions,
    env: Partial<SessionEnv> = {},
  ) {
    this.env = { ...browserSessionEnv(), ...env };
    this.dbName = options.dbName ?? 'cs-chat';
    this.topic = options.topic ?? '';
    this.credentials = new Credentials(options.role === 'visitor', options.agentToken ?? '', options.identity);
    const store = (): ChatStore | undefined => this.store;
    const changed = (id: string): void => this.changes.mark(id);
    this.convs = new Conversations({ store, changed });
    // One object serves every part; each part's *Deps interface names the slice of it that part uses.
    const parts: AllDeps = {
      env: this.env,
      convs: this.convs,
      timers: (this.timers = new Timers(this.env)),
      dbName: this.dbName,
      tabId: this.tabId,
      agent: options.role === 'agent',
      store,
      isOpen: () => this.conn.state === ConnState.Open,
      send: (frame) => this.conn.send(frame),
      now: () => this.env.now(),
      userId: () => this.userIdValue,
      sender: () => ({ userId: this.userIdValue, role: roleOf(options.role), token: this.credentials.hello(this.tabId).token ?? '' }),
      primary: () => this.primary,
      changed,
      emitChange: (conversationId) => this.emit('change', { conversationId }),
      insert: (id, items) => this.arrivals.insert(id, items),
      settle: (id, clientMsgId, seq, timeMs) => this.arrivals.settle(id, clientMsgId, seq, timeMs),
    };
    this.changes = new Changes(parts);
    this.signals = new Signals(parts);
    this.sync = new Sync(parts);
    this.files = this.outbox = new OutboxFlusher(parts, options, this.sync);
    this.arrivals = new Arrivals({
      convs: this.convs,
      userId: parts.userId,
      pullGap: (id) => this.sync.pullGap(id),
      scheduleReceived: () => this.signals.scheduleReceived(),
      changed,
      dropTwin: (clientMsgId) => this.outbox.dropTwin(clientMsgId),
      incoming: (item) => this.emit('incoming', { item }),
    });
    this.news = new Announcements({
      store,
      send: parts.send,
      now: parts.now,
      changed: () => this.emit('list', {}),
    });
    this.conn = new Connection(
      { url: options.url, hello: () => this.hello(), backoffBaseMs: options.backoffBaseMs, backoffCapMs: options.backoffCapMs },
      {
        state: (change) => this.emit('state', change),
        welcome: (welcome) => this.onWelcome(welcome),
        frame: (frame) => this.onFrame(frame),
        error: (error) => this.onError(error),
      },
      this.env,
    );
  }

  get state(): ConnState {
    return this.conn.state;
  }

  get primaryConversationId(): string {
    return this.primary;
  }

  get userId(): string {
    return this.userIdValue;
  }

  async start(): Promise<void> {
    const store = (this.store = await ChatStore.open(this.dbName));
    await this.credentials.load(store);
    this.primary = (await store.getMeta(this.primaryKey())) ?? '';
    this.userIdValue = (await store.getMeta('user')) ?? '';
    await this.convs.restore(store);
    await this.news.restore(store);
    await this.outbox.start(store);
    if (this.convs.size) this.emit('list', {});
    this.conn.start();
  }

  async stop(): Promise<void> {
    this.conn.stop();
    this.timers.clear();
    this.changes.stop();
    this.signals.stop();
    this.outbox.stop();
    await this.changes.persist();
    this.store?.close();
  }

  on<K extends keyof SessionEvents>(type: K, listener: (event: SessionEvents[K]) => void): Disposer {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const entry = listener as Listener<keyof SessionEvents>;
    set.add(entry);
    return () => set.delete(entry);
  }

  conversations(): readonly ConversationInfo[] {
    return this.convs.infos();
  }

  view(conversationId: string): ConversationView {
    const conv = this.convs.ensure(conversationId || this.primary);
    const now = this.env.now();
    conv.view ??= {
      info: conv.info,
      items: conv.timeline.items(),
      hasOlder: conv.hasOlder,
      typing: [...conv.typing.values()].filter((t) => t.untilMs > now).map(({ name, role }) => ({ name, role })),
    };
    return conv.view;
  }

  async send(conversationId: string, text: string, options: { kind?: MessageKind; quoteSeq?: number } = {}): Promise<TimelineItem> {
    if (!text.trim()) throw new TypeError('cs-chat: cannot send an empty message');
    const store = this.requireStore();
    const message: OutgoingMessage = {
      clientMsgId: newMessageId(this.env.now()),
      conversationId: conversationId || this.primary,
      kind: options.kind ?? cs.v1.MessageKind.TEXT,
      text,
      quoteSeq: options.quoteSeq ?? 0,
      createdMs: this.outbox.outbox.createdMs(),
    };
    return this.outbox.queue(message, store);
  }

  async retry(conversationId: string, clientMsgId: string): Promise<void> {
    await this.outbox.retry(conversationId, clientMsgId, this.requireStore());
  }

  loadOlder(conversationId: string): Promise<void> {
    return this.sync.loadOlder(conversationId || this.primary);
  }

  markRead(conversationId: string, upToSeq: number): void {
    this.signals.markRead(conversationId || this.primary, upToSeq);
  }

  setTyping(conversationId: string, typing: boolean): void {
    this.signals.setTyping(conversationId || this.primary, typing);
  }

  subscribe(conversationId: string): void {
    this.subscribed.add(conversationId);
    if (this.conn.send({ subscribe: { conversationId } })) this.sync.catchUp(conversationId);
  }

  unsubscribe(conversationId: string): void {
    this.subscribed.delete(conversationId);
    this.conn.send({ unsubscribe: { conversationId } });
  }

  action(conversationId: string, action: ActionKind, agentId = ''): void {
    this.conn.send({ action: { conversationId, action, agentId } });
  }

  pageView(url: string, title: string): void {
    this.page = { url, title };
    this.conn.send({ pageView: { url, title } });
  }

  /**
   * Reconnects as the identified user; resolves on the server's Welcome.
   * @throws IdentityError when the server refuses the signature; the session
   * then reconnects as the anonymous visitor it was, keeping its token.
   */
  identify(identity: IdentityInput): Promise<void> {
    const accepted = this.credentials.identify(identity);
    this.conn.restart();
    return accepted;
  }

  async setTopic(topic: string): Promise<void> {
    this.topic = topic;
    this.primary = (await this.store?.getMeta(this.primaryKey())) ?? '';
    this.emit('list', {});
    this.conn.restart();
  }

  async reset(): Promise<void> {
    this.conn.stop();
    await this.requireStore().clearAll();
    const ids = [...this.convs.keys()];
    this.convs.clear();
    this.outbox.clear();
    this.news.clear();
    this.primary = this.userIdValue = '';
    await this.credentials.reset(this.requireStore());
    for (const id of ids) this.changes.mark(id);
    this.emit('list', {});
    this.conn.restart();
  }

  announcements(): readonly Announcement[] {
    return this.news.current();
  }

  announcementEvent(id: string, event: AnnouncementEvent): void {
    this.news.event(id, event);
  }

  // ---- connection events ----

  private hello(): cs.v1.Hello.$Properties {
    const visitor = this.options.role === 'visitor';
    return {
      ...this.credentials.hello(this.tabId),
      platform: 'web',
      appVersion: String(CORE_LEVEL),
      coreLevel: CORE_LEVEL,
      site: this.options.site ?? '',
      topic: this.topic,
      cursors: this.convs.cursors(),
      pageUrl: this.page.url,
      pageTitle: this.page.title,
      inboxBatch: !visitor,
      lang: this.options.lang ?? '',
      broadcastCursor: this.news.cursor,
      ...this.continuity.hello(visitor),
    };
  }

  private onWelcome(welcome: cs.v1.Welcome): void {
    this.userIdValue = welcome.userId;
    const store = this.store;
    void store?.setMeta('user', welcome.userId).catch(ignore);
    for (const c of welcome.conversations) this.convs.setInfo(c);
    if (this.options.role === 'visitor') {
      const primary = welcome.conversations.find((c) => c.topic === this.topic) ?? welcome.conversations[0];
      if (primary?.id && primary.id !== this.primary) {
        this.primary = primary.id;
        void store?.setMeta(this.primaryKey(), this.primary).catch(ignore);
      }
      if (this.primary) this.outbox.adoptUnaddressed(this.primary);
      this.news.apply(welcome.broadcasts, welcome.broadcastCursor);
    }
    this.sync.forgetPending();
    this.credentials.welcomed(welcome, store);
    const { nextOpenMs, askEmailAfterMs } = welcome;
    this.emit('welcome', { userId: welcome.userId, name: welcome.name, agentsOnline: welcome.agentsOnline, agentIds: [...welcome.agentIds], nextOpenMs, askEmailAfterMs });
    this.emit('list', {});
    for (const id of this.subscribed) this.conn.send({ subscribe: { conversationId: id } });
    const catchUp = this.options.role === 'visitor' ? [...this.convs.keys()] : [...this.subscribed];
    for (const id of catchUp) if (id) this.sync.catchUp(id);
    this.outbox.resend(welcome.maxUploadBytes);
  }

  private onFrame(frame: Frame): void {
    switch (frame.body) {
      case 'ack': {
        const ack = frame.ack as cs.v1.Ack;
        if (ack.status === cs.v1.AckStatus.REJECTED) return this.outbox.rejected(ack.clientMsgId, ack.retryAfterMs, ack.reason);
        return this.outbox.acked(ack.clientMsgId, ack.conversationId, ack.seq, ack.serverTimeMs);
      }
      case 'deliver':
        return this.arrivals.deliver((frame.deliver as cs.v1.Deliver).messages);
      case 'syncResult':
        return this.sync.onResult(frame.syncResult as cs.v1.SyncResult);
      case 'inboxUpdate': {
        const update = frame.inboxUpdate as cs.v1.InboxUpdate;
        if (update.conversation) this.convs.setInfo(update.conversation, update);
        return this.emit('list', {});
      }
      case 'inboxBatch': {
        // One interval's InboxUpdates in one frame (asked for with Hello.inbox_batch): applied in order, one list event.
        for (const update of (frame.inboxBatch as cs.v1.InboxBatch).updates as cs.v1.InboxUpdate[]) {
          if (update.conversation) this.convs.setInfo(update.conversation, update);
        }
        return this.emit('list', {});
      }
      case 'typing':
        return this.signals.onTyping(frame.typing as cs.v1.Typing);
      case 'receipt': {
        const receipt = frame.receipt as cs.v1.Receipt;
        if (receipt.readerRole === roleOf(this.options.role)) return;
        this.convs.ensure(receipt.conversationId).timeline.applyReceipt(receipt.deliveredUpTo, receipt.readUpTo);
        return this.changes.mark(receipt.conversationId);
      }
      case 'presence':
        return this.onPresence(frame.presence as cs.v1.Presence);
      case 'broadcast': {
        const broadcast = frame.broadcast as cs.v1.Broadcast;
        return this.news.apply(broadcast.items, broadcast.cursor);
      }
      default:
        this.continuity.onFrame(frame);
    }
  }

  private onError(error: cs.v1.Error): void {
    this.emit('error', { code: error.code, message: error.message, fatal: error.fatal, ref: error.ref });
    if (error.ref && this.outbox.outbox.get(error.ref) && error.code !== cs.v1.ErrorCode.GOING_AWAY) {
      const retryAfter = error.retryAfterMs || (error.code === cs.v1.ErrorCode.UNAVAILABLE || error.code === cs.v1.ErrorCode.RATE_LIMITED ? 1000 : 0);
      this.outbox.rejected(error.ref, retryAfter, error.message);
    }
    if (error.code === cs.v1.ErrorCode.RESYNC) for (const id of [...this.convs.keys()]) if (id) this.sync.catchUp(id);
    // A refused identity (go on anonymous) or visitor token (start over as a new visitor): reconnect at once.
    if (this.credentials.refused(error, this.store)) this.timers.later(0, () => this.conn.restart());
  }

  private onPresence(presence: cs.v1.Presence): void {
    this.emit('presence', { agentsOnline: presence.agentsOnline, agentIds: [...presence.agentIds], nextOpenMs: presence.nextOpenMs });
    if (!presence.visitorId) return;
    this.convs.setVisitorOnline(presence.visitorId, presence.visitorOnline);
    this.emit('list', {});
  }

  private primaryKey(): string {
    return `primary:${this.options.site ?? ''}:${this.topic}`;
  }

  private requireStore(): ChatStore {
    if (!this.store) throw new Error('cs-chat: call start() first');
    return this.store;
  }

  private emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<K>)(event);
  }
}
