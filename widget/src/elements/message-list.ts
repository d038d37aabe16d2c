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
import { html, nothing, svg, type TemplateResult } from 'lit';
import type { TimelineItem } from '../core/types.js';
import { MessageState } from '../core/types.js';
import type { Strings } from './i18n.js';
import { linkify } from './linkify.js';

/**
 * Message kinds as numbers, mirroring `cs.v1.MessageKind` in proto/chat.proto
 * without importing the generated (protobufjs) module into the views.
 */
export const Kind = { Text: 0, Image: 1, QuickReplies: 2, Event: 3, Note: 4 } as const;

/** Sender roles, mirroring `cs.v1.Role`. */
export const RoleCode = { Visitor: 1, Agent: 2, Bot: 3, System: 4 } as const;

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

/** One line of plain text for previews and quotes, at most `max` characters. */
export function previewText(item: TimelineItem, strings: Strings, max = 80): string {
  if (item.kind === Kind.Image) return `[${strings.image}]`;
  const line = item.text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const icon = (body: TemplateResult) =>
  html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

/** Small stroke icons used by the views and the chat element. */
export const icons = {
  clock: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`),
  check: icon(svg`<path d="M5 12.5l4.5 4.5L19 7.5"/>`),
  checks: icon(svg`<path d="M2 12.5l4.5 4.5L16 7.5"/><path d="M11 16.5l.5.5L21 7.5"/>`),
  alert: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/>`),
  reply: icon(svg`<path d="M9 14L4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v5"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`),
  send: icon(svg`<path d="M4 12l16-8-6 16-2.5-6.5z"/><path d="M11.5 13.5L20 4"/>`),
  chat: icon(svg`<path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v9a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 15.5z"/>`),
  down: icon(svg`<path d="M6 9l6 6 6-6"/>`),
};

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
