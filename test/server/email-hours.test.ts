/**
 * Business hours (issue 14): intervals crossing midnight, holidays and
 * special days, daylight-saving changes in the merchant's zone and in the
 * visitor's, all with injected instants (no clock).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_BUSINESS_HOURS, hoursState, instantOf, nextOpen, type BusinessHours } from '../../server/src/email/hours.js';
import { parseBusinessHours } from '../../server/src/email/settings.js';
import { backAtText } from '../../widget/src/core/back-at.js';

const H = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY;

/** Mon–Fri 09:00–17:00 in Berlin, unless overridden. */
function berlin(over: Partial<BusinessHours> = {}): BusinessHours {
  return { ...DEFAULT_BUSINESS_HOURS, enabled: true, timezone: 'Europe/Berlin', ...over };
}

describe('business hours: weekly intervals', () => {
  test('open inside an interval until its close; closed after it until the next working day', () => {
    const hours = berlin();
    // Monday 2026-01-05 10:00 CET = 09:00Z.
    assert.deepEqual(hoursState(hours, H('2026-01-05T09:00:00Z')), { open: true, until: H('2026-01-05T16:00:00Z') });
    // Friday 18:00 CET -> Monday 09:00 CET.
    assert.deepEqual(hoursState(hours, H('2026-01-09T17:00:00Z')), { open: false, next: H('2026-01-12T08:00:00Z') });
    // The opening minute itself is open, the closing minute is not.
    assert.equal(hoursState(hours, H('2026-01-05T08:00:00Z')).open, true);
    assert.equal(hoursState(hours, H('2026-01-05T16:00:00Z')).open, false);
  });

  test('several intervals a day (a lunch break)', () => {
    const hours = berlin({ weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, mon: [{ open: '14:00', close: '18:00' }, { open: '09:00', close: '12:00' }] } });
    assert.deepEqual(hoursState(hours, H('2026-01-05T11:30:00Z')), { open: false, next: H('2026-01-05T13:00:00Z') });
    assert.deepEqual(hoursState(hours, H('2026-01-05T10:00:00Z')), { open: true, until: H('2026-01-05T11:00:00Z') });
  });

  test('disabled hours are always open', () => {
    assert.deepEqual(hoursState(DEFAULT_BUSINESS_HOURS, H('2026-01-10T03:00:00Z')), { open: true, until: null });
    assert.equal(nextOpen(DEFAULT_BUSINESS_HOURS, 5), 5);
  });

  test('no interval at all: closed with no next opening', () => {
    const none = { sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] };
    assert.deepEqual(hoursState(berlin({ weekly: none }), H('2026-01-05T09:00:00Z')), { open: false, next: null });
  });
});

describe('business hours: crossing midnight', () => {
  const night = berlin({ weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, fri: [{ open: '22:00', close: '02:00' }] } });

  test('an interval that closes before it opens runs into the next day', () => {
    // Saturday 01:00 CET is inside Friday's 22:00–02:00.
    assert.deepEqual(hoursState(night, H('2026-01-10T00:00:00Z')), { open: true, until: H('2026-01-10T01:00:00Z') });
    // Friday 23:00 too.
    assert.deepEqual(hoursState(night, H('2026-01-09T22:00:00Z')), { open: true, until: H('2026-01-10T01:00:00Z') });
    // Saturday 03:00: closed until Monday 09:00.
    assert.deepEqual(hoursState(night, H('2026-01-10T02:00:00Z')), { open: false, next: H('2026-01-12T08:00:00Z') });
  });

  test('touching intervals across midnight merge: Friday 18:00–24:00 and Saturday 00:00–03:00 is one stretch', () => {
    const hours = berlin({ weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, fri: [{ open: '18:00', close: '24:00' }], sat: [{ open: '00:00', close: '03:00' }] } });
    assert.deepEqual(hoursState(hours, H('2026-01-09T20:00:00Z')), { open: true, until: H('2026-01-10T02:00:00Z') });
  });

  test('a holiday on the day after keeps the night that started before it; a holiday on the day itself removes it', () => {
    const saturdayOff = { ...night, exceptions: [{ date: '2026-01-10', label: 'Inventory', hours: [] }] };
    assert.equal(hoursState(saturdayOff, H('2026-01-10T00:00:00Z')).open, true);
    const fridayOff = { ...night, exceptions: [{ date: '2026-01-09', label: 'Holiday', hours: [] }] };
    assert.deepEqual(hoursState(fridayOff, H('2026-01-09T22:00:00Z')), { open: false, next: H('2026-01-12T08:00:00Z') });
  });
});

