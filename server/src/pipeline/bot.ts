/**
 * Server-made BOT messages (issue 4): a greeting when a conversation gets its
 * first message, and an offline auto-reply when a visitor writes while no
 * agent is online (at most once per `offlineReplyEveryMs` per conversation).
 * The texts are settings (workbench > Settings, per language; accounts/settings.ts):
 * English, or Chinese when Hello.lang starts with "zh".
 */
import { cs } from '../../../proto/gen/chat.js';
import type { ServerContext } from '../context.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import { textsFor } from '../accounts/index.js';
import { postServerMessage } from './store-message.js';

/** Runs after a visitor's message is stored and acked. */
export async function afterVisitorMessage(ctx: ServerContext, conversation: Conversation, message: StoredMessage, lang: string): Promise<void> {
  const texts = textsFor(ctx.accounts.settings.get(), lang);
  if (ctx.options.greeting && message.seq === 1) {
    await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, texts.greeting, 'bot-greeting');
  }
  const now = ctx.now();
  if (ctx.options.offlineReply && ctx.hub.onlineAgents().length === 0 && now - conversation.lastOfflineReplyMs >= ctx.options.offlineReplyEveryMs) {
    conversation.lastOfflineReplyMs = now;
    await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, texts.offline, `bot-offline-${now}`);
  }
}
