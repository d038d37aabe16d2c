/**
 * Merchant settings a running server changes (DESIGN.md §9): the widget's
 * appearance, the bot's texts per language, blocked words and allowed
 * origins. Stored as one JSON value per top-level key in `settings`; what
 * was never saved comes from the defaults (the environment's first values).
 * The document uses the JSON API's snake_case names, so it is served and
 * stored as it is. Changes are validated whole before anything is written,
 * and listeners (the word filter, the origin check) are told at once: no
 * restart.
 */
import { AccountError, type Db } from './types.js';
import type { BusinessHours } from '../email/hours.js';
import { parseBusinessHours, parseEmailSettings, SettingsInputError, type EmailSettings } from '../email/settings.js';

/** Languages the bot texts exist in. */
export const SETTINGS_LANGS = ['en', 'zh-CN'] as const;
export type SettingsLang = (typeof SETTINGS_LANGS)[number];

export interface BotTexts {
  /** Posted when a conversation gets its first message, and shown in an empty widget. */
  readonly greeting: string;
  /** Posted when a visitor writes and no agent is online. */
  readonly offline: string;
}

export interface Settings {
  readonly widget: {
    /** Brand colour `#rrggbb`, '' for the widget's own. */
    readonly color: string;
    /** Header title (the merchant name), '' for the widget's own. */
    readonly title: string;
    readonly position: 'right' | 'left';
  };
  readonly texts: Readonly<Record<SettingsLang, BotTexts>>;
  readonly blocked_words: readonly string[];
  readonly blocked_words_mode: 'mask' | 'reject';
  /** Origins allowed to open the widget's WebSocket; empty allows all. */
  readonly allowed_origins: readonly string[];
  /** Opening hours (email/hours.ts); off: away means only "no agent online". */
  readonly business_hours: BusinessHours;
  /** Email continuity (email/settings.ts): sender, when to ask for an email, transcripts. */
  readonly email: EmailSettings;
}

/** The bot texts a fresh install has. */
export const DEFAULT_TEXTS: Readonly<Record<SettingsLang, BotTexts>> = {
  en: {
    greeting: 'Hi there! Thanks for reaching out. Ask us anything, we are happy to help.',
    // {back} becomes "Back at 09:00 Monday." (in the visitor's time zone) or "We will answer here as soon as we are back." (pipeline/bot.ts).
    offline: 'Our team is away right now. {back}',
  },
  'zh-CN': {
    greeting: '您好！感谢您的咨询，有任何问题都可以在这里留言。',
    offline: '客服暂时不在。{back}',
  },
};

/** Longest bot text / title, characters. */
const MAX_TEXT = 1000;
const MAX_TITLE = 60;
const MAX_WORDS = 500;
const MAX_ORIGINS = 100;
const KEYS = ['widget', 'texts', 'blocked_words', 'blocked_words_mode', 'allowed_origins', 'business_hours', 'email'] as const;
type Key = (typeof KEYS)[number];

/** The texts for a visitor's language tag: any `zh*` gets zh-CN, everything else English. */
export function textsFor(settings: Settings, lang: string): BotTexts {
  return lang.toLowerCase().startsWith('zh') ? settings.texts['zh-CN'] : settings.texts.en;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(message: string): never {
  throw new AccountError('bad_input', message);
}

function stringList(value: unknown, field: string, max: number, each: (s: string) => boolean = () => true): string[] {
  if (!Array.isArray(value) || value.length > max) bad(`${field} must be an array of at most ${max} strings`);
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || item.trim().length === 0 || item.length > 200 || !each(item.trim())) bad(`${field} has an invalid entry: ${JSON.stringify(item)}`);
    out.push(item.trim());
  }
  return out;
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

/**
 * Applies a partial change to `current`, validating every field; unknown
 * keys and wrong types are refused with a message naming the field.
 */
