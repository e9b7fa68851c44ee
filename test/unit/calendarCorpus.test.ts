// RFC 5545 examples and exports written in the styles of Google, Outlook and Apple; expected
// occurrences worked out by hand (RFC 5545 §3.8.5.3 lists the RFC ones).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCalendar, readCalendar } from '../../domain/calendar.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'calendars', name), 'utf8');
const expand = (name: string, from: string, to: string, timeZone?: string) =>
  expandCalendar(fixture(name), { feed: 'f', fromMs: Date.parse(from), toMs: Date.parse(to), timeZone });
const startsOf = (occurrences: ReturnType<typeof expand>, uid: string) => occurrences.filter((o) => o.uid === uid && !o.cancelled).map((o) => o.startAt.slice(0, 16));
const at = (hourZ: string, ...days: string[]) => days.map((d) => `${d}T${hourZ}`);

describe('RFC 5545 §3.8.5.3 examples (America/New_York from the RFC VTIMEZONE)', () => {
  const rfc = expand('rfc5545-examples.ics', '1997-09-01T00:00:00Z', '2001-01-01T00:00:00Z');

  it('daily for 10 occurrences', () => {
    expect(startsOf(rfc, 'daily-10@rfc')).toEqual(at('13:00', ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((d) => `1997-09-${String(d).padStart(2, '0')}`)));
  });

  it('every other week on Monday, Wednesday and Friday until 24 December 1997', () => {
    expect(startsOf(rfc, 'biweekly-mwf@rfc')).toEqual([
      ...at('13:00', '1997-09-01', '1997-09-03', '1997-09-05', '1997-09-15', '1997-09-17', '1997-09-19', '1997-09-29', '1997-10-01', '1997-10-03', '1997-10-13', '1997-10-15', '1997-10-17'),
      ...at('14:00', '1997-10-27', '1997-10-29', '1997-10-31', '1997-11-10', '1997-11-12', '1997-11-14', '1997-11-24', '1997-11-26', '1997-11-28', '1997-12-08', '1997-12-10', '1997-12-12', '1997-12-22'),
    ]);
  });

  it('monthly on the second-to-last Monday for 6 months', () => {
    expect(startsOf(rfc, 'second-to-last-monday@rfc')).toEqual([...at('13:00', '1997-09-22', '1997-10-20'), ...at('14:00', '1997-11-17', '1997-12-22', '1998-01-19', '1998-02-16')]);
  });

  it('every Friday the 13th, DTSTART excluded; also when the window starts years later', () => {
    expect(startsOf(rfc, 'friday-13@rfc')).toEqual([...at('14:00', '1998-02-13', '1998-03-13', '1998-11-13'), ...at('13:00', '1999-08-13', '2000-10-13')]);
    expect(startsOf(expand('rfc5545-examples.ics', '2000-01-01T00:00:00Z', '2001-01-01T00:00:00Z'), 'friday-13@rfc')).toEqual(at('13:00', '2000-10-13'));
  });

  it('the third Tuesday, Wednesday or Thursday of the month, 3 times (BYSETPOS)', () => {
    expect(startsOf(rfc, 'third-tu-we-th@rfc')).toEqual([...at('13:00', '1997-09-04', '1997-10-07'), ...at('14:00', '1997-11-06')]);
  });
});

describe('exports as calendar apps write them', () => {
  it('Google: X-WR-TIMEZONE, TZID without VTIMEZONE, UTC UNTIL, EXDATE, a moved instance, an all-day event', () => {
    const google = expand('google-export.ics', '2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z');
    expect(google.map((o) => [o.key, o.startAt, o.endAt, o.title])).toEqual([
      ['f:3q2v8m0h7f1k@google.com:2030-03-04T17:00:00.000Z', '2030-03-04T17:00:00.000Z', '2030-03-04T18:00:00.000Z', 'Evening news'],
      ['f:7ahc0ol1t9ad@google.com', '2030-03-05T23:00:00.000Z', '2030-03-06T23:00:00.000Z', 'Studio maintenance'],
      ['f:3q2v8m0h7f1k@google.com:2030-03-11T17:00:00.000Z', '2030-03-11T19:00:00.000Z', '2030-03-11T20:00:00.000Z', 'Evening news (late)'],
      // 18 March excluded; 25 March 18:00 CET = 17:00Z is after UNTIL 16:59:59Z.
    ]);
    expect(google[0]?.settings).toEqual({ liveEvent: { protocol: 'RTMP' } });
  });

  it('Outlook: Windows zone names, with a 1601 VTIMEZONE and without any, and a cancelled series', () => {
    const outlook = expand('outlook-export.ics', '2030-03-20T00:00:00Z', '2030-04-20T00:00:00Z');
    expect(outlook.filter((o) => !o.cancelled).map((o) => [o.title, o.startAt])).toEqual([
      ['Board meeting', '2030-03-26T09:00:00.000Z'], // 10:00 CET
      ['Board meeting', '2030-04-02T08:00:00.000Z'], // 10:00 CEST; 9 April excluded, 16 April after UNTIL
      ['New York sync', '2030-04-02T13:00:00.000Z'], // 09:00 EDT
    ]);
    expect(outlook.filter((o) => o.cancelled).map((o) => o.startAt)).toEqual(['2030-03-28T14:00:00.000Z', '2030-04-04T13:00:00.000Z', '2030-04-11T13:00:00.000Z']);
  });

  it('Apple: a daily series across the DST change with one instance cancelled, and a floating event', () => {
    const apple = expand('apple-export.ics', '2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z', 'America/Los_Angeles');
    expect(apple.map((o) => [o.title, o.startAt, o.cancelled])).toEqual([
      ['Morning show', '2030-03-08T17:00:00.000Z', false],
      ['Morning show', '2030-03-09T17:00:00.000Z', false],
      ['Floating lunch', '2030-03-09T20:00:00.000Z', false],
      ['Morning show', '2030-03-10T16:00:00.000Z', false],
      ['Morning show', '2030-03-11T16:00:00.000Z', true],
      ['Morning show', '2030-03-12T16:00:00.000Z', false],
    ]);
  });
});

