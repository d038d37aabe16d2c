/**
 * A chaos participant: a visitor or an agent speaking the protocol through a
 * {@link ProtoClient}, following the delivery contract the way the widget
 * does (DESIGN.md §3):
 *
 * - every message gets a fresh client_msg_id before anything else, and sits
 *   in an (in-memory) outbox until an Ack OK / DUPLICATE arrives;
 * - unacknowledged messages are resent, same id, after an ack timeout and on
 *   every reconnect, in creation order; REJECTED waits `retry_after_ms`;
 * - the view of each conversation is a seq -> message map (duplicates by seq
 *   are dropped, a different message under a held seq is recorded as a clash);
 *   Hello carries the contiguous cursors, a gap or RESYNC pulls with Sync,
 *   Received is sent cumulatively and batched;
 * - a lost link (cut, killed proxy connection, server SIGKILL) reconnects
 *   with full-jitter backoff.
 *
 * Agents subscribe to every conversation they learn of (Welcome, InboxUpdate)
 * and reply into random ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';

/** Resend an unacknowledged message after this long, ms. */
const ACK_TIMEOUT_MS = 2500;
/** Interval of outbox retries, Received and Ping checks, ms. */
const TICK_MS = 250;
/** A Sync still unanswered after this long may be sent again, ms. */
const SYNC_RETRY_MS = 3000;
/** Received batch interval, ms (an agent follows dozens of conversations; the rate limit counts every frame). */
const RECEIVED_MS = 1500;
/** Ping interval (keeps the server's idle timeout away), ms. */
const PING_MS = 10_000;
/** Reconnect backoff: full jitter in [0, min(cap, base * 2^attempt)], ms. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;
/** Most messages asked for per Sync. */
const SYNC_LIMIT = 200;

/** Every message any client created, and what the server acknowledged, shared by all participants. */
export class Ledger {
  /** client_msg_id -> what was sent, by whom. */
  readonly sent = new Map<string, { conversationId: string; text: string; by: string }>();
  /** client_msg_id -> the seq the Ack named. */
  readonly acked = new Map<string, number>();
  /** Acks that named a different seq for an id acked before. */
  readonly ackConflicts: string[] = [];

  recordAck(clientMsgId: string, seq: number): void {
    const before = this.acked.get(clientMsgId);
    if (before !== undefined && before !== seq) this.ackConflicts.push(`${clientMsgId} acked as seq ${before} and later as ${seq}`);
    else this.acked.set(clientMsgId, seq);
  }
}

/** One participant's copy of a conversation. */
export class View {
  epoch = '';
  /** The highest seq held with none missing below it. */
  cursor = 0;
  readonly bySeq = new Map<number, cs.v1.Message>();
  /** A different message arrived under a seq already held (the server reordered or reused a seq). */
  readonly clashes: string[] = [];

  /** Adds a message; false when its seq was held already (dropped, as the contract says). */
  insert(message: cs.v1.Message): boolean {
    const seq = message.seq ?? 0;
    const held = this.bySeq.get(seq);
    if (held) {
      if (held.clientMsgId !== message.clientMsgId) this.clashes.push(`seq ${seq}: held ${held.clientMsgId}, got ${message.clientMsgId}`);
      return false;
    }
    this.bySeq.set(seq, message);
    while (this.bySeq.has(this.cursor + 1)) this.cursor += 1;
    return true;
  }

  /** True when a seq above the cursor is held (something below it is missing). */
  get hasGap(): boolean {
    return this.bySeq.size > this.cursor;
  }

  /** A new epoch: the server lost the conversation; drop the copy. */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.cursor = 0;
    this.bySeq.clear();
  }
}

interface OutboxEntry {
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly text: string;
  /** When it was last sent, ms (0: not in flight). */
  sentAt: number;
  /** How often it was sent. */
  sends: number;
  /** Not before this time, ms (REJECTED with retry_after). */
  dueAt: number;
}

