/**
 * The abuse limits a Hello is checked against before it may cost the store
 * anything (issue 9; the limits themselves are in store/quotas.ts):
 *
 * - a Hello that mints a new anonymous visitor counts against the client
 *   IP's new-visitor budget per minute;
 * - a Hello that would open a new conversation (a topic the visitor has not
 *   used) is refused once the visitor has `maxConversationsPerVisitor`
 *   (topic cycling on one token).
 *
 * Past either, the Hello gets a fatal Error RATE_LIMITED with retry_after_ms,
 * never a crash and never a silent drop.
 */
import type { cs } from '../../../proto/gen/chat.js';
import type { GatewayContext } from './context.js';

/** How long a visitor past the conversation cap is asked to wait, ms (retention or an agent may free some). */
const CONVERSATION_CAP_RETRY_MS = 60_000;

/** Why a Hello is refused, or undefined when it may go on. */
export interface Refusal {
  readonly message: string;
  readonly retryAfterMs: number;
}

/**
 * Checks a visitor's Hello against the limits.
 * @param minted true when the visitor id was just made for this Hello (no token, no identity).
 */
export function checkVisitorHello(ctx: GatewayContext, ip: string, hello: cs.v1.Hello, visitorId: string, minted: boolean): Refusal | undefined {
  const { quotas } = ctx.store;
  if (minted) {
    const wait = quotas.newVisitor(ip, ctx.now());
    if (wait > 0) return { message: 'too many new visitors from this address: keep the token from Welcome and try again later', retryAfterMs: wait };
  }
  const site = hello.site || 'default';
  const topic = hello.topic ?? '';
  if (!ctx.store.has(site, visitorId, topic) && ctx.store.conversationCount(visitorId) >= quotas.maxConversationsPerVisitor) {
    return {
      message: `this visitor already has ${quotas.maxConversationsPerVisitor} conversations, the most allowed: continue one of them (its topic)`,
      retryAfterMs: CONVERSATION_CAP_RETRY_MS,
    };
  }
  return undefined;
}
