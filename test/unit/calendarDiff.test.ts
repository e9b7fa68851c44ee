import { describe, expect, it } from 'vitest';
import type { CalendarOccurrence } from '../../domain/calendar.js';
import { calendarBroadcastId, planCalendarSync, type ExistingCalendarBroadcast } from '../../domain/calendarDiff.js';

const now = Date.parse('2030-01-01T00:00:00Z');
const window = { fromMs: now, toMs: now + 7 * 86_400_000, now };
const occurrence = (key: string, startAt: string, extra: Partial<CalendarOccurrence> = {}): CalendarOccurrence => ({
  key, uid: key, recurrenceId: '', startAt, endAt: new Date(Date.parse(startAt) + 3600_000).toISOString(), title: key, sequence: 0, cancelled: false, allDay: false, settings: {}, ...extra,
});
const existing = (ref: string, startAt: string, phase: ExistingCalendarBroadcast['phase'] = 'scheduled'): ExistingCalendarBroadcast => ({
  id: calendarBroadcastId(ref), ref, startAt, endAt: new Date(Date.parse(startAt) + 3600_000).toISOString(), title: ref, phase,
});

describe('calendar sync plan', () => {
  it('creates new future occurrences with stable ids, and nothing twice', () => {
    const occurrences = [occurrence('f:a', '2030-01-02T10:00:00.000Z'), occurrence('f:past', '2029-12-31T10:00:00.000Z')];
    const first = planCalendarSync('f', occurrences, [], window);
    expect(first.create.map((c) => c.id)).toEqual([calendarBroadcastId('f:a')]);
    const second = planCalendarSync('f', occurrences, [existing('f:a', '2030-01-02T10:00:00.000Z')], window);
    expect(second).toEqual({ create: [], reschedule: [], cancel: [] });
  });

  it('reschedules moved occurrences only before they start', () => {
    const moved = [occurrence('f:a', '2030-01-02T11:00:00.000Z'), occurrence('f:b', '2030-01-02T11:00:00.000Z')];
    const plan = planCalendarSync('f', moved, [existing('f:a', '2030-01-02T10:00:00.000Z'), existing('f:b', '2030-01-02T10:00:00.000Z', 'live')], window);
    expect(plan.reschedule.map((r) => r.id)).toEqual([calendarBroadcastId('f:a')]);
  });

  it('cancels cancelled and vanished occurrences, but not other feeds or finished ones', () => {
    const plan = planCalendarSync(
      'f',
      [occurrence('f:a', '2030-01-02T10:00:00.000Z', { cancelled: true })],
      [existing('f:a', '2030-01-02T10:00:00.000Z'), existing('f:gone', '2030-01-03T10:00:00.000Z'), existing('g:other', '2030-01-03T10:00:00.000Z'), existing('f:done', '2030-01-03T10:00:00.000Z', 'ended')],
      window,
    );
    expect(plan.cancel.map((c) => [c.ref, c.reason])).toEqual([['f:a', 'cancelled in the calendar'], ['f:gone', 'removed from the calendar']]);
  });
});

describe('calendar sync plan with unreadable events', () => {
  it('does not cancel the broadcasts of an event that could not be read this time', () => {
    const plan = planCalendarSync(
      'f',
      [],
      [existing('f:bad', '2030-01-02T10:00:00.000Z'), existing('f:bad:2030-01-03T10:00:00.000Z', '2030-01-03T10:00:00.000Z'), existing('f:bad2', '2030-01-03T10:00:00.000Z'), existing('f:gone', '2030-01-03T10:00:00.000Z')],
      window,
      ['f:bad', 'f:bad:'],
    );
    expect(plan.cancel.map((c) => c.ref)).toEqual(['f:bad2', 'f:gone']);
  });

  it('does not move an instance back to the series time when its moved copy could not be read', () => {
    const ref = 'f:series:2030-01-03T10:00:00.000Z';
    const fromMaster = occurrence(ref, '2030-01-03T10:00:00.000Z', { title: ref });
    const plan = planCalendarSync('f', [fromMaster], [existing(ref, '2030-01-03T15:00:00.000Z')], window, ['f:series', 'f:series:']);
    expect(plan).toEqual({ create: [], reschedule: [], cancel: [] });
    expect(planCalendarSync('f', [fromMaster], [existing(ref, '2030-01-03T15:00:00.000Z')], window).reschedule).toHaveLength(1);
  });
});
