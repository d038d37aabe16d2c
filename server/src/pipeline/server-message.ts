/** Server-made messages (BOT auto-replies, SYSTEM events): stored like any other, then fanned out. */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import type { PipelineDeps } from './ports.js';

/**
 * Posts a server-made message (BOT or SYSTEM) and fans it out. Failures are
 * logged, never thrown. `senderName`: the name shown with it (default "Bot"
 * for BOT; an EVENT names the agent it is about).
 */
export async function postServerMessage(
  deps: PipelineDeps,
  conversation: Conversation,
  role: cs.v1.Role,
  kind: cs.v1.MessageKind,
  text: string,
  clientMsgId: string,
  senderName = role === cs.v1.Role.BOT ? 'Bot' : '',
): Promise<StoredMessage | undefined> {
  try {
    const message = await deps.messages.storeMessage(conversation, {
      clientMsgId,
      senderId: role === cs.v1.Role.BOT ? 'bot' : 'system',
      senderRole: role,
      senderName,
      kind,
      text,
      quoteSeq: 0,
      quickReplies: [],
    });
    deps.fanOut.deliver(conversation, [message]);
    return message;
  } catch (error) {
    deps.log.warn({ err: error, conversationId: conversation.id }, 'server message not stored');
    return undefined;
  }
}
