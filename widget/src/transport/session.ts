/**
 * `ChatSession`: the orchestrator the elements use (the `Session` contract).
 * It owns the connection, the outbox, one Timeline per conversation and the
 * IndexedDB cache, and keeps the delivery contract of DESIGN.md §3:
 *
 * - `send()` shows the message as `sending` at once, writes it to the
 *   IndexedDB outbox, then sends; it leaves the outbox only on Ack (OK or
 *   DUPLICATE). No Ack in time: resend with backoff, then `failed`.
 *   REJECTED with retry_after is resent then. Every (re)connect resends the
 *   outbox in creation order, and a conversation's later messages wait behind
 *   an earlier one that must wait.
 * - Incoming messages are deduplicated by seq and client_msg_id; a gap pulls
 *   `Sync after=cursor`; `Received` is cumulative and batched; an epoch
 *   change drops the cache and resyncs.
 *
 * Several tabs of one visitor share the IndexedDB outbox. Each tab is its own
 * device (Hello.device_id is the browser's id plus a per-tab suffix), so the
 * server fans every message out to every tab. Decision: the outbox flush is
 * made exclusive with a *lease per entry*, taken inside a Web Lock
 * (`cs-chat-outbox:<dbName>`) in one IndexedDB readwrite transaction: a tab
 * sends only entries it holds the lease on, and the lease (twice the ack
 * timeout, renewed on every resend) lets another tab take over an entry when
 * its tab was closed mid-send. The lock alone would only order flushes, not
 * stop a second tab from resending what the first one has in flight; the lease
 * does, and it survives a crashed tab without a leader election. Tabs tell each
 * other about new and acked entries on a BroadcastChannel, so a pending message
 * shows in every tab once and moves to its seq place everywhere.
 */
import { cs } from '../../../proto/gen/chat.js';
import { Outbox, OutboxState, Timeline, itemKey, newId, type OutboxEntry, type OutgoingMessage } from '../core/index.js';
import { CACHE_LIMIT, ChatStore, type OutboxRecord } from '../store/index.js';
import type { Frame, FrameInit } from './codec.js';
import { Connection, browserEnv, type ConnectionEnv } from './connection.js';
import {
  ConnState,
  MessageState,
  type ActionKind,
  type ConversationInfo,
  type ConversationView,
  type Disposer,
  type IdentityInput,
  type MessageKind,
  type Role,
  type Session,
  type SessionEvents,
  type SessionOptions,
  type TimelineItem,
} from './session-types.js';

/** This client's release level, sent in Hello.core_level. */
export const CORE_LEVEL = 20261122;
/** Messages per page for the first screen. */
export const PAGE_SIZE = 50;
/**
 * Messages per `loadOlder` page: the server's most (maxSyncLimit), so a
 * reader going back through a long history waits on a quarter as many round
 * trips; only the visible window of them is rendered.
 */
const OLDER_PAGE_SIZE = 200;
/** Messages per forward Sync (catching up by cursor). */
const CATCH_UP_LIMIT = 200;
/** `Received` and `Read` are batched over this window, ms. */
const BATCH_MS = 250;
/** At most one Typing(true) per this, ms. */
const TYPING_THROTTLE_MS = 3000;
/** Typing goes off by itself after this long without input, ms. */
const TYPING_IDLE_MS = 5000;
/** The other side's typing indicator expires after this, ms. */
const TYPING_SHOWN_MS = 6000;
/** Change events fall back to a timer when animation frames stop (hidden tab), ms. */
const CHANGE_FALLBACK_MS = 100;
/** Before-seq meaning "the newest page". */
const NEWEST = 0xffffffff;

/** What the session needs beyond the connection's environment; all injectable for tests. */
export interface SessionEnv extends ConnectionEnv {
  requestAnimationFrame?(fn: () => void): unknown;
  cancelAnimationFrame?(id: unknown): void;
  /** Web Locks (navigator.locks); without them the IndexedDB lease alone keeps flushes apart. */
  readonly locks?: Pick<LockManager, 'request'>;
  /** Opens the cross-tab channel; undefined disables it. */
  openChannel?(name: string): BroadcastChannel;
}

/** The browser's environment. */
export function browserSessionEnv(): SessionEnv {
  return {
    ...browserEnv(),
    requestAnimationFrame: (fn) => globalThis.requestAnimationFrame(fn),
    cancelAnimationFrame: (id) => globalThis.cancelAnimationFrame(id as number),
    locks: typeof navigator !== 'undefined' ? navigator.locks : undefined,
    openChannel: typeof BroadcastChannel === 'undefined' ? undefined : (name) => new BroadcastChannel(name),
  };
}

