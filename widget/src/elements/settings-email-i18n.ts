/**
 * Strings of the "Business hours" and "Email" settings sections (issue 14),
 * English and Chinese, picked by the workbench language.
 */
import type { WorkbenchLang } from './workbench-i18n.js';

export interface EmailSectionStrings {
  readonly hoursSection: string;
  readonly hoursHint: string;
  readonly hoursOn: string;
  readonly timezone: string;
  readonly days: Readonly<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', string>>;
  readonly dayHint: string;
  readonly exceptions: string;
  readonly exceptionsHint: string;
  readonly badInterval: (text: string) => string;
  readonly badException: (line: string) => string;
  readonly emailSection: string;
  readonly emailOn: (from: string) => string;
  readonly emailOff: string;
  readonly from: string;
  readonly askAfter: string;
  readonly transcript: string;
  readonly shopUrl: string;
  readonly myAlerts: string;
  readonly myAlertsHint: string;
  // The inbox: details panel and the away toggle.
  readonly replyEmail: string;
  readonly emailReplies: string;
  readonly willEmail: string;
  readonly willEmailDetail: (email: string) => string;
  readonly notEmailed: string;
  readonly available: string;
  readonly away: string;
  readonly awayTitle: string;
}

const en: EmailSectionStrings = {
  hoursSection: 'Business hours',
  hoursHint: 'Outside these hours visitors see "Back at …" in their own time, and the automatic reply says the same. Without them, away means no agent is online. In the offline reply, {back} becomes "Back at 09:00 Monday." (or "We will answer here as soon as we are back.").',
  hoursOn: 'Use business hours',
  timezone: 'Time zone',
  days: { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' },
  dayHint: 'e.g. 09:00-12:00, 13:00-17:00; 22:00-02:00 runs past midnight; empty: closed',
  exceptions: 'Holidays and special days',
  exceptionsHint: 'One a line: 2026-12-25 Christmas (closed), or 2026-12-24 09:00-12:00 Christmas Eve',
  badInterval: (text) => `"${text}" is not a time range such as 09:00-17:00`,
  badException: (line) => `"${line}" is not a date line such as 2026-12-25 Christmas`,
  emailSection: 'Email',
  emailOn: (from) => `Email is on: replies a visitor has not seen in the chat are emailed from ${from}.`,
  emailOff: 'Email is off: nothing is emailed and the widget does not offer an email field.',
  from: 'Sender (overrides CS_MAIL_FROM)',
  askAfter: 'Offer the email field after no reply for (minutes)',
  transcript: 'Email the transcript to the visitor when a conversation is resolved',
  shopUrl: 'Shop page linked from emails (when the visitor\'s page is not known)',
  myAlerts: 'Email me about a new conversation while no agent is online',
  myAlertsHint: 'Your own choice; every agent sets theirs.',
  replyEmail: 'Reply email',
  emailReplies: 'Email replies',
  willEmail: 'Will be emailed',
  willEmailDetail: (email) => `— replies the visitor does not see in the chat go to ${email}`,
  notEmailed: 'Not emailed (email is off, or the visitor unsubscribed)',
  available: 'Available',
  away: 'Away',
  awayTitle: 'Away: visitors see that nobody can answer now (unless another agent is available)',
};

const zh: EmailSectionStrings = {
  hoursSection: '营业时间',
  hoursHint: '营业时间外，访客会看到按其本地时间显示的"我们将于…回来"，自动回复也这样说。不设置时，只有没有客服在线才算离开。离线回复中的 {back} 会变成"我们将于周一 09:00 回来。"（或"我们回来后会在这里回复您。"）。',
  hoursOn: '启用营业时间',
  timezone: '时区',
  days: { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' },
  dayHint: '例如 09:00-12:00, 13:00-17:00；22:00-02:00 跨过午夜；留空表示休息',
  exceptions: '节假日和特殊日期',
  exceptionsHint: '每行一个：2026-10-01 国庆节（休息），或 2026-09-30 09:00-12:00 节前',
  badInterval: (text) => `"${text}" 不是 09:00-17:00 这样的时间段`,
  badException: (line) => `"${line}" 不是 2026-10-01 国庆节 这样的日期行`,
  emailSection: '邮件',
  emailOn: (from) => `邮件已开启：访客在聊天中未看到的回复会从 ${from} 发送。`,
  emailOff: '邮件未开启：不会发送任何邮件，窗口也不会询问邮箱。',
  from: '发件人（覆盖 CS_MAIL_FROM）',
  askAfter: '多久无人回复后询问邮箱（分钟）',
  transcript: '会话解决后把对话记录发给访客',
  shopUrl: '邮件中链接的商店页面（不知道访客所在页面时）',
  myAlerts: '没有客服在线时，有新会话就给我发邮件',
  myAlertsHint: '仅对您本人生效；每位客服各自设置。',
  replyEmail: '回复邮箱',
  emailReplies: '邮件回复',
  willEmail: '将发送邮件',
  willEmailDetail: (email) => `— 访客在聊天中未看到的回复会发送到 ${email}`,
  notEmailed: '不发送邮件（邮件未开启，或访客已退订）',
  available: '在线',
  away: '离开',
  awayTitle: '离开：访客会看到现在无人回复（除非还有其他客服在线）',
};

export function emailSectionStrings(lang: WorkbenchLang): EmailSectionStrings {
  return lang === 'zh-CN' ? zh : en;
}
