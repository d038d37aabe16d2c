/**
 * Server-made BOT messages (issue 4): a greeting when a conversation gets its
 * first message, and an offline auto-reply when a visitor writes while no
 * agent is online (at most once per `offlineReplyEveryMs` per conversation).
 * English, or Chinese when Hello.lang starts with "zh".
 */
import { cs } from '../../../proto/gen/chat.js';
import type { Conversation, StoredMessage } from '../store/conversations.js';
import type { PipelineDeps } from './ports.js';
import { postServerMessage } from './server-message.js';

const TEXTS = {
  en: {
    greeting: 'Hi there! Thanks for reaching out. Ask us anything, we are happy to help.',
    offline: 'Our team is offline right now. Leave your message here and we will reply as soon as we are back.',
  },
  zh: {
    greeting: '您好！感谢您的咨询，有任何问题都可以在这里留言。',
    offline: '客服暂时不在线。请留下您的问题，我们上线后会尽快回复您。',
  },
} as const;

function textsFor(lang: string): (typeof TEXTS)['en' | 'zh'] {
  return lang.toLowerCase().startsWith('zh') ? TEXTS.zh : TEXTS.en;
}

/** Runs after a visitor's message is stored and acked. */
export async function afterVisitorMessage(ctx: PipelineDeps, conversation: Conversation, message: StoredMessage, lang: string): Promise<void> {
  const texts = textsFor(lang);
  if (ctx.options.greeting && message.seq === 1) {
    await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, texts.greeting, 'bot-greeting');
  }
  const now = ctx.now();
  if (ctx.options.offlineReply && ctx.fanOut.agentsOnline() === 0 && now - conversation.lastOfflineReplyMs >= ctx.options.offlineReplyEveryMs) {
    conversation.lastOfflineReplyMs = now;
    await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, texts.offline, `bot-offline-${now}`);
  }
}
