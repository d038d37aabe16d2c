/**
 * "Back at 09:00 Monday" / "我们将于周一 09:00 回来" (DESIGN.md §10): when the
 * team is back, in the reader's own time zone and language, with
 * `Intl.DateTimeFormat` only. The server sends the instant (next opening of
 * the business hours); the widget words it here, and the server's offline
 * auto-reply uses the same function with the zone the widget reported, so
 * both say the same.
 *
 * The day is "today" / "tomorrow" (今天 / 明天), else the weekday within a
 * week, else the weekday with the date.
 */

/** Whether `lang` is a Chinese tag (zh, zh-CN, zh-Hans …). */
function isZh(lang: string): boolean {
  return lang.toLowerCase().startsWith('zh');
}

/** Days from the local date of `from` to that of `to`, in `timeZone`. */
function dayDiff(from: number, to: number, timeZone?: string): number {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const day = (ms: number): number => Date.parse(date.format(ms) + 'T00:00:00Z') / 86_400_000;
  return Math.round(day(to) - day(from));
}

/**
 * The "back at" line for the instant `backMs`, seen at `nowMs`.
 * @param lang `en` or `zh-CN` (any `zh*` is Chinese).
 * @param timeZone IANA zone of the reader; default the runtime's own.
 */
export function backAtText(backMs: number, nowMs: number, lang: string, timeZone?: string): string {
  const zh = isZh(lang);
  const locale = zh ? 'zh-CN' : 'en-GB';
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(backMs);
  const diff = dayDiff(nowMs, backMs, timeZone);
  const day =
    diff <= 0 ? (zh ? '今天' : 'today')
    : diff === 1 ? (zh ? '明天' : 'tomorrow')
    : new Intl.DateTimeFormat(locale, diff < 7 ? { timeZone, weekday: zh ? 'short' : 'long' } : { timeZone, weekday: zh ? 'short' : 'long', day: 'numeric', month: 'long' }).format(backMs);
  return zh ? `我们将于${day} ${time} 回来` : `Back at ${time} ${day}`;
}
