/** Who may see a conversation: agents see all; a visitor sees only their own, on the site of the session (issue 10). */
import { cs } from '../../../proto/gen/chat.js';
import type { ServerContext } from '../context.js';
import type { SessionData } from '../gateway/session.js';
import type { Conversation } from '../store/conversations.js';

/** The conversation if the session may see it, else undefined (unknown and forbidden look the same to the caller). */
export function visibleConversation(ctx: ServerContext, session: SessionData, conversationId: string): Conversation | undefined {
  const conversation = ctx.store.get(conversationId);
  if (!conversation) return undefined;
  if (session.role === cs.v1.Role.AGENT) return conversation;
  return conversation.visitorId === session.userId && conversation.site === session.site ? conversation : undefined;
}
