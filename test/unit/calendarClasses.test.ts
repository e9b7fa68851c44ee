// The nine classes of issue 13, each against a fixture with occurrences worked out by hand from RFC 5545.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCalendar } from '../../domain/calendar.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'calendars', 'classes', name), 'utf8');
const expand = (name: string, from: string, to: string, timeZone?: string) =>
  expandCalendar(fixture(name), { feed: 'f', fromMs: Date.parse(from), toMs: Date.parse(to), timeZone });
const spans = (name: string, from: string, to: string) => expand(name, from, to).map((o) => `${o.startAt} ${o.endAt}`);

describe('issue 13 classes', () => {
  it('1: a daily series that began years before the window still yields its instances (also with COUNT)', () => {
    const occurrences = expand('1-windowed.ics', '2030-06-20T00:00:00Z', '2030-06-27T00:00:00Z');
    // 10:00 in Berlin is 08:00Z in summer; 20 to 26 June.
    expect(occurrences.filter((o) => o.uid === 'daily-since-2027@class1').map((o) => o.startAt)).toEqual(
      [20, 21, 22, 23, 24, 25, 26].map((d) => `2030-06-${d}T08:00:00.000Z`),
    );
    // COUNT=2000 from 1 January 2025: the 2000th instance is 1999 days later, 23 June 2030.
    expect(occurrences.filter((o) => o.uid === 'daily-count@class1').map((o) => o.startAt)).toEqual(
      [20, 21, 22, 23].map((d) => `2030-06-${d}T12:00:00.000Z`),
    );
  });

  it('2: a TZID without VTIMEZONE is read as an IANA, Windows or Thunderbird-style name', () => {
    expect(spans('2-tzid-without-vtimezone.ics', '2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z')).toEqual([
      '2030-03-04T14:00:00.000Z 2030-03-04T15:00:00.000Z', // 09:00 EST (DST begins 10 March)
      '2030-03-05T09:00:00.000Z 2030-03-05T10:00:00.000Z', // W. Europe Standard Time = Europe/Berlin, CET
      '2030-03-06T09:00:00.000Z 2030-03-06T10:00:00.000Z', // 18:00 JST
    ]);
  });

  it('2: a TZID one feed defines privately does not change how another feed reads it, in any order', () => {
    const window = ['2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z'] as const;
    const ownDefinition = ['2030-03-04T11:00:00.000Z 2030-03-04T12:00:00.000Z']; // feed a: its own fixed +01:00
    const iana = ['2030-03-04T17:00:00.000Z 2030-03-04T18:00:00.000Z']; // feed b: 12:00 EST
    expect(spans('2-same-tzid-feed-b.ics', ...window)).toEqual(iana);
    expect(spans('2-same-tzid-feed-a.ics', ...window)).toEqual(ownDefinition);
    expect(spans('2-same-tzid-feed-b.ics', ...window)).toEqual(iana);
  });

  it('3: instances shared without their master are all kept, keyed by their RECURRENCE-ID', () => {
    const occurrences = expand('3-masterless-instances.ics', '2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z');
    expect(occurrences.map((o) => [o.key, o.startAt])).toEqual([
      ['f:series@class3:2030-03-04T10:00:00.000Z', '2030-03-04T10:00:00.000Z'],
      ['f:series@class3:2030-03-06T10:00:00.000Z', '2030-03-06T14:00:00.000Z'],
    ]);
  });

  it('4: RDATE;VALUE=PERIOD adds instances with their own length (end or duration)', () => {
    expect(spans('4-rdate-period.ics', '2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z')).toEqual([
      '2030-03-04T10:00:00.000Z 2030-03-04T11:00:00.000Z',
      '2030-03-05T10:00:00.000Z 2030-03-05T13:00:00.000Z',
      '2030-03-06T10:00:00.000Z 2030-03-06T10:30:00.000Z',
    ]);
  });

  it('5: an RDATE-only series keeps DTSTART as its first instance', () => {
    expect(spans('5-rdate-only.ics', '2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z')).toEqual([
      '2030-03-04T10:00:00.000Z 2030-03-04T11:00:00.000Z',
      '2030-03-05T10:00:00.000Z 2030-03-05T11:00:00.000Z',
      '2030-03-07T10:00:00.000Z 2030-03-07T11:00:00.000Z',
    ]);
  });

  it('6: an instance named by RRULE and RDATE is one instance, and EXDATE removes it', () => {
    const occurrences = expand('6-duplicate-instances.ics', '2030-03-01T00:00:00Z', '2030-03-08T00:00:00Z');
    expect(occurrences.map((o) => o.startAt)).toEqual(['2030-03-04T10:00:00.000Z', '2030-03-06T10:00:00.000Z']);
    expect(new Set(occurrences.map((o) => o.key)).size).toBe(occurrences.length);
  });

  it('7: several RRULEs are a union: the series lasts as long as the longest rule', () => {
    // DAILY;COUNT=2 gives 4 and 5 March; WEEKLY;COUNT=4 gives 4, 11, 18 and 25 March.
    expect(expand('7-several-rrules.ics', '2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z').map((o) => o.startAt.slice(0, 10))).toEqual([
      '2030-03-04', '2030-03-05', '2030-03-11', '2030-03-18', '2030-03-25',
    ]);
  });

  it('8: a VTIMEZONE whose observances are RDATE lists gives the right offset on each side of a change', () => {
    expect(spans('8-vtimezone-rdate.ics', '2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z')).toEqual([
      '2030-01-15T09:00:00.000Z 2030-01-15T10:00:00.000Z', // +01:00
      '2030-04-15T08:00:00.000Z 2030-04-15T09:00:00.000Z', // +02:00 from 31 March
      '2030-11-15T09:00:00.000Z 2030-11-15T10:00:00.000Z', // +01:00 from 27 October
    ]);
  });

  it('9: yearly on 29 February is skipped in other years (RFC 5545 §3.3.10), not moved to 1 March', () => {
    expect(expand('9-february-29.ics', '2029-02-20T00:00:00Z', '2029-03-10T00:00:00Z')).toEqual([]);
    expect(expand('9-february-29.ics', '2031-02-20T00:00:00Z', '2032-03-10T00:00:00Z').map((o) => o.startAt)).toEqual(['2032-02-29T10:00:00.000Z']);
  });
});
