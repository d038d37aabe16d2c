/**
 * The inbox's own strings (top bar, list, conversation, composer, actions,
 * details, sign-in screens, alerts), English and Chinese: the inbox half of
 * the workbench's one table (workbench-i18n.ts merges both halves and picks
 * the language).
 */

/** Every string the inbox shows. */
export interface InboxStrings {
  readonly brand: string;
  readonly connected: string;
  readonly offlineConn: string;
  readonly disconnected: string;
  readonly reconnecting: string;
  readonly agentsOnline: (n: number) => string;
  readonly enableNotifications: string;
  readonly soundTitle: string;
  readonly sound: (on: boolean) => string;
  readonly signOut: string;
  /** The top bar's overflow menu button (narrow screens). */
  readonly menu: string;
  /** Beside the attach button of the reply box. */
  readonly attachHint: string;
  /** The details panel's files section. */
  readonly filesTitle: string;
  readonly filesRegion: string;
  readonly noFiles: string;
  readonly fileByYou: string;
  readonly inboxNav: string;
  readonly filterConversations: string;
  readonly filterLabel: (filter: string) => string;
  readonly conversations: string;
  readonly noConversations: string;
  readonly pickConversation: string;
  readonly visitor: string;
  readonly visitorNamed: (tag: string) => string;
  readonly conversationWith: (name: string) => string;
  readonly statusName: (status: string) => string;
  readonly assignedTo: (name: string) => string;
  readonly assignedYou: string;
  readonly unassigned: string;
  readonly me: string;
  readonly messagesLog: string;
  readonly noteBy: (name: string) => string;
  readonly noteHead: string;
  readonly youCap: string;
  readonly anAgent: string;
  readonly agentWord: string;
  readonly visitorDetails: string;
  readonly detailsHere: string;
  readonly unreadSr: string;
  readonly noMessagesYet: string;
  readonly topicPreview: (topic: string) => string;
  readonly yourNote: string;
  readonly youPrefix: string;
  readonly panes: string;
  readonly paneLabel: (pane: string) => string;
  // Actions.
  readonly conversationActions: string;
  readonly claim: string;
  readonly transferToAgent: string;
  readonly assignToAgent: string;
  readonly transferTo: string;
  readonly assignTo: string;
  readonly transfer: string;
  readonly assign: string;
  readonly onlineLower: string;
  readonly offlineLower: string;
  readonly unassign: string;
  readonly unassignTitle: string;
  readonly reopen: string;
  readonly resolve: string;
  // Composer.
  readonly messageType: string;
  readonly replyMode: string;
  readonly noteMode: string;
  readonly onlyAgents: string;
  readonly cannedHintShort: string;
  readonly quoting: string;
  readonly cancelQuote: string;
  readonly notePlaceholder: string;
  readonly replyPlaceholder: string;
  readonly addNote: string;
  readonly send: string;
  // Details.
  readonly userId: string;
  readonly verified: string;
  readonly verifiedTitle: string;
  readonly visitorId: string;
  readonly site: string;
  readonly topic: string;
  readonly currentPage: string;
  readonly platform: string;
  readonly started: string;
  readonly onlineNow: string;
  // Sign-in, setup, invite, connecting.
  readonly signInTitle: string;
  readonly password: string;
  readonly signIn: string;
  readonly signInHelp: string;
  readonly setupTitle: string;
  readonly joinTitle: string;
  readonly setupLead: string;
  readonly inviteLead: (admin: boolean) => string;
  readonly yourName: string;
  readonly passwordNew: string;
  readonly createOwner: string;
  readonly joinSignIn: string;
  readonly signingIn: string;
  readonly cannotReach: string;
  readonly browserOffline: string;
  readonly connectionFailed: string;
  readonly stillTrying: string;
  readonly backToSignIn: string;
  readonly searchLabel: string;
  readonly searchPlaceholder: string;
  readonly noMatches: string;
  readonly siteFilter: string;
  readonly allSites: string;
  /** The connecting screen's advice, in three pieces around <code>CS_ALLOWED_ORIGINS</code> and <code>Host</code>. */
  readonly connectHelp: readonly [string, string, string];
  readonly newConversation: (name: string) => string;
  readonly newMessageFrom: (name: string) => string;
}

