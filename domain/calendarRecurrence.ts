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
  const simple = simpleRule(parts, freq);
  if (simple) return { starts: expandSimple(simple, interval, count, dtstartWall, untilWall, fromWall, toWall), complete: true };
  if (isSimpleMonthly(parts, freq)) return { starts: expandMonthly(parts, interval, count, dtstartWall, untilWall, fromWall, toWall), complete: true };
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

const SIMPLE_KEYS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'WKST', 'BYDAY']);

/**
 * Daily rules without BY parts, and weekly ones with plain weekdays, are the bulk of real calendars:
 * their instances are computed directly (by arithmetic, not by stepping), which is exact and cheap.
 */
const FIXED_STEP: Record<string, number> = { SECONDLY: 1_000, MINUTELY: 60_000, HOURLY: 3_600_000, DAILY: DAY };

interface SimpleRule {
  weekly: boolean;
  /** Length of one period in wall time, for rules that repeat by a fixed step. */
  step?: number;
  weekdays?: number[];
  wkst: number;
}

function simpleRule(parts: RecurParts, freq: string): SimpleRule | undefined {
  if (!Object.keys(parts).every((k) => SIMPLE_KEYS.has(k))) return undefined;
  const wkst = Math.max(0, WEEKDAYS.indexOf((parts.WKST?.[0] ?? 'MO').toUpperCase()));
  if (FIXED_STEP[freq] && !parts.BYDAY) return { weekly: false, step: FIXED_STEP[freq], wkst };
  if (freq !== 'WEEKLY') return undefined;
  if (!parts.BYDAY) return { weekly: true, wkst };
  const weekdays = parts.BYDAY.map((d) => WEEKDAYS.indexOf(d.toUpperCase()));
  return weekdays.every((d) => d >= 0) ? { weekly: true, weekdays: [...new Set(weekdays)], wkst } : undefined;
}

function expandSimple(
  rule: SimpleRule,
  interval: number,
  count: number | undefined,
  dtstart: number,
  untilWall: number | undefined,
  fromWall: number,
  toWall: number,
): number[] {
  const starts: number[] = [];
  const dayOf = (wall: number) => Math.floor(wall / DAY) * DAY;
  const timeOfDay = dtstart - dayOf(dtstart);
  const last = Math.min(toWall, untilWall ?? Infinity);
  if (!rule.weekly) {
    // Instance k is DTSTART + k × interval periods; k = 0 is DTSTART itself (the caller adds it).
    const step = interval * rule.step!;
    for (let k = Math.max(1, Math.ceil((fromWall - dtstart) / step)); ; k++) {
      const wall = dtstart + k * step;
      if (wall > last || (count !== undefined && k >= count)) break;
      starts.push(wall);
    }
    return starts;
  }
  const weekdays = rule.weekdays ?? [new Date(dtstart).getUTCDay()];
  const offsets = weekdays.map((d) => (d - rule.wkst + 7) % 7).sort((a, b) => a - b);
  const weekStart = dayOf(dtstart) - ((new Date(dtstart).getUTCDay() - rule.wkst + 7) % 7) * DAY;
  const inFirstWeek = offsets.filter((o) => weekStart + o * DAY + timeOfDay >= dtstart).length;
  // DTSTART counts as the first instance even when it is off the rule.
  const startsOnRule = offsets.some((o) => weekStart + o * DAY + timeOfDay === dtstart);
  const span = interval * 7 * DAY;
  const firstActive = Math.max(0, Math.floor((fromWall - weekStart) / span));
  let index = (startsOnRule ? 0 : 1) + (firstActive === 0 ? 0 : inFirstWeek + (firstActive - 1) * offsets.length);
  for (let a = firstActive; ; a++) {
    for (const offset of offsets) {
      const wall = weekStart + a * span + offset * DAY + timeOfDay;
      if (wall < dtstart) continue;
      if (wall > last || (count !== undefined && index >= count)) return starts;
      index++;
      if (wall !== dtstart && wall >= fromWall) starts.push(wall);
    }
  }
}

