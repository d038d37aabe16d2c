/**
 * The one builder of the {@link MessageViewContext} both elements' rows
 * render with (`<cs-chat>`'s panel and `<cs-inbox>`): views only, so it is
 * in the panel chunk, not in dist/cs-chat.js.
 */
import { findBySeq } from '../core/timeline.js';
import type { TimelineItem } from '../core/types.js';
import type { MessageViewContext } from './message-list.js';
import { Kind } from './message-text.js';

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
