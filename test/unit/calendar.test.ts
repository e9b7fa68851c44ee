import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCalendar } from '../../domain/calendar.js';

const ics = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'calendars', 'studio.ics'), 'utf8');
const window = { feed: 'studio', fromMs: Date.parse('2030-10-01T00:00:00Z'), toMs: Date.parse('2030-12-31T00:00:00Z'), timeZone: 'Europe/Berlin' };
const occurrences = expandCalendar(ics, window);
const weekly = occurrences.filter((o) => o.uid === 'weekly-show@studio');

describe('calendar expansion', () => {
  it('expands a weekly recurrence across the DST change in its time zone', () => {
    const starts = weekly.filter((o) => !o.cancelled).map((o) => o.startAt);
    expect(starts).toEqual([
      '2030-10-14T08:00:00.000Z', // 10:00 CEST
      '2030-10-21T10:00:00.000Z', // moved instance: 12:00 CEST
      '2030-10-28T09:00:00.000Z', // 10:00 CET after the change on 27 October
      // 4 November excluded by EXDATE; 11 November cancelled below
      '2030-11-18T09:00:00.000Z',
    ]);
  });

  it('keys each occurrence by UID and original start, so a moved instance keeps its identity', () => {
    const moved = weekly.find((o) => o.title === 'Weekly show (moved)');
    expect(moved).toMatchObject({ key: 'studio:weekly-show@studio:2030-10-21T08:00:00.000Z', sequence: 1, endAt: '2030-10-21T11:00:00.000Z' });
  });

  it('marks a cancelled instance and a cancelled event', () => {
    expect(weekly.find((o) => o.recurrenceId === '2030-11-11T09:00:00.000Z')?.cancelled).toBe(true);
    expect(occurrences.find((o) => o.uid === 'dropped@studio')?.cancelled).toBe(true);
  });

  it('reads floating and all-day times in the feed time zone', () => {
    expect(occurrences.find((o) => o.uid === 'floating@studio')).toMatchObject({ startAt: '2030-10-16T07:00:00.000Z', endAt: '2030-10-16T08:00:00.000Z' });
    expect(occurrences.find((o) => o.uid === 'allday@studio')).toMatchObject({ allDay: true, startAt: '2030-10-16T22:00:00.000Z', endAt: '2030-10-17T22:00:00.000Z' });
  });

  it('takes per-event settings from X-BROADCAST-SETTINGS or DESCRIPTION', () => {
    expect(weekly[0]?.settings).toEqual({ liveEvent: { protocol: 'FragmentedMP4' } });
    expect(occurrences.find((o) => o.uid === 'one-off@studio')?.settings).toEqual({ recording: { streamingPolicyName: 'Predefined_ClearStreamingOnly' } });
  });

  it('keeps only occurrences within the window', () => {
    const narrow = expandCalendar(ics, { ...window, fromMs: Date.parse('2030-10-20T00:00:00Z'), toMs: Date.parse('2030-10-29T00:00:00Z') });
    expect(narrow.map((o) => o.uid)).toEqual(['weekly-show@studio', 'weekly-show@studio']);
  });
});
