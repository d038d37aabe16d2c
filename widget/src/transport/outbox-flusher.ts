/**
 * The outbox on the wire (DESIGN.md §3.2-3.3): queues a message in IndexedDB
 * before it is sent, flushes due entries in creation order (the order and
 * the per-conversation head-of-line rule are `Outbox.due()`'s), and follows
 * Acks, rejections and ack timeouts with one timer at the outbox's next
 * deadline.
 *
 * Several tabs of one visitor share the IndexedDB outbox. Each tab is its own
 * device (Hello.device_id is the browser's id plus a per-tab suffix), so the
 * server fans every message out to every tab. Decision: the flush is made
 * exclusive with a *lease per entry*, taken inside a Web Lock
 * (`cs-chat-outbox:<dbName>`) in one IndexedDB readwrite transaction: a tab
 * sends only entries it holds the lease on, and the lease (twice the ack
 * timeout, renewed on every resend) lets another tab take over an entry when
 * its tab was closed mid-send. The lock alone would only order flushes, not
 * stop a second tab from resending what the first one has in flight; the lease
 * does, and it survives a crashed tab without a leader election. Tabs tell each
 * other about new and acked entries on a BroadcastChannel, so a pending message
 * shows in every tab once and moves to its seq place everywhere.
 */
import { loadChunk } from '../chunks.js';
import { Outbox, OutboxState, backoffOptions, needsUpload, type OutboxEntry, type OutgoingMessage } from '../core/index.js';
import { MessageState, type Disposer, type Role, type SessionFiles, type SessionOptions, type TimelineItem, type UploadsApi } from '../core/types.js';
import type { ChatStore } from '../store/index.js';
import type { FrameInit } from './codec.js';
import { ignore, type Conversations } from './conversations.js';
import type { FileOutbox } from './file-outbox.js';
import type { Sync } from './sync.js';
import { outboxRecord, pendingItem, pendingState } from './mapping.js';
import type { Timers } from './timers.js';

declare module '../core/types.js' {
  interface UploadsApi {
    /** The file side of an outbox (transport/file-outbox.ts). */
    files(host: FileHost): FileOutbox;
  }
}

/** How long an entry whose file this tab uploads stays out of the flush (the upload reports back before), ms. */
const UPLOAD_WAIT_MS = 3_600_000;

/** BroadcastChannel messages between tabs of one database. */
export type TabMessage =
  | { readonly t: 'queued'; readonly message: OutgoingMessage }
  /** Acked elsewhere; with seq 0, cancelled there (the pending item is dropped, not placed). */
  | { readonly t: 'acked'; readonly clientMsgId: string; readonly conversationId: string; readonly seq: number; readonly timeMs: number };

/** Clock, randomness and the cross-tab primitives, injectable for tests. */
export interface FlusherEnv {
  now(): number;
  random(): number;
  /** Web Locks (navigator.locks); without them the IndexedDB lease alone keeps flushes apart. */
  readonly locks?: Pick<LockManager, 'request'>;
  /** Opens the cross-tab channel; undefined disables it. */
  openChannel?(name: string): BroadcastChannel;
}

/** What the flusher needs from the session. */
export interface FlusherDeps {
  readonly env: FlusherEnv;
  readonly timers: Timers;
  readonly convs: Conversations;
  readonly dbName: string;
  /** This tab's lease owner id. */
  readonly tabId: string;
  store(): ChatStore | undefined;
  /** The connection is open (Welcome received). */
  isOpen(): boolean;
  send(frame: FrameInit): boolean;
  /** Who sends: pending items show as theirs; uploads authenticate with the token (the visitor's, or the agent's service token). */
  sender(): { readonly userId: string; readonly role: Role; readonly token: string };
  /** The visitor's conversation, for entries queued before it was known. */
  primary(): string;
  changed(id: string): void;
  /** An own message got its seq (this tab's Ack or another tab's). */
  settle(conversationId: string, clientMsgId: string, seq: number, timeMs: number): void;
}

