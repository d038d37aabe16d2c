/**
 * The workbench's strings (the inbox and its admin pages), English and
 * Chinese, in one table, the same way the widget's are (i18n.ts). The
 * language is the agent's own setting (their profile's `lang`), else the
 * browser's (`navigator.language`): any `zh*` tag picks Chinese, everything
 * else English.
 */

/** The workbench languages. */
export type WorkbenchLang = 'en' | 'zh-CN';

import { inboxStrings, type InboxStrings } from './inbox-i18n.js';

/** Every string the workbench's admin pages show. */
export interface AdminStrings {
  readonly lang: WorkbenchLang;
  // Shell and navigation.
  readonly inbox: string;
  readonly team: string;
  readonly settings: string;
  readonly cannedReplies: string;
  readonly announcements: string;
  readonly profile: string;
  readonly adminNav: string;
  readonly loading: string;
  readonly signInFirst: string;
  readonly goSignIn: string;
  readonly adminsOnly: string;
  readonly saved: string;
  readonly save: string;
  readonly cancel: string;
  readonly remove: string;
  readonly edit: string;
  // Team.
  readonly inviteTitle: string;
  readonly inviteHint: string;
  readonly role: string;
  readonly roleName: (role: string) => string;
  readonly emailOptional: string;
  readonly createInvite: string;
  readonly inviteLink: string;
  readonly copyLink: string;
  readonly copied: string;
  readonly inviteOnce: string;
  readonly alsoEmail: string;
  /** Under the invite form while the server sends no email. */
  readonly inviteEmailOff: string;
  readonly inviteMailed: (email: string) => string;
  readonly inviteNotMailed: (problem: string) => string;
  readonly pendingInvites: string;
  readonly noInvites: string;
  readonly inviteFor: (role: string, email: string) => string;
  readonly expires: (when: string) => string;
  readonly revokeInvite: string;
  readonly members: string;
  readonly name: string;
  readonly email: string;
  readonly status: string;
  readonly online: string;
  readonly offline: string;
  readonly active: string;
  readonly disabled: string;
  readonly you: string;
  readonly disable: string;
  readonly enable: string;
  readonly signOutEverywhere: string;
  readonly signedOutSessions: (n: number) => string;
  readonly confirmDisable: (name: string) => string;
  readonly roleChanged: (name: string, role: string) => string;
  readonly nowDisabled: (name: string) => string;
  readonly nowEnabled: (name: string) => string;
  readonly changeRoleOf: (name: string) => string;
  // Profile.
  readonly yourProfile: string;
  readonly avatarColour: string;
  readonly workbenchLanguage: string;
  readonly browserLanguage: string;
  readonly changePassword: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly repeatPassword: string;
  readonly passwordsDiffer: string;
  readonly passwordChanged: string;
  readonly yourSessions: string;
  readonly thisBrowser: string;
  readonly lastSeen: (when: string) => string;
  readonly signOutSession: string;
  readonly sessionRevoked: string;
  // Settings.
  readonly widgetSection: string;
  /** The settings page's section picker (phones). */
  readonly jumpToSection: string;
  readonly widgetHint: string;
  readonly colour: string;
  readonly colourHex: string;
  readonly title: string;
  readonly titleHint: string;
  readonly position: string;
  readonly right: string;
  readonly left: string;
  readonly preview: string;
  readonly previewGreeting: string;
  readonly textsSection: string;
  readonly textsHint: string;
  readonly english: string;
  readonly chinese: string;
  readonly greeting: string;
  readonly offlineText: string;
  readonly filterSection: string;
  readonly filterHint: string;
  readonly blockedWords: string;
  readonly onePerLine: string;
  readonly mode: string;
  readonly modeMask: string;
  readonly modeReject: string;
  readonly originsSection: string;
  readonly originsHint: string;
  readonly allowedOrigins: string;
  readonly badColour: string;
  // Canned replies.
  readonly cannedHint: string;
  readonly shortcut: string;
  readonly text: string;
  readonly addCanned: string;
  readonly noCanned: string;
  readonly confirmRemoveCanned: (shortcut: string) => string;
}

