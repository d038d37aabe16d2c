/**
 * Server-made BOT messages: an offline auto-reply when a visitor writes while
 * nobody can answer (away: outside business hours, no agent online, or every
 * online agent set away), once, right after the question (then at most once
 * per `offlineReplyEveryMs` per conversation). The text is a setting per
 * language (workbench > Settings): English, or Chinese when Hello.lang
 * starts with "zh"; its sender name is in the same language ("Automatic
 * reply" / "自动回复", never a bare "Bot").
 *
 * The reply says when the team is back ("Back at 09:00 Monday", in the
 * visitor's time zone, the same words as the widget's header), and promises
 * an email only when one is known or the widget is asking for one (issue 14).
 *
 * There is no stored greeting (issue 11): it used to be posted after the
 * visitor's first message, so it answered a question nobody asked and became
 * the inbox preview. The widget shows its welcome line in the panel before the
 * visitor writes instead; it is not a message and never reaches the inbox.
 */
import { cs } from '../../../proto/gen/chat.js';
import { backAtText } from '../../../widget/src/core/back-at.js';
import type { Conversation } from '../store/conversations.js';
import type { PipelineDeps } from './ports.js';
import { isChinese } from './events.js';
import { postServerMessage } from './server-message.js';

/** Where a merchant's offline text puts the "back at" sentence; without it, the sentence follows the text. */
export const BACK_PLACEHOLDER = '{back}';

/** What the offline reply is worded from. */
export interface OfflineFacts {
  readonly lang: string;
  readonly nowMs: number;
  /** Next opening, ms since the epoch; 0 when not known. */
  readonly nextOpenMs: number;
  /** The visitor's IANA zone; '' unknown (then the merchant's zone is used and named). */
  readonly timeZone: string;
  /** The business hours' zone. */
  readonly merchantZone: string;
  /** The address replies will be emailed to; '' none. */
  readonly emailKnown: string;
  /** The widget offers the email field now. */
  readonly emailAsked: boolean;
}

/**
 * The offline auto-reply: the merchant's text, when the team is back, and
 * what is true about email. `{back}` in the text becomes the "back at"
 * sentence (or, with no time known, "We will answer here as soon as we are
 * back."); a text without it gets the "back at" sentence after it when a
 * time is known, and stays as written when not.
 */
export function offlineReplyText(base: string, facts: OfflineFacts): string {
  const zh = isChinese(facts.lang);
  const stop = zh ? '。' : '.';
  let back: string;
  if (facts.nextOpenMs > 0) {
    const zone = facts.timeZone || facts.merchantZone;
    back = backAtText(facts.nextOpenMs, facts.nowMs, facts.lang, zone) + (facts.timeZone ? '' : ` (${zone})`) + stop;
  } else {
    back = zh ? '我们回来后会在这里回复您。' : 'We will answer here as soon as we are back.';
  }
  const email = facts.emailKnown
    ? zh ? `我们也会把回复发送到 ${facts.emailKnown}。` : ` We will also email the reply to ${facts.emailKnown}.`
    : facts.emailAsked ? zh ? '在下方留下邮箱，即可通过邮件收到回复。' : ' Leave your email below to get the reply by email.' : '';
  const text = base.includes(BACK_PLACEHOLDER) ? base.replace(BACK_PLACEHOLDER, back) : facts.nextOpenMs > 0 ? `${base}${zh ? '' : ' '}${back}` : base;
  return (text + email).trim();
}

/** True when a visitor's message now would get the offline auto-reply (nobody can answer, none posted lately). */
export function needsOfflineReply(ctx: PipelineDeps, conversation: Conversation): boolean {
  if (!ctx.options.offlineReply || ctx.now() - conversation.lastOfflineReplyMs < ctx.options.offlineReplyEveryMs) return false;
  return ctx.continuity ? ctx.continuity.away().away : ctx.fanOut.agentsOnline() === 0;
}

/** Runs after a visitor's message is stored and acked. */
export async function afterVisitorMessage(ctx: PipelineDeps, conversation: Conversation, lang: string, timeZone = ''): Promise<void> {
  if (!needsOfflineReply(ctx, conversation)) return;
  const now = ctx.now();
  const state = ctx.continuity?.away() ?? { away: true, nextOpenMs: 0 };
  conversation.lastOfflineReplyMs = now;
  const email = ctx.continuity?.emailFor(conversation) ?? { known: '', canAsk: false };
  const texts = ctx.botTexts(lang);
  const text = offlineReplyText(texts.offline, {
    lang,
    nowMs: state.nowMs ?? now,
    nextOpenMs: state.nextOpenMs,
    timeZone,
    merchantZone: texts.timeZone ?? 'UTC',
    emailKnown: email.known,
    emailAsked: email.canAsk,
  });
  await postServerMessage(ctx, conversation, cs.v1.Role.BOT, cs.v1.MessageKind.TEXT, text, `bot-offline-${now}`, isChinese(lang) ? '自动回复' : 'Automatic reply');
}