type SyncKind = 'newest' | 'forward' | 'older';

interface PendingSync {
  readonly kind: SyncKind;
  readonly done?: () => void;
}

/** Per-conversation state. */
interface Conv {
  readonly timeline: Timeline;
  info: ConversationInfo | undefined;
  hasOlder: boolean;
  /** Outstanding Syncs, answered in order. */
  syncs: PendingSync[];
  typing: Map<string, { name: string; role: Role; untilMs: number }>;
  receivedSent: number;
  readUpTo: number;
  readSent: number;
  typingOn: boolean;
  typingSentMs: number;
  stopTyping?: Disposer;
  /** Seq'd items not yet in the IndexedDB cache. */
  unsaved: TimelineItem[];
  view?: ConversationView;
}

/** BroadcastChannel messages between tabs of one database. */
type TabMessage =
  | { readonly t: 'queued'; readonly message: OutgoingMessage }
  | { readonly t: 'acked'; readonly clientMsgId: string; readonly conversationId: string; readonly seq: number; readonly timeMs: number };

type Listener<K extends keyof SessionEvents> = (event: SessionEvents[K]) => void;

export class ChatSession implements Session {
  private readonly env: SessionEnv;
  private readonly dbName: string;
  private readonly tabId = newId().slice(0, 8);
  private readonly convs = new Map<string, Conv>();
  private readonly outbox: Outbox;
  private readonly conn: Connection;
  private readonly listeners = new Map<keyof SessionEvents, Set<Listener<keyof SessionEvents>>>();
  private readonly timers = new Set<Disposer>();
  private readonly subscribed = new Set<string>();
  private readonly changed = new Set<string>();
  private store: ChatStore | undefined;
  private channel: BroadcastChannel | undefined;
  private token = '';
  private deviceId = '';
  private primary = '';
  private userIdValue = '';
  private topic: string;
  private identity: IdentityInput | undefined;
  private page: { url: string; title: string } = { url: '', title: '' };
  private changeFlush: Disposer | undefined;
  private receivedTimer: Disposer | undefined;
  private readTimer: Disposer | undefined;
  private outboxTimer: Disposer | undefined;
  private flushing = false;
  private flushAgain = false;
  private retriedToken = false;

  constructor(
    private readonly options: SessionOptions,
    env: Partial<SessionEnv> = {},
  ) {
    this.env = { ...browserSessionEnv(), ...env };
    this.dbName = options.dbName ?? 'cs-chat';
    this.topic = options.topic ?? '';
    this.identity = options.identity;
    this.outbox = new Outbox({
      now: () => this.env.now(),
      random: () => this.env.random(),
      ackTimeoutMs: options.ackTimeoutMs ?? 8000,
      maxAttempts: options.maxSendAttempts ?? 5,
      backoff: { baseMs: options.backoffBaseMs ?? 500, capMs: options.backoffCapMs ?? 20000 },
    });
    this.conn = new Connection(
      {
        url: options.url,
        hello: () => this.hello(),
        backoffBaseMs: options.backoffBaseMs,
        backoffCapMs: options.backoffCapMs,
      },
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
    if (this.options.role === 'visitor') this.token = (await store.getMeta('token')) ?? '';
    this.deviceId = (await store.getMeta('device')) ?? '';
    if (!this.deviceId) await store.setMeta('device', (this.deviceId = newId()));
    this.primary = (await store.getMeta(this.primaryKey())) ?? '';
    this.userIdValue = (await store.getMeta('user')) ?? '';
    await this.loadCache(store);
    this.channel = this.env.openChannel?.(`cs-chat:${this.dbName}`);
    if (this.channel) this.channel.onmessage = (ev: MessageEvent<TabMessage>) => this.onTabMessage(ev.data);
    this.conn.start();
  }

  async stop(): Promise<void> {
    this.conn.stop();
    for (const dispose of this.timers) dispose();
    this.timers.clear();
    this.changeFlush = this.receivedTimer = this.readTimer = this.outboxTimer = undefined;
    this.channel?.close();
    this.channel = undefined;
    await this.persist();
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
    const infos: ConversationInfo[] = [];
    for (const conv of this.convs.values()) if (conv.info) infos.push(conv.info);
    return infos.sort((a, b) => b.lastActivityMs - a.lastActivityMs);
  }

  view(conversationId: string): ConversationView {
    const conv = this.conv(conversationId || this.primary);
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
      clientMsgId: newId(),
      conversationId: conversationId || this.primary,
      kind: options.kind ?? cs.v1.MessageKind.TEXT,
      text,
      quoteSeq: options.quoteSeq ?? 0,
      createdMs: this.env.now(),
    };
    const item = this.pendingItem(message, MessageState.Sending);
    this.conv(message.conversationId).timeline.addPending(item);
    this.markChanged(message.conversationId);
    try {
      await store.putOutbox({ ...message, failed: false, owner: '', leaseUntilMs: 0 });
    } catch (error) {
      this.conv(message.conversationId).timeline.setPendingState(message.clientMsgId, MessageState.Failed, 'could not save');
      this.markChanged(message.conversationId);
      throw error;
    }
    this.outbox.add(message);
    this.post({ t: 'queued', message });
    void this.flush();
    return item;
  }

