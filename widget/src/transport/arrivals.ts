/**
 * Server messages into the timelines: a `Deliver` (live), a page from sync,
 * and the seq an Ack gives an own pending message. What is new is cached,
 * counted for `Received`, shown (one change per conversation and frame), and
 * a gap below it pulled; an own message another tab sent leaves this tab's
 * outbox. Part of `ChatSession` (session.ts).
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { TimelineItem } from '../core/types.js';
import type { Conversations } from './conversations.js';
import { toItem } from './mapping.js';

/** What arrivals need from the session's other parts. */
export interface ArrivalsDeps {
  readonly convs: Conversations;
  /** The signed-in user id (which messages are own). */
  userId(): string;
  /** Pull the gap below the newest message of a conversation, if any (sync.ts). */
  pullGap(conversationId: string): void;
  /** A `Received` is due (signals.ts). */
  scheduleReceived(): void;
  /** The conversation changed (changes.ts). */
  changed(conversationId: string): void;
  /** A server message is the twin of an own outbox entry (outbox-flusher.ts). */
  dropTwin(clientMsgId: string): void;
  /** A message from someone else arrived live. */
  incoming(item: TimelineItem): void;
}

export class Arrivals {
  constructor(private readonly deps: ArrivalsDeps) {}

  /** A Deliver frame: its messages by conversation, the others' ones announced as incoming. */
  deliver(messages: readonly cs.v1.Message.$Properties[]): void {
    const byConv = new Map<string, TimelineItem[]>();
    for (const m of messages) {
      const item = toItem(m, this.deps.userId());
      let list = byConv.get(item.conversationId);
      if (!list) byConv.set(item.conversationId, (list = []));
      list.push(item);
    }
    for (const [id, items] of byConv) {
      const added = this.insert(id, items);
      for (const item of added) if (!item.own) this.deps.incoming(item);
      this.deps.pullGap(id);
    }
  }

  /** Adds server messages; what is new goes to the cache, and own outbox twins (another tab's send) leave the outbox. */
  insert(id: string, items: readonly TimelineItem[]): readonly TimelineItem[] {
    const conv = this.deps.convs.ensure(id);
    const { added } = conv.timeline.insert(items);
    if (!added.length) return added;
    conv.unsaved.push(...added);
    for (const item of added) this.deps.dropTwin(item.clientMsgId);
    this.deps.scheduleReceived();
    this.deps.changed(id);
    return added;
  }

  /** An own pending message got its seq: into its place, cached, and the gap below it pulled if any. */
  settle(conversationId: string, clientMsgId: string, seq: number, timeMs: number): void {
    const conv = this.deps.convs.ensure(conversationId);
    const item = conv.timeline.ack(clientMsgId, seq, timeMs);
    if (item) conv.unsaved.push(item);
    this.deps.pullGap(conversationId);
    this.deps.scheduleReceived();
    this.deps.changed(conversationId);
  }
}
