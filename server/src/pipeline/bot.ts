/**
 * Server-made BOT messages: an offline auto-reply when a visitor writes while
 * no agent is online, once, right after the question (then at most once per
 * `offlineReplyEveryMs` per conversation). The text is a setting per
 * language (workbench > Settings): English, or Chinese when Hello.lang
 * starts with "zh"; its sender name is in the same language ("Automatic
 * reply" / "自动回复", never a bare "Bot").
 *
 * There is no stored greeting (issue 11): it used to be posted after the
 * visitor's first message, so it answered a question nobody asked and became
 * the inbox preview. The widget shows its welcome line in the panel before the
 * visitor writes instead; it is not a message and never reaches the inbox.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation } from '../store/conversations.js';
import type { PipelineDeps } from './ports.js';
import { isChinese } from './events.js';
import { postServerMessage } from './server-message.js';

/** True when a visitor's message now would get the offline auto-reply (no agent online, none posted lately). */
export function needsOfflineReply(ctx: PipelineDeps, conversation: Conversation): boolean {
  return ctx.options.offlineReply && ctx.fanOut.agentsOnline() === 0 && ctx.now() - conversation.lastOfflineReplyMs >= ctx.options.offlineReplyEveryMs;
}

/** Runs after a visitor's message is stored and acked. */
export async function afterVisitorMessage(ctx: PipelineDeps, conversation: Conversation, lang: string): Promise<void> {
  if (!needsOfflineReply(ctx, conversation)) return;
  const now = ctx.now();
  conversation.lastOfflineReplyMs = now;
  const texts = ctx.botTexts(lang);
  await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, texts.offline, `bot-offline-${now}`, isChinese(lang) ? '自动回复' : 'Automatic reply');
}
