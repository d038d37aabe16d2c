/**
 * What `<cs-chat>` and `<cs-inbox>` share between a session's view and their
 * message rows: the empty view, the newest seq shown (for read receipts),
 * and the one builder of the {@link MessageViewContext} the rows render with.
 */
import { findBySeq } from '../core/index.js';
import type { ConversationView, TimelineItem } from '../core/types.js';
import { Kind, type MessageViewContext } from './message-list.js';

/** The view of no conversation (none open, or not known yet). */
export const EMPTY_VIEW: ConversationView = Object.freeze({ info: undefined, items: [], hasOlder: false, typing: [] });

/** The highest seq among a view's items (pending ones have none), 0 when none is seq'd. */
export function newestSeq(items: readonly TimelineItem[]): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.seq) return items[i]!.seq;
  return 0;
}

/** What an element adds to a timeline to make its view context. */
export type ContextOptions = Omit<MessageViewContext, 'bySeq' | 'latestKey' | 'lastOwnKey'>;

/**
 * The view context for the items of one conversation: quotes found by seq
 * (binary search, `findBySeq`), the newest message (its quick replies stay
 * active) and the newest own message other than a private note (its
 * sent/delivered/read line shows).
 */
export function messageContext(items: readonly TimelineItem[], options: ContextOptions): MessageViewContext {
  let lastOwnKey = '';
  for (let i = items.length - 1; i >= 0 && !lastOwnKey; i--) {
    const item = items[i]!;
    if (item.own && item.kind !== Kind.Note) lastOwnKey = item.key;
  }
  return {
    ...options,
    bySeq: (seq) => findBySeq(items, seq),
    latestKey: items[items.length - 1]?.key ?? '',
    lastOwnKey,
  };
}