/** What the upload code (file-outbox.ts, loaded on first use) uses of the outbox. */
export interface FileHost {
  readonly outbox: Outbox;
  readonly deps: FlusherDeps;
  /** The server's upload cap, bytes. */
  readonly maxUploadBytes: number;
  /** Where files are uploaded (the server's WebSocket URL), with which token. */
  uploadTarget(): { readonly server: string; readonly token: string };
  queue(message: OutgoingMessage, store: ChatStore): Promise<TimelineItem>;
  rejected(clientMsgId: string, retryAfterMs: number, reason: string): void;
  /** Arms the timer at the outbox's next deadline (an entry due now: a flush at once). */
  arm(): void;
  /** The entry as its pending item (the file side adds the file's view). */
  item(entry: OutboxEntry): TimelineItem;
  /** Writes the entry's IndexedDB row (lease released). */
  save(entry: OutboxEntry): void;
  post(message: TabMessage): void;
}

/** The session's outbox, its flushes, and the tabs sharing it. */
export class OutboxFlusher implements FileHost, SessionFiles {
  /** The outbox state machine: the session stamps new messages with its `createdMs()` and looks entries up with `get()`. */
  readonly outbox: Outbox;
  private channel: BroadcastChannel | undefined;
  private timer: Disposer | undefined;
  private flushing = false;
  private flushAgain = false;
  /** The file side, made when the upload code is first loaded. */
  private files: FileOutbox | undefined;
  private readonly loadUploads: () => Promise<UploadsApi>;
  private readonly server: string;
  /** The server's upload cap, bytes (Welcome.max_upload_bytes, given to `resend`). Default 10 MiB until the first Welcome. */
  maxUploadBytes = 10 << 20;

  /** @param sync asks for held messages again (fresh file URLs, `renew`). */
  constructor(
    readonly deps: FlusherDeps,
    options: Pick<SessionOptions, 'url' | 'ackTimeoutMs' | 'maxSendAttempts' | 'backoffBaseMs' | 'backoffCapMs' | 'loadUploads'>,
    private readonly sync: Pick<Sync, 'renew'>,
  ) {
    this.server = options.url;
    this.loadUploads = options.loadUploads ?? (() => loadChunk('uploads').then((chunk) => chunk.uploads));
    this.outbox = new Outbox({
      now: () => deps.env.now(),
      random: () => deps.env.random(),
      ackTimeoutMs: options.ackTimeoutMs,
      maxAttempts: options.maxSendAttempts,
      backoff: backoffOptions(options.backoffBaseMs, options.backoffCapMs),
    });
  }

  /** The file side of the outbox, loading the upload code on first use. */
  async fileSide(): Promise<FileOutbox> {
    const uploads = await this.loadUploads();
    // Checked again after the wait: calls that raced for the first load share one file side.
    return (this.files ??= uploads.files(this));
  }

  async send(conversationId: string, file: Blob, name: string): Promise<TimelineItem> {
    return (await this.fileSide()).send(conversationId, file, name);
  }

  async cancel(conversationId: string, clientMsgId: string): Promise<void> {
    await (await this.fileSide()).cancel(conversationId, clientMsgId);
  }

  renew(conversationId: string, fromSeq: number, toSeq: number): boolean {
    return this.sync.renew(conversationId || this.deps.primary(), fromSeq, toSeq);
  }

  uploadTarget(): { readonly server: string; readonly token: string } {
    return { server: this.server, token: this.deps.sender().token };
  }

  /** Restores the cached outbox (shown as pending at once) and opens the cross-tab channel. */
  async start(store: ChatStore): Promise<void> {
    const records = await store.outbox();
    for (const record of records) {
      const entry = this.outbox.add(record, record.failed);
      const failed = entry.state === OutboxState.Failed;
      this.deps.convs.ensure(record.conversationId).timeline.addPending(this.pending(record, failed ? MessageState.Failed : MessageState.Sending, record.error));
      this.deps.changed(record.conversationId);
    }
    this.restoreFiles(records);
    this.channel = this.deps.env.openChannel?.(`cs-chat:${this.deps.dbName}`);
    if (this.channel) this.channel.onmessage = (ev: MessageEvent<TabMessage>) => this.onTabMessage(ev.data);
  }

  /** Closes the channel and forgets the timer (cleared with the session's timers). */
  stop(): void {
    this.files?.stop();
    this.timer = undefined;
    this.channel?.close();
    this.channel = undefined;
  }

  /** Forgets every entry (log-out); IndexedDB is cleared by the caller. */
  clear(): void {
    this.outbox.clear();
  }

