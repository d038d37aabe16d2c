/**
 * Message views shared by `<cs-chat>` and `<cs-inbox>`: a bubble with its
 * quote, image, quick replies and delivery state, and the system line for
 * EVENT messages. Plain functions returning Lit templates (no element per
 * message: thousands of custom elements cost more than they give).
 *
 * Message text only ever goes through Lit text bindings, so markup in a
 * message is shown as characters and never parsed (no innerHTML, no
 * unsafeHTML anywhere in the widget).
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { TimelineItem } from '../core/types.js';
import { MessageState } from '../core/types.js';
import type { Strings } from './i18n.js';
import { linkify } from './linkify.js';
import { icons } from './icons.js';
import { Kind, previewText } from './message-text.js';

export { icons } from './icons.js';
export { Kind, RoleCode, previewText } from './message-text.js';

/** What a message view needs from its list. */
export interface MessageViewContext {
  readonly strings: Strings;
  /** BCP 47 tag for time formatting. */
  readonly lang: string;
  /** The message with this seq in the same conversation, for quotes. */
  readonly bySeq: (seq: number) => TimelineItem | undefined;
  /** The newest message of the conversation: only its quick replies stay active. */
  readonly latestKey: string;
  /** The newest own message: sent/delivered/read is shown under it alone; sending and failed show everywhere. */
  readonly lastOwnKey: string;
  /** Show the sender's name above others' bubbles (agents see "Visitor", visitors see the agent). */
  readonly showNames: boolean;

  readonly onRetry: (item: TimelineItem) => void;
  readonly onReply: (item: TimelineItem) => void;
  readonly onQuickReply: (label: string, item: TimelineItem) => void;
}

/** True for URLs an IMAGE message may load: https, or an inline data: image. */
export function isSafeImageUrl(url: string): boolean {
  return /^https:\/\/[^\s]+$/i.test(url) || /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=]+$/i.test(url);
}

const stateIcon: Record<MessageState, TemplateResult> = {
  sending: icons.clock,
  sent: icons.check,
  delivered: icons.checks,
  read: icons.checks,
  failed: icons.alert,
};

/** The delivery state of an own message: icon and label, plus Retry when failed. */
export function renderState(item: TimelineItem, ctx: MessageViewContext): TemplateResult {
  const label = ctx.strings[item.state];
  return html`<div class="state ${item.state}" data-state=${item.state}>
    ${stateIcon[item.state]}<span>${label}</span>
    ${item.state === MessageState.Failed
      ? html`<button class="retry" type="button" title=${item.error ?? ''} @click=${() => ctx.onRetry(item)}>${ctx.strings.retry}</button>`
      : nothing}
  </div>`;
}

/** The quoted message above a bubble's text (or above the composer). */
export function renderQuote(seq: number, ctx: MessageViewContext): TemplateResult {
  const quoted = ctx.bySeq(seq);
  return html`<span class="quote">${quoted ? previewText(quoted, ctx.strings) : ctx.strings.earlierMessage}</span>`;
}

function renderBody(item: TimelineItem, ctx: MessageViewContext): TemplateResult | (string | TemplateResult)[] {
  if (item.kind === Kind.Image && isSafeImageUrl(item.text)) {
    // No Referer: the image's host learns nothing of the page it is shown on (issue 10).
    return html`<img src=${item.text} alt=${ctx.strings.image} loading="lazy" referrerpolicy="no-referrer" />`;
  }
  return linkify(item.text);
}


/** One time formatter per language tag, each built on first use (ICU set-up costs ms; a page shows one or two languages). */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A message's time for its tooltip, in the visitor's time zone and the
 * language's own clock: "14:05" for en-GB and zh-CN, "02:05 PM" for en-US,
 * and the hour cycle a `-u-hc-` tag asks for. An unknown tag falls back to
 * the browser's default locale.
 */
export function formatTime(ms: number, lang: string): string {
  let format = timeFormats.get(lang);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
    try {
      format = new Intl.DateTimeFormat(lang || undefined, options);
    } catch {
      format = new Intl.DateTimeFormat(undefined, options); // RangeError: not a language tag
    }
    timeFormats.set(lang, format);
  }
  return format.format(ms);
}

/**
 * One message: a system line for EVENT, else a bubble row with its actions and state.
 * The bubble's content sits on one template line: `.bubble` is `white-space: pre-wrap`
 * (message line breaks must show), so template indentation would show as blank space.
 */
export function renderMessage(item: TimelineItem, ctx: MessageViewContext): TemplateResult {
  // Visitors receive an agent note as a content-free placeholder that only keeps seqs contiguous.
  if (item.kind === Kind.Note) return html``;
  if (item.kind === Kind.Event) {
    return html`<div class="event" part="event" data-key=${item.key}>${item.text}</div>`;
  }
  const time = formatTime(item.timeMs, ctx.lang);
  const name = item.own ? ctx.strings.you : item.senderName || ctx.strings.someone;
  return html`<div class="msg ${item.own ? 'own' : 'other'} ${item.state}" part="message" data-key=${item.key}>
    ${!item.own && ctx.showNames ? html`<div class="who">${name}</div>` : nothing}
    <div class="row">
      <div class="bubble" title=${time}><span class="sr-only">${name}: </span>${item.quoteSeq ? renderQuote(item.quoteSeq, ctx) : nothing}${renderBody(item, ctx)}</div>
      ${item.seq > 0
        ? html`<button class="act" type="button" aria-label=${ctx.strings.reply} title=${ctx.strings.reply} @click=${() => ctx.onReply(item)}>${icons.reply}</button>`
        : nothing}
    </div>
    ${item.kind === Kind.QuickReplies && item.quickReplies.length
      ? html`<div class="replies">
          ${item.quickReplies.map(
            (label) => html`<button type="button" ?disabled=${item.key !== ctx.latestKey} @click=${() => ctx.onQuickReply(label, item)}>${label}</button>`,
          )}
        </div>`
      : nothing}
    ${item.own && (item.key === ctx.lastOwnKey || item.state === MessageState.Sending || item.state === MessageState.Failed)
      ? renderState(item, ctx)
      : nothing}
  </div>`;
}

/** The "X is typing…" row with animated dots; nothing when nobody types. */
export function renderTyping(typing: readonly { readonly name: string }[], strings: Strings): TemplateResult | typeof nothing {
  if (!typing.length) return nothing;
  const names = typing.map((t) => t.name || strings.someone).join(', ');
  return html`<div class="typing"><span class="dots" aria-hidden="true"><i></i><i></i><i></i></span><span>${strings.typing(names)}</span></div>`;
}
