// The windowed expansion (jumping whole periods ahead) must give exactly what a full expansion from DTSTART gives.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { expandRule, type RecurParts } from '../../domain/calendarRecurrence.js';

const parse = (rule: string): RecurParts => Object.fromEntries(rule.split(';').map((p) => p.split('=')).map(([k, v]) => [k!, v!.split(',')]));
const iso = (walls: number[]) => walls.map((w) => new Date(w).toISOString().slice(0, 19));

const cases: Array<[string, string]> = [
  ['FREQ=DAILY', '2020-01-01T10:00:00'],
  ['FREQ=DAILY;INTERVAL=3', '2020-01-01T10:00:00'],
  ['FREQ=DAILY;COUNT=5000', '2020-01-01T10:00:00'],
  ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;WKST=SU', '2020-01-06T09:30:00'],
  ['FREQ=WEEKLY;COUNT=400', '2021-03-03T18:00:00'],
  ['FREQ=MONTHLY;BYDAY=-1FR', '2019-05-31T12:00:00'],
  ['FREQ=MONTHLY', '2019-01-31T12:00:00'],
  ['FREQ=MONTHLY;COUNT=100', '2020-01-15T08:00:00'],
  ['FREQ=MONTHLY;BYDAY=TU,WE,TH;BYSETPOS=3', '2019-09-04T09:00:00'],
  ['FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-1', '2019-01-31T07:00:00'],
  ['FREQ=YEARLY', '2020-02-29T10:00:00'],
  ['FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', '2015-03-29T02:00:00'],
  ['FREQ=YEARLY;INTERVAL=2;BYMONTH=1,7;BYDAY=1MO', '2016-01-04T11:00:00'],
  ['FREQ=DAILY;BYHOUR=9,17', '2022-06-01T09:15:00'],
];

describe('windowed RRULE expansion', () => {
  it.each(cases)('%s from %s equals the full expansion, in windows years later', (rule, start) => {
    const dtstart = Date.parse(`${start}Z`);
    for (const fromText of ['2024-02-26T00:00:00Z', '2026-12-28T00:00:00Z', '2028-02-20T00:00:00Z']) {
      const from = Date.parse(fromText);
      const to = from + 40 * 86_400_000;
      const full = expandRule(parse(rule), dtstart, undefined, dtstart, to, 1_000_000);
      const windowed = expandRule(parse(rule), dtstart, undefined, from, to, 1_000_000);
      expect(full.complete && windowed.complete).toBe(true);
      expect(iso(windowed.starts)).toEqual(iso(full.starts.filter((w) => w >= from)));
    }
  });

  it('costs iterations for the window only, however old the series', () => {
    const dtstart = Date.parse('1990-01-01T10:00:00Z');
    const from = Date.parse('2030-01-01T00:00:00Z');
    // 40 years of a daily rule would need ~14,600 iterations; a cap of 200 is enough when windowed.
    const windowed = expandRule(parse('FREQ=DAILY'), dtstart, undefined, from, from + 7 * 86_400_000, 200);
    expect(windowed.complete).toBe(true);
    expect(windowed.starts).toHaveLength(7);
  });
});

describe('daily and weekly rules computed directly', () => {
  const viaIcal = (rule: string, start: string, to: number) => {
    const out = [Date.parse(`${start}Z`)];
    const iterator = ICAL.Recur.fromString(rule).iterator(ICAL.Time.fromDateTimeString(start));
    for (let next = iterator.next(); next && out.length < 5_000; next = iterator.next()) {
      const wall = Date.UTC(next.year, next.month - 1, next.day, next.hour, next.minute, next.second);
      if (wall > to) break;
      if (wall !== out[0]) out.push(wall);
    }
    return out;
  };
  it.each([
    ['FREQ=DAILY;COUNT=30', '2030-01-30T10:00:00'],
    ['FREQ=DAILY;INTERVAL=4;UNTIL=20300601T000000', '2030-01-30T10:00:00'],
    ['FREQ=WEEKLY;COUNT=12', '2030-01-30T10:00:00'],
    ['FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH,SA;COUNT=20', '2030-01-31T18:30:00'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=SU;UNTIL=20300701T000000', '2030-01-06T07:00:00'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=MO;UNTIL=20300701T000000', '2030-01-06T07:00:00'],
    ['FREQ=MONTHLY;BYDAY=1MO;COUNT=10', '2030-01-07T14:00:00'],
    ['FREQ=MONTHLY;BYDAY=-1FR,2TU', '2030-01-08T09:00:00'],
    ['FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31,-1;COUNT=9', '2030-01-31T09:00:00'],
    ['FREQ=MONTHLY;BYDAY=5TH', '2030-01-31T09:00:00'],
    ['FREQ=MONTHLY;BYDAY=TU;UNTIL=20300901T000000', '2030-01-01T09:00:00'],
    ['FREQ=MONTHLY;INTERVAL=3;COUNT=7', '2030-01-29T09:00:00'],
  ])('%s from %s agrees with ical.js stepping', (rule, start) => {
    const to = Date.parse('2031-01-01T00:00:00Z');
    const dtstart = Date.parse(`${start}Z`);
    const until = /UNTIL=(\d{4})(\d{2})(\d{2})/.exec(rule);
    const untilWall = until ? Date.UTC(Number(until[1]), Number(until[2]) - 1, Number(until[3])) : undefined;
    const ours = expandRule(parse(rule.replace(/;UNTIL=[^;]*/, '')), dtstart, untilWall, dtstart, to, 100_000);
    expect(iso([dtstart, ...ours.starts])).toEqual(iso(viaIcal(rule, start, to)));
    // and windowed, from a later point, the same tail
    const from = Date.parse('2030-03-10T00:00:00Z');
    expect(iso(expandRule(parse(rule.replace(/;UNTIL=[^;]*/, '')), dtstart, untilWall, from, to, 100_000).starts)).toEqual(iso(ours.starts.filter((w) => w >= from)));
  });
});

describe('rules shorter than a day', () => {
  it('an hourly series started years ago costs the window only', () => {
    const dtstart = Date.parse('2020-01-01T00:30:00Z');
    const from = Date.parse('2030-01-01T00:00:00Z');
    const hourly = expandRule(parse('FREQ=HOURLY;INTERVAL=6'), dtstart, undefined, from, from + 86_400_000, 100);
    expect(iso(hourly.starts)).toEqual(['2030-01-01T00:30:00', '2030-01-01T06:30:00', '2030-01-01T12:30:00', '2030-01-01T18:30:00']);
  });
});
