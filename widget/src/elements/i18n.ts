/**
 * The widget's built-in strings, English and Chinese, and the rule that picks
 * one: the element's `lang` attribute, else the page's `<html lang>`, else
 * `navigator.language`. Any `zh*` tag picks Chinese; everything else English.
 */

/** Every user-visible string of the visitor widget and the shared message views. */
export interface Strings {
  readonly lang: 'en' | 'zh';
  readonly openChat: string;
  readonly minimiseChat: string;
  readonly closeChat: string;
  readonly chatWith: (name: string) => string;
  readonly defaultTitle: string;
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
  readonly retry: string;
  readonly reply: string;
  readonly replyingTo: string;
  readonly cancelReply: string;
  readonly earlierMessage: string;
  readonly image: string;
  readonly you: string;
  readonly typing: (name: string) => string;
  readonly someone: string;
  readonly offline: string;
  readonly reconnecting: string;
  readonly unavailable: string;
  readonly loadingOlder: string;
  readonly unread: (count: number) => string;
  readonly newMessage: string;
  readonly empty: string;
}

const en: Strings = {
  lang: 'en',
  openChat: 'Open chat',
  minimiseChat: 'Minimise chat',
  closeChat: 'Close chat',
  chatWith: (name) => `Chat with ${name}`,
  defaultTitle: 'Support',
  online: 'Online',
  away: 'Away – we reply by email soon',
  messages: 'Messages',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
  retry: 'Retry',
  reply: 'Reply',
  replyingTo: 'Replying to',
  cancelReply: 'Cancel reply',
  earlierMessage: 'An earlier message',
  image: 'Image',
  you: 'You',
  typing: (name) => `${name} is typing…`,
  someone: 'Someone',
  offline: 'You are offline. Messages will be sent when you are back.',
  reconnecting: 'Reconnecting…',
  unavailable: 'Chat is unavailable right now.',
  loadingOlder: 'Loading earlier messages…',
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  newMessage: 'New message',
  empty: 'Ask us anything – we usually reply in a few minutes.',
};

const zh: Strings = {
  lang: 'zh',
  openChat: '打开聊天',
  minimiseChat: '收起聊天',
  closeChat: '关闭聊天',
  chatWith: (name) => `与${name}聊天`,
  defaultTitle: '在线客服',
  online: '在线',
  away: '暂时离开，稍后回复',
  messages: '消息',
  placeholder: '输入消息…',
  send: '发送',
  sending: '发送中',
  sent: '已发送',
  delivered: '已送达',
  read: '已读',
  failed: '发送失败',
  retry: '重试',
  reply: '回复',
  replyingTo: '回复',
  cancelReply: '取消回复',
  earlierMessage: '较早的消息',
  image: '图片',
  you: '我',
  typing: (name) => `${name}正在输入…`,
  someone: '客服',
  offline: '网络已断开，恢复后将自动发送消息。',
  reconnecting: '正在重新连接…',
  unavailable: '客服暂时不可用。',
  loadingOlder: '正在加载更早的消息…',
  unread: (count) => `${count} 条未读消息`,
  newMessage: '新消息',
  empty: '有什么可以帮您？我们通常几分钟内回复。',
};

/** Strings for a BCP 47 tag: any `zh*` gives Chinese, anything else English. */
export function stringsFor(lang: string | undefined | null): Strings {
  return /^zh\b/i.test(lang ?? '') ? zh : en;
}

/**
 * The language the widget speaks: the explicit `lang` (element attribute or
 * `data-lang`), else the page's `<html lang>`, else the browser's language.
 */
export function pickLang(explicit: string | undefined | null, doc: Document = document): string {
  return explicit || doc.documentElement.lang || (typeof navigator === 'undefined' ? '' : navigator.language) || 'en';
}
