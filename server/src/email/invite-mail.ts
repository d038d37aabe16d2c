/**
 * The invite email (issue 12): when SMTP is set up, an admin's invite can be
 * mailed to the invitee, the way Chatwoot and Intercom send a teammate's
 * invite. A pure function from the invite to subject, text and HTML; the
 * link is the same one the workbench shows for copying, so a mail that
 * never arrives costs nothing (the admin still has the link).
 *
 * Worded in the inviter's workbench language (English or Chinese): the
 * team shares it more often than not, and the invitee has no account yet.
 */
import { DEFAULT_COLOR, escapeHtml, type ShopLook } from './compose.js';

/** What an invite email says. */
export interface InviteMailInput {
  readonly shop: ShopLook;
  /** Who invited (an account's name; a tool's id). */
  readonly inviterName: string;
  readonly role: 'agent' | 'admin';
  /** The accept link, `…/invite#code=…`. */
  readonly url: string;
  /** When the link stops working, ms since the epoch. */
  readonly expiresMs: number;
  /** 'zh…' for Chinese, anything else English. */
  readonly lang: string;
}

function onColor(color: string): string {
  const n = Number.parseInt(color.slice(1), 16);
  const luminance = 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return luminance > 150 ? '#111111' : '#ffffff';
}

/** Subject, plain text and HTML of an invite email. */
export function inviteMail(input: InviteMailInput): { subject: string; text: string; html: string } {
  const zh = input.lang.toLowerCase().startsWith('zh');
  const shop = input.shop.name;
  const who = input.inviterName || (zh ? '管理员' : 'An admin');
  const role = zh ? (input.role === 'admin' ? '管理员' : '客服') : input.role === 'admin' ? 'an admin' : 'an agent';
  const until = new Intl.DateTimeFormat(zh ? 'zh-CN' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(input.expiresMs);
  const subject = zh ? `${who} 邀请您加入 ${shop} 客服团队` : `${who} invited you to the ${shop} support team`;
  const intro = zh ? `${who} 邀请您以${role}身份加入 ${shop} 的客服工作台。` : `${who} invited you to join the ${shop} support workbench as ${role}.`;
  const action = zh ? '接受邀请' : 'Accept the invite';
  const steps = zh ? '打开链接，填写您的姓名并设置密码即可登录。' : 'Open the link, enter your name and choose a password to sign in.';
  const expiry = zh ? `此链接只能使用一次，有效期至 ${until}（UTC）。` : `The link works once, until ${until} (UTC).`;
  const ignore = zh ? '如果您不认识邀请人，请忽略此邮件。' : 'If you were not expecting this, ignore this email.';
  const text = [intro, '', steps, '', `${action}: ${input.url}`, '', expiry, ignore, '', '-- ', shop].join('\n');
  const color = /^#[0-9a-f]{6}$/i.test(input.shop.color) ? input.shop.color : DEFAULT_COLOR;
  const html = `<!doctype html>
<html lang="${zh ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:18px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#111827">
<div style="max-width:560px;margin:0 auto">
<p style="font-size:16px">${escapeHtml(intro)}</p>
<p style="font-size:15px">${escapeHtml(steps)}</p>
<p style="margin:22px 0"><a href="${escapeHtml(input.url)}" style="display:inline-block;padding:10px 18px;border-radius:8px;background:${color};color:${onColor(color)};text-decoration:none;font-weight:600">${escapeHtml(action)}</a></p>
<p style="font-size:13px;color:#4b5563;word-break:break-all">${escapeHtml(input.url)}</p>
<p style="font-size:13px;color:#4b5563">${escapeHtml(expiry)} ${escapeHtml(ignore)}</p>
</div></body></html>`;
  return { subject, text, html };
}
