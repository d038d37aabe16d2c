/**
 * The emails themselves (DESIGN.md §10): pure functions from what happened
 * to a `MailPayload` — subject, plain text, a simple HTML version with the
 * shop's name and colour, and the links (back to the shop page, which
 * reopens the conversation; unsubscribe). Text is escaped for HTML, never
 * interpreted. Worded in the visitor's language (English or Chinese).
 */

/** One email as the outbox stores and sends it. */
export interface MailPayload {
  readonly from: string;
  readonly to: string;
  /** `reply+<conversation>.<mac>@…` (email/address.ts), '' when none can be made. */
  readonly replyTo: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** With angle brackets. */
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly references: readonly string[];
  /** Extra headers (Auto-Submitted, List-Unsubscribe …). */
  readonly headers: Readonly<Record<string, string>>;
  /** The Date header (when the intent was recorded: a resend is the same email). */
  readonly dateMs: number;
}

/** A message as an email shows it. */
export interface MailMessage {
  readonly senderName: string;
  readonly text: string;
  readonly serverTimeMs: number;
  /** Names of attached files (shown, not attached). */
  readonly files?: readonly string[];
}

/** The shop as emails show it. */
export interface ShopLook {
  /** The widget title, else "Support". */
  readonly name: string;
  /** `#rrggbb`. */
  readonly color: string;
}

/** Default accent of the widget (widget/src/elements/styles). */
export const DEFAULT_COLOR = '#4f46e5';

function zh(lang: string): boolean {
  return lang.toLowerCase().startsWith('zh');
}

/** HTML-escapes text (the only way message text enters the HTML). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Black or white, whichever reads better on `color`. */
function textOn(color: string): string {
  const n = Number.parseInt(color.slice(1), 16);
  const luminance = 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return luminance > 150 ? '#111111' : '#ffffff';
}

function timeOf(ms: number, lang: string, timeZone: string): string {
  return new Intl.DateTimeFormat(zh(lang) ? 'zh-CN' : 'en-GB', { timeZone: timeZone || 'UTC', dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** The body of a conversation email: messages, the link back, the unsubscribe line. */
export interface ConversationMail {
  readonly kind: 'reply' | 'transcript';
  readonly shop: ShopLook;
  readonly lang: string;
  /** Zone the times are shown in (the business hours' zone). */
  readonly timeZone: string;
  readonly messages: readonly MailMessage[];
  /** The shop page that reopens the conversation ('' none). */
  readonly chatUrl: string;
  readonly unsubscribeUrl: string;
}

/** Subject, text and HTML of a reply or transcript email. */
export function conversationMail(mail: ConversationMail): { subject: string; text: string; html: string } {
  const z = zh(mail.lang);
  const shop = mail.shop.name;
  const subject =
    mail.kind === 'transcript' ? (z ? `您与 ${shop} 的对话记录` : `Transcript of your conversation with ${shop}`) : z ? `${shop} 回复了您` : `${shop} replied to your message`;
  const intro =
    mail.kind === 'transcript'
      ? z ? '以下是您的对话记录。' : 'Here is the transcript of your conversation.'
      : z ? `${shop} 回复了您在网站上的留言：` : `${shop} replied to the message you left on our website:`;
  const replyHint = z ? '直接回复此邮件即可继续对话。' : 'Reply to this email to answer, or continue in the chat.';
  const openLabel = z ? '在网站上继续对话' : 'Continue the conversation';
  const unsubscribe = z ? '不再接收此对话的邮件' : 'Stop emails about this conversation';
  const lines = (m: MailMessage): string => [m.text, ...(m.files ?? []).map((f) => `[${f}]`)].filter((s) => s).join('\n');

  const text = [
    intro,
    '',
    ...mail.messages.flatMap((m) => [`${m.senderName} (${timeOf(m.serverTimeMs, mail.lang, mail.timeZone)}):`, lines(m), '']),
    replyHint,
    ...(mail.chatUrl ? [`${openLabel}: ${mail.chatUrl}`] : []),
    '',
    '-- ',
    `${shop}`,
    `${unsubscribe}: ${mail.unsubscribeUrl}`,
  ].join('\n');

  const color = /^#[0-9a-f]{6}$/i.test(mail.shop.color) ? mail.shop.color : DEFAULT_COLOR;
  const bubbles = mail.messages
    .map(
      (m) => `<tr><td style="padding:8px 0">
  <div style="font-size:12px;color:#6b7280">${escapeHtml(m.senderName)} · ${escapeHtml(timeOf(m.serverTimeMs, mail.lang, mail.timeZone))}</div>
  <div style="margin-top:4px;padding:10px 14px;border-radius:12px;background:#f3f4f6;color:#111827;white-space:pre-wrap;font-size:15px;line-height:1.45">${escapeHtml(lines(m))}</div>
</td></tr>`,
    )
    .join('\n');
  const button = mail.chatUrl
    ? `<p style="margin:20px 0"><a href="${escapeHtml(mail.chatUrl)}" style="display:inline-block;padding:10px 18px;border-radius:8px;background:${color};color:${textOn(color)};text-decoration:none;font-weight:600">${escapeHtml(openLabel)}</a></p>`
    : '';
  const html = `<!doctype html>
<html lang="${z ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#ffffff;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:560px;margin:0 auto">
<tr><td style="background:${color};color:${textOn(color)};padding:14px 18px;font-size:17px;font-weight:600;border-radius:0 0 10px 10px">${escapeHtml(shop)}</td></tr>
<tr><td style="padding:18px 18px 0;font-size:15px;color:#111827">${escapeHtml(intro)}</td></tr>
<tr><td style="padding:0 18px"><table role="presentation" width="100%" cellspacing="0" cellpadding="0">
${bubbles}
</table></td></tr>
<tr><td style="padding:0 18px;font-size:14px;color:#374151">${escapeHtml(replyHint)}${button}</td></tr>
<tr><td style="padding:18px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${escapeHtml(shop)} · <a href="${escapeHtml(mail.unsubscribeUrl)}" style="color:#6b7280">${escapeHtml(unsubscribe)}</a></td></tr>
</table></body></html>`;
  return { subject, text, html };
}

/** An agent's alert about a new conversation while nobody is online. */
export function alertMail(input: { shop: ShopLook; site: string; visitorName: string; preview: string; inboxUrl: string }): { subject: string; text: string; html: string } {
  const who = input.visitorName || 'A visitor';
  const subject = `New conversation on ${input.shop.name}: ${input.preview.slice(0, 60)}`;
  const text = [`${who} started a conversation on ${input.site} while no agent was online:`, '', input.preview, '', `Answer it in the workbench: ${input.inboxUrl}`, '', '-- ', 'You get this because your new-conversation alerts are on (workbench > your account).'].join('\n');
  const color = /^#[0-9a-f]{6}$/i.test(input.shop.color) ? input.shop.color : DEFAULT_COLOR;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:560px;margin:0 auto;padding:18px;color:#111827">
<p>${escapeHtml(who)} started a conversation on <b>${escapeHtml(input.site)}</b> while no agent was online:</p>
<blockquote style="margin:0;padding:10px 14px;border-left:4px solid ${color};background:#f3f4f6;white-space:pre-wrap">${escapeHtml(input.preview)}</blockquote>
<p><a href="${escapeHtml(input.inboxUrl)}" style="display:inline-block;padding:10px 18px;border-radius:8px;background:${color};color:${textOn(color)};text-decoration:none;font-weight:600">Answer in the workbench</a></p>
<p style="font-size:12px;color:#6b7280">You get this because your new-conversation alerts are on.</p>
</body></html>`;
  return { subject, text, html };
}
