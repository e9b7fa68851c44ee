/**
 * Fires the app's timer triggers on NCRONTAB schedules (six fields, seconds first) using croner,
 * on the injected clock, with the payload the Functions host sends (isPastDue, scheduleStatus).
 */
import { Cron } from 'croner';
import type { Clock } from '../../clock/clock.js';
import { trackWork } from '../../clock/virtualClock.js';
import type { FunctionApp, RegisteredFunction } from './functionApp.js';

export interface TimerOptions {
  clock: Clock;
  settings?: Record<string, string>;
  /** A firing this late (ms) counts as past due, as when the host was down or a run overran. */
  pastDueAfterMs?: number;
  onError?: (functionName: string, error: unknown) => void;
}

/** Resolves `%SETTING%` indirection and checks the NCRONTAB expression has six fields. */
export function resolveSchedule(schedule: string, settings: Record<string, string | undefined>): string {
  const resolved = schedule.replace(/^%(\w+)%$/, (_, key: string) => {
    const value = settings[key];
    if (value === undefined) throw new Error(`Timer schedule refers to app setting "${key}", which is not set.`);
    return value;
  });
  if (resolved.trim().split(/\s+/).length !== 6) {
    throw new Error(`Timer schedule "${resolved}" must be NCRONTAB with six fields (seconds first).`);
  }
  return resolved;
}

/** The next occurrence strictly after `afterMs`, in UTC (the host's default WEBSITE_TIME_ZONE). */
export function nextOccurrence(expression: string, afterMs: number): number | undefined {
  const next = new Cron(expression, { timezone: 'UTC', paused: true }).nextRun(new Date(afterMs));
  return next?.getTime();
}

export function startTimerTriggers(app: FunctionApp, options: TimerOptions): { stop(): void } {
  const settings = { ...process.env, ...(options.settings ?? {}) };
  const pastDueAfterMs = options.pastDueAfterMs ?? 1_000;
  const cancels: Array<() => void> = [];
  let stopped = false;

  const timers = app.functions.filter((fn) => fn.trigger.type.toLowerCase() === 'timertrigger');
  for (const fn of timers) {
    const expression = resolveSchedule(String(fn.trigger.schedule), settings);
    let last: number | undefined;

    const fire = async (dueMs: number | undefined) => {
      const now = options.clock.now();
      const next = nextOccurrence(expression, now);
      const payload = {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: {
          Last: new Date(last ?? now).toISOString(),
          Next: next === undefined ? null : new Date(next).toISOString(),
          LastUpdated: new Date(now).toISOString(),
        },
        IsPastDue: dueMs !== undefined && now - dueMs > pastDueAfterMs,
      };
      last = now;
      try {
        // Counted as work in progress so a simulated clock waits for it (no-op on other clocks).
        await trackWork(options.clock, () => invokeTimer(app, fn, payload));
      } catch (error) {
        (options.onError ?? defaultOnError)(fn.name, error);
      }
    };

    // One firing at a time per function; the next is armed after the current run ends.
    const armNext = (afterMs: number) => {
      if (stopped) return;
      const due = nextOccurrence(expression, afterMs);
      if (due === undefined) return;
      cancels.push(
        options.clock.at(due, () => {
          void fire(due).then(() => armNext(Math.max(due, options.clock.now())));
        }),
      );
    };

    if (fn.trigger.runOnStartup === true) void fire(undefined).then(() => armNext(options.clock.now()));
    else armNext(options.clock.now());
  }

  return {
    stop() {
      stopped = true;
      cancels.forEach((cancel) => cancel());
    },
  };
}

function invokeTimer(app: FunctionApp, fn: RegisteredFunction, payload: unknown) {
  return app.invoke(fn.name, { trigger: { json: JSON.stringify(payload) } });
}

function defaultOnError(functionName: string, error: unknown): void {
  console.error(`Timer function "${functionName}" failed:`, error);
}
