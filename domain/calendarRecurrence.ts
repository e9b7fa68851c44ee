/**
 * RRULE expansion in local ("wall") time, windowed: the cost follows the window, not the series' age.
 * ical.js iterates the rule; this module makes the parts RFC 5545 derives from DTSTART explicit (so
 * 29 February or the 31st are skipped where they do not exist, §3.3.10), applies UNTIL itself (it may
 * be UTC while the series runs in a zone), and jumps whole periods ahead to just before the window.
 * Wall times are epoch-like milliseconds read as if the local time were UTC.
 */
import ICAL from 'ical.js';

export type RecurParts = Record<string, string[]>;

export interface RuleExpansion {
  /** Start wall times, ascending, within [fromWall, toWall]. */
  starts: number[];
  /** False when the iteration cap stopped the expansion before the window was covered. */
  complete: boolean;
}

const DAY = 86_400_000;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const PERIODIC = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const BY_DATE_PARTS = ['BYMONTH', 'BYWEEKNO', 'BYYEARDAY', 'BYMONTHDAY', 'BYDAY', 'BYSETPOS'];

/** jCal recur value (as ical.js parses RRULE) to upper-case parts with string values. */
export function recurParts(value: unknown): RecurParts {
  if (!value || typeof value !== 'object') throw new Error('RRULE is not a recurrence rule');
  const parts: RecurParts = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    parts[key.toUpperCase()] = (Array.isArray(raw) ? raw : [raw]).map(String);
  }
  // ical.js reads WKST as a number (1 = Sunday); the rule text wants the day's name.
  if (parts.WKST && /^\d$/.test(parts.WKST[0]!)) parts.WKST = [WEEKDAYS[Number(parts.WKST[0]) - 1] ?? 'MO'];
  if (!parts.FREQ?.[0]) throw new Error('RRULE has no FREQ');
  return parts;
}

/** The wall time of UNTIL's bound is computed by the caller (it may be UTC, floating or a date). */
export function expandRule(
  parts: RecurParts,
  dtstartWall: number,
  untilWall: number | undefined,
  fromWall: number,
  toWall: number,
  maxIterations: number,
): RuleExpansion {
  const freq = parts.FREQ![0]!.toUpperCase();
  const interval = Math.max(1, Number(parts.INTERVAL?.[0] ?? 1));
  let count = parts.COUNT ? Number(parts.COUNT[0]) : undefined;
  const normalized = withImplicitParts(parts, freq, dtstartWall);

  let iterateFrom = dtstartWall;
  let dropBefore = -Infinity;
  let jumped = false;
  const jump = PERIODIC.has(freq) ? periodsBefore(freq, interval, dtstartWall, fromWall, parts.WKST?.[0]) : undefined;
  // With COUNT, jumping is only safe when every active period holds exactly one instance, so the
  // skipped instances can be counted without generating them.
  const countable = count === undefined || hasOneInstancePerPeriod(parts, freq, dtstartWall);
  if (jump && jump.periods >= 1 && countable) {
    // Start at a period boundary one interval before the first one needed, and discard that
    // period: ical.js may misplace instances in a first period that DTSTART does not match.
    iterateFrom = jump.syntheticStart;
    dropBefore = jump.nextActiveStart;
    jumped = true;
    if (count !== undefined) count -= jump.periods + 1;
    if (count !== undefined && count <= 0) return { starts: [], complete: true };
  }

  const rule = ICAL.Recur.fromString(ruleString(normalized));
  const iterator = rule.iterator(wallToIcal(iterateFrom));
  const starts: number[] = [];
  // DTSTART is always the first instance and counts towards COUNT, even when it is off the rule.
  let emitted = jumped ? 0 : 1;
  for (let n = 0; n < maxIterations; n++) {
    const next = iterator.next();
    if (!next) return { starts, complete: true };
    const wall = icalToWall(next);
    if (untilWall !== undefined && wall > untilWall) return { starts, complete: true };
    if (!jumped && wall <= dtstartWall) continue; // DTSTART itself is added by the caller
    if (wall < dropBefore || !matchesParts(normalized, wall)) continue;
    if (count !== undefined && ++emitted > count) return { starts, complete: true };
    if (wall > toWall) return { starts, complete: true };
    if (wall >= fromWall) starts.push(wall);
  }
  return { starts, complete: false };
}

