/**
 * Expands an iCalendar feed into broadcast occurrences within a window (RFC 5545): RRULEs (several are
 * a union), RDATEs (also PERIOD), EXDATEs, DTSTART as the first instance, overridden and master-less
 * instances (RECURRENCE-ID), STATUS:CANCELLED for a series or an instance, SEQUENCE/DTSTAMP deciding
 * between two copies of one edit. Pure: the text, the window and the feed's defaults come in.
 *
 * ical.js only splits lines and values (ICAL.parse) and steps through rules; time zones are resolved
 * here per feed (see calendarZones.ts), never through ical.js's process-wide TimezoneService.
 * Each VEVENT is read on its own, so one bad event is reported and skipped, not fatal for the feed.
 */
import ICAL from 'ical.js';
import { expandRule, recurParts, type RecurParts } from './calendarRecurrence.js';
import { ianaZone, memoizedZone, parseWall, utcToWall, utcZone, vtimezoneZone, wallToUtc, zoneByName, type Zone } from './calendarZones.js';

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

export interface InvalidCalendarEvent {
  uid?: string;
  /** Occurrence keys (or key prefixes, ending in ':') whose broadcasts must be left alone this time. */
  protect: string[];
  message: string;
}

export interface CalendarReading {
  occurrences: CalendarOccurrence[];
  invalid: InvalidCalendarEvent[];
}

export interface ExpandOptions {
  feed: string;
  fromMs: number;
  toMs: number;
  /** Zone for floating and all-day times (IANA name); else the feed's X-WR-TIMEZONE; else UTC. */
  timeZone?: string;
}

/** Thrown when the text is not a calendar at all (the sync then changes nothing for the feed). */
export class CalendarFormatError extends Error {}

const DAY = 86_400_000;
const SLACK = 6 * 3_600_000;
/** Iterations of one rule within one window; far above any real series, bounds a hostile one. */
const MAX_ITERATIONS = 100_000;

type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];
type JCalComponent = [string, JCalProperty[], JCalComponent[]];

interface TimeValue {
  wall: number;
  kind: 'utc' | 'zoned' | 'floating' | 'date';
  zone?: Zone;
}

interface EventDuration {
  days: number;
  ms: number;
}

interface ParsedEvent {
  uid: string;
  recurrenceId?: TimeValue;
  start: TimeValue;
  duration: EventDuration;
  rrules: RecurParts[];
  rdates: Array<{ start: TimeValue; duration?: EventDuration }>;
  exdates: TimeValue[];
  sequence: number;
  dtstamp: number;
  cancelled: boolean;
  title?: string;
  settings: Record<string, unknown>;
}

export function expandCalendar(icsText: string, options: ExpandOptions): CalendarOccurrence[] {
  return readCalendar(icsText, options).occurrences;
}

