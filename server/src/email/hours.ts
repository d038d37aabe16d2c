/**
 * Business hours (DESIGN.md §10, issue 14): a time zone, several opening
 * intervals per weekday, and dated exceptions (holidays, special days) with
 * a label. Pure functions over an injected instant: no clock, no timers.
 *
 * Decisions, written down because a merchant will ask:
 * - Times are the merchant's wall-clock times in `timezone` (an IANA name).
 *   An interval whose `close` is not after its `open` crosses midnight: a
 *   Friday `22:00`–`02:00` runs into Saturday morning. `close` may be
 *   `24:00`. `00:00`–`24:00` is the whole day.
 * - An interval belongs to the day it opens on: Friday's `22:00`–`02:00`
 *   is open at 01:00 on Saturday even when Saturday is a holiday, and a
 *   holiday on Friday removes it.
 * - An exception replaces that date's weekly intervals: an empty `hours`
 *   list means closed all day, a non-empty one means special hours.
 * - Daylight saving: a wall time that does not exist (spring forward)
 *   happens as if the clock had not jumped yet, i.e. later by the gap
 *   (`02:30` becomes `03:30`); one that happens twice (fall back) is its
 *   first occurrence — Temporal's "compatible" disambiguation.
 * - Disabled (or never set): always open, so away means "no agent online".
 */

/** Weekday keys, Sunday first (the order of `Date.getUTCDay`). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval, wall-clock `HH:MM` in the merchant's zone. */
export interface OpeningInterval {
  readonly open: string;
  readonly close: string;
}

/** A dated exception: a holiday (no hours) or special hours. */
export interface HoursException {
  /** `YYYY-MM-DD`, in the merchant's zone. */
  readonly date: string;
  /** Shown to agents (e.g. "Christmas"). */
  readonly label: string;
  /** Intervals of that day; empty: closed all day. */
  readonly hours: readonly OpeningInterval[];
}

/** Business hours as stored in settings (`business_hours`, snake_case JSON). */
export interface BusinessHours {
  /** Off: always open. */
  readonly enabled: boolean;
  /** IANA time zone, e.g. "Europe/Berlin". */
  readonly timezone: string;
  readonly weekly: Readonly<Record<Weekday, readonly OpeningInterval[]>>;
  readonly exceptions: readonly HoursException[];
}

/** What a fresh install has: off, Monday to Friday 09:00–17:00 in UTC when turned on. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  enabled: false,
  timezone: 'UTC',
  weekly: {
    sun: [],
    mon: [{ open: '09:00', close: '17:00' }],
    tue: [{ open: '09:00', close: '17:00' }],
    wed: [{ open: '09:00', close: '17:00' }],
    thu: [{ open: '09:00', close: '17:00' }],
    fri: [{ open: '09:00', close: '17:00' }],
    sat: [],
  },
  exceptions: [],
};

/** Whether the team is within hours at an instant, and until / from when. */
export type HoursState =
  /** Open now; `until` is when it closes (null: no close within the search window). */
  | { readonly open: true; readonly until: number | null }
  /** Closed now; `next` is the next opening (null: none within the search window). */
  | { readonly open: false; readonly next: number | null };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead an opening is looked for, days. */
const SEARCH_DAYS = 400;

/** Minutes after midnight of `HH:MM` (`24:00` is 1440), or -1 when malformed. */
export function parseClock(text: string, allow24 = false): number {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!match) return -1;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes > 1440 || (minutes === 1440 && !allow24)) return -1;
  return minutes;
}

/** True when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in `zone`. */
function wallClock(instant: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  const fields: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
  return { year: fields.year!, month: fields.month!, day: fields.day!, hour: fields.hour! % 24, minute: fields.minute!, second: fields.second! };
}

/** The zone's offset from UTC at an instant, ms (local = UTC + offset). */
export function zoneOffset(instant: number, zone: string): number {
  const w = wallClock(instant, zone);
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return local - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in `zone`: `dayNumber` is days since
 * 1970-01-01 (the local date), `minutes` after its midnight (1440 and more
 * run into the next days). Gaps and overlaps as the module comment says.
 */
export function instantOf(dayNumber: number, minutes: number, zone: string): number {
  const wall = dayNumber * DAY + minutes * MINUTE;
  const before = zoneOffset(wall - DAY, zone);
  const after = zoneOffset(wall + DAY, zone);
  const fits = [wall - before, wall - after].filter((candidate) => zoneOffset(candidate, zone) === wall - candidate);
  if (fits.length > 0) return Math.min(...fits);
  return wall - before;
}

/** The local date of an instant in `zone`, as days since 1970-01-01. */
export function localDayNumber(instant: number, zone: string): number {
  const w = wallClock(instant, zone);
  return Math.floor(Date.UTC(w.year, w.month - 1, w.day) / DAY);
}

/** `YYYY-MM-DD` of a day number. */
export function dateOfDay(dayNumber: number): string {
  return new Date(dayNumber * DAY).toISOString().slice(0, 10);
}

/** The intervals of one local date, as instants [open, close), in opening order. */
function intervalsOfDay(hours: BusinessHours, dayNumber: number, exceptions: ReadonlyMap<string, HoursException>): Array<[number, number]> {
  const exception = exceptions.get(dateOfDay(dayNumber));
  const list = exception ? exception.hours : hours.weekly[WEEKDAYS[new Date(dayNumber * DAY).getUTCDay()]!];
  const out: Array<[number, number]> = [];
  for (const interval of list) {
    const open = parseClock(interval.open);
    let close = parseClock(interval.close, true);
    if (open < 0 || close < 0) continue;
    if (close <= open) close += 1440;
    const start = instantOf(dayNumber, open, hours.timezone);
    const end = instantOf(dayNumber, close, hours.timezone);
    if (end > start) out.push([start, end]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Open or closed at `now` (ms since the epoch), with the next change:
 * when open, the closing instant (overlapping and touching intervals
 * merged, across days); when closed, the next opening within 400 days.
 */
export function hoursState(hours: BusinessHours, now: number): HoursState {
  if (!hours.enabled) return { open: true, until: null };
  const exceptions = new Map(hours.exceptions.map((e) => [e.date, e] as const));
  const today = localDayNumber(now, hours.timezone);
  // The merged intervals that end after `now`, in order; the day before today may still be open (crossing midnight).
  let current: [number, number] | undefined;
  for (let day = today - 1; day <= today + SEARCH_DAYS; day++) {
    for (const [start, end] of intervalsOfDay(hours, day, exceptions)) {
      if (current) {
        if (start <= current[1]) {
          current[1] = Math.max(current[1], end);
          continue;
        }
        if (current[0] <= now) return { open: true, until: current[1] };
        return { open: false, next: current[0] };
      }
      if (end > now) current = [start, end];
    }
    // Nothing of a later day can open before the end of the current interval if that end is before the next day's start; keep merging one more day.
    if (current && current[1] < instantOf(day + 1, 0, hours.timezone)) {
      return current[0] <= now ? { open: true, until: current[1] } : { open: false, next: current[0] };
    }
  }
  if (current) return current[0] <= now ? { open: true, until: null } : { open: false, next: current[0] };
  return { open: false, next: null };
}

/** The next opening at or after `now`: `now` itself when open, null when none within 400 days. */
export function nextOpen(hours: BusinessHours, now: number): number | null {
  const state = hoursState(hours, now);
  return state.open ? now : state.next;
}
