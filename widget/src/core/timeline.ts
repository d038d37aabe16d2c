/**
 * One conversation's messages in the order every screen agrees on
 * (DESIGN.md §3.5): seq'd messages by seq, then own pending ones in creation
 * order. Pure data structure: no DOM, no I/O, no clock.
 */
import { MessageState, type TimelineItem } from './types.js';

/** What an `insert` did. */
export interface InsertResult {
  /** Messages actually added (the rest were already held). */
  readonly added: readonly TimelineItem[];
  /** A seq above the contiguous cursor is held: pull the gap with `Sync after=cursor`. */
  readonly gap: boolean;
}

/** Stable render key of a message: its client_msg_id, or conversation#seq for server-made ones without. */
export function itemKey(conversationId: string, clientMsgId: string, seq: number): string {
  return clientMsgId || `${conversationId}#${seq}`;
}

export class Timeline {
  /** Server epoch the seqs belong to ('' until known). */
  epoch = '';
  private seqd: TimelineItem[] = [];
  /** Own messages without a seq yet, in creation order. */
  private pending: TimelineItem[] = [];
  private readonly keys = new Set<string>();
  /** Highest seq with every seq in (floor, contiguous] held. */
  private contiguous = 0;
  private deliveredUpTo = 0;
  private readUpTo = 0;
  private snapshot: readonly TimelineItem[] | undefined;

  /** The contiguous cursor: every seq from the loaded floor up to it is held (Hello/Sync `after_seq`). */
  get cursor(): number {
    return this.contiguous;
  }

  /** Highest seq held, 0 when none. */
  get lastSeq(): number {
    return this.seqd.at(-1)?.seq ?? 0;
  }

  /** Lowest seq held, 0 when none. */
  get firstSeq(): number {
    return this.seqd[0]?.seq ?? 0;
  }

  /** A seq above the cursor is held, so something below it is missing. */
  get hasGap(): boolean {
    return this.lastSeq > this.contiguous;
  }

  /** Seq'd then pending items, as an immutable array that changes identity on every change. */
  items(): readonly TimelineItem[] {
    this.snapshot ??= Object.freeze([...this.seqd, ...this.pending]);
    return this.snapshot;
  }

  /** True if the seq is held. */
  has(seq: number): boolean {
    const i = this.lowerBound(seq);
    return this.seqd[i]?.seq === seq;
  }

  /**
   * Declares that nothing at or below `seq` will be pulled forward: used when
   * the newest page was loaded first (older pages come with `loadOlder`), so
   * the cursor starts at the page's first seq - 1 instead of 0.
   */
  setFloor(seq: number): void {
    if (seq > this.contiguous) this.contiguous = seq;
    this.advance();
  }

  /**
   * Adds server messages (any order, any duplicates). A message whose seq is
   * held is dropped; one that matches an own pending message by
   * client_msg_id replaces it (the Ack's Deliver twin, or another tab's send).
   */
  insert(messages: readonly TimelineItem[]): InsertResult {
    const added: TimelineItem[] = [];
    for (const raw of messages) {
      if (raw.seq <= 0) continue;
      const i = this.lowerBound(raw.seq);
      if (this.seqd[i]?.seq === raw.seq) continue;
      const pendingIndex = raw.clientMsgId ? this.pending.findIndex((p) => p.clientMsgId === raw.clientMsgId) : -1;
      if (pendingIndex >= 0) {
        this.pending.splice(pendingIndex, 1);
      } else if (this.keys.has(raw.key)) {
        continue;
      }
      const item = this.withReceipt(raw);
      this.seqd.splice(i, 0, item);
      this.keys.add(item.key);
      added.push(item);
    }
    if (added.length) {
      this.advance();
      this.snapshot = undefined;
    }
    return { added, gap: this.hasGap };
  }

