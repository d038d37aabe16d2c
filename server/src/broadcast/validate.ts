/**
 * Checking what a merchant sends for an announcement (DESIGN.md §12): the
 * JSON create / edit body, snake_case, times in ms since the epoch. Every
 * problem is a BroadcastError('bad_input') naming the field; nothing is
 * changed by a refused request.
 */
import { urlPatternProblem } from './glob.js';
import { Audience, BroadcastError, type AnnouncementContent, type Whitelist } from './types.js';

/** Default lifetime the workbench offers for a new announcement, ms (7 days). */
export const DEFAULT_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** Latest expiry accepted, ms after now (one year). */
export const MAX_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;
/** Longest title, characters. */
export const MAX_TITLE = 200;
/** Longest body and fallback text, characters. */
export const MAX_BODY = 2000;
/** Longest link label, characters. */
export const MAX_LINK_LABEL = 80;
/** Longest link URL, characters. */
export const MAX_LINK_URL = 2048;
/** Most entries in a whitelist (visitor ids plus user ids). */
export const MAX_WHITELIST = 1000;

const FIELDS = {
  site: 'site',
  title: 'title',
  body: 'body',
  link_url: 'linkUrl',
  link_label: 'linkLabel',
  expires_at: 'expiresMs',
  starts_at: 'startsMs',
  audience: 'audience',
  url_pattern: 'urlPattern',
  lang: 'lang',
  min_core_level: 'minCoreLevel',
  fallback_text: 'fallbackText',
} as const satisfies Record<string, keyof AnnouncementContent>;
type JsonField = keyof typeof FIELDS;

const AUDIENCES: readonly string[] = Object.values(Audience);

function bad(message: string): BroadcastError {
  return new BroadcastError('bad_input', message);
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function text(body: Record<string, unknown>, field: JsonField, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(`${field} must be a string`);
  if (value.length > max) throw bad(`${field} is over ${max} characters`);
  return value.trim();
}

function time(body: Record<string, unknown>, field: JsonField): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw bad(`${field} must be a time in ms since the epoch (a non-negative integer)`);
  return value;
}

/**
 * The fields present in `body`, checked one by one. `partial` (edit) allows
 * any subset; create needs site, title and expires_at.
 */
export function parseContent(body: unknown, partial: boolean): Partial<AnnouncementContent> {
  const input = asObject(body);
  for (const key of Object.keys(input)) if (!(key in FIELDS)) throw bad(`unknown field "${key}"`);
  const out: Partial<AnnouncementContent> = {};
  const site = text(input, 'site', 128);
  if (site !== undefined) {
    if (!site) throw bad('site may not be empty');
    out.site = site;
  }
  const title = text(input, 'title', MAX_TITLE);
  if (title !== undefined) {
    if (!title) throw bad('title may not be empty');
    out.title = title;
  }
  const bodyText = text(input, 'body', MAX_BODY);
  if (bodyText !== undefined) out.body = bodyText;
  const linkUrl = text(input, 'link_url', MAX_LINK_URL);
  if (linkUrl !== undefined) {
    if (linkUrl && !isHttpUrl(linkUrl)) throw bad('link_url must be an http:// or https:// URL');
    out.linkUrl = linkUrl;
  }
  const linkLabel = text(input, 'link_label', MAX_LINK_LABEL);
  if (linkLabel !== undefined) out.linkLabel = linkLabel;
  const expires = time(input, 'expires_at');
  if (expires !== undefined) out.expiresMs = expires;
  const starts = time(input, 'starts_at');
  if (starts !== undefined) out.startsMs = starts;
  const audience = input.audience;
  if (audience !== undefined) {
    if (typeof audience !== 'string' || !AUDIENCES.includes(audience)) throw bad(`audience must be one of ${AUDIENCES.map((a) => `"${a}"`).join(', ')}`);
    out.audience = audience as Audience;
  }
  const pattern = text(input, 'url_pattern', 10_000);
  if (pattern !== undefined) {
    const problem = pattern ? urlPatternProblem(pattern) : undefined;
    if (problem) throw bad(problem);
    out.urlPattern = pattern;
  }
  const lang = text(input, 'lang', 35);
  if (lang !== undefined) {
    if (lang && !/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(lang)) throw bad('lang must be a language tag such as "en" or "zh-CN"');
    out.lang = lang;
  }
  const level = input.min_core_level;
  if (level !== undefined) {
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 0xffffffff) throw bad('min_core_level must be a non-negative integer');
    out.minCoreLevel = level;
  }
  const fallback = text(input, 'fallback_text', MAX_BODY);
  if (fallback !== undefined) out.fallbackText = fallback;
  if (!partial) {
    if (out.site === undefined) throw bad('site is required');
    if (out.title === undefined) throw bad('title is required');
    if (out.expiresMs === undefined) throw bad('expires_at is required (ms since the epoch; the workbench offers 7 days from now)');
  }
  return out;
}

/** A new announcement's content with defaults for the optional fields. */
export function withDefaults(fields: Partial<AnnouncementContent>): AnnouncementContent {
  return {
    site: fields.site ?? '',
    title: fields.title ?? '',
    body: fields.body ?? '',
    linkUrl: fields.linkUrl ?? '',
    linkLabel: fields.linkLabel ?? '',
    expiresMs: fields.expiresMs ?? 0,
    startsMs: fields.startsMs ?? 0,
    audience: fields.audience ?? Audience.All,
    urlPattern: fields.urlPattern ?? '',
    lang: fields.lang ?? '',
    minCoreLevel: fields.minCoreLevel ?? 0,
    fallbackText: fields.fallbackText ?? '',
  };
}

/**
 * Checks a whole content (after merging an edit into what is stored): the
 * expiry is in the future, within a year, and after the start.
 */
export function checkContent(content: AnnouncementContent, nowMs: number): void {
  if (content.expiresMs <= nowMs) throw bad('expires_at is in the past: an expired announcement is never shown');
  if (content.expiresMs > nowMs + MAX_LIFETIME_MS) throw bad('expires_at is more than a year away');
  if (content.startsMs && content.startsMs >= content.expiresMs) throw bad('starts_at must be before expires_at');
  if (content.linkLabel && !content.linkUrl) throw bad('link_label needs a link_url');
}

/** The whitelist in a `PUT .../whitelist` body `{visitor_ids: [...], user_ids: [...]}`. */
export function parseWhitelist(body: unknown): Whitelist {
  const input = asObject(body);
  for (const key of Object.keys(input)) if (key !== 'visitor_ids' && key !== 'user_ids') throw bad(`unknown field "${key}"`);
  const list = (field: 'visitor_ids' | 'user_ids'): string[] => {
    const value = input[field] ?? [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '' || v.length > 128)) {
      throw bad(`${field} must be an array of non-empty strings (at most 128 characters each)`);
    }
    return [...new Set((value as string[]).map((v) => v.trim()))];
  };
  const whitelist = { visitorIds: list('visitor_ids'), userIds: list('user_ids') };
  if (whitelist.visitorIds.length + whitelist.userIds.length > MAX_WHITELIST) throw bad(`a whitelist holds at most ${MAX_WHITELIST} ids`);
  return whitelist;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
