/**
 * The widget's built-in strings, English and Chinese, and the rule that picks
 * one: the element's `lang` attribute, else the page's `<html lang>`, else
 * `navigator.language`. Any `zh*` tag picks Chinese; everything else English.
 * The launcher's part lives in i18n-launcher.ts (in dist/cs-chat.js); this
 * module is the rest (the lazy panel chunk and the workbench).
 */
import { isChinese, launcherEn, launcherZh, type LauncherStrings } from './i18n-launcher.js';

export { pickLang } from './i18n-launcher.js';

/** Every user-visible string of the visitor widget and the shared message views. */
export interface Strings extends LauncherStrings {
  readonly chatWith: (name: string) => string;
  readonly online: string;
  readonly away: string;
  readonly messages: string;
  readonly placeholder: string;
  readonly send: string;
  readonly sending: string;
  readonly sent: string;
  readonly delivered: string;
  readonly read: string;
  readonly failed: string;
  readonly reply: string;
  readonly replyingTo: string;
  readonly cancelReply: string;
  readonly earlierMessage: string;
  readonly you: string;
  readonly typing: (name: string) => string;
  readonly someone: string;
  readonly offline: string;
  readonly reconnecting: string;
  readonly unavailable: string;
  readonly loadingOlder: string;
  readonly empty: string;
  /** The email capture field (issue 14): its label, hint, button, skip link, confirmation, client-side error. */
  readonly emailAsk: string;
  readonly emailHint: string;
  readonly emailSave: string;
  readonly emailSkip: string;
  readonly emailSaved: (email: string) => string;
  readonly emailInvalid: string;
}

const en: Strings = {
  ...launcherEn,
  chatWith: (name) => `Chat with ${name}`,
  online: 'Online',
  away: 'Away',
  messages: 'Messages',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
  reply: 'Reply',
  replyingTo: 'Replying to',
  cancelReply: 'Cancel reply',
  earlierMessage: 'An earlier message',
  you: 'You',
  typing: (name) => `${name} is typing…`,
  someone: 'Someone',
  offline: 'You are offline. Messages will be sent when you are back.',
  reconnecting: 'Reconnecting…',
  unavailable: 'Chat is unavailable right now.',
  loadingOlder: 'Loading earlier messages…',
  empty: 'Ask us anything – we usually reply in a few minutes.',
  emailAsk: 'Get the reply by email',
  emailHint: 'Optional – only used to answer you.',
  emailSave: 'Notify me',
  emailSkip: 'No thanks',
  emailSaved: (email) => `We will email the reply to ${email}.`,
  emailInvalid: 'Enter an email address such as you@example.com.',
};

const zh: Strings = {
  ...launcherZh,
  chatWith: (name) => `与${name}聊天`,
  online: '在线',
  away: '暂时不在',
  messages: '消息',
  placeholder: '输入消息…',
  send: '发送',
  sending: '发送中',
  sent: '已发送',
  delivered: '已送达',
  read: '已读',
  failed: '发送失败',
  reply: '回复',
  replyingTo: '回复',
  cancelReply: '取消回复',
  earlierMessage: '较早的消息',
  you: '我',
  typing: (name) => `${name}正在输入…`,
  someone: '客服',
  offline: '网络已断开，恢复后将自动发送消息。',
  reconnecting: '正在重新连接…',
  unavailable: '客服暂时不可用。',
  loadingOlder: '正在加载更早的消息…',
  empty: '有什么可以帮您？我们通常几分钟内回复。',
  emailAsk: '通过邮件接收回复',
  emailHint: '选填，仅用于回复您。',
  emailSave: '通知我',
  emailSkip: '不用了',
  emailSaved: (email) => `我们会把回复发送到 ${email}。`,
  emailInvalid: '请输入有效的邮箱地址，例如 you@example.com。',
};

/** Strings for a BCP 47 tag: any `zh*` gives Chinese, anything else English. */
export function stringsFor(lang: string | undefined | null): Strings {
  return isChinese(lang) ? zh : en;
}