  async retry(conversationId: string, clientMsgId: string): Promise<void> {
    const entry = this.outbox.retry(clientMsgId);
    if (!entry) return;
    this.conv(entry.conversationId || conversationId).timeline.setPendingState(clientMsgId, MessageState.Sending);
    this.markChanged(entry.conversationId);
    await this.requireStore().putOutbox(this.record(entry));
    void this.flush();
  }

  loadOlder(conversationId: string): Promise<void> {
    const id = conversationId || this.primary;
    const conv = this.conv(id);
    const first = conv.timeline.firstSeq;
    if (!conv.hasOlder || first <= 1) return Promise.resolve();
    return new Promise((resolve) => {
      if (!this.requestSync(id, 'older', { beforeSeq: first, limit: OLDER_PAGE_SIZE }, resolve)) resolve();
    });
  }

  markRead(conversationId: string, upToSeq: number): void {
    const conv = this.conv(conversationId || this.primary);
    if (upToSeq <= conv.readUpTo) return;
    conv.readUpTo = upToSeq;
    this.readTimer ??= this.later(BATCH_MS, () => {
      this.readTimer = undefined;
      for (const [id, c] of this.convs) {
        if (c.readUpTo > c.readSent && this.conn.send({ read: { conversationId: id, upToSeq: c.readUpTo } })) c.readSent = c.readUpTo;
      }
    });
  }

  setTyping(conversationId: string, typing: boolean): void {
    const id = conversationId || this.primary;
    const conv = this.conv(id);
    conv.stopTyping?.();
    conv.stopTyping = undefined;
    const now = this.env.now();
    if (typing) {
      if (!conv.typingOn || now - conv.typingSentMs >= TYPING_THROTTLE_MS) {
        conv.typingOn = this.conn.send({ typing: { conversationId: id, typing: true } });
        conv.typingSentMs = now;
      }
      conv.stopTyping = this.later(TYPING_IDLE_MS, () => this.setTyping(id, false));
    } else if (conv.typingOn) {
      conv.typingOn = false;
      this.conn.send({ typing: { conversationId: id, typing: false } });
    }
  }