describe('a bad event is reported and skipped', () => {
  const calendar = (...events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
  const event = (uid: string, ...lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20300101T000000Z', ...lines, 'END:VEVENT'].join('\r\n');
  const window = { feed: 'f', fromMs: Date.parse('2030-03-01T00:00:00Z'), toMs: Date.parse('2030-03-08T00:00:00Z') };
  const good = event('good', 'DTSTART:20300304T100000Z', 'DTEND:20300304T110000Z');

  it.each([
    ['an impossible date', event('bad', 'DTSTART:20301345T100000Z')],
    ['an unknown time zone', event('bad', 'DTSTART;TZID=Mars/Olympus_Mons:20300304T100000')],
    ['a broken RRULE', event('bad', 'DTSTART:20300304T100000Z', 'RRULE:FREQ=SOMETIMES;BYDAY=XX')],
    ['an end before the start', event('bad', 'DTSTART:20300304T100000Z', 'DTEND:20300304T090000Z')],
    ['a bad DURATION', event('bad', 'DTSTART:20300304T100000Z', 'DURATION:one hour')],
    ['no DTSTART', event('bad', 'SUMMARY:nothing')],
  ])('%s', (_name, bad) => {
    const reading = readCalendar(calendar(bad, good), window);
    expect(reading.occurrences.map((o) => o.uid)).toEqual(['good']);
    expect(reading.invalid).toHaveLength(1);
    expect(reading.invalid[0]).toMatchObject({ uid: 'bad', protect: ['f:bad', 'f:bad:'] });
  });

  it('refuses a file that is no calendar or is cut short (the sync then changes nothing)', () => {
    expect(() => readCalendar('<html>Service unavailable</html>', window)).toThrow(/iCalendar/);
    expect(() => readCalendar(calendar(good).replace('END:VCALENDAR\r\n', ''), window)).toThrow(/truncated/);
  });

  it('reads a value broken over lines without a fold, and blank lines, as the producer meant', () => {
    const broken = event('kept', 'DTSTART:20300305T100000Z', 'DURATION:PT1H', 'DESCRIPTION:first line', 'second line without a fold', '', 'SUMMARY:Kept');
    const reading = readCalendar(calendar(broken, good), window);
    expect(reading.invalid).toEqual([]);
    expect(reading.occurrences.map((o) => [o.uid, o.title])).toEqual([['good', undefined], ['kept', 'Kept']]);
  });

  it('accepts LF line ends, a byte-order mark and lowercase names', () => {
    const text = '\uFEFF' + calendar(good).replace(/\r\n/g, '\n').replace('BEGIN:VEVENT', 'begin:vevent').replace('END:VEVENT', 'end:vevent');
    expect(expandCalendar(text, window).map((o) => o.uid)).toEqual(['good']);
  });
});

describe('identity and edits', () => {
  const window = { feed: 'f', fromMs: Date.parse('2030-03-01T00:00:00Z'), toMs: Date.parse('2030-03-08T00:00:00Z') };
  const copy = (sequence: number, stamp: string, start: string, extra = '') =>
    `BEGIN:VEVENT\r\nUID:show\r\nSEQUENCE:${sequence}\r\nDTSTAMP:${stamp}\r\nDTSTART:${start}\r\nDURATION:PT1H\r\n${extra}END:VEVENT\r\n`;
  const feed = (...events: string[]) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${events.join('')}END:VCALENDAR\r\n`;

  it('of two copies of one event the higher SEQUENCE wins, then the later DTSTAMP, in any order', () => {
    const older = copy(1, '20300102T000000Z', '20300304T100000Z');
    const newer = copy(2, '20300101T000000Z', '20300305T100000Z');
    expect(expandCalendar(feed(older, newer), window).map((o) => o.startAt)).toEqual(['2030-03-05T10:00:00.000Z']);
    expect(expandCalendar(feed(newer, older), window).map((o) => o.startAt)).toEqual(['2030-03-05T10:00:00.000Z']);
    const stampA = copy(1, '20300101T000000Z', '20300304T100000Z');
    const stampB = copy(1, '20300102T000000Z', '20300306T100000Z');
    expect(expandCalendar(feed(stampB, stampA), window).map((o) => o.startAt)).toEqual(['2030-03-06T10:00:00.000Z']);
  });

  it('a cancelled series cancels its moved instances too; a cancelled instance only itself', () => {
    const series = (status: string) => copy(0, '20300101T000000Z', '20300304T100000Z', `RRULE:FREQ=DAILY;COUNT=3\r\n${status}`);
    const moved = (status: string) => copy(1, '20300101T000000Z', '20300305T150000Z', `RECURRENCE-ID:20300305T100000Z\r\n${status}`);
    const cancelledSeries = expandCalendar(feed(series('STATUS:CANCELLED\r\n'), moved('')), window);
    expect(cancelledSeries.map((o) => o.cancelled)).toEqual([true, true, true]);
    const cancelledInstance = expandCalendar(feed(series(''), moved('STATUS:CANCELLED\r\n')), window);
    expect(cancelledInstance.map((o) => [o.startAt.slice(0, 13), o.cancelled])).toEqual([['2030-03-04T10', false], ['2030-03-05T15', true], ['2030-03-06T10', false]]);
  });
});