const en: InboxStrings = {
  brand: 'Inbox',
  connected: 'Connected',
  offlineConn: 'Offline',
  disconnected: 'Disconnected',
  reconnecting: 'Reconnecting…',
  agentsOnline: (n) => `${n} ${n === 1 ? 'agent' : 'agents'} online`,
  enableNotifications: 'Enable notifications',
  soundTitle: 'Sound alerts for new messages',
  sound: (on) => `Sound ${on ? 'on' : 'off'}`,
  signOut: 'Sign out',
  menu: 'Menu',
  attachHint: 'Photos and files: attach, paste or drop',
  filesTitle: 'Files',
  filesRegion: 'Files in this conversation',
  noFiles: 'No files yet.',
  fileByYou: 'you',
  inboxNav: 'Inbox',
  filterConversations: 'Filter conversations',
  filterLabel: (f) => ({ mine: 'Mine', unassigned: 'Unassigned', all: 'All', resolved: 'Resolved' })[f] ?? f,
  conversations: 'Conversations',
  noConversations: 'No conversations here yet.',
  pickConversation: 'Pick a conversation on the left.',
  visitor: 'Visitor',
  visitorNamed: (tag) => `Visitor ${tag}`,
  conversationWith: (name) => `Conversation with ${name}`,
  statusName: (s) => s,
  assignedTo: (name) => `Assigned to ${name}`,
  assignedYou: 'you',
  unassigned: 'Unassigned',
  me: 'Me',
  messagesLog: 'Messages',
  noteBy: (name) => `Private note by ${name}`,
  noteHead: 'Private note · only agents see this',
  youCap: 'You',
  anAgent: 'an agent',
  agentWord: 'Agent',
  visitorDetails: 'Visitor details',
  detailsHere: 'Visitor details show here.',
  unreadSr: ' unread',
  noMessagesYet: 'No messages yet',
  topicPreview: (topic) => `Topic: ${topic}`,
  yourNote: 'Your note',
  youPrefix: 'You',
  panes: 'Show',
  paneLabel: (p) => ({ list: 'Conversations', thread: 'Conversation', details: 'Details' })[p] ?? p,
  conversationActions: 'Conversation actions',
  claim: 'Claim',
  transferToAgent: 'Transfer to agent',
  assignToAgent: 'Assign to agent',
  transferTo: 'Transfer to…',
  assignTo: 'Assign to…',
  transfer: 'Transfer',
  assign: 'Assign',
  onlineLower: 'online',
  offlineLower: 'offline',
  unassign: 'Unassign',
  unassignTitle: 'Give it back to the unassigned queue',
  reopen: 'Reopen',
  resolve: 'Resolve',
  messageType: 'Message type',
  replyMode: 'Reply',
  noteMode: 'Private note',
  onlyAgents: 'Only agents see this',
  cannedHintShort: 'Type / for canned replies',
  quoting: 'Quoting',
  cancelQuote: 'Cancel quote',
  notePlaceholder: 'Write a private note for your team…',
  replyPlaceholder: 'Write a reply…  (Enter sends, Shift+Enter new line)',
  addNote: 'Add note',
  send: 'Send',
  userId: 'User id',
  verified: 'verified',
  verifiedTitle: "Signed by the merchant's backend",
  visitorId: 'Visitor id',
  site: 'Site',
  topic: 'Topic',
  currentPage: 'Current page',
  platform: 'Platform',
  started: 'Started',
  onlineNow: 'Online now',
  signInTitle: 'Sign in to the inbox',
  password: 'Password',
  signIn: 'Sign in',
  signInHelp: 'No account yet? Ask an admin of your team for an invite link. Lost access?',
  setupTitle: 'Set up your cs-chat',
  joinTitle: 'Join your team',
  setupLead: 'Create the owner account. This link works once.',
  inviteLead: (admin) => `You are invited as ${admin ? 'an admin' : 'an agent'}. Choose the name your customers see and a password.`,
  yourName: 'Your name',
  passwordNew: 'Password (at least 10 characters)',
  createOwner: 'Create owner account',
  joinSignIn: 'Join and sign in',
  signingIn: 'Signing in…',
  cannotReach: 'Cannot reach the chat server',
  browserOffline: 'This browser is offline.',
  connectionFailed: 'The connection to the chat server failed or was refused:',
  stillTrying: 'Still trying…',
  backToSignIn: 'Back to sign-in',
  searchLabel: 'Search conversations',
  searchPlaceholder: 'Search people and messages…',
  noMatches: 'No conversation here matches the search.',
  siteFilter: 'Site',
  allSites: 'All sites',
  connectHelp: [
    'Check that the server is running. If it refuses this page (HTTP 403 in the server log, "origin not allowed"), open the workbench from the chat server\'s own address, or add this page\'s origin to ',
    '; behind a proxy, pass the public ',
    ' on (README, Production).',
  ],
  newConversation: (name) => `New conversation: ${name}`,
  newMessageFrom: (name) => `New message from ${name}`,
};

