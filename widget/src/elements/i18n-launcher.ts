/**
 * The strings `dist/cs-chat.js` itself needs before the panel's code is
 * loaded: the launcher, its unread badge, the hidden-page notification, and
 * the panel's loading and failure line. The rest of the visitor's strings
 * ({@link Strings} in i18n.ts) ride in the lazy panel chunk.
 */

/** The launcher's strings (a part of {@link Strings}). */
export interface LauncherStrings {
  readonly lang: 'en' | 'zh';
  readonly openChat: string;
  readonly minimiseChat: string;
  readonly closeChat: string;
  readonly defaultTitle: string;
  readonly image: string;
  readonly unread: (count: number) => string;
  readonly newMessage: string;
  /** Shown in the panel while its code loads (first open, slow network). */
  readonly loadingChat: string;
  /** Shown when the panel's code could not be fetched; it is retried. */
  readonly chatLoadFailed: string;
  readonly retry: string;
}

/** English. */
export const launcherEn: LauncherStrings = {
  lang: 'en',
  openChat: 'Open chat',
  minimiseChat: 'Minimise chat',
  closeChat: 'Close chat',
  defaultTitle: 'Support',
  image: 'Image',
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  newMessage: 'New message',
  loadingChat: 'Loading the chat…',
  chatLoadFailed: 'The chat could not load. Trying again…',
  retry: 'Retry',
};

/** Chinese. */
export const launcherZh: LauncherStrings = {
  lang: 'zh',
  openChat: '打开聊天',
  minimiseChat: '收起聊天',
  closeChat: '关闭聊天',
  defaultTitle: '在线客服',
  image: '图片',
  unread: (count) => `${count} 条未读消息`,
  newMessage: '新消息',
  loadingChat: '正在加载聊天…',
  chatLoadFailed: '聊天加载失败，正在重试…',
  retry: '重试',
};

/** True for a BCP 47 tag the widget answers in Chinese (any `zh*`). */
export function isChinese(lang: string | undefined | null): boolean {
  return /^zh\b/i.test(lang ?? '');
}

/** The launcher's strings for a BCP 47 tag: any `zh*` gives Chinese, anything else English. */
export function launcherStringsFor(lang: string | undefined | null): LauncherStrings {
  return isChinese(lang) ? launcherZh : launcherEn;
}

/**
 * The language the widget speaks: the explicit `lang` (element attribute or
 * `data-lang`), else the page's `<html lang>`, else the browser's language.
 */
export function pickLang(explicit: string | undefined | null, doc: Document = document): string {
  return explicit || doc.documentElement.lang || (typeof navigator === 'undefined' ? '' : navigator.language) || 'en';
}