  /** Shows the message as sending, writes it (its file's bytes too) to IndexedDB, then sends it (uploading the file first); a failed write shows it failed and throws. */
  async queue(message: OutgoingMessage, store: ChatStore): Promise<TimelineItem> {
    const item = this.pending(message, MessageState.Sending);
    const timeline = this.deps.convs.ensure(message.conversationId).timeline;
    timeline.addPending(item);
    this.deps.changed(message.conversationId);
    try {
      await store.putOutbox({ ...message, failed: false, owner: '', leaseUntilMs: 0 });
    } catch (error) {
      timeline.setPendingState(message.clientMsgId, MessageState.Failed, 'could not save');
      this.deps.changed(message.conversationId);
      throw error;
    }
    this.outbox.add(message);
    this.post({ t: 'queued', message });
    void this.flush();
    return item;
  }

  /** `retry()` of a failed message: sending again, at once. */
  async retry(conversationId: string, clientMsgId: string, store: ChatStore): Promise<void> {
    const entry = this.outbox.retry(clientMsgId);
    if (!entry) return;
    this.deps.convs.ensure(entry.conversationId || conversationId).timeline.setPendingState(clientMsgId, MessageState.Sending);
    this.deps.changed(entry.conversationId);
    await store.putOutbox(outboxRecord(entry));
    void this.flush();
  }

  /** A new socket is open (a Welcome, with the server's upload cap): what was in flight goes again, then everything due. */
  resend(maxUploadBytes = 0): void {
    if (maxUploadBytes) this.maxUploadBytes = maxUploadBytes;
    this.outbox.requeueInFlight();
    void this.flush();
  }

  /** The server stored the message (OK or DUPLICATE): out of the outbox, into its seq place, and the other tabs told. */
  acked(clientMsgId: string, ackConversationId: string, seq: number, timeMs: number): void {
    const entry = this.outbox.acked(clientMsgId);
    this.files?.forget(clientMsgId);
    const conversationId = ackConversationId || entry?.conversationId || '';
    void this.deps.store()?.deleteOutbox(clientMsgId).catch(ignore);
    this.deps.settle(conversationId, clientMsgId, seq, timeMs);
    this.post({ t: 'acked', clientMsgId, conversationId, seq, timeMs });
    this.arm();
  }

  /** REJECTED, or an Error naming the message: resent after `retryAfterMs` when > 0, else failed. */
  rejected(clientMsgId: string, retryAfterMs: number, reason: string): void {
    const entry = this.outbox.rejected(clientMsgId, retryAfterMs, reason);
    if (entry?.state === OutboxState.Failed) this.showFailed(entry);
    this.arm();
  }

  /**
   * A server message is the twin of an own outbox entry (another tab sent
   * it): the entry leaves, and what waited behind it in its conversation
   * goes now rather than when the other tab's lease would have run out.
   */
  dropTwin(clientMsgId: string): void {
    if (!this.outbox.get(clientMsgId)) return; // not ours, or a server message without a client id
    this.outbox.remove(clientMsgId);
    void this.deps.store()?.deleteOutbox(clientMsgId).catch(ignore);
    void this.flush();
  }

  /** Pending messages queued before the visitor's conversation was known move into it. */
  adoptUnaddressed(primary: string): void {
    const { convs } = this.deps;
    const orphan = convs.get('');
    if (!orphan) return;
    for (const entry of this.outbox.all()) {
      if (entry.conversationId) continue;
      this.outbox.remove(entry.clientMsgId);
      const moved = this.outbox.add({ ...entry, conversationId: primary }, entry.state === OutboxState.Failed);
      orphan.timeline.removePending(entry.clientMsgId);
      convs.ensure(primary).timeline.addPending(this.pending(moved, pendingState(moved)));
      void this.deps.store()?.putOutbox(outboxRecord(moved)).catch(ignore);
    }
    this.deps.changed('');
    this.deps.changed(primary);
  }

