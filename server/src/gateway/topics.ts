/**
 * The uWS pub/sub topics (DESIGN.md §3.6), one per conversation and audience:
 *
 * - `m:v<band>:<conversation>`: the visitor's sessions (notes never go here);
 * - `m:a<band>:<conversation>`: agent sessions assigned to it or subscribed;
 * - `inbox`: every agent session (visitor presence);
 * - `inbox:u` / `inbox:b`: agent sessions that take the coalesced inbox
 *   notices as one InboxUpdate frame each, or (Hello.inbox_batch) as one
 *   InboxBatch frame per interval;
 * - `presence`: agent sessions (agents online, with their ids);
 * - `presence:v`: visitor sessions (agents online as a count only: visitors
 *   never learn staff ids, issue 10).
 *
 * `<band>` is `n` for clients that render every kind and `l` for older core
 * levels, which get a downgraded copy (DESIGN.md §4). `ws.publish` skips the
 * sending socket, so the sender gets its Ack and no Deliver of its own message.
 */

/** Who a conversation topic reaches: its visitor's sessions or watching agents. */
export type Audience = 'v' | 'a';

/** The pub/sub topic of one conversation for an audience and a core-level band. */
export function messageTopic(audience: Audience, modern: boolean, conversationId: string): string {
  return `m:${audience}${modern ? 'n' : 'l'}:${conversationId}`;
}

/** Every agent session (visitor presence). */
export const INBOX_TOPIC = 'inbox';
/** Agents that take one InboxUpdate frame per changed conversation. */
export const INBOX_UPDATES_TOPIC = 'inbox:u';
/** Agents that take the notices of one interval as one InboxBatch frame (Hello.inbox_batch). */
export const INBOX_BATCH_TOPIC = 'inbox:b';
/** Every agent session (agents online, with ids). */
export const PRESENCE_TOPIC = 'presence';
/** Every visitor session (how many agents are online, no ids). */
export const VISITOR_PRESENCE_TOPIC = 'presence:v';
