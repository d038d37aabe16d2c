/**
 * Announcements the visitor holds (DESIGN.md §6), as pure functions: merge
 * what the server sends (a higher seq replaces the copy, `recalled` drops
 * it), and pick what may be shown now (an expired one never, even offline).
 */

/** Which events a visitor sent for an announcement (each at most once). */
export const AnnouncementEvent = { Seen: 1, Clicked: 2, Dismissed: 3, Replied: 4 } as const;
export type AnnouncementEvent = (typeof AnnouncementEvent)[keyof typeof AnnouncementEvent];

/** One announcement as the widget keeps it (IndexedDB `broadcasts`) and renders it. */
export interface Announcement {
  readonly id: string;
  readonly seq: number;
  /** '' for the plain-text fallback an older client gets. */
  readonly title: string;
  /** Plain text; render as text, never as HTML. */
  readonly body: string;
  /** The server checks it is an http(s) URL; `<cs-news>` renders only those. */
  readonly linkUrl: string;
  readonly linkLabel: string;
  readonly publishedMs: number;
  readonly expiresMs: number;
  /** Events already sent (AnnouncementEvent values), so each goes once. */
  readonly sent: readonly number[];
}

/** What the server sends for one announcement (BroadcastItem). */
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
}

/** The result of merging server items into what is held. */
export interface AnnouncementMerge {
  /** Added or replaced (to store). */
  readonly put: readonly Announcement[];
  /** Dropped ids (recalled or expired; to delete from storage). */
  readonly drop: readonly string[];
}

/** Merges `items` into `held` (mutated: a Map by id) at `nowMs`. */
export function mergeAnnouncements(held: Map<string, Announcement>, items: readonly AnnouncementWire[], nowMs: number): AnnouncementMerge {
  const put: Announcement[] = [];
  const drop: string[] = [];
  for (const item of items) {
    const id = item.id ?? '';
    const seq = item.seq ?? 0;
    if (!id) continue;
    const old = held.get(id);
    if (old && old.seq >= seq) continue;
    if (item.recalled || (item.expiresMs ?? 0) <= nowMs) {
      if (held.delete(id) || item.recalled) drop.push(id);
      continue;
    }
    const next: Announcement = {
      id,
      seq,
      title: item.title ?? '',
      body: item.body ?? '',
      linkUrl: item.linkUrl ?? '',
      linkLabel: item.linkLabel ?? '',
      publishedMs: item.publishedMs ?? 0,
      expiresMs: item.expiresMs ?? 0,
      sent: old?.sent ?? [],
    };
    held.set(id, next);
    put.push(next);
  }
  return { put, drop };
}

/** The announcements to show at `nowMs`, newest first; expired ones never. */
export function currentAnnouncements(held: Iterable<Announcement>, nowMs: number): Announcement[] {
  return [...held].filter((a) => a.expiresMs > nowMs).sort((a, b) => b.publishedMs - a.publishedMs || b.seq - a.seq);
}