/** RFC 5545 §3.3.10: parts a rule leaves out come from DTSTART; spelled out so ical.js cannot roll dates over. */
function withImplicitParts(parts: RecurParts, freq: string, dtstart: number): RecurParts {
  const d = new Date(dtstart);
  const out: RecurParts = { ...parts };
  delete out.COUNT;
  delete out.UNTIL;
  if (!PERIODIC.has(freq)) return out;
  out.BYHOUR ??= [String(d.getUTCHours())];
  out.BYMINUTE ??= [String(d.getUTCMinutes())];
  out.BYSECOND ??= [String(d.getUTCSeconds())];
  if (freq === 'WEEKLY' && !out.BYDAY) out.BYDAY = [WEEKDAYS[d.getUTCDay()]!];
  if (freq === 'MONTHLY' && !out.BYDAY && !out.BYMONTHDAY) out.BYMONTHDAY = [String(d.getUTCDate())];
  if (freq === 'YEARLY' && !out.BYWEEKNO && !out.BYYEARDAY && !out.BYMONTHDAY && !out.BYDAY) {
    out.BYMONTH ??= [String(d.getUTCMonth() + 1)];
    out.BYMONTHDAY = [String(d.getUTCDate())];
  }
  return out;
}

/**
 * ical.js rolls a date that does not exist over into the next month (29 February to 1 March, when
 * started off the rule); every instance must still match the rule's month, day and time lists.
 */
function matchesParts(parts: RecurParts, wall: number): boolean {
  const d = new Date(wall);
  const has = (key: string, value: number, size?: number) => {
    const list = parts[key];
    if (!list) return true;
    return list.some((v) => Number(v) === value || (size !== undefined && Number(v) < 0 && size + Number(v) + 1 === value));
  };
  const monthDays = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const weekday = WEEKDAYS[d.getUTCDay()]!;
  return (
    has('BYMONTH', d.getUTCMonth() + 1) &&
    has('BYMONTHDAY', d.getUTCDate(), monthDays) &&
    has('BYHOUR', d.getUTCHours()) &&
    has('BYMINUTE', d.getUTCMinutes()) &&
    has('BYSECOND', d.getUTCSeconds()) &&
    (!parts.BYDAY || parts.BYDAY.some((v) => v.toUpperCase().endsWith(weekday)))
  );
}

function hasOneInstancePerPeriod(parts: RecurParts, freq: string, dtstart: number): boolean {
  if (BY_DATE_PARTS.some((p) => parts[p]) || parts.BYHOUR || parts.BYMINUTE || parts.BYSECOND) return false;
  const d = new Date(dtstart);
  if (freq === 'MONTHLY') return d.getUTCDate() <= 28;
  if (freq === 'YEARLY') return !(d.getUTCMonth() === 1 && d.getUTCDate() === 29);
  return true;
}

/**
 * Whole active periods between DTSTART's period and the window's, less one: where to restart the
 * iteration (a period boundary) and where the first period that is kept begins.
 */
function periodsBefore(freq: string, interval: number, dtstart: number, from: number, wkst = 'MO') {
  if (from <= dtstart) return undefined;
  const first = periodStart(freq, dtstart, wkst);
  const target = periodStart(freq, from, wkst);
  const elapsed = periodDistance(freq, first, target);
  const periods = Math.floor(elapsed / interval) - 1; // active periods wholly skipped, before the discarded one
  if (periods < 1) return undefined;
  return { periods, syntheticStart: addPeriods(freq, first, periods * interval), nextActiveStart: addPeriods(freq, first, (periods + 1) * interval) };
}

function periodStart(freq: string, wall: number, wkst: string): number {
  const d = new Date(wall);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = Date.UTC(y, m, d.getUTCDate());
  if (freq === 'DAILY') return day;
  if (freq === 'WEEKLY') return day - (((d.getUTCDay() - Math.max(0, WEEKDAYS.indexOf(wkst.toUpperCase()))) + 7) % 7) * DAY;
  if (freq === 'MONTHLY') return Date.UTC(y, m, 1);
  return Date.UTC(y, 0, 1);
}

function periodDistance(freq: string, a: number, b: number): number {
  if (freq === 'DAILY') return Math.round((b - a) / DAY);
  if (freq === 'WEEKLY') return Math.round((b - a) / (7 * DAY));
  const da = new Date(a);
  const db = new Date(b);
  const months = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + db.getUTCMonth() - da.getUTCMonth();
  return freq === 'MONTHLY' ? months : Math.floor(months / 12);
}

function addPeriods(freq: string, start: number, n: number): number {
  if (freq === 'DAILY') return start + n * DAY;
  if (freq === 'WEEKLY') return start + n * 7 * DAY;
  const d = new Date(start);
  return freq === 'MONTHLY' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1) : Date.UTC(d.getUTCFullYear() + n, 0, 1);
}

function ruleString(parts: RecurParts): string {
  return Object.entries(parts).map(([key, values]) => `${key}=${values.join(',')}`).join(';');
}

export function wallToIcal(wall: number): ICAL.Time {
  const d = new Date(wall);
  return ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), isDate: false });
}

export function icalToWall(time: ICAL.Time): number {
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
}
