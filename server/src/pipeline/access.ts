/** Who may see a conversation: agents see all; a visitor sees only their own, on the site of the session (issue 10). */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation, ConversationStore } from '../store/conversations.js';
import type { Caller } from './ports.js';

/** The conversation if the caller may see it, else undefined (unknown and forbidden look the same to the caller). */
export function visibleConversation(conversations: ConversationStore, caller: Pick<Caller, 'role' | 'userId' | 'site'>, conversationId: string): Conversation | undefined {
  const conversation = conversations.get(conversationId);
  if (!conversation) return undefined;
  if (caller.role === cs.v1.Role.AGENT) return conversation;
  return conversation.visitorId === caller.userId && conversation.site === caller.site ? conversation : undefined;
}
