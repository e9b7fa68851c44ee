/**
 * Expands an iCalendar feed into broadcast occurrences within a window: RRULE/EXDATE recurrences,
 * overridden instances (RECURRENCE-ID), TZID time zones, floating and all-day times, STATUS:CANCELLED
 * and SEQUENCE. Pure: the text, the window and the feed's defaults come in, occurrences go out.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';

export interface CalendarOccurrence {
  /** Stable key: feed and UID, plus the original start (RECURRENCE-ID) for an occurrence of a recurring event. */
  key: string;
  uid: string;
  /** Original start of a recurring event's occurrence; empty for a single event. */
  recurrenceId: string;
  startAt: string;
  endAt: string;
  title?: string;
  sequence: number;
  cancelled: boolean;
  allDay: boolean;
  /** Per-event settings (X-BROADCAST-SETTINGS JSON, or a "broadcast: {...}" line in DESCRIPTION). */
  settings: Record<string, unknown>;
}

export interface ExpandOptions {
  feed: string;
  fromMs: number;
  toMs: number;
  /** Zone for floating and all-day times (IANA name). */
  timeZone?: string;
}

const MAX_OCCURRENCES_PER_EVENT = 1_000;

export function expandCalendar(icsText: string, options: ExpandOptions): CalendarOccurrence[] {
  const root = new ICAL.Component(ICAL.parse(icsText) as unknown[]);
  for (const vtimezone of root.getAllSubcomponents('vtimezone')) {
    const timezone = new ICAL.Timezone(vtimezone);
    if (!ICAL.TimezoneService.has(timezone.tzid)) ICAL.TimezoneService.register(timezone, timezone.tzid);
  }
  const zone = options.timeZone ?? 'UTC';
  const byUid = new Map<string, { master?: ICAL.Component; exceptions: ICAL.Component[] }>();
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const uid = String(vevent.getFirstPropertyValue('uid') ?? '');
    if (!uid) continue;
    const group = byUid.get(uid) ?? { exceptions: [] };
    if (vevent.hasProperty('recurrence-id')) group.exceptions.push(vevent);
    else group.master = vevent;
    byUid.set(uid, group);
  }

  const occurrences: CalendarOccurrence[] = [];
  for (const [uid, group] of byUid) {
    const masterComponent = group.master ?? group.exceptions[0];
    if (!masterComponent) continue;
    const event = new ICAL.Event(masterComponent);
    if (group.master) for (const exception of group.exceptions) event.relateException(exception);
    const masterCancelled = statusOf(masterComponent) === 'CANCELLED';

    const emit = (start: ICAL.Time, end: ICAL.Time, recurrenceId: ICAL.Time | undefined, item: ICAL.Event) => {
      const startMs = toMs(start, zone);
      const endMs = toMs(end, zone);
      if (endMs <= options.fromMs || startMs >= options.toMs) return;
      // A single event is identified by its UID alone, so moving it reschedules rather than replaces it.
      const recurrenceIso = recurrenceId ? new Date(toMs(recurrenceId, zone)).toISOString() : '';
      occurrences.push({
        key: recurrenceIso ? `${options.feed}:${uid}:${recurrenceIso}` : `${options.feed}:${uid}`,
        uid,
        recurrenceId: recurrenceIso,
        startAt: new Date(startMs).toISOString(),
        endAt: new Date(endMs).toISOString(),
        title: item.summary || undefined,
        sequence: Number(item.component.getFirstPropertyValue('sequence') ?? 0),
        cancelled: masterCancelled || statusOf(item.component) === 'CANCELLED',
        allDay: start.isDate,
        settings: settingsOf(item.component),
      });
    };

    if (!event.isRecurring()) {
      emit(event.startDate, event.endDate ?? event.startDate, undefined, event);
      continue;
    }
    const iterator = event.iterator();
    for (let n = 0, next = iterator.next(); next && n < MAX_OCCURRENCES_PER_EVENT; n++, next = iterator.next()) {
      if (toMs(next, zone) >= options.toMs) break;
      const details = event.getOccurrenceDetails(next);
      emit(details.startDate, details.endDate, details.recurrenceId, details.item);
    }
    // An overridden instance moved into the window from an original date outside it is still this event's.
    for (const exception of group.exceptions) {
      const moved = new ICAL.Event(exception);
      const original = moved.recurrenceId;
      if (original && toMs(original, zone) >= options.toMs) emit(moved.startDate, moved.endDate, original, moved);
    }
  }
  return occurrences.sort((a, b) => a.startAt.localeCompare(b.startAt) || a.key.localeCompare(b.key));
}

function statusOf(component: ICAL.Component): string {
  return String(component.getFirstPropertyValue('status') ?? '').toUpperCase();
}

/** UTC, TZID and floating times to epoch ms; floating and all-day ones are read in the feed's zone. */
function toMs(time: ICAL.Time, zone: string): number {
  const floating = time.isDate || !time.zone || time.zone.tzid === 'floating';
  if (!floating) return time.toJSDate().getTime();
  return DateTime.fromObject({ year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second }, { zone }).toMillis();
}

function settingsOf(component: ICAL.Component): Record<string, unknown> {
  const explicit = component.getFirstPropertyValue('x-broadcast-settings');
  const fromDescription = /^broadcast:\s*(\{.*\})\s*$/m.exec(String(component.getFirstPropertyValue('description') ?? ''))?.[1];
  const text = explicit ? String(explicit) : fromDescription;
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
