/**
 * Fires the app's timer triggers as the WebJobs TimerListener does: NCRONTAB (6 or 5 fields, day-of-month
 * AND day-of-week) or a TimeSpan interval, in UTC on the injected clock; the invocation gets the schedule
 * status from BEFORE it (default dates on the first run); the status is persisted, so a start-up after
 * a missed occurrence runs once with isPastDue = true.
 */
import type { Clock } from '../../clock/clock.js';
import { trackWork } from '../../clock/virtualClock.js';
import type { ScheduleStatusRow } from '../engine/store.js';
import { parseTimeSpan } from '../timeSpan.js';
import type { HostedApp, RegisteredFunction } from './functionApp.js';
import { CrontabParseError, nextCrontabOccurrence, parseCrontab } from './ncrontab.js';

/** Where schedule statuses live (the host keeps them in blob storage). */
export interface ScheduleStatusStore {
  scheduleStatus(functionName: string): ScheduleStatusRow | undefined;
  putScheduleStatus(row: ScheduleStatusRow): void;
}

export interface TimerOptions {
  clock: Clock;
  settings?: Record<string, string>;
  /** Persisted schedule status; without it every start is a first start (like UseMonitor = false). */
  store?: ScheduleStatusStore;
  onError?: (functionName: string, error: unknown) => void;
}

/** .NET's default(DateTime), which the host sends while no status exists yet. */
export const DEFAULT_DATE_TIME = '0001-01-01T00:00:00';
const NEVER = Number.MIN_SAFE_INTEGER;

export interface Schedule {
  /** The first occurrence strictly after `afterMs`. */
  next(afterMs: number): number | undefined;
}

/** Resolves `%SETTING%` indirection, then parses NCRONTAB or a TimeSpan (as CronSchedule/TimerSchedule.Create). */
export function resolveSchedule(schedule: string, settings: Record<string, string | undefined>): Schedule {
  const resolved = schedule.replace(/^%(\w+)%$/, (_, key: string) => {
    const value = settings[key];
    if (value === undefined) throw new Error(`Timer schedule refers to app setting "${key}", which is not set.`);
    return value;
  });
  try {
    const cron = parseCrontab(resolved);
    return { next: (after) => nextCrontabOccurrence(cron, after) };
  } catch (error) {
    const interval = parseTimeSpan(resolved);
    if (interval !== undefined && interval > 0) return { next: (after) => after + interval };
    const detail = error instanceof CrontabParseError ? ` ${error.message}` : '';
    throw new Error(`The schedule expression '${resolved}' was not recognized as a valid cron expression or timespan string.${detail}`);
  }
}

const iso = (ms: number) => (ms === NEVER ? DEFAULT_DATE_TIME : new Date(ms).toISOString());

export function startTimerTriggers(app: HostedApp, options: TimerOptions): { stop(): void } {
  const settings = { ...process.env, ...(options.settings ?? {}) };
  const { clock } = options;
  const cancels: Array<() => void> = [];
  let stopped = false;

  const timers = app.functions.filter((fn) => fn.trigger.type.toLowerCase() === 'timertrigger');
  // Parse every schedule before any runs: a bad one fails start-up.
  const scheduled = timers.map((fn) => ({ fn, schedule: resolveSchedule(String(fn.trigger.schedule), settings) }));
  for (const { fn, schedule } of scheduled) {
    const now = clock.now();
    const stored = options.store?.scheduleStatus(fn.name);
    let status: ScheduleStatusRow = stored ?? { functionName: fn.name, last: NEVER, next: schedule.next(now) ?? NEVER, lastUpdated: NEVER };
    if (!stored) options.store?.putScheduleStatus(status);
    // ScheduleMonitor.CheckPastDueAsync: an occurrence that passed while the host was down runs once now.
    const pastDue = stored !== undefined && status.next !== NEVER && now > status.next;

    const fire = async (invokedAt: number, isPastDue: boolean, originalSchedule: number | undefined) => {
      // TimerInfo carries the status as it was before this invocation.
      const payload = {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: { Last: iso(status.last), Next: iso(status.next), LastUpdated: iso(status.lastUpdated) },
        IsPastDue: isPastDue,
      };
      try {
        // Counted as work in progress so a simulated clock waits for it (no-op on other clocks).
        await trackWork(options.clock, () => invokeTimer(app, fn, payload));
      } catch (error) {
        (options.onError ?? defaultOnError)(fn.name, error);
      }
      // A firing a little early counts as the scheduled time, for the next occurrence.
      const adjusted = originalSchedule !== undefined && originalSchedule > invokedAt ? originalSchedule : invokedAt;
      status = { functionName: fn.name, last: adjusted, next: schedule.next(adjusted) ?? NEVER, lastUpdated: adjusted };
      if (!stopped) options.store?.putScheduleStatus(status);
    };

    // One firing at a time per function; the next is armed after the current run ends.
    const armNext = () => {
      if (stopped || status.next === NEVER) return;
      const due = status.next;
      cancels.push(clock.at(due, () => void fire(clock.now(), false, due).then(armNext)));
    };

    if (pastDue) void fire(now, true, status.next).then(armNext);
    else if (fn.trigger.runOnStartup === true) void fire(now, false, undefined).then(armNext);
    else armNext();
  }

  return {
    stop() {
      stopped = true;
      cancels.forEach((cancel) => cancel());
    },
  };
}

function invokeTimer(app: HostedApp, fn: RegisteredFunction, payload: unknown) {
  return app.invoke(fn.name, { trigger: { json: JSON.stringify(payload) } });
}

function defaultOnError(functionName: string, error: unknown): void {
  console.error(`Timer function "${functionName}" failed:`, error);
}