/** Monthly by day of month or by (nth) weekday, without BYSETPOS or limits: "the first Monday", "the 15th". */
function isSimpleMonthly(parts: RecurParts, freq: string): boolean {
  if (freq !== 'MONTHLY' || (parts.BYDAY && parts.BYMONTHDAY)) return false;
  if (!Object.keys(parts).every((k) => SIMPLE_KEYS.has(k) || k === 'BYMONTHDAY')) return false;
  return (parts.BYDAY ?? []).every((d) => /^[+-]?([1-5])?(SU|MO|TU|WE|TH|FR|SA)$/i.test(d));
}

/** Days of one month a simple monthly rule names, ascending; days a month lacks are skipped (§3.3.10). */
function daysInMonth(year: number, month: number, parts: RecurParts, dtstartDay: number): number[] {
  const length = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const days = new Set<number>();
  if (parts.BYDAY) {
    const firstWeekday = new Date(Date.UTC(year, month, 1)).getUTCDay();
    for (const spec of parts.BYDAY) {
      const m = /^([+-]?\d)?(\w\w)$/.exec(spec.toUpperCase())!;
      const weekday = WEEKDAYS.indexOf(m[2]!);
      const all: number[] = [];
      for (let day = 1 + ((weekday - firstWeekday + 7) % 7); day <= length; day += 7) all.push(day);
      const nth = m[1] ? Number(m[1]) : 0;
      if (nth === 0) all.forEach((d) => days.add(d));
      else {
        const day = nth > 0 ? all[nth - 1] : all[all.length + nth];
        if (day !== undefined) days.add(day);
      }
    }
  } else {
    for (const value of parts.BYMONTHDAY ?? [String(dtstartDay)]) {
      const n = Number(value);
      const day = n > 0 ? n : length + n + 1;
      if (day >= 1 && day <= length) days.add(day);
    }
  }
  return [...days].sort((a, b) => a - b);
}

function expandMonthly(parts: RecurParts, interval: number, count: number | undefined, dtstart: number, untilWall: number | undefined, fromWall: number, toWall: number): number[] {
  const d = new Date(dtstart);
  const timeOfDay = dtstart - Math.floor(dtstart / DAY) * DAY;
  const last = Math.min(toWall, untilWall ?? Infinity);
  const monthsToWindow = (new Date(fromWall).getUTCFullYear() - d.getUTCFullYear()) * 12 + new Date(fromWall).getUTCMonth() - d.getUTCMonth();
  // Without COUNT, start at the window's month; with it, count from DTSTART (a few arithmetic steps a year).
  let step = count === undefined ? Math.max(0, Math.floor(monthsToWindow / interval) - 1) : 0;
  const startsOnRule = daysInMonth(d.getUTCFullYear(), d.getUTCMonth(), parts, d.getUTCDate()).some((day) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day) + timeOfDay === dtstart);
  let index = startsOnRule ? 0 : 1; // DTSTART counts as the first instance even off the rule
  const starts: number[] = [];
  for (;; step++) {
    const year = d.getUTCFullYear() + Math.floor((d.getUTCMonth() + step * interval) / 12);
    const month = (d.getUTCMonth() + step * interval) % 12;
    if (Date.UTC(year, month, 1) > last) return starts;
    for (const day of daysInMonth(year, month, parts, d.getUTCDate())) {
      const wall = Date.UTC(year, month, day) + timeOfDay;
      if (wall < dtstart) continue;
      if (wall > last || (count !== undefined && index >= count)) return starts;
      index++;
      if (wall !== dtstart && wall >= fromWall) starts.push(wall);
    }
  }
}

/**
 * RFC 5545 §3.3.10: parts a rule leaves out come from DTSTART; the date parts are spelled out so
 * ical.js cannot roll dates over. The time of day comes from where the iteration starts, which is
 * DTSTART's time of day also after a jump.
 */
function withImplicitParts(parts: RecurParts, freq: string, dtstart: number): RecurParts {
  const d = new Date(dtstart);
  const out: RecurParts = { ...parts };
  delete out.COUNT;
  delete out.UNTIL;
  if (!PERIODIC.has(freq)) return out;
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
  const timeOfDay = dtstart - Math.floor(dtstart / DAY) * DAY;
  return { periods, syntheticStart: addPeriods(freq, first, periods * interval) + timeOfDay, nextActiveStart: addPeriods(freq, first, (periods + 1) * interval) };
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
