/**
 * Announcements the visitor holds (DESIGN.md §6), as pure functions: merge
 * what the server sends (a higher seq replaces the copy, `recalled` drops
 * it), and pick what may be shown now (an expired one never, even offline).
 */

/** Which events a visitor sent for an announcement (each at most once). */
export const AnnouncementEvent = { Seen: 1, Clicked: 2, Dismissed: 3, Replied: 4 } as const;
export type AnnouncementEvent = (typeof AnnouncementEvent)[keyof typeof AnnouncementEvent];

/**
 * One announcement as the widget keeps it (IndexedDB `broadcasts`) and
 * renders it: the server's BroadcastItem fields (the ones it left out are
 * absent, so the content fields are optional) and the events sent.
 */
export interface Announcement {
  readonly id: string;
  readonly seq: number;
  /** Absent for the plain-text fallback an older client gets. */
  readonly title?: string;
  /** Plain text; render as text, never as HTML. */
  readonly body?: string;
  /** The server checks it is an http(s) URL; `<cs-news>` renders only those. */
  readonly linkUrl?: string;
  readonly linkLabel?: string;
  readonly publishedMs?: number;
  readonly expiresMs: number;
  /** Events already sent (AnnouncementEvent values), so each goes once. */
  readonly sent: readonly number[];
}

/** What the server sends for one announcement (BroadcastItem), or a stored row (with `sent`). */
export interface AnnouncementWire {
  readonly id?: string | null;
  readonly seq?: number | null;
  readonly title?: string | null;
  readonly body?: string | null;
  readonly linkUrl?: string | null;
  readonly linkLabel?: string | null;
  readonly publishedMs?: number | null;
  readonly expiresMs?: number | null;
  readonly recalled?: boolean | null;
  readonly sent?: readonly number[];
}

/** The result of merging server items into what is held. */
export interface AnnouncementMerge {
  /** Added or replaced (to store). */
  readonly put: readonly Announcement[];
  /** Dropped ids (recalled or expired; to delete from storage). */
  readonly drop: readonly string[];
}

/**
 * Merges `items` into `held` (mutated: a Map by id) at `nowMs`: a higher seq
 * replaces the copy (keeping the events sent), a recalled or expired one is
 * dropped.
 */
export function mergeAnnouncements(held: Map<string, Announcement>, items: readonly AnnouncementWire[], nowMs: number): AnnouncementMerge {
  const put: Announcement[] = [];
  const drop: string[] = [];
  for (const { recalled, ...item } of items) {
    const id = item.id ?? '';
    const old = held.get(id);
    if (!id || (old && old.seq >= (item.seq ?? 0))) continue;
    if (recalled || (item.expiresMs ?? 0) <= nowMs) {
      held.delete(id);
      drop.push(id);
      continue;
    }
    const next = { ...item, sent: old?.sent ?? item.sent ?? [] } as Announcement;
    held.set(id, next);
    put.push(next);
  }
  return { put, drop };
}

/** The announcements to show at `nowMs`, newest first; expired ones never. */
export function currentAnnouncements(held: Iterable<Announcement>, nowMs: number): Announcement[] {
  return [...held].filter((a) => a.expiresMs > nowMs).sort((a, b) => (b.publishedMs ?? 0) - (a.publishedMs ?? 0) || b.seq - a.seq);
}