  subscribe(conversationId: string): void {
    this.subscribed.add(conversationId);
    if (this.conn.send({ subscribe: { conversationId } })) this.catchUp(conversationId);
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

  async identify(identity: IdentityInput): Promise<void> {
    this.identity = identity;
    this.conn.restart();
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
    this.token = this.primary = this.userIdValue = '';
    this.identity = undefined;
    await this.requireStore().setMeta('device', (this.deviceId = newId()));
    for (const id of ids) this.markChanged(id);
    this.emit('list', {});
    this.conn.restart();
  }

  // ---- connection events ----

  private hello(): cs.v1.Hello.$Properties {
    const cursors: cs.v1.Cursor.$Properties[] = [];
    for (const [id, conv] of this.convs) {
      if (id && conv.timeline.epoch) cursors.push({ conversationId: id, epoch: conv.timeline.epoch, seq: conv.timeline.cursor });
    }
    const visitor = this.options.role === 'visitor';
    return {
      token: visitor ? this.token : (this.options.agentToken ?? ''),
      deviceId: `${this.deviceId}.${this.tabId}`,
      platform: 'web',
      appVersion: String(CORE_LEVEL),
      coreLevel: CORE_LEVEL,
      site: this.options.site ?? '',
      topic: this.topic,
      identity: visitor && this.identity ? { ...this.identity } : null,
      cursors,
      pageUrl: this.page.url,
      pageTitle: this.page.title,
      inboxBatch: !visitor,
      lang: this.options.lang ?? '',
    };
  }

  private onWelcome(welcome: cs.v1.Welcome): void {
    this.retriedToken = false;
    this.userIdValue = welcome.userId;
    const store = this.store;
    void store?.setMeta('user', welcome.userId).catch(ignore);
    if (this.options.role === 'visitor' && welcome.token && welcome.token !== this.token) {
      this.token = welcome.token;
      void store?.setMeta('token', welcome.token).catch(ignore);
    }
    for (const c of welcome.conversations) this.upsertInfo(c);
    if (this.options.role === 'visitor') {
      const primary = welcome.conversations.find((c) => c.topic === this.topic) ?? welcome.conversations[0];
      if (primary?.id && primary.id !== this.primary) {
        this.primary = primary.id;
        void store?.setMeta(this.primaryKey(), this.primary).catch(ignore);
      }
      if (this.primary) this.adoptUnaddressed(this.primary);
    }
    for (const conv of this.convs.values()) conv.syncs = [];
    this.emit('welcome', { userId: welcome.userId, name: welcome.name, agentsOnline: welcome.agentsOnline, agentIds: [...welcome.agentIds] });
    this.emit('list', {});
    for (const id of this.subscribed) this.conn.send({ subscribe: { conversationId: id } });
    const catchUp = this.options.role === 'visitor' ? [...this.convs.keys()] : [...this.subscribed];
    for (const id of catchUp) if (id) this.catchUp(id);
    this.outbox.requeueInFlight();
    void this.flush();
  }

  private onFrame(frame: Frame): void {
    switch (frame.body) {
      case 'ack':
        return this.onAck(frame.ack as cs.v1.Ack);
      case 'deliver':
        return this.onDeliver((frame.deliver as cs.v1.Deliver).messages);
      case 'syncResult':
        return this.onSyncResult(frame.syncResult as cs.v1.SyncResult);
      case 'inboxUpdate': {
        const update = frame.inboxUpdate as cs.v1.InboxUpdate;
        if (update.conversation) this.upsertInfo(update.conversation, update.preview, update.unread);
        return this.emit('list', {});
      }
      case 'inboxBatch': {
        // One interval's InboxUpdates in one frame (asked for with Hello.inbox_batch): applied in order, one list event.
        for (const update of (frame.inboxBatch as cs.v1.InboxBatch).updates as cs.v1.InboxUpdate[]) {
          if (update.conversation) this.upsertInfo(update.conversation, update.preview, update.unread);
        }
        return this.emit('list', {});
      }
      case 'typing':
        return this.onTyping(frame.typing as cs.v1.Typing);
      case 'receipt': {
        const receipt = frame.receipt as cs.v1.Receipt;
        if (receipt.readerRole === this.myRole()) return;
        this.conv(receipt.conversationId).timeline.applyReceipt(receipt.deliveredUpTo, receipt.readUpTo);
        return this.markChanged(receipt.conversationId);
      }
      case 'presence':
        return this.onPresence(frame.presence as cs.v1.Presence);
      default:
        return;
    }
  }

  private onError(error: cs.v1.Error): void {
    this.emit('error', { code: error.code, message: error.message, fatal: error.fatal });
    const entry = error.ref ? this.outbox.get(error.ref) : undefined;
    if (entry && error.code !== cs.v1.ErrorCode.GOING_AWAY) {
      const retryAfter = error.retryAfterMs || (error.code === cs.v1.ErrorCode.UNAVAILABLE || error.code === cs.v1.ErrorCode.RATE_LIMITED ? 1000 : 0);
      this.onRejected(error.ref, retryAfter, error.message);
    }
    if (error.code === cs.v1.ErrorCode.RESYNC) for (const id of this.convs.keys()) if (id) this.catchUp(id);
    // A visitor token the server no longer accepts (secret rotated out): start over as a new visitor, once.
    if (error.code === cs.v1.ErrorCode.UNAUTHENTICATED && this.options.role === 'visitor' && this.token && !this.retriedToken) {
      this.retriedToken = true;
      this.token = '';
      void this.store?.setMeta('token', '').catch(ignore);
      this.later(0, () => this.conn.restart());
    }
  }

  private onAck(ack: cs.v1.Ack): void {
    if (ack.status === cs.v1.AckStatus.REJECTED) return this.onRejected(ack.clientMsgId, ack.retryAfterMs, ack.reason);
    const entry = this.outbox.acked(ack.clientMsgId);
    const conversationId = ack.conversationId || entry?.conversationId || '';
    void this.store?.deleteOutbox(ack.clientMsgId).catch(ignore);
    this.settle(conversationId, ack.clientMsgId, ack.seq, ack.serverTimeMs);
    this.post({ t: 'acked', clientMsgId: ack.clientMsgId, conversationId, seq: ack.seq, timeMs: ack.serverTimeMs });
    this.armOutboxTimer();
  }

  /** An own pending message got its seq: into its place, cached, and the gap below it pulled if any. */
  private settle(conversationId: string, clientMsgId: string, seq: number, timeMs: number): void {
    const conv = this.conv(conversationId);
    const item = conv.timeline.ack(clientMsgId, seq, timeMs);
    if (item) conv.unsaved.push(item);
    if (conv.timeline.hasGap) this.requestSync(conversationId, 'forward', { afterSeq: conv.timeline.cursor, limit: CATCH_UP_LIMIT });
    this.scheduleReceived();
    this.markChanged(conversationId);
  }

  private onRejected(clientMsgId: string, retryAfterMs: number, reason: string): void {
    const entry = this.outbox.rejected(clientMsgId, retryAfterMs, reason);
    if (entry?.state === OutboxState.Failed) this.showFailed(entry);
    this.armOutboxTimer();
  }

  private onDeliver(messages: readonly cs.v1.Message.$Properties[]): void {
    const byConv = new Map<string, TimelineItem[]>();
    for (const m of messages) {
      const item = this.toItem(m);
      let list = byConv.get(item.conversationId);
      if (!list) byConv.set(item.conversationId, (list = []));
      list.push(item);
    }
    for (const [id, items] of byConv) {
      const added = this.insert(id, items);
      for (const item of added) if (!item.own) this.emit('incoming', { item });
      const conv = this.conv(id);
      if (conv.timeline.hasGap) this.requestSync(id, 'forward', { afterSeq: conv.timeline.cursor, limit: CATCH_UP_LIMIT });
    }
  }

  private onSyncResult(result: cs.v1.SyncResult): void {
    const id = result.conversationId;
    const conv = this.conv(id);
    const request = conv.syncs.shift() ?? { kind: 'forward' };
    if (result.conversation) this.upsertInfo(result.conversation);
    if (result.epoch && conv.timeline.epoch && result.epoch !== conv.timeline.epoch) {
      this.resetEpoch(id, result.epoch);
      request.done?.();
      return this.catchUp(id);
    }
    conv.timeline.epoch ||= result.epoch;
    const items = result.messages.map((m) => this.toItem(m));
    if (request.kind === 'newest' && items[0]) {
      conv.timeline.setFloor(items[0].seq - 1);
      conv.hasOlder = result.hasMore || items[0].seq > 1;
    }
    if (request.kind === 'older') conv.hasOlder = result.hasMore && items.length > 0;
    this.insert(id, items);
    conv.view = undefined;
    this.markChanged(id);
    request.done?.();
    if ((request.kind === 'forward' && result.hasMore && items.length) || conv.timeline.hasGap) {
      this.requestSync(id, 'forward', { afterSeq: conv.timeline.cursor, limit: CATCH_UP_LIMIT });
    }
  }

  private onTyping(typing: cs.v1.Typing): void {
    if (typing.senderId === this.userIdValue) return;
    const conv = this.conv(typing.conversationId);
    if (typing.typing) {
      conv.typing.set(typing.senderId, { name: typing.senderName, role: typing.senderRole, untilMs: this.env.now() + TYPING_SHOWN_MS });
      this.later(TYPING_SHOWN_MS + 10, () => this.markChanged(typing.conversationId));
    } else {
      conv.typing.delete(typing.senderId);
    }
    this.markChanged(typing.conversationId);
  }

  private onPresence(presence: cs.v1.Presence): void {
    this.emit('presence', { agentsOnline: presence.agentsOnline, agentIds: [...presence.agentIds] });
    if (!presence.visitorId) return;
    for (const conv of this.convs.values()) {
      if (conv.info?.visitorId === presence.visitorId) conv.info = { ...conv.info, visitorOnline: presence.visitorOnline };
    }
    this.emit('list', {});
  }

  // ---- timelines ----

  private conv(id: string): Conv {
    let conv = this.convs.get(id);
    if (!conv) {
      conv = {
        timeline: new Timeline(),
        info: undefined,
        hasOlder: false,
        syncs: [],
        typing: new Map(),
        receivedSent: 0,
        readUpTo: 0,
        readSent: 0,
        typingOn: false,
        typingSentMs: 0,
        unsaved: [],
      };
      this.convs.set(id, conv);
    }
    return conv;
  }

  /** Adds server messages; what is new goes to the cache, and own outbox twins (another tab's send) leave the outbox. */
  private insert(id: string, items: readonly TimelineItem[]): readonly TimelineItem[] {
    const conv = this.conv(id);
    const { added } = conv.timeline.insert(items);
    if (!added.length) return added;
    conv.unsaved.push(...added);
    for (const item of added) {
      if (item.clientMsgId && this.outbox.get(item.clientMsgId)) {
        this.outbox.remove(item.clientMsgId);
        void this.store?.deleteOutbox(item.clientMsgId).catch(ignore);
      }
    }
    this.scheduleReceived();
    this.markChanged(id);
    return added;
  }

  private upsertInfo(c: cs.v1.Conversation.$Properties, preview?: string, unread?: number): void {
    const id = c.id ?? '';
    if (!id) return;
    const conv = this.conv(id);
    const epoch = c.epoch ?? '';
    if (epoch && conv.timeline.epoch && epoch !== conv.timeline.epoch) this.resetEpoch(id, epoch);
    else conv.timeline.epoch ||= epoch;
    const old = conv.info;
    conv.info = {
      id,
      epoch,
      lastSeq: c.lastSeq ?? 0,
      site: c.site ?? '',
      topic: c.topic ?? '',
      visitorId: c.visitorId ?? '',
      status: c.status ?? cs.v1.ConversationStatus.OPEN,
      assigneeId: c.assigneeId ?? '',
      visitorUserId: c.visitorUserId ?? '',
      visitorName: c.visitorName ?? '',
      visitorEmail: c.visitorEmail ?? '',
      visitorOnline: c.visitorOnline ?? false,
      visitorPageUrl: c.visitorPageUrl ?? '',
      visitorPageTitle: c.visitorPageTitle ?? '',
      platform: c.platform ?? '',
      appVersion: c.appVersion ?? '',
      createdMs: c.createdMs ?? 0,
      lastActivityMs: c.lastActivityMs ?? 0,
      preview: preview ?? old?.preview ?? conv.timeline.items().at(-1)?.text ?? '',
      unread: unread ?? old?.unread ?? 0,
    };
    void this.store?.putConversation({ id, epoch: conv.timeline.epoch, info: conv.info }).catch(ignore);
    this.markChanged(id);
  }

  /** §3.9: the server lost this conversation's state; drop the cache and start from the new epoch. */
  private resetEpoch(id: string, epoch: string): void {
    const conv = this.conv(id);
    conv.timeline.reset(epoch);
    conv.unsaved = [];
    conv.receivedSent = conv.readSent = conv.readUpTo = 0;
    conv.hasOlder = false;
    void this.store?.clearMessages(id).catch(ignore);
    this.markChanged(id);
  }

  /** Pulls what this client misses: the newest page when it holds nothing, else everything after its cursor. */
  private catchUp(id: string): void {
    const conv = this.conv(id);
    const timeline = conv.timeline;
    const lastSeq = conv.info?.lastSeq ?? 0;
    if (timeline.lastSeq === 0) {
      if (lastSeq > 0 || this.options.role === 'agent') this.requestSync(id, 'newest', { beforeSeq: NEWEST, limit: PAGE_SIZE });
    } else if (timeline.cursor < Math.max(lastSeq, timeline.lastSeq)) {
      this.requestSync(id, 'forward', { afterSeq: timeline.cursor, limit: CATCH_UP_LIMIT });
    }
  }

  private requestSync(id: string, kind: SyncKind, sync: cs.v1.Sync.$Properties, done?: () => void): boolean {
    const conv = this.conv(id);
    if (kind !== 'older' && conv.syncs.some((s) => s.kind !== 'older')) return false; // one catch-up at a time
    if (!this.conn.send({ sync: { ...sync, conversationId: id } })) return false;
    conv.syncs.push({ kind, done });
    return true;
  }

  /** Pending messages queued before the visitor's conversation was known move into it. */
  private adoptUnaddressed(primary: string): void {
    const orphan = this.convs.get('');
    if (!orphan) return;
    for (const entry of this.outbox.all()) {
      if (entry.conversationId) continue;
      this.outbox.remove(entry.clientMsgId);
      const moved = this.outbox.add({ ...entry, conversationId: primary }, entry.state === OutboxState.Failed);
      orphan.timeline.removePending(entry.clientMsgId);
      this.conv(primary).timeline.addPending(this.pendingItem(moved, stateOf(moved)));
      void this.store?.putOutbox(this.record(moved)).catch(ignore);
    }
    this.markChanged('');
    this.markChanged(primary);
  }

  // ---- outbox ----

  /**
   * Sends every due outbox entry this tab can take the lease on, in creation
   * order; a conversation's later entries wait behind an earlier one that is
   * not due or held by another tab, so retries keep the order.
   */
  private async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.flushAgain = false;
        if (this.conn.state !== ConnState.Open || !this.store) break;
        const blocked = new Set<string>();
        const due = this.outbox.all().filter((e) => {
          const waiting = e.state === OutboxState.Queued && e.dueMs > this.env.now();
          if (waiting) blocked.add(e.conversationId);
          return e.state === OutboxState.Queued && !waiting && !blocked.has(e.conversationId);
        });
        if (!due.length) break;
        const store = this.store;
        const leaseMs = 2 * (this.options.ackTimeoutMs ?? 8000);
        const claims = await this.exclusive(() => store.claimOutbox(due.map((e) => e.clientMsgId), this.tabId, this.env.now(), leaseMs));
        for (const entry of due) {
          const claim = claims.get(entry.clientMsgId);
          if (blocked.has(entry.conversationId)) continue;
          if (claim === undefined) {
            this.outbox.remove(entry.clientMsgId); // acked (another tab) or failed there
            continue;
          }
          if (typeof claim === 'number') {
            this.outbox.defer(entry.clientMsgId, claim);
            blocked.add(entry.conversationId);
            continue;
          }
          const current = this.outbox.get(entry.clientMsgId);
          if (current?.state !== OutboxState.Queued) continue; // acked while we waited for the lease
          const conversationId = entry.conversationId || this.primary;
          const sent = this.conn.send({
            send: { clientMsgId: entry.clientMsgId, conversationId, kind: entry.kind, text: entry.text, quoteSeq: entry.quoteSeq },
          });
          if (!sent) break;
          this.outbox.markSending(entry.clientMsgId);
        }
      } while (this.flushAgain);
    } catch {
      // IndexedDB refused the claim: the entries stay queued and the timer tries again.
    } finally {
      this.flushing = false;
      this.armOutboxTimer();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locks = this.env.locks;
    return locks ? locks.request(`cs-chat-outbox:${this.dbName}`, fn) : fn();
  }

  /** One timer at the outbox's next deadline: expire unanswered sends, then flush. */
  private armOutboxTimer(): void {
    this.outboxTimer?.();
    this.outboxTimer = undefined;
    const wake = this.outbox.nextWakeMs();
    if (wake === undefined) return;
    this.outboxTimer = this.later(Math.max(0, wake - this.env.now()), () => {
      this.outboxTimer = undefined;
      for (const entry of this.outbox.expire()) if (entry.state === OutboxState.Failed) this.showFailed(entry);
      void this.flush();
    });
  }

  private showFailed(entry: OutboxEntry): void {
    this.conv(entry.conversationId).timeline.setPendingState(entry.clientMsgId, MessageState.Failed, entry.error);
    this.markChanged(entry.conversationId);
    void this.store?.putOutbox(this.record(entry)).catch(ignore);
  }

  private record(entry: OutboxEntry): OutboxRecord {
    const { clientMsgId, conversationId, kind, text, quoteSeq, createdMs } = entry;
    return { clientMsgId, conversationId, kind, text, quoteSeq, createdMs, failed: entry.state === OutboxState.Failed, error: entry.error, owner: '', leaseUntilMs: 0 };
  }

  private onTabMessage(message: TabMessage): void {
    if (message.t === 'queued') {
      const entry = this.outbox.add(message.message);
      this.conv(entry.conversationId).timeline.addPending(this.pendingItem(entry, MessageState.Sending));
      this.markChanged(entry.conversationId);
      void this.flush(); // finds the other tab's lease and waits it out
    } else {
      this.outbox.remove(message.clientMsgId);
      this.settle(message.conversationId, message.clientMsgId, message.seq, message.timeMs);
    }
  }

  private post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  // ---- batching ----

  private scheduleReceived(): void {
    this.receivedTimer ??= this.later(BATCH_MS, () => {
      this.receivedTimer = undefined;
      for (const [id, conv] of this.convs) {
        const cursor = conv.timeline.cursor;
        if (id && cursor > conv.receivedSent && this.conn.send({ received: { conversationId: id, upToSeq: cursor } })) conv.receivedSent = cursor;
      }
    });
  }

  /** Change events are coalesced: one per conversation per animation frame (a timer when frames stop in a hidden tab). */
  private markChanged(id: string): void {
    const conv = this.convs.get(id);
    if (conv) conv.view = undefined;
    this.changed.add(id);
    if (this.changeFlush) return;
    const run = (): void => {
      this.changeFlush?.();
      this.changeFlush = undefined;
      const ids = [...this.changed];
      this.changed.clear();
      void this.persist();
      for (const changed of ids) this.emit('change', { conversationId: changed });
    };
    const timer = this.later(CHANGE_FALLBACK_MS, run);
    const frame = this.env.requestAnimationFrame?.(run);
    this.changeFlush = () => {
      timer();
      if (frame !== undefined) this.env.cancelAnimationFrame?.(frame);
    };
  }

  /** Writes new seq'd messages to the IndexedDB cache. */
  private async persist(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const writes: Promise<void>[] = [];
    for (const [id, conv] of this.convs) {
      if (!conv.unsaved.length || !id) continue;
      // The cache keeps the newest CACHE_LIMIT: older pages read back through would be written only to be trimmed.
      const floor = conv.timeline.lastSeq - CACHE_LIMIT;
      const items = conv.unsaved.filter((item) => item.seq > floor);
      conv.unsaved = [];
      if (items.length) writes.push(store.putMessages(id, items).catch(ignore));
    }
    await Promise.all(writes);
  }

  // ---- helpers ----

  private async loadCache(store: ChatStore): Promise<void> {
    for (const record of await store.conversations()) {
      const conv = this.conv(record.id);
      conv.timeline.epoch = record.epoch;
      conv.info = record.info;
      const items = await store.messages(record.id);
      if (items[0]) {
        conv.timeline.setFloor(items[0].seq - 1);
        conv.timeline.insert(items);
        conv.hasOlder = items[0].seq > 1;
        conv.receivedSent = conv.timeline.cursor;
      }
      this.markChanged(record.id);
    }
    for (const record of await store.outbox()) {
      const entry = this.outbox.add(record, record.failed);
      const failed = entry.state === OutboxState.Failed;
      this.conv(record.conversationId).timeline.addPending(this.pendingItem(record, failed ? MessageState.Failed : MessageState.Sending, record.error));
      this.markChanged(record.conversationId);
    }
    if (this.convs.size) this.emit('list', {});
  }

  private toItem(m: cs.v1.Message.$Properties): TimelineItem {
    const conversationId = m.conversationId ?? '';
    const seq = m.seq ?? 0;
    const senderId = m.senderId ?? '';
    return {
      key: itemKey(conversationId, m.clientMsgId ?? '', seq),
      conversationId,
      seq,
      clientMsgId: m.clientMsgId ?? '',
      senderId,
      senderRole: m.senderRole ?? cs.v1.Role.ROLE_UNSPECIFIED,
      senderName: m.senderName ?? '',
      kind: m.kind ?? cs.v1.MessageKind.TEXT,
      text: m.text ?? '',
      quoteSeq: m.quoteSeq ?? 0,
      quickReplies: [...(m.quickReplies ?? [])],
      timeMs: m.serverTimeMs ?? 0,
      own: !!senderId && senderId === this.userIdValue,
      state: MessageState.Sent,
    };
  }

  private pendingItem(message: OutgoingMessage, state: MessageState, error?: string): TimelineItem {
    return {
      key: message.clientMsgId,
      conversationId: message.conversationId,
      seq: 0,
      clientMsgId: message.clientMsgId,
      senderId: this.userIdValue,
      senderRole: this.myRole(),
      senderName: '',
      kind: message.kind as MessageKind,
      text: message.text,
      quoteSeq: message.quoteSeq,
      quickReplies: [],
      timeMs: message.createdMs,
      own: true,
      state,
      error,
    };
  }

  private myRole(): Role {
    return this.options.role === 'agent' ? cs.v1.Role.AGENT : cs.v1.Role.VISITOR;
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

  /** A timer that tears itself down with the session. */
  private later(ms: number, fn: () => void): Disposer {
    const id = this.env.setTimeout(() => {
      this.timers.delete(dispose);
      fn();
    }, ms);
    const dispose: Disposer = () => {
      this.env.clearTimeout(id);
      this.timers.delete(dispose);
    };
    this.timers.add(dispose);
    return dispose;
  }
}

function stateOf(entry: OutboxEntry): MessageState {
  return entry.state === OutboxState.Failed ? MessageState.Failed : MessageState.Sending;
}

function ignore(): void {
  // Cache writes are best effort: the server holds the truth and a resync repairs a missed write.
}