export function readCalendar(icsText: string, options: ExpandOptions): CalendarReading {
  const { blocks, calendarProps } = splitCalendar(icsText);
  const invalid: InvalidCalendarEvent[] = [];

  const zones = new Map<string, Zone>();
  for (const block of blocks.filter((b) => b.name === 'VTIMEZONE')) {
    try {
      const zone = vtimezoneZone(parseBlock(block.text));
      zones.set(zone.name, zone);
    } catch {
      // An unreadable definition: its TZID is then resolved by name, as when it is missing.
    }
  }
  const named = new Map<string, Zone | undefined>();
  const zoneNamed = (tzid: string) => {
    if (!named.has(tzid)) {
      const zone = zones.get(tzid) ?? zoneByName(tzid);
      named.set(tzid, zone && memoizedZone(zone));
    }
    return named.get(tzid);
  };
  const wrZone = /^X-WR-TIMEZONE[;:](?:.*:)?(.+)$/im.exec(calendarProps)?.[1]?.trim();
  const chosen = (options.timeZone && ianaZone(options.timeZone)) || (wrZone && zoneByName(wrZone));
  const feedZone = chosen ? memoizedZone(chosen) : utcZone;

  type Group = { master?: ParsedEvent; overrides: Map<number, ParsedEvent> };
  const groups = new Map<string, Group>();
  for (const block of blocks.filter((b) => b.name === 'VEVENT')) {
    const uidGuess = /^UID:(.*)$/im.exec(block.text)?.[1]?.trim();
    try {
      const event = parseEvent(parseBlock(block.text), zoneNamed);
      const group: Group = groups.get(event.uid) ?? { overrides: new Map<number, ParsedEvent>() };
      groups.set(event.uid, group);
      if (event.recurrenceId) {
        const id = toUtc(event.recurrenceId, feedZone);
        group.overrides.set(id, newer(group.overrides.get(id), event));
      } else {
        group.master = newer(group.master, event);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      invalid.push({ uid: uidGuess, protect: uidGuess ? [`${options.feed}:${uidGuess}`, `${options.feed}:${uidGuess}:`] : [], message });
    }
  }

  const occurrences: CalendarOccurrence[] = [];
  for (const [uid, group] of groups) {
    try {
      occurrences.push(...expandGroup(uid, group.master, group.overrides, feedZone, options));
    } catch (error) {
      invalid.push({ uid, protect: [`${options.feed}:${uid}`, `${options.feed}:${uid}:`], message: error instanceof Error ? error.message : String(error) });
    }
  }
  occurrences.sort((a, b) => a.startAt.localeCompare(b.startAt) || a.key.localeCompare(b.key));
  return { occurrences, invalid };
}

function expandGroup(uid: string, master: ParsedEvent | undefined, overrides: Map<number, ParsedEvent>, feedZone: Zone, options: ExpandOptions): CalendarOccurrence[] {
  const out: CalendarOccurrence[] = [];
  const inWindow = (start: number, end: number) => end > options.fromMs && start < options.toMs;
  const emit = (item: ParsedEvent, startUtc: number, endUtc: number, recurrenceUtc: number | undefined, cancelled: boolean) => {
    if (!inWindow(startUtc, endUtc)) return;
    // A single event is identified by its UID alone, so moving it reschedules rather than replaces it.
    const recurrenceId = recurrenceUtc === undefined ? '' : new Date(recurrenceUtc).toISOString();
    out.push({
      key: recurrenceId ? `${options.feed}:${uid}:${recurrenceId}` : `${options.feed}:${uid}`,
      uid,
      recurrenceId,
      startAt: new Date(startUtc).toISOString(),
      endAt: new Date(endUtc).toISOString(),
      title: item.title,
      sequence: item.sequence,
      cancelled,
      allDay: item.start.kind === 'date',
      settings: item.settings,
    });
  };
  const endOf = (item: ParsedEvent, start: TimeValue, duration = item.duration) => {
    const zone = zoneOf(start, feedZone);
    return duration.days ? wallToUtc(zone, start.wall + duration.days * DAY) + duration.ms : toUtc(start, feedZone) + duration.ms;
  };

  const recurring = master && (master.rrules.length > 0 || master.rdates.length > 0);
  if (master && !recurring) {
    const start = toUtc(master.start, feedZone);
    emit(master, start, endOf(master, master.start), undefined, master.cancelled);
  }
  if (master && recurring) {
    for (const instance of instancesOf(master, feedZone, options)) {
      if (overrides.has(instance.start)) continue;
      emit(master, instance.start, instance.end, instance.start, master.cancelled);
    }
  }
  // Overrides, also those moved into the window from outside it and those shared without their series.
  for (const [recurrenceUtc, item] of overrides) {
    emit(item, toUtc(item.start, feedZone), endOf(item, item.start), recurrenceUtc, item.cancelled || (master?.cancelled ?? false));
  }
  return out;
}

/** Start and end instants of a master's instances near the window, deduplicated, without EXDATEs. */
function instancesOf(event: ParsedEvent, feedZone: Zone, options: ExpandOptions): Array<{ start: number; end: number }> {
  const zone = zoneOf(event.start, feedZone);
  const longest = Math.max(durationMs(event.duration), ...event.rdates.map((r) => (r.duration ? durationMs(r.duration) : 0)));
  // A few hours of margin cover a change of offset at either end of the window.
  const fromWall = utcToWall(zone, options.fromMs) - longest - SLACK;
  const toWall = utcToWall(zone, options.toMs) + SLACK;
  const byStart = new Map<number, number>();
  const add = (start: TimeValue, duration?: EventDuration) => {
    const startUtc = toUtc(start, feedZone);
    if (!byStart.has(startUtc)) byStart.set(startUtc, duration ? startUtc + durationMs(duration) : endFor(start));
  };
  const endFor = (start: TimeValue) =>
    event.duration.days ? wallToUtc(zoneOf(start, feedZone), start.wall + event.duration.days * DAY) + event.duration.ms : toUtc(start, feedZone) + event.duration.ms;

  add(event.start); // RFC 5545 §3.8.5.3: DTSTART is always the first instance
  for (const rule of event.rrules) {
    const until = rule.UNTIL?.[0];
    const untilWall = until === undefined ? undefined : untilToWall(until, zone);
    const expansion = expandRule(rule, event.start.wall, untilWall, fromWall, toWall, MAX_ITERATIONS);
    if (!expansion.complete) throw new Error(`RRULE ${Object.entries(rule).map(([k, v]) => `${k}=${v.join(',')}`).join(';')} has too many instances to expand`);
    for (const wall of expansion.starts) add({ ...event.start, wall });
  }
  for (const rdate of event.rdates) add(rdate.start, rdate.duration);

  const exInstants = new Set(event.exdates.filter((e) => e.kind !== 'date').map((e) => toUtc(e, feedZone)));
  const exDays = new Set(event.exdates.filter((e) => e.kind === 'date').map((e) => e.wall));
  const instances: Array<{ start: number; end: number }> = [];
  for (const [start, end] of byStart) {
    const localDay = Math.floor(utcToWall(zone, start) / DAY) * DAY;
    if (exInstants.has(start) || exDays.has(localDay)) continue;
    instances.push({ start, end });
  }
  return instances;
}

function untilToWall(until: string, zone: Zone): number {
  const wall = parseWall(until);
  if (wall === undefined) throw new Error(`RRULE UNTIL ${until} is not a date`);
  if (until.endsWith('Z')) return utcToWall(zone, wall);
  return until.length === 10 ? wall + DAY - 1 : wall;
}

function durationMs(d: EventDuration): number {
  return d.days * DAY + d.ms;
}

function zoneOf(time: TimeValue, feedZone: Zone): Zone {
  return time.kind === 'utc' ? utcZone : time.kind === 'zoned' ? time.zone! : feedZone;
}

function toUtc(time: TimeValue, feedZone: Zone): number {
  return time.kind === 'utc' ? time.wall : wallToUtc(zoneOf(time, feedZone), time.wall);
}

/** Of two copies of one event (UID + RECURRENCE-ID), the higher SEQUENCE wins, then the later DTSTAMP, then the later copy. */
function newer(current: ParsedEvent | undefined, candidate: ParsedEvent): ParsedEvent {
  if (!current) return candidate;
  if (candidate.sequence !== current.sequence) return candidate.sequence > current.sequence ? candidate : current;
  return candidate.dtstamp >= current.dtstamp ? candidate : current;
}

function parseEvent(component: JCalComponent, zoneNamed: (tzid: string) => Zone | undefined): ParsedEvent {
  const props = component[1];
  const first = (name: string) => props.find((p) => p[0] === name);
  const all = (name: string) => props.filter((p) => p[0] === name);
  const uid = String(first('uid')?.[3] ?? '').trim();
  if (!uid) throw new Error('VEVENT without UID');

  const timeOf = (prop: JCalProperty, raw: unknown): TimeValue => {
    const text = String(raw);
    const wall = parseWall(text);
    if (wall === undefined) throw new Error(`${prop[0].toUpperCase()} ${text} is not a valid date or date-time`);
    if (prop[2] === 'date' || text.length === 10) return { wall, kind: 'date' };
    if (text.endsWith('Z')) return { wall, kind: 'utc' };
    const tzid = prop[1].tzid === undefined ? undefined : String(prop[1].tzid);
    if (tzid === undefined) return { wall, kind: 'floating' };
    const zone = zoneNamed(tzid);
    if (!zone) throw new Error(`${prop[0].toUpperCase()} has an unknown time zone '${tzid}'`);
    return { wall, kind: 'zoned', zone };
  };
  const single = (name: string) => {
    const prop = first(name);
    return prop ? timeOf(prop, prop[3]) : undefined;
  };

  const start = single('dtstart');
  if (!start) throw new Error('VEVENT without DTSTART');
  const end = single('dtend');
  const durationProp = first('duration');
  let duration: EventDuration;
  if (end) {
    if (start.kind === 'date' && end.kind === 'date') duration = { days: Math.round((end.wall - start.wall) / DAY), ms: 0 };
    else {
      const zoneFree = (t: TimeValue) => (t.kind === 'utc' ? t.wall : wallToUtc(t.zone ?? utcZone, t.wall));
      // Floating/date ends pair with a floating start: their difference does not depend on the zone.
      duration = { days: 0, ms: start.kind === 'floating' || end.kind === 'floating' ? end.wall - start.wall : zoneFree(end) - zoneFree(start) };
    }
  } else if (durationProp) {
    duration = parseDuration(String(durationProp[3]));
  } else {
    duration = start.kind === 'date' ? { days: 1, ms: 0 } : { days: 0, ms: 0 };
  }
  if (duration.days < 0 || duration.ms < 0 || (duration.days === 0 && duration.ms === 0 && start.kind === 'date')) {
    throw new Error('VEVENT ends before it starts');
  }

  const rrules = all('rrule').map((p) => recurParts(p[3]));
  for (const rule of rrules) {
    // Validates the parts (UNTIL is checked where it is used: it may be a date, floating or UTC).
    ICAL.Recur.fromString(Object.entries(rule).filter(([k]) => k !== 'UNTIL').map(([k, v]) => `${k}=${v.join(',')}`).join(';'));
  }
  const rdates = all('rdate').flatMap((p) =>
    p.slice(3).map((value) => {
      if (Array.isArray(value)) {
        // VALUE=PERIOD: start/end or start/duration; the period sets that instance's own length.
        const periodStart = timeOf(p, value[0]);
        const tail = String(value[1]);
        if (/^[+-]?P/.test(tail)) return { start: periodStart, duration: parseDuration(tail) };
        const periodEnd = timeOf(p, tail);
        const ms = periodEnd.wall - periodStart.wall; // both ends are written in the same zone
        if (ms <= 0) throw new Error('RDATE period ends before it starts');
        return { start: periodStart, duration: { days: 0, ms } };
      }
      return { start: timeOf(p, value) };
    }),
  );
  const exdates = all('exdate').flatMap((p) => p.slice(3).map((value) => timeOf(p, value)));
  const recurrenceProp = first('recurrence-id');
  const dtstampText = String(first('dtstamp')?.[3] ?? '');
  const sequence = Number(first('sequence')?.[3] ?? 0);

  return {
    uid,
    recurrenceId: recurrenceProp ? timeOf(recurrenceProp, recurrenceProp[3]) : undefined,
    start,
    duration,
    rrules,
    rdates,
    exdates,
    sequence: Number.isFinite(sequence) ? sequence : 0,
    dtstamp: parseWall(dtstampText) ?? 0,
    cancelled: String(first('status')?.[3] ?? '').toUpperCase() === 'CANCELLED',
    title: String(first('summary')?.[3] ?? '') || undefined,
    settings: settingsOf(first('x-broadcast-settings')?.[3], first('description')?.[3]),
  };
}

function parseDuration(text: string): EventDuration {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) throw new Error(`DURATION ${text} is not a duration`);
  const sign = m[1] === '-' ? -1 : 1;
  return { days: sign * (Number(m[2] ?? 0) * 7 + Number(m[3] ?? 0)), ms: sign * ((Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0)) * 1000) };
}