const en: AdminStrings = {
  lang: 'en',
  inbox: 'Inbox',
  team: 'Team',
  settings: 'Settings',
  cannedReplies: 'Canned replies',
  announcements: 'Announcements',
  profile: 'Your profile',
  adminNav: 'Workbench pages',
  loading: 'Loading…',
  signInFirst: 'You are not signed in.',
  goSignIn: 'Sign in to the inbox',
  adminsOnly: 'Only admins and the owner can change this.',
  saved: 'Saved.',
  save: 'Save',
  cancel: 'Cancel',
  remove: 'Delete',
  edit: 'Edit',
  inviteTitle: 'Invite someone',
  inviteHint: 'An invite is a link. Send it by chat, email or any channel you like: no mail server is needed.',
  role: 'Role',
  roleName: (role) => ({ owner: 'Owner', admin: 'Admin', agent: 'Agent' })[role] ?? role,
  emailOptional: 'Their email (optional)',
  createInvite: 'Create invite link',
  inviteLink: 'Invite link',
  copyLink: 'Copy link',
  copied: 'Copied',
  inviteOnce: 'Works once, for 7 days. It is shown only now: copy it before you leave this page.',
  alsoEmail: 'Email the invite link to this address',
  inviteEmailOff: 'Email is off on this server, so invites are not mailed: copy the link and send it yourself.',
  inviteMailed: (email) => `Invite sent to ${email}. The link below works too.`,
  inviteNotMailed: (problem) => `The invite was not emailed (${problem}).`,
  pendingInvites: 'Pending invites',
  noInvites: 'No pending invites.',
  inviteFor: (role, email) => `${role}${email ? ` · ${email}` : ''}`,
  expires: (when) => `expires ${when}`,
  revokeInvite: 'Revoke',
  members: 'Members',
  name: 'Name',
  email: 'Email',
  status: 'Status',
  online: 'Online',
  offline: 'Offline',
  active: 'Active',
  disabled: 'Disabled',
  you: 'you',
  disable: 'Disable',
  enable: 'Enable',
  signOutEverywhere: 'Sign out everywhere',
  signedOutSessions: (n) => (n === 0 ? 'No sessions were open.' : `Signed out of ${n} ${n === 1 ? 'session' : 'sessions'}.`),
  confirmDisable: (name) => `Disable ${name}? They are signed out at once and cannot sign in until you enable them again.`,
  roleChanged: (name, role) => `${name} is now ${role}.`,
  nowDisabled: (name) => `${name} is disabled and signed out.`,
  nowEnabled: (name) => `${name} can sign in again.`,
  changeRoleOf: (name) => `Role of ${name}`,
  yourProfile: 'Your profile',
  avatarColour: 'Avatar colour',
  workbenchLanguage: 'Workbench language',
  browserLanguage: 'As the browser',
  changePassword: 'Change password',
  currentPassword: 'Current password',
  newPassword: 'New password (at least 10 characters)',
  repeatPassword: 'New password again',
  passwordsDiffer: 'The two new passwords differ.',
  passwordChanged: 'Password changed. Your other sessions were signed out.',
  yourSessions: 'Where you are signed in',
  thisBrowser: 'This browser',
  lastSeen: (when) => `last active ${when}`,
  signOutSession: 'Sign out',
  sessionRevoked: 'That session is signed out.',
  widgetSection: 'Chat widget',
  jumpToSection: 'Go to section',
  widgetHint: 'How the chat looks on your shop. A data-color or data-title attribute on the script tag still wins.',
  colour: 'Brand colour',
  colourHex: 'Colour as #rrggbb',
  title: 'Title in the header',
  titleHint: 'Empty: “Support”',
  position: 'Position',
  right: 'Bottom right',
  left: 'Bottom left',
  preview: 'Preview',
  previewGreeting: 'Greeting',
  textsSection: 'Automatic messages',
  textsHint: 'The greeting shows in an empty chat; the offline reply is sent once when a visitor writes and nobody is online.',
  english: 'English',
  chinese: 'Chinese (简体中文)',
  greeting: 'Greeting',
  offlineText: 'Offline reply',
  filterSection: 'Blocked words',
  filterHint: 'Words visitors may not send. “Mask” replaces them with ***; “Reject” refuses the whole message.',
  blockedWords: 'Blocked words',
  onePerLine: 'One per line',
  mode: 'What happens',
  modeMask: 'Mask them',
  modeReject: 'Reject the message',
  originsSection: 'Allowed sites',
  originsHint: 'Pages allowed to open the chat, e.g. https://shop.example.com. Empty allows every site.',
  allowedOrigins: 'Allowed origins',
  badColour: 'The colour must look like #4f46e5.',
  cannedHint: 'Saved answers. In a conversation, type / and the shortcut to insert one.',
  shortcut: 'Shortcut',
  text: 'Text',
  addCanned: 'Add canned reply',
  noCanned: 'No canned replies yet.',
  confirmRemoveCanned: (shortcut) => `Delete the canned reply /${shortcut}?`,
};