export function mergeSettings(current: Settings, patch: unknown): Settings {
  if (!isObject(patch)) bad('settings must be a JSON object');
  for (const key of Object.keys(patch)) if (!(KEYS as readonly string[]).includes(key)) bad(`unknown setting "${key}"`);
  let widget = current.widget;
  if (patch.widget !== undefined) {
    const w = patch.widget;
    if (!isObject(w)) bad('widget must be an object');
    for (const key of Object.keys(w)) if (!['color', 'title', 'position'].includes(key)) bad(`unknown setting "widget.${key}"`);
    if (w.color !== undefined && (typeof w.color !== 'string' || !(w.color === '' || /^#[0-9a-f]{6}$/i.test(w.color)))) bad('widget.color must be #rrggbb or ""');
    if (w.title !== undefined && (typeof w.title !== 'string' || w.title.length > MAX_TITLE)) bad(`widget.title must be a string of at most ${MAX_TITLE} characters`);
    if (w.position !== undefined && w.position !== 'left' && w.position !== 'right') bad('widget.position must be "left" or "right"');
    widget = {
      color: (w.color as string | undefined) ?? widget.color,
      title: (w.title as string | undefined)?.trim() ?? widget.title,
      position: (w.position as 'left' | 'right' | undefined) ?? widget.position,
    };
  }
  let texts = current.texts;
  if (patch.texts !== undefined) {
    const t = patch.texts;
    if (!isObject(t)) bad('texts must be an object keyed by language (en, zh-CN)');
    const next: Record<SettingsLang, BotTexts> = { ...texts };
    for (const [lang, value] of Object.entries(t)) {
      if (!(SETTINGS_LANGS as readonly string[]).includes(lang)) bad(`texts: unknown language "${lang}" (en, zh-CN)`);
      if (!isObject(value)) bad(`texts.${lang} must be an object {greeting, offline}`);
      for (const key of Object.keys(value)) if (key !== 'greeting' && key !== 'offline') bad(`unknown setting "texts.${lang}.${key}"`);
      for (const key of ['greeting', 'offline'] as const) {
        const v = value[key];
        if (v !== undefined && (typeof v !== 'string' || v.trim().length === 0 || v.length > MAX_TEXT)) bad(`texts.${lang}.${key} must be 1–${MAX_TEXT} characters`);
      }
      const old = next[lang as SettingsLang];
      next[lang as SettingsLang] = { greeting: (value.greeting as string | undefined) ?? old.greeting, offline: (value.offline as string | undefined) ?? old.offline };
    }
    texts = next;
  }
  const mode = patch.blocked_words_mode;
  if (mode !== undefined && mode !== 'mask' && mode !== 'reject') bad('blocked_words_mode must be "mask" or "reject"');
  let businessHours = current.business_hours;
  let email = current.email;
  try {
    if (patch.business_hours !== undefined) businessHours = parseBusinessHours(businessHours, patch.business_hours);
    if (patch.email !== undefined) email = parseEmailSettings(email, patch.email);
  } catch (error) {
    if (error instanceof SettingsInputError) bad(error.message);
    throw error;
  }
  return {
    widget,
    texts,
    blocked_words: patch.blocked_words === undefined ? current.blocked_words : stringList(patch.blocked_words, 'blocked_words', MAX_WORDS),
    blocked_words_mode: (mode as 'mask' | 'reject' | undefined) ?? current.blocked_words_mode,
    allowed_origins: patch.allowed_origins === undefined ? current.allowed_origins : stringList(patch.allowed_origins, 'allowed_origins', MAX_ORIGINS, isOrigin),
    business_hours: businessHours,
    email,
  };
}

/** Settings in the store, over the defaults; tells listeners about each change. */
export class SettingsTable {
  private cached: Settings | undefined;
  private readonly listeners = new Set<(settings: Settings) => void>();

  constructor(
    private readonly db: Db,
    private readonly defaults: Settings,
    private readonly now: () => number,
  ) {}

  /** The settings in force. */
  get(): Settings {
    if (this.cached) return this.cached;
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored: Record<string, unknown> = {};
    for (const row of rows) if ((KEYS as readonly string[]).includes(row.key)) stored[row.key] = JSON.parse(row.value);
    let settings = this.defaults;
    try {
      settings = mergeSettings(this.defaults, stored);
    } catch {
      // A row that no longer validates (an older release wrote it) falls back to the defaults, key by key.
      for (const [key, value] of Object.entries(stored)) {
        try {
          settings = mergeSettings(settings, { [key]: value });
        } catch {
          // keep the default for this key
        }
      }
    }
    return (this.cached = settings);
  }

  /** Validates and saves a partial change; returns the new settings. */
  update(patch: unknown, by: string): Settings {
    const next = mergeSettings(this.get(), patch);
    const write = this.db.prepare('INSERT INTO settings (key, value, updated_ms, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms, updated_by = excluded.updated_by');
    const now = this.now();
    this.db.transaction(() => {
      for (const key of Object.keys(patch as object) as Key[]) write.run(key, JSON.stringify(next[key]), now, by);
    })();
    this.cached = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  /** Calls `listener` with the settings after every change; returns a disposer. */
  onChange(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
