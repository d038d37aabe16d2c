/**
 * Who sees an announcement (DESIGN.md §6), evaluated in memory for one
 * visitor session: site, state (prerelease: the whitelist only), scheduled
 * start, expiry, audience, language, URL pattern, and the client's core
 * level (below the minimum: the plain-text fallback, or nothing).
 */
import type { cs } from '../../../proto/gen/chat.js';
import { compileUrlPattern } from './glob.js';
import { AnnouncementState, Audience, type Announcement } from './types.js';

/** What the targeting needs to know about one visitor session. */
export interface ViewerProfile {
  readonly site: string;
  readonly visitorId: string;
  /** The identified user id ('' for an anonymous visitor). */
  readonly userId: string;
  readonly lang: string;
  readonly coreLevel: number;
  /** The page the widget last reported. */
  readonly pageUrl: string;
}

/** How a session gets an announcement: in full, as the plain-text fallback, or not at all. */
export type Variant = 'full' | 'fallback' | undefined;

const patternCache = new Map<string, (url: string) => boolean>();

/** The compiled URL pattern (cached: a few patterns serve every session). */
function matcher(pattern: string): (url: string) => boolean {
  let match = patternCache.get(pattern);
  if (!match) {
    if (patternCache.size > 1000) patternCache.clear();
    match = compileUrlPattern(pattern);
    patternCache.set(pattern, match);
  }
  return match;
}

/** True when the visitor's language matches the announcement's ('zh' matches 'zh-CN'; case-insensitive). */
export function langMatches(wanted: string, lang: string): boolean {
  if (!wanted) return true;
  const a = wanted.toLowerCase();
  const b = lang.toLowerCase();
  return b === a || b.startsWith(`${a}-`);
}

/** True when `viewer` is on the whitelist of `a`. */
export function whitelisted(a: Announcement, viewer: ViewerProfile): boolean {
  return a.whitelist.visitorIds.includes(viewer.visitorId) || (viewer.userId !== '' && a.whitelist.userIds.includes(viewer.userId));
}

/** How `viewer` gets `a` at `nowMs`, or undefined when it is not for this viewer now. */
export function variantFor(a: Announcement, viewer: ViewerProfile, nowMs: number): Variant {
  if (a.site !== viewer.site || nowMs >= a.expiresMs) return undefined;
  if (a.state === AnnouncementState.Prerelease) {
    if (!whitelisted(a, viewer)) return undefined;
  } else if (a.state !== AnnouncementState.Published || nowMs < a.startsMs) {
    return undefined;
  }
  if (a.audience === Audience.Identified && viewer.userId === '') return undefined;
  if (a.audience === Audience.Anonymous && viewer.userId !== '') return undefined;
  if (!langMatches(a.lang, viewer.lang)) return undefined;
  if (a.urlPattern && !matcher(a.urlPattern)(viewer.pageUrl)) return undefined;
  if (viewer.coreLevel < a.minCoreLevel) return a.fallbackText ? 'fallback' : undefined;
  return 'full';
}

/** The wire copy of `a` for a variant. */
export function wireItem(a: Announcement, variant: 'full' | 'fallback'): cs.v1.BroadcastItem.$Properties {
  const publishedMs = Math.max(a.publishedMs, a.startsMs) || a.updatedMs;
  if (variant === 'fallback') return { id: a.id, seq: a.seq, body: a.fallbackText, publishedMs, expiresMs: a.expiresMs };
  return { id: a.id, seq: a.seq, title: a.title, body: a.body, linkUrl: a.linkUrl, linkLabel: a.linkLabel, publishedMs, expiresMs: a.expiresMs };
}

/** The tombstone telling a client to drop its copy of `a`. */
export function tombstone(a: Announcement): cs.v1.BroadcastItem.$Properties {
  return { id: a.id, seq: a.seq, recalled: true, expiresMs: a.expiresMs };
}
