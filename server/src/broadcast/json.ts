/** The JSON view of an announcement (DESIGN.md §12): snake_case, times in ms since the epoch. */
import type { Announcement } from './types.js';

/** An announcement as the API answers it, with its state, stats and whitelist. */
export function announcementJson(a: Announcement): Record<string, unknown> {
  return {
    id: a.id,
    site: a.site,
    state: a.state,
    seq: a.seq,
    title: a.title,
    body: a.body,
    link_url: a.linkUrl,
    link_label: a.linkLabel,
    expires_at: a.expiresMs,
    starts_at: a.startsMs,
    audience: a.audience,
    url_pattern: a.urlPattern,
    lang: a.lang,
    min_core_level: a.minCoreLevel,
    fallback_text: a.fallbackText,
    created_by: a.createdBy,
    created_at: a.createdMs,
    updated_at: a.updatedMs,
    published_at: a.publishedMs,
    stats: { ...a.stats },
    whitelist: { visitor_ids: [...a.whitelist.visitorIds], user_ids: [...a.whitelist.userIds] },
  };
}