  /** Shows an own message at once, after every seq'd one. Ignored if its key is held. */
  addPending(item: TimelineItem): boolean {
    if (this.keys.has(item.key)) return false;
    this.pending.push(item);
    this.pending.sort((a, b) => a.timeMs - b.timeMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.keys.add(item.key);
    this.snapshot = undefined;
    return true;
  }

  /** Changes a pending message's state (sending / failed). */
  setPendingState(clientMsgId: string, state: MessageState, error?: string): void {
    const i = this.pending.findIndex((p) => p.clientMsgId === clientMsgId);
    const old = this.pending[i];
    if (!old || (old.state === state && old.error === error)) return;
    this.pending[i] = { ...old, state, error };
    this.snapshot = undefined;
  }

  /**
   * Moves an acked pending message into its seq place (state `sent`). If the
   * seq is already held (its Deliver or a Sync came first) the pending copy
   * is just dropped, so it shows once.
   */
  ack(clientMsgId: string, seq: number, serverTimeMs: number): TimelineItem | undefined {
    const i = this.pending.findIndex((p) => p.clientMsgId === clientMsgId);
    const old = this.pending[i];
    if (!old) return undefined;
    this.pending.splice(i, 1);
    this.keys.delete(old.key);
    this.snapshot = undefined;
    const item: TimelineItem = { ...old, seq, timeMs: serverTimeMs || old.timeMs, state: MessageState.Sent, error: undefined };
    return this.insert([item]).added[0];
  }

  /** Drops a pending message (another tab's, once it is acked elsewhere). */
  removePending(clientMsgId: string): void {
    const i = this.pending.findIndex((p) => p.clientMsgId === clientMsgId);
    const old = this.pending[i];
    if (!old) return;
    this.pending.splice(i, 1);
    this.keys.delete(old.key);
    this.snapshot = undefined;
  }

  /** How far the other side got: own messages up to these seqs show delivered / read. */
  applyReceipt(deliveredUpTo: number, readUpTo: number): void {
    const delivered = Math.max(this.deliveredUpTo, deliveredUpTo, readUpTo);
    const read = Math.max(this.readUpTo, readUpTo);
    if (delivered === this.deliveredUpTo && read === this.readUpTo) return;
    this.deliveredUpTo = delivered;
    this.readUpTo = read;
    this.seqd = this.seqd.map((item) => this.withReceipt(item));
    this.snapshot = undefined;
  }

  /**
   * The server lost state (§3.9): drop every seq'd message and cursor and
   * adopt the new epoch. Own pending messages stay and are resent.
   */
  reset(epoch: string): void {
    for (const item of this.seqd) this.keys.delete(item.key);
    this.seqd = [];
    this.contiguous = 0;
    this.deliveredUpTo = 0;
    this.readUpTo = 0;
    this.epoch = epoch;
    this.snapshot = undefined;
  }

  private withReceipt(item: TimelineItem): TimelineItem {
    if (!item.own || item.state === MessageState.Sending || item.state === MessageState.Failed) return item;
    const state =
      item.seq <= this.readUpTo ? MessageState.Read : item.seq <= this.deliveredUpTo ? MessageState.Delivered : MessageState.Sent;
    return state === item.state ? item : { ...item, state };
  }

  private advance(): void {
    let i = this.lowerBound(this.contiguous + 1);
    while (this.seqd[i]?.seq === this.contiguous + 1) {
      this.contiguous++;
      i++;
    }
  }

  /** Index of the first seq'd item with seq >= `seq`. */
  private lowerBound(seq: number): number {
    return lowerBound(this.seqd, seq);
  }
}

/**
 * Index of the first of `items[0, end)` with seq >= `seq` (binary search);
 * that range must be in seq order.
 */
export function lowerBound(items: readonly { readonly seq: number }[], seq: number, end = items.length): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The message with this seq in a view's items (seq'd ones in seq order, then pending ones with seq 0), by binary search. */
export function findBySeq(items: readonly TimelineItem[], seq: number): TimelineItem | undefined {
  let end = items.length;
  while (end > 0 && items[end - 1]!.seq === 0) end--;
  const found = items[lowerBound(items, seq, end)];
  return found?.seq === seq && seq > 0 ? found : undefined;
}
