/**
 * Pure helpers of the agent workbench: which conversations a filter shows, in
 * what order, and how a conversation is named. No DOM, no I/O, so the rules
 * read (and test) on their own.
 */
import { cs } from '../../../proto/gen/chat.js';
import type { ConversationInfo } from '../core/types.js';

/** The list filters, in tab order. */
export const InboxFilter = {
  /** Open or pending, assigned to me. */
  Mine: 'mine',
  /** Open or pending, nobody assigned. */
  Unassigned: 'unassigned',
  /** Every open or pending conversation. */
  All: 'all',
  /** Resolved conversations. */
  Resolved: 'resolved',
} as const;
export type InboxFilter = (typeof InboxFilter)[keyof typeof InboxFilter];

/** Tab labels, in the order the tablist shows them. */
export const FILTER_LABELS: readonly (readonly [InboxFilter, string])[] = [
  [InboxFilter.Mine, 'Mine'],
  [InboxFilter.Unassigned, 'Unassigned'],
  [InboxFilter.All, 'All'],
  [InboxFilter.Resolved, 'Resolved'],
];

/** True when `info` belongs under `filter` for the agent `agentId`. */
export function matchesFilter(info: ConversationInfo, filter: InboxFilter, agentId: string): boolean {
  const resolved = info.status === cs.v1.ConversationStatus.RESOLVED;
  switch (filter) {
    case InboxFilter.Resolved:
      return resolved;
    case InboxFilter.Mine:
      return !resolved && info.assigneeId === agentId;
    case InboxFilter.Unassigned:
      return !resolved && info.assigneeId === '';
    case InboxFilter.All:
      return !resolved;
  }
}

/**
 * The conversations a filter shows, newest activity first. Ties (same
 * millisecond) fall back to the id so the order never flickers between renders.
 */
export function visibleConversations(
  all: readonly ConversationInfo[],
  filter: InboxFilter,
  agentId: string,
): ConversationInfo[] {
  return all
    .filter((info) => matchesFilter(info, filter, agentId))
    .sort((a, b) => b.lastActivityMs - a.lastActivityMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** How many conversations each filter holds (for the tab badges). */
export function filterCounts(all: readonly ConversationInfo[], agentId: string): Record<InboxFilter, number> {
  const counts: Record<InboxFilter, number> = { mine: 0, unassigned: 0, all: 0, resolved: 0 };
  for (const info of all) {
    for (const [filter] of FILTER_LABELS) if (matchesFilter(info, filter, agentId)) counts[filter]++;
  }
  return counts;
}

/** Sum of unread messages over every conversation (the title badge). */
export function totalUnread(all: readonly ConversationInfo[]): number {
  return all.reduce((sum, info) => sum + info.unread, 0);
}

/**
 * The name an agent sees for a visitor: the verified or given name, else the
 * email, else a short stable label made from the visitor id.
 */
export function visitorLabel(info: ConversationInfo, word = 'Visitor'): string {
  if (info.visitorName) return info.visitorName;
  if (info.visitorEmail) return info.visitorEmail;
  if (info.visitorUserId) return info.visitorUserId;
  return `${word} ${info.visitorId.replace(/[^a-z0-9]/gi, '').slice(-4).toUpperCase() || '?'}`;
}

/** Human word for a status value. */
export function statusLabel(status: cs.v1.ConversationStatus): 'open' | 'pending' | 'resolved' {
  if (status === cs.v1.ConversationStatus.RESOLVED) return 'resolved';
  if (status === cs.v1.ConversationStatus.PENDING) return 'pending';
  return 'open';
}

/** The agent id inside an agent token `<agent_id>.<mac>` ('' when malformed). */
export function agentIdOfToken(token: string): string {
  const dot = token.lastIndexOf('.');
  // An expiring service token is `<id>.<exp ms>.<sig>`: the id is what precedes the expiry.
  return dot > 0 ? token.slice(0, dot).replace(/^(.+)\.\d{12,15}$/, '$1') : '';
}

/**
 * A short relative time for lists: "now", "5m", "3h", "2d", then a date.
 * `nowMs` is injected so renders and tests agree on one clock.
 */
export function shortAge(timeMs: number, nowMs: number, lang: 'en' | 'zh-CN' = 'en'): string {
  if (!timeMs) return '';
  const s = Math.max(0, Math.round((nowMs - timeMs) / 1000));
  const zh = lang === 'zh-CN';
  if (s < 60) return zh ? '刚刚' : 'now';
  if (s < 3600) return `${Math.floor(s / 60)}${zh ? ' 分钟' : 'm'}`;
  if (s < 86400) return `${Math.floor(s / 3600)}${zh ? ' 小时' : 'h'}`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}${zh ? ' 天' : 'd'}`;
  return new Date(timeMs).toLocaleDateString(lang);
}