function settingsOf(explicit: unknown, description: unknown): Record<string, unknown> {
  const fromDescription = /^broadcast:\s*(\{.*\})\s*$/m.exec(String(description ?? ''))?.[1];
  const text = explicit ? String(explicit) : fromDescription;
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Splits the feed into its top-level components (each parsed alone) and the calendar's own lines.
 * Accepts LF or CR line ends, a byte-order mark and several VCALENDARs in one file; refuses text that
 * is no calendar or that is cut short, since a truncated feed would read as deleted events.
 */
function splitCalendar(text: string): { blocks: Array<{ name: string; text: string }>; calendarProps: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const blocks: Array<{ name: string; text: string }> = [];
  const calendarProps: string[] = [];
  let inCalendar = false;
  let sawCalendar = false;
  let current: { name: string; lines: string[]; depth: number } | undefined;
  for (const line of lines) {
    const begin = /^BEGIN:([A-Za-z0-9-]+)\s*$/i.exec(line)?.[1]?.toUpperCase();
    const end = /^END:([A-Za-z0-9-]+)\s*$/i.exec(line)?.[1]?.toUpperCase();
    if (current) {
      current.lines.push(line);
      if (begin) current.depth++;
      if (end && --current.depth === 0) {
        blocks.push({ name: current.name, text: current.lines.join('\r\n') });
        current = undefined;
      }
    } else if (begin === 'VCALENDAR') {
      inCalendar = sawCalendar = true;
    } else if (end === 'VCALENDAR') {
      inCalendar = false;
    } else if (inCalendar && begin) {
      current = { name: begin, lines: [line], depth: 1 };
    } else if (inCalendar) {
      calendarProps.push(line);
    }
  }
  if (!sawCalendar) throw new CalendarFormatError('not an iCalendar feed (no BEGIN:VCALENDAR)');
  if (inCalendar || current) throw new CalendarFormatError('the feed ends before END:VCALENDAR (truncated?)');
  return { blocks, calendarProps: calendarProps.join('\n') };
}

/**
 * Parses one component alone. Two slips common in exported feeds are forgiven: blank lines, and a
 * long value broken over lines without the leading space of a fold (read as a fold).
 */
function parseBlock(text: string): JCalComponent {
  const lines = text
    .split('\r\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (/^[ \t]/.test(line) || /^[A-Za-z0-9-]+[;:]/.test(line) ? line : ` ${line}`));
  const parsed = ICAL.parse(`BEGIN:VCALENDAR\r\n${lines.join('\r\n')}\r\nEND:VCALENDAR\r\n`) as unknown as JCalComponent;
  const component = parsed[2][0];
  if (!component) throw new Error('empty component');
  return component;
}