  /**
   * Sends every due entry this tab can take the lease on, in creation order.
   * An entry another tab holds is deferred to its lease's end, which makes it
   * not due, so `Outbox.due()` holds its conversation's later entries back.
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
        const store = this.deps.store();
        if (!this.deps.isOpen() || !store) break;
        const at = this.deps.env.now();
        const due = this.outbox.due(at);
        if (!due.length) break;
        const leaseMs = 2 * this.outbox.ackTimeoutMs;
        const claims = await this.exclusive(() => store.claimOutbox(due.map((e) => e.clientMsgId), this.deps.tabId, this.deps.env.now(), leaseMs));
        for (const entry of due) {
          const claim = claims.get(entry.clientMsgId);
          if (claim === undefined) this.outbox.remove(entry.clientMsgId); // acked (another tab) or failed there
          else if (typeof claim === 'number') this.outbox.defer(entry.clientMsgId, claim);
        }
        // An entry that came while the claim ran is not leased this round: it and all after it wait for the next
        // (its queue() or tab message asked for one; else the timer wakes for it).
        for (const entry of this.outbox.due(at)) {
          const claim = claims.get(entry.clientMsgId);
          if (typeof claim !== 'object') break;
          if (needsUpload(entry)) {
            // Its later entries wait behind it (head of line) while the file goes up.
            this.outbox.defer(entry.clientMsgId, at + UPLOAD_WAIT_MS);
            this.fileSide().then(
              (files) => files.start(entry, claim),
              () => this.rejected(entry.clientMsgId, 3000, 'network'), // the upload code did not load (offline): later
            );
            continue;
          }
          const conversationId = entry.conversationId || this.deps.primary();
          const fileId = entry.attachment?.id;
          const sent = this.deps.send({
            send: { clientMsgId: entry.clientMsgId, conversationId, kind: entry.kind, text: entry.text, quoteSeq: entry.quoteSeq, attachments: fileId ? [{ id: fileId }] : [] },
          });
          if (!sent) break;
          this.outbox.markSending(entry.clientMsgId);
        }
      } while (this.flushAgain);
    } catch {
      // IndexedDB refused the claim: the entries stay queued and the timer tries again.
    } finally {
      this.flushing = false;
      this.arm();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locks = this.deps.env.locks;
    return locks ? locks.request(`cs-chat-outbox:${this.deps.dbName}`, fn) : fn();
  }

  /**
   * One timer at the outbox's next deadline: expire unanswered sends, then
   * flush. None while the connection is not open: nothing can be sent, the
   * next Welcome flushes (`resend()`), and a timer on an entry already due
   * would only fire again and again.
   */
  item(entry: OutboxEntry): TimelineItem {
    return this.pending(entry, pendingState(entry), entry.error);
  }

  save(entry: OutboxEntry): void {
    void this.deps.store()?.putOutbox(outboxRecord(entry)).catch(ignore);
  }

  arm(): void {
    this.timer?.();
    this.timer = undefined;
    if (!this.deps.isOpen()) return;
    const wake = this.outbox.nextWakeMs();
    if (wake === undefined) return;
    this.timer = this.deps.timers.later(Math.max(0, wake - this.deps.env.now()), () => {
      this.timer = undefined;
      for (const entry of this.outbox.expire()) if (entry.state === OutboxState.Failed) this.showFailed(entry);
      void this.flush();
    });
  }

  private showFailed(entry: OutboxEntry): void {
    this.deps.convs.ensure(entry.conversationId).timeline.setPendingState(entry.clientMsgId, MessageState.Failed, entry.error);
    this.deps.changed(entry.conversationId);
    void this.deps.store()?.putOutbox(outboxRecord(entry)).catch(ignore);
  }

  /** Pending files show from their bytes in IndexedDB (loads the upload code when there are any). */
  private restoreFiles(entries: readonly OutgoingMessage[]): void {
    if (entries.some(needsUpload)) void this.fileSide().then((files) => files.restore(entries), ignore);
  }

  private onTabMessage(message: TabMessage): void {
    if (message.t === 'queued') {
      const entry = this.outbox.add(message.message);
      this.deps.convs.ensure(entry.conversationId).timeline.addPending(this.pending(entry, MessageState.Sending));
      this.deps.changed(entry.conversationId);
      this.restoreFiles([entry]);
      void this.flush(); // finds the other tab's lease and waits it out
    } else {
      this.outbox.remove(message.clientMsgId);
      this.deps.settle(message.conversationId, message.clientMsgId, message.seq, message.timeMs);
      void this.flush(); // what waited behind it goes now
    }
  }

  post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  private pending(message: OutgoingMessage, state: MessageState, error?: string): TimelineItem {
    return pendingItem(message, state, this.deps.sender(), error);
  }
}