const zh: InboxStrings = {
  brand: '收件箱',
  connected: '已连接',
  offlineConn: '离线',
  disconnected: '已断开',
  reconnecting: '正在重新连接…',
  agentsOnline: (n) => `${n} 位客服在线`,
  enableNotifications: '开启通知',
  soundTitle: '新消息提示音',
  sound: (on) => `提示音：${on ? '开' : '关'}`,
  signOut: '退出登录',
  menu: '菜单',
  attachHint: '图片和文件：点击附加、粘贴或拖放',
  filesTitle: '文件',
  filesRegion: '此对话中的文件',
  noFiles: '还没有文件。',
  fileByYou: '您',
  inboxNav: '收件箱',
  filterConversations: '筛选对话',
  filterLabel: (f) => ({ mine: '我的', unassigned: '未分配', all: '全部', resolved: '已解决' })[f] ?? f,
  conversations: '对话列表',
  noConversations: '这里还没有对话。',
  pickConversation: '请在左侧选择一个对话。',
  visitor: '访客',
  visitorNamed: (tag) => `访客 ${tag}`,
  conversationWith: (name) => `与 ${name} 的对话`,
  statusName: (s) => ({ open: '进行中', pending: '待处理', resolved: '已解决' })[s] ?? s,
  assignedTo: (name) => `已分配给 ${name}`,
  assignedYou: '我',
  unassigned: '未分配',
  me: '我',
  messagesLog: '消息',
  noteBy: (name) => `${name} 的内部备注`,
  noteHead: '内部备注 · 仅客服可见',
  youCap: '我',
  anAgent: '客服',
  agentWord: '客服',
  visitorDetails: '访客信息',
  detailsHere: '访客信息显示在这里。',
  unreadSr: ' 条未读',
  noMessagesYet: '还没有消息',
  topicPreview: (topic) => `主题：${topic}`,
  yourNote: '我的备注',
  youPrefix: '我',
  panes: '显示',
  paneLabel: (p) => ({ list: '对话列表', thread: '对话', details: '详情' })[p] ?? p,
  conversationActions: '对话操作',
  claim: '接手',
  transferToAgent: '转交给客服',
  assignToAgent: '分配给客服',
  transferTo: '转交给…',
  assignTo: '分配给…',
  transfer: '转交',
  assign: '分配',
  onlineLower: '在线',
  offlineLower: '离线',
  unassign: '取消分配',
  unassignTitle: '放回未分配队列',
  reopen: '重新打开',
  resolve: '标记为已解决',
  messageType: '消息类型',
  replyMode: '回复',
  noteMode: '内部备注',
  onlyAgents: '仅客服可见',
  cannedHintShort: '输入 / 使用快捷回复',
  quoting: '引用',
  cancelQuote: '取消引用',
  notePlaceholder: '给团队写一条内部备注…',
  replyPlaceholder: '输入回复…（Enter 发送，Shift+Enter 换行）',
  addNote: '添加备注',
  send: '发送',
  userId: '用户 ID',
  verified: '已验证',
  verifiedTitle: '由商家后台签名',
  visitorId: '访客 ID',
  site: '站点',
  topic: '主题',
  currentPage: '当前页面',
  platform: '平台',
  started: '开始时间',
  onlineNow: '当前在线',
  signInTitle: '登录收件箱',
  password: '密码',
  signIn: '登录',
  signInHelp: '还没有账号？请向团队管理员索取邀请链接。无法登录？',
  setupTitle: '设置您的 cs-chat',
  joinTitle: '加入您的团队',
  setupLead: '创建所有者账号。此链接只能使用一次。',
  inviteLead: (admin) => `您被邀请成为${admin ? '管理员' : '客服'}。请设置客户看到的名字和密码。`,
  yourName: '您的名字',
  passwordNew: '密码（至少 10 个字符）',
  createOwner: '创建所有者账号',
  joinSignIn: '加入并登录',
  signingIn: '正在登录…',
  cannotReach: '无法连接聊天服务器',
  browserOffline: '此浏览器处于离线状态。',
  connectionFailed: '连接聊天服务器失败或被拒绝：',
  stillTrying: '仍在重试…',
  backToSignIn: '返回登录',
  searchLabel: '搜索对话',
  searchPlaceholder: '搜索姓名、邮箱、主题、消息…',
  noMatches: '这里没有符合搜索的对话。',
  siteFilter: '站点',
  allSites: '全部站点',
  connectHelp: [
    '请确认服务器正在运行。如果服务器拒绝此页面（服务器日志中为 HTTP 403，“origin not allowed”），请从聊天服务器自己的地址打开工作台，或把此页面的来源加入 ',
    '；如有反向代理，请把公开的 ',
    ' 传给服务器（见 README 的 Production 一节）。',
  ],
  newConversation: (name) => `新对话：${name}`,
  newMessageFrom: (name) => `${name} 发来新消息`,
};

/** The inbox strings of a workbench language. */
export function inboxStrings(lang: 'en' | 'zh-CN'): InboxStrings {
  return lang === 'zh-CN' ? zh : en;
}