describe('business hours: dated exceptions', () => {
  test('a holiday closes the whole day: the next opening skips it', () => {
    // Christmas 2026 is a Friday: Thursday evening -> Monday 28th.
    const hours = berlin({ exceptions: [{ date: '2026-12-25', label: 'Christmas', hours: [] }] });
    assert.deepEqual(hoursState(hours, H('2026-12-24T17:00:00Z')), { open: false, next: H('2026-12-28T08:00:00Z') });
  });

  test('special hours replace the weekly ones (Christmas Eve 09:00–12:00, and a Sunday opening)', () => {
    const hours = berlin({
      exceptions: [
        { date: '2026-12-24', label: 'Christmas Eve', hours: [{ open: '09:00', close: '12:00' }] },
        { date: '2026-12-20', label: 'Advent Sunday', hours: [{ open: '12:00', close: '16:00' }] },
      ],
    });
    assert.deepEqual(hoursState(hours, H('2026-12-24T09:00:00Z')), { open: true, until: H('2026-12-24T11:00:00Z') });
    assert.deepEqual(hoursState(hours, H('2026-12-19T12:00:00Z')), { open: false, next: H('2026-12-20T11:00:00Z') });
  });
});

describe('business hours: daylight saving in the merchant zone', () => {
  test('the same 09:00 opening is 08:00Z in winter and 07:00Z in summer (Berlin, 29 March 2026)', () => {
    const hours = berlin();
    assert.deepEqual(hoursState(hours, H('2026-03-27T17:00:00Z')), { open: false, next: H('2026-03-30T07:00:00Z') });
    assert.equal(nextOpen(hours, H('2026-03-20T17:00:00Z')), H('2026-03-23T08:00:00Z'));
  });

  test('an interval over the spring-forward gap is an hour shorter; a wall time in the gap happens later by the gap', () => {
    const sunday = berlin({ weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, sun: [{ open: '01:00', close: '05:00' }] } });
    // 01:00 CET = 00:00Z; 05:00 CEST = 03:00Z: open three real hours.
    assert.deepEqual(hoursState(sunday, H('2026-03-29T00:30:00Z')), { open: true, until: H('2026-03-29T03:00:00Z') });
    // 02:30 does not exist that night: it is 03:30 CEST = 01:30Z.
    assert.equal(instantOf(day('2026-03-29'), 150, 'Europe/Berlin'), H('2026-03-29T01:30:00Z'));
  });

  test('a wall time that happens twice at fall-back is its first occurrence; the interval is an hour longer', () => {
    // 25 October 2026: 03:00 CEST -> 02:00 CET. 02:30 happens at 00:30Z and 01:30Z.
    assert.equal(instantOf(day('2026-10-25'), 150, 'Europe/Berlin'), H('2026-10-25T00:30:00Z'));
    const sunday = berlin({ weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, sun: [{ open: '01:00', close: '05:00' }] } });
    // 01:00 CEST = 23:00Z Saturday; 05:00 CET = 04:00Z: five real hours.
    assert.deepEqual(hoursState(sunday, H('2026-10-25T00:00:00Z')), { open: true, until: H('2026-10-25T04:00:00Z') });
  });

  test('a night interval across the change (Saturday 22:00–06:00, Sydney in April)', () => {
    // Sydney leaves daylight time on 5 April 2026 at 03:00 AEDT -> 02:00 AEST.
    const hours: BusinessHours = { ...DEFAULT_BUSINESS_HOURS, enabled: true, timezone: 'Australia/Sydney', weekly: { ...DEFAULT_BUSINESS_HOURS.weekly, sat: [{ open: '22:00', close: '06:00' }] } };
    // Saturday 22:00 AEDT = 11:00Z; Sunday 06:00 AEST = Saturday 20:00Z.
    assert.deepEqual(hoursState(hours, H('2026-04-04T12:00:00Z')), { open: true, until: H('2026-04-04T20:00:00Z') });
  });
});