const zh: AdminStrings = {
  lang: 'zh-CN',
  inbox: '收件箱',
  team: '团队',
  settings: '设置',
  cannedReplies: '快捷回复',
  announcements: '公告',
  profile: '个人资料',
  adminNav: '工作台页面',
  loading: '加载中…',
  signInFirst: '您尚未登录。',
  goSignIn: '登录收件箱',
  adminsOnly: '只有管理员和所有者可以修改。',
  saved: '已保存。',
  save: '保存',
  cancel: '取消',
  remove: '删除',
  edit: '编辑',
  inviteTitle: '邀请成员',
  inviteHint: '邀请是一个链接，可以通过聊天、邮件等任何方式发送，无需邮件服务器。',
  role: '角色',
  roleName: (role) => ({ owner: '所有者', admin: '管理员', agent: '客服' })[role] ?? role,
  emailOptional: '对方邮箱（可选）',
  createInvite: '生成邀请链接',
  inviteLink: '邀请链接',
  copyLink: '复制链接',
  copied: '已复制',
  inviteOnce: '仅可使用一次，7 天内有效。链接只显示这一次，请在离开本页前复制。',
  alsoEmail: '将邀请链接发送到此邮箱',
  inviteEmailOff: '此服务器未开启邮件，邀请不会通过邮件发送：请复制链接自行发送。',
  inviteMailed: (email) => `邀请已发送至 ${email}。下方链接同样可用。`,
  inviteNotMailed: (problem) => `邀请未能通过邮件发送（${problem}）。`,
  pendingInvites: '待接受的邀请',
  noInvites: '没有待接受的邀请。',
  inviteFor: (role, email) => `${role}${email ? ` · ${email}` : ''}`,
  expires: (when) => `${when} 过期`,
  revokeInvite: '撤销',
  members: '成员',
  name: '姓名',
  email: '邮箱',
  status: '状态',
  online: '在线',
  offline: '离线',
  active: '正常',
  disabled: '已停用',
  you: '我',
  disable: '停用',
  enable: '启用',
  signOutEverywhere: '退出所有登录',
  signedOutSessions: (n) => (n === 0 ? '没有已登录的会话。' : `已退出 ${n} 个会话。`),
  confirmDisable: (name) => `停用 ${name}？对方会立即退出登录，重新启用前无法登录。`,
  roleChanged: (name, role) => `${name} 现在是${role}。`,
  nowDisabled: (name) => `${name} 已停用并退出登录。`,
  nowEnabled: (name) => `${name} 可以重新登录了。`,
  changeRoleOf: (name) => `${name} 的角色`,
  yourProfile: '个人资料',
  avatarColour: '头像颜色',
  workbenchLanguage: '工作台语言',
  browserLanguage: '跟随浏览器',
  changePassword: '修改密码',
  currentPassword: '当前密码',
  newPassword: '新密码（至少 10 个字符）',
  repeatPassword: '再次输入新密码',
  passwordsDiffer: '两次输入的新密码不一致。',
  passwordChanged: '密码已修改，其他会话已退出登录。',
  yourSessions: '已登录的设备',
  thisBrowser: '当前浏览器',
  lastSeen: (when) => `最近活动 ${when}`,
  signOutSession: '退出',
  sessionRevoked: '该会话已退出登录。',
  widgetSection: '聊天窗口',
  jumpToSection: '跳转到设置项',
  widgetHint: '聊天窗口在您网站上的外观。脚本标签上的 data-color 或 data-title 属性仍然优先。',
  colour: '品牌颜色',
  colourHex: '颜色（#rrggbb）',
  title: '标题',
  titleHint: '留空则显示“Support”',
  position: '位置',
  right: '右下角',
  left: '左下角',
  preview: '预览',
  previewGreeting: '欢迎语',
  textsSection: '自动消息',
  textsHint: '欢迎语显示在空的聊天窗口中；访客留言而无人在线时，自动发送一次离线回复。',
  english: '英文 (English)',
  chinese: '简体中文',
  greeting: '欢迎语',
  offlineText: '离线回复',
  filterSection: '屏蔽词',
  filterHint: '访客不能发送的词。“遮盖”会替换为 ***；“拒绝”会拒收整条消息。',
  blockedWords: '屏蔽词',
  onePerLine: '每行一个',
  mode: '处理方式',
  modeMask: '遮盖',
  modeReject: '拒收消息',
  originsSection: '允许的网站',
  originsHint: '允许打开聊天的页面来源，例如 https://shop.example.com。留空则允许所有网站。',
  allowedOrigins: '允许的来源',
  badColour: '颜色格式应为 #4f46e5。',
  cannedHint: '保存好的回答。在对话中输入 / 加快捷词即可插入。',
  shortcut: '快捷词',
  text: '内容',
  addCanned: '添加快捷回复',
  noCanned: '还没有快捷回复。',
  confirmRemoveCanned: (shortcut) => `删除快捷回复 /${shortcut}？`,
};

/** The workbench language for an agent's setting ('' = the browser's) and the browser's language tag. */
export function workbenchLang(setting: string, browser: string = typeof navigator === 'undefined' ? 'en' : navigator.language): WorkbenchLang {
  const tag = setting || browser || 'en';
  return tag.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** Every string of the workbench: the admin pages' and the inbox's (inbox-i18n.ts). */
export type WorkbenchStrings = AdminStrings & InboxStrings;

const tables: Partial<Record<WorkbenchLang, WorkbenchStrings>> = {};

/** The strings of a workbench language. */
export function workbenchStrings(lang: WorkbenchLang): WorkbenchStrings {
  return (tables[lang] ??= { ...(lang === 'zh-CN' ? zh : en), ...inboxStrings(lang) });
}

/** A time as the language writes it, e.g. "Dec 8, 14:05". */
export function shortTime(ms: number, lang: WorkbenchLang): string {
  return new Date(ms).toLocaleString(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
