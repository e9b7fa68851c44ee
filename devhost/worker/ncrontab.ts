/**
 * NCRONTAB as the Functions timer trigger reads it (atifaziz/NCrontab, via WebJobs CronSchedule):
 * six fields `sec min hour day month day-of-week`, or five without seconds; `*`, lists, ranges,
 * steps, month and day names. A time matches only when day-of-month AND day-of-week both match
 * (unlike Vixie cron's OR). `L`, `W`, `#`, `?` and day-of-week 7 are not NCRONTAB and are refused.
 */

interface Field {
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Record<'second' | 'minute' | 'hour' | 'day' | 'month' | 'dayOfWeek', Field> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  day: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  dayOfWeek: { min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
};

export class CrontabParseError extends Error {}

export interface CrontabSchedule {
  expression: string;
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
}

function parseValue(text: string, field: Field, expression: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new CrontabParseError(`'${text}' is not a valid value (${field.min}-${field.max}) in the NCRONTAB expression '${expression}'.`);
  }
  return value;
}

function parseField(text: string, field: Field, expression: string): Set<number> {
  const withoutNames = field.names ? text.replace(new RegExp(field.names.join('|'), 'gi'), '0') : text;
  if (/[LW#?]/i.test(withoutNames)) {
    throw new CrontabParseError(`'${text}' uses L, W, # or ?, which NCRONTAB does not support ('${expression}').`);
  }
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '') throw new CrontabParseError(`Empty field in the NCRONTAB expression '${expression}'.`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CrontabParseError(`'${part}' has an invalid step in '${expression}'.`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = parseValue(a ?? '', field, expression);
      to = parseValue(b ?? '', field, expression);
      if (to < from) throw new CrontabParseError(`'${range}' is an empty range in '${expression}'.`);
    } else {
      from = parseValue(range, field, expression);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses 6-field (seconds first) or 5-field NCRONTAB; throws CrontabParseError otherwise. */
export function parseCrontab(expression: string): CrontabSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6 && parts.length !== 5) {
    throw new CrontabParseError(`'${expression}' is not a valid NCRONTAB expression: it needs five or six fields.`);
  }
  const [sec, min, hour, day, month, dow] = parts.length === 6 ? parts : ['0', ...parts];
  return {
    expression,
    seconds: parseField(sec as string, FIELDS.second, expression),
    minutes: parseField(min as string, FIELDS.minute, expression),
    hours: parseField(hour as string, FIELDS.hour, expression),
    days: parseField(day as string, FIELDS.day, expression),
    months: parseField(month as string, FIELDS.month, expression),
    daysOfWeek: parseField(dow as string, FIELDS.dayOfWeek, expression),
  };
}

/** The first occurrence strictly after `afterMs` (UTC), or undefined within the next ~5 years. */
export function nextCrontabOccurrence(schedule: CrontabSchedule, afterMs: number): number | undefined {
  const t = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
  const limit = afterMs + 5 * 366 * 24 * 3600_000;
  while (t.getTime() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!schedule.days.has(t.getUTCDate()) || !schedule.daysOfWeek.has(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!schedule.seconds.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    return t.getTime();
  }
  return undefined;
}
