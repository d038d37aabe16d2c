/**
 * The validation of the email and business-hours settings (the
 * `business_hours` and `email` keys of the settings document, see
 * accounts/settings.ts). Each parser takes the current value and a partial
 * change and returns the whole new value, or throws `SettingsInputError`
 * naming the field; nothing is half applied.
 */
import { DEFAULT_BUSINESS_HOURS, isTimeZone, parseClock, WEEKDAYS, type BusinessHours, type HoursException, type OpeningInterval, type Weekday } from './hours.js';
import { isEmailAddress } from './contacts.js';

/** The `email` settings. */
export interface EmailSettings {
  /** Sender address overriding CS_MAIL_FROM (`Shop <shop@example.com>` or a bare address); '' keeps the environment's. */
  readonly from: string;
  /** The widget offers the email field when no agent replied within this, ms. Default 120000 (2 minutes). */
  readonly ask_after_ms: number;
  /** Email the transcript to a visitor with a known email when the conversation is resolved. Default false. */
  readonly transcript_on_resolve: boolean;
  /** The shop page emails link to when the visitor's page is not known; '' for none. */
  readonly shop_url: string;
}

export const DEFAULT_EMAIL_SETTINGS: EmailSettings = { from: '', ask_after_ms: 120_000, transcript_on_resolve: false, shop_url: '' };

/** Most intervals in one day, exceptions kept, label length. */
const MAX_INTERVALS = 6;
const MAX_EXCEPTIONS = 400;
const MAX_LABEL = 80;

/** A setting that does not validate; the message names the field. */
export class SettingsInputError extends Error {
  readonly type = 'SettingsInput';
  constructor(message: string) {
    super(message);
    this.name = 'SettingsInputError';
  }
}

function bad(message: string): never {
  throw new SettingsInputError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], field: string): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) bad(`unknown setting "${field}.${key}"`);
}

function intervals(value: unknown, field: string): OpeningInterval[] {
  if (!Array.isArray(value) || value.length > MAX_INTERVALS) bad(`${field} must be an array of at most ${MAX_INTERVALS} intervals {open: "HH:MM", close: "HH:MM"}`);
  return value.map((item, i) => {
    if (!isObject(item)) bad(`${field}[${i}] must be {open: "HH:MM", close: "HH:MM"}`);
    onlyKeys(item, ['open', 'close'], `${field}[${i}]`);
    const { open, close } = item;
    if (typeof open !== 'string' || parseClock(open) < 0) bad(`${field}[${i}].open must be a time "HH:MM" from 00:00 to 23:59`);
    if (typeof close !== 'string' || parseClock(close, true) < 0) bad(`${field}[${i}].close must be a time "HH:MM" from 00:00 to 24:00`);
    if (parseClock(close, true) === parseClock(open)) bad(`${field}[${i}] opens and closes at the same time (use 00:00–24:00 for the whole day)`);
    return { open, close };
  });
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Applies a partial `business_hours` change to `current`. */
export function parseBusinessHours(current: BusinessHours, patch: unknown): BusinessHours {
  if (!isObject(patch)) bad('business_hours must be an object {enabled, timezone, weekly, exceptions}');
  onlyKeys(patch, ['enabled', 'timezone', 'weekly', 'exceptions'], 'business_hours');
  const { enabled, timezone, weekly, exceptions } = patch;
  if (enabled !== undefined && typeof enabled !== 'boolean') bad('business_hours.enabled must be true or false');
  if (timezone !== undefined && (typeof timezone !== 'string' || !isTimeZone(timezone))) bad(`business_hours.timezone must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(timezone)}`);
  let nextWeekly = current.weekly;
  if (weekly !== undefined) {
    if (!isObject(weekly)) bad('business_hours.weekly must be an object keyed by weekday (mon, tue, wed, thu, fri, sat, sun)');
    onlyKeys(weekly, WEEKDAYS, 'business_hours.weekly');
    const copy: Record<Weekday, readonly OpeningInterval[]> = { ...current.weekly };
    for (const day of WEEKDAYS) if (weekly[day] !== undefined) copy[day] = intervals(weekly[day], `business_hours.weekly.${day}`);
    nextWeekly = copy;
  }
  let nextExceptions = current.exceptions;
  if (exceptions !== undefined) {
    if (!Array.isArray(exceptions) || exceptions.length > MAX_EXCEPTIONS) bad(`business_hours.exceptions must be an array of at most ${MAX_EXCEPTIONS} {date, label, hours}`);
    const seen = new Set<string>();
    nextExceptions = exceptions.map((item, i): HoursException => {
      const field = `business_hours.exceptions[${i}]`;
      if (!isObject(item)) bad(`${field} must be {date: "YYYY-MM-DD", label, hours: []}`);
      onlyKeys(item, ['date', 'label', 'hours'], field);
      if (typeof item.date !== 'string' || !isDate(item.date)) bad(`${field}.date must be a date "YYYY-MM-DD"`);
      if (seen.has(item.date)) bad(`${field}.date ${item.date} is listed twice`);
      seen.add(item.date);
      const label = item.label ?? '';
      if (typeof label !== 'string' || label.length > MAX_LABEL) bad(`${field}.label must be a string of at most ${MAX_LABEL} characters`);
      return { date: item.date, label: label.trim(), hours: item.hours === undefined ? [] : intervals(item.hours, `${field}.hours`) };
    });
    nextExceptions = [...nextExceptions].sort((a, b) => a.date.localeCompare(b.date));
  }
  return {
    enabled: (enabled as boolean | undefined) ?? current.enabled,
    timezone: (timezone as string | undefined) ?? current.timezone,
    weekly: nextWeekly,
    exceptions: nextExceptions,
  };
}

/** Applies a partial `email` change to `current`. */
export function parseEmailSettings(current: EmailSettings, patch: unknown): EmailSettings {
  if (!isObject(patch)) bad('email must be an object {from, ask_after_ms, transcript_on_resolve, shop_url}');
  onlyKeys(patch, ['from', 'ask_after_ms', 'transcript_on_resolve', 'shop_url'], 'email');
  const { from, ask_after_ms: askAfter, transcript_on_resolve: transcript, shop_url: shopUrl } = patch;
  if (from !== undefined && (typeof from !== 'string' || (from.trim() !== '' && !isEmailAddress(bareAddress(from))))) bad('email.from must be an email address ("Shop <shop@example.com>" or "shop@example.com") or ""');
  if (askAfter !== undefined && (typeof askAfter !== 'number' || !Number.isInteger(askAfter) || askAfter < 0 || askAfter > 86_400_000)) bad('email.ask_after_ms must be a whole number of ms from 0 to 86400000');
  if (transcript !== undefined && typeof transcript !== 'boolean') bad('email.transcript_on_resolve must be true or false');
  if (shopUrl !== undefined && (typeof shopUrl !== 'string' || (shopUrl !== '' && !isHttpUrl(shopUrl)))) bad('email.shop_url must be an http(s) URL or ""');
  return {
    from: (from as string | undefined)?.trim() ?? current.from,
    ask_after_ms: (askAfter as number | undefined) ?? current.ask_after_ms,
    transcript_on_resolve: (transcript as boolean | undefined) ?? current.transcript_on_resolve,
    shop_url: (shopUrl as string | undefined) ?? current.shop_url,
  };
}

/** The address inside `Name <addr>`, or the text itself. */
export function bareAddress(text: string): string {
  return (/<([^<>]*)>\s*$/.exec(text)?.[1] ?? text).trim();
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export { DEFAULT_BUSINESS_HOURS };