describe('"Back at …" in the visitor zone', () => {
  test('Berlin opens Monday 09:00; a visitor in New York reads 03:00 before the US change and 04:00 between the two changes', () => {
    const hours = berlin();
    // Saturday 28 February: US and Europe both on standard time (6 h apart).
    const before = H('2026-02-28T12:00:00Z');
    const back1 = nextOpen(hours, before)!;
    assert.equal(back1, H('2026-03-02T08:00:00Z'));
    assert.equal(backAtText(back1, before, 'en', 'America/New_York'), 'Back at 03:00 Monday');
    // Saturday 14 March: New York on daylight time since 8 March, Berlin not yet (5 h apart).
    const between = H('2026-03-14T12:00:00Z');
    const back2 = nextOpen(hours, between)!;
    assert.equal(back2, H('2026-03-16T08:00:00Z'));
    assert.equal(backAtText(back2, between, 'en', 'America/New_York'), 'Back at 04:00 Monday');
    assert.equal(backAtText(back2, between, 'zh-CN', 'America/New_York'), '我们将于周一 04:00 回来');
    // The merchant's own zone reads 09:00.
    assert.equal(backAtText(back2, between, 'en', 'Europe/Berlin'), 'Back at 09:00 Monday');
  });

  test('today, tomorrow, and a date beyond a week', () => {
    const now = H('2026-01-05T06:00:00Z');
    assert.equal(backAtText(H('2026-01-05T08:00:00Z'), now, 'en', 'Europe/Berlin'), 'Back at 09:00 today');
    assert.equal(backAtText(H('2026-01-06T08:00:00Z'), now, 'zh-CN', 'Europe/Berlin'), '我们将于明天 09:00 回来');
    assert.equal(backAtText(H('2026-01-19T08:00:00Z'), now, 'en', 'Europe/Berlin'), 'Back at 09:00 Monday 19 January');
    // Shanghai is already on the next local day: "tomorrow" there is 16:00.
    assert.equal(backAtText(H('2026-01-05T08:00:00Z'), H('2026-01-04T20:00:00Z'), 'zh-CN', 'Asia/Shanghai'), '我们将于今天 16:00 回来');
  });
});

describe('business hours: validation', () => {
  const current = DEFAULT_BUSINESS_HOURS;
  test('accepts a full document and keeps what a partial change leaves out', () => {
    const next = parseBusinessHours(current, { enabled: true, timezone: 'Asia/Shanghai', weekly: { sat: [{ open: '10:00', close: '14:00' }] }, exceptions: [{ date: '2026-10-01', label: 'National Day' }] });
    assert.equal(next.timezone, 'Asia/Shanghai');
    assert.deepEqual(next.weekly.sat, [{ open: '10:00', close: '14:00' }]);
    assert.deepEqual(next.weekly.mon, current.weekly.mon);
    assert.deepEqual(next.exceptions, [{ date: '2026-10-01', label: 'National Day', hours: [] }]);
  });

  for (const [patch, message] of [
    [{ timezone: 'Mars/Olympus' }, /IANA time zone/],
    [{ weekly: { mon: [{ open: '9:00', close: '17:00' }] } }, /weekly\.mon\[0\]\.open/],
    [{ weekly: { mon: [{ open: '09:00', close: '24:01' }] } }, /close must be a time/],
    [{ weekly: { mon: [{ open: '09:00', close: '09:00' }] } }, /same time/],
    [{ weekly: { funday: [] } }, /unknown setting "business_hours\.weekly\.funday"/],
    [{ exceptions: [{ date: '2026-02-30', label: 'x' }] }, /date must be a date/],
    [{ exceptions: [{ date: '2026-05-01' }, { date: '2026-05-01' }] }, /listed twice/],
    [{ enabled: 'yes' }, /enabled must be true or false/],
  ] as const) {
    test(`refuses ${JSON.stringify(patch)}`, () => assert.throws(() => parseBusinessHours(current, patch), message));
  }
});