export interface ParticipantOptions {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  /** The server's (proxied) WebSocket URL, or its `/stream` URL (http:) for the streaming fallback. */
  readonly url: string;
  /** Over the fallback: reopen the stream's GET this often, ms (default 60000). */
  readonly reopenMs?: number;
  /** Visitors: their site key. Agents: only conversations of these sites are followed. */
  readonly sites: readonly string[];
  /** Agents: the agent token. */
  readonly agentToken?: string;
  readonly ledger: Ledger;
  /**
   * Sabotage for proving the checker: false skips every resend (a message
   * whose first send was lost on a dying link is silently given up). Default true.
   */
  readonly resend?: boolean;
}

/** Counters of one participant. */
export interface ParticipantStats {
  connects: number;
  clientCuts: number;
  resends: number;
  duplicates: number;
  rejected: number;
  epochChanges: number;
  errors: Map<string, number>;
}

export class Participant {
  readonly views = new Map<string, View>();
  readonly stats: ParticipantStats = { connects: 0, clientCuts: 0, resends: 0, duplicates: 0, rejected: 0, epochChanges: 0, errors: new Map() };
  private readonly outbox: OutboxEntry[] = [];
  private token = '';
  private primary = '';
  private client: ProtoClient | undefined;
  private processed = 0;
  private ready = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPing = 0;
  private lastReceived = 0;
  private readonly syncing = new Map<string, number>();
  /** Cursor last reported with Received, per conversation. */
  private readonly reported = new Map<string, number>();

  constructor(readonly options: ParticipantOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Messages not yet acknowledged. */
  get pending(): number {
    return this.outbox.length;
  }

  /** Connected and welcomed. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Starts the connection loop. */
  start(): void {
    this.loop = this.connectLoop();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops reconnecting and closes the socket. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.client?.socket.terminate();
    await this.loop;
  }

  /** Abruptly drops the socket from the client side (no close frame). */
  cut(): boolean {
    if (!this.client?.isOpen) return false;
    this.stats.clientCuts += 1;
    this.client.socket.terminate();
    return true;
  }

  /**
   * Creates a message (client id first, then the outbox) and sends it if
   * connected. Visitors write into their conversation, agents into a random
   * followed one. Returns false when there is nowhere to write yet.
   */
  sendNew(): boolean {
    const conversationId = this.options.role === 'visitor' ? this.primary : pick([...this.views.keys()]);
    if (!conversationId) return false;
    const clientMsgId = newClientMsgId();
    const text = `${this.name} ${this.options.ledger.sent.size + 1} ${clientMsgId.slice(0, 6)}`;
    this.options.ledger.sent.set(clientMsgId, { conversationId, text, by: this.name });
    const entry: OutboxEntry = { clientMsgId, conversationId, text, sentAt: 0, sends: 0, dueAt: 0 };
    this.outbox.push(entry);
    if (this.ready) this.transmit(entry);
    return true;
  }

  /**
   * The final pull of the quiet period: waits until connected, then syncs
   * every conversation from its cursor until nothing more comes.
   * @throws Error when that does not finish within `timeoutMs`.
   */
  async finalSync(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${this.name}: final sync did not finish within ${timeoutMs} ms`);
      const client = this.client;
      if (!client || !this.ready) {
        await sleep(100);
        continue;
      }
      try {
        for (const [conversationId, view] of this.views) {
          for (;;) {
            const page = await client.sync({ conversationId, afterSeq: view.cursor, limit: SYNC_LIMIT }, 5000);
            this.drain(client);
            // Nothing after the cursor left on the server: done (a hole that stays is the checker's to report).
            if (!page.hasMore) break;
          }
        }
        return;
      } catch {
        await sleep(200);
      }
    }
  }

  // ---- connection ----------------------------------------------------------

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      const client = await this.connectOnce().catch(() => undefined);
      if (!client) {
        attempt += 1;
        await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
        continue;
      }
      attempt = 0;
      await client.closed;
      this.ready = false;
      this.client = undefined;
      if (!this.stopped) await sleep(Math.random() * BACKOFF_BASE_MS);
    }
  }

  private async connectOnce(): Promise<ProtoClient> {
    const client = await ProtoClient.connect(this.options.url, { timeoutMs: 3000, reopenMs: this.options.reopenMs });
    client.socket.on('error', () => undefined); // resets are expected; 'close' follows
    if (this.stopped) {
      client.socket.terminate();
      throw new Error('stopped');
    }
    this.client = client;
    this.processed = 0;
    this.syncing.clear();
    this.reported.clear();
    client.socket.on('message', () => this.drain(client));
    const cursors = [...this.views].map(([conversationId, v]) => ({ conversationId, epoch: v.epoch, seq: v.cursor }));
    const visitor = this.options.role === 'visitor';
    try {
      await client.hello({ token: visitor ? this.token : this.options.agentToken, site: visitor ? this.options.sites[0] : '', cursors }, 5000);
    } catch (error) {
      client.socket.terminate();
      throw error;
    }
    return client;
  }

  /** Handles every frame received since the last call, in order. */
  private drain(client: ProtoClient): void {
    if (client !== this.client) return;
    while (this.processed < client.frames.length) this.onFrame(client.frames[this.processed++]!);
  }

  private onFrame(frame: cs.v1.Frame): void {
    if (frame.welcome) this.onWelcome(frame.welcome as cs.v1.Welcome);
    else if (frame.deliver) this.onMessages((frame.deliver.messages ?? []) as cs.v1.Message[]);
    else if (frame.syncResult) this.onSyncResult(frame.syncResult as cs.v1.SyncResult);
    else if (frame.ack) this.onAck(frame.ack as cs.v1.Ack);
    else if (frame.inboxUpdate) this.onInboxUpdate(frame.inboxUpdate as cs.v1.InboxUpdate);
    else if (frame.error) this.onError(frame.error as cs.v1.Error);
  }

  private onWelcome(welcome: cs.v1.Welcome): void {
    this.stats.connects += 1;
    const visitor = this.options.role === 'visitor';
    if (visitor) {
      this.token = welcome.token || this.token;
      this.primary = welcome.conversations?.[0]?.id ?? '';
    }
    for (const conversation of (welcome.conversations ?? []) as cs.v1.Conversation[]) {
      if (!visitor && !this.options.sites.includes(conversation.site ?? '')) continue;
      this.follow(conversation.id ?? '', conversation.epoch ?? '');
    }
    this.ready = true;
    const resend = this.options.resend ?? true;
    for (const entry of [...this.outbox]) {
      if (entry.sends > 0 && !resend) {
        this.outbox.splice(this.outbox.indexOf(entry), 1); // sabotage: give up instead of resending
        continue;
      }
      entry.sentAt = 0;
    }
    this.flush();
  }

  /** Starts following a conversation (agents subscribe) and pulls what is missing. */
  private follow(conversationId: string, epoch: string): void {
    if (!conversationId) return;
    const view = this.views.get(conversationId) ?? new View();
    if (!this.views.has(conversationId)) this.views.set(conversationId, view);
    this.checkEpoch(view, epoch);
    if (this.options.role === 'agent') this.client?.sendFrame({ subscribe: { conversationId } });
    this.requestSync(conversationId, true);
  }

  private checkEpoch(view: View, epoch: string): void {
    if (!epoch || view.epoch === epoch) return;
    if (view.epoch) {
      this.stats.epochChanges += 1;
      view.reset(epoch);
    } else {
      view.epoch = epoch;
    }
  }

  private onMessages(messages: readonly cs.v1.Message[]): void {
    const touched = new Set<string>();
    for (const message of messages) {
      const conversationId = message.conversationId ?? '';
      const view = this.views.get(conversationId);
      if (!view) continue;
      view.insert(message);
      touched.add(conversationId);
    }
    for (const conversationId of touched) if (this.views.get(conversationId)?.hasGap) this.requestSync(conversationId);
  }

  private onSyncResult(result: cs.v1.SyncResult): void {
    const conversationId = result.conversationId ?? '';
    const view = this.views.get(conversationId);
    if (!view) return;
    this.syncing.delete(conversationId);
    this.checkEpoch(view, result.epoch ?? '');
    this.onMessages((result.messages ?? []) as cs.v1.Message[]);
    if (result.hasMore || view.cursor < (result.conversation?.lastSeq ?? 0)) this.requestSync(conversationId);
  }

  private onAck(ack: cs.v1.Ack): void {
    const clientMsgId = ack.clientMsgId ?? '';
    const index = this.outbox.findIndex((e) => e.clientMsgId === clientMsgId);
    const entry = this.outbox[index];
    if (ack.status === cs.v1.AckStatus.REJECTED) {
      this.stats.rejected += 1;
      if (entry) {
        entry.sentAt = 0;
        entry.dueAt = Date.now() + Math.max(ack.retryAfterMs ?? 0, 500);
      }
      return;
    }
    if (ack.status === cs.v1.AckStatus.DUPLICATE) this.stats.duplicates += 1;
    this.options.ledger.recordAck(clientMsgId, ack.seq ?? 0);
    if (entry) this.outbox.splice(index, 1);
  }

  private onInboxUpdate(update: cs.v1.InboxUpdate): void {
    const conversation = update.conversation;
    const conversationId = conversation?.id ?? '';
    if (!conversation || !this.options.sites.includes(conversation.site ?? '')) return;
    const view = this.views.get(conversationId);
    if (!view) return this.follow(conversationId, conversation.epoch ?? '');
    if ((conversation.lastSeq ?? 0) > view.cursor) this.requestSync(conversationId);
  }

  private onError(error: cs.v1.Error): void {
    const code = cs.v1.ErrorCode[error.code ?? 0] ?? String(error.code);
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
    if (error.code === cs.v1.ErrorCode.RESYNC) for (const conversationId of this.views.keys()) this.requestSync(conversationId, true);
    const entry = this.outbox.find((e) => e.clientMsgId === error.ref);
    if (entry) {
      entry.sentAt = 0;
      entry.dueAt = Date.now() + Math.max(error.retryAfterMs ?? 0, 500);
    }
  }

  // ---- outgoing ------------------------------------------------------------

  private requestSync(conversationId: string, force = false): void {
    const view = this.views.get(conversationId);
    if (!view || !this.ready || !this.client?.isOpen) return;
    const since = this.syncing.get(conversationId);
    if (!force && since !== undefined && Date.now() - since < SYNC_RETRY_MS) return;
    this.syncing.set(conversationId, Date.now());
    this.client.sendFrame({ sync: { conversationId, afterSeq: view.cursor, limit: SYNC_LIMIT } });
  }

  private transmit(entry: OutboxEntry): void {
    if (!this.client?.isOpen) return;
    if (entry.sends > 0) this.stats.resends += 1;
    entry.sends += 1;
    entry.sentAt = Date.now();
    this.client.sendFrame({ send: { clientMsgId: entry.clientMsgId, conversationId: entry.conversationId, text: entry.text } });
  }

  /** Sends, in creation order, every entry that is due and not waiting for an Ack. */
  private flush(): void {
    const now = Date.now();
    const resend = this.options.resend ?? true;
    for (const entry of this.outbox) {
      if (entry.dueAt > now) continue;
      if (entry.sentAt === 0) this.transmit(entry);
      else if (now - entry.sentAt > ACK_TIMEOUT_MS && resend) this.transmit(entry);
    }
  }

  private tick(): void {
    if (!this.ready || !this.client?.isOpen) return;
    this.flush();
    if (Date.now() - this.lastReceived < RECEIVED_MS) return;
    this.lastReceived = Date.now();
    for (const [conversationId, view] of this.views) {
      if (view.cursor > (this.reported.get(conversationId) ?? 0)) {
        this.reported.set(conversationId, view.cursor);
        this.client.sendFrame({ received: { conversationId, upToSeq: view.cursor } });
      }
    }
    if (Date.now() - this.lastPing > PING_MS) {
      this.lastPing = Date.now();
      this.client.sendFrame({ ping: { timeMs: Date.now() } });
    }
  }
}

function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}
