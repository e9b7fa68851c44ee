// Timer triggers as the WebJobs TimerListener runs them: NCRONTAB semantics, the pre-invocation
// schedule status, and past-due catch-up from the persisted status.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { DurableStore } from '../../devhost/engine/store.js';
import { nextCrontabOccurrence, parseCrontab } from '../../devhost/worker/ncrontab.js';
import { resolveSchedule, startTimerTriggers } from '../../devhost/worker/timerTriggers.js';
import { tempDb } from './support.js';

const at = (iso: string) => Date.parse(iso);
const occurrences = (expression: string, fromIso: string, n: number) => {
  const schedule = resolveSchedule(expression, {});
  const out: string[] = [];
  let t = at(fromIso);
  for (let i = 0; i < n; i++) {
    t = schedule.next(t) as number;
    out.push(new Date(t).toISOString());
  }
  return out;
};

describe('NCRONTAB', () => {
  it('requires day-of-month AND day-of-week (not the OR of Vixie cron / croner)', () => {
    // The 1st of a month that is a Monday: 2030-04-01, 2030-07-01, 2031-09-01.
    expect(occurrences('0 0 9 1 * MON', '2030-01-01T00:00:00Z', 3)).toEqual(['2030-04-01T09:00:00.000Z', '2030-07-01T09:00:00.000Z', '2031-09-01T09:00:00.000Z']);
  });

  it('accepts six fields, five fields (no seconds) and TimeSpan intervals', () => {
    expect(occurrences('30 */15 * * * *', '2030-01-01T00:00:00Z', 2)).toEqual(['2030-01-01T00:00:30.000Z', '2030-01-01T00:15:30.000Z']);
    expect(occurrences('*/15 * * * *', '2030-01-01T00:00:00Z', 2)).toEqual(['2030-01-01T00:15:00.000Z', '2030-01-01T00:30:00.000Z']);
    expect(occurrences('00:05:00', '2030-01-01T00:00:07Z', 2)).toEqual(['2030-01-01T00:05:07.000Z', '2030-01-01T00:10:07.000Z']);
    expect(occurrences('0 0 12 * JAN-MAR SAT,SUN', '2030-01-01T00:00:00Z', 1)).toEqual(['2030-01-05T12:00:00.000Z']);
  });

  it('refuses L, W, #, ? and day-of-week 7 at start-up', () => {
    for (const bad of ['0 0 0 L * *', '0 0 0 1W * *', '0 0 0 * * MON#2', '0 0 0 ? * MON', '0 0 0 * * 7', '0 0 0 * * 5L']) {
      expect(() => resolveSchedule(bad, {}), bad).toThrow(/not recognized|NCRONTAB/);
    }
    const fakeApp = { functions: [{ name: 't', trigger: { type: 'timerTrigger', schedule: '0 0 0 * * 7' } }] };
    expect(() => startTimerTriggers(fakeApp as never, { clock: new ManualClock() })).toThrow(/0-6/);
  });

  it('finds no occurrence for an impossible date instead of looping forever', () => {
    expect(nextCrontabOccurrence(parseCrontab('0 0 0 31 2 *'), at('2030-01-01T00:00:00Z'))).toBeUndefined();
  });
});

interface TimerPayload {
  IsPastDue: boolean;
  ScheduleStatus: { Last: string; Next: string; LastUpdated: string };
}

function fakeApp(schedule: string, runOnStartup = false) {
  const seen: TimerPayload[] = [];
  const app = {
    functions: [{ name: 'tick', trigger: { type: 'timerTrigger', schedule, runOnStartup } }],
    invoke: async (_: string, input: { trigger: { json?: string } }) => {
      seen.push(JSON.parse(input.trigger.json ?? '{}') as TimerPayload);
      return { returnData: undefined, outputs: {} };
    },
  };
  return { app: app as never, seen };
}
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('schedule status', () => {
  it('hands each invocation the status from before it: default dates on the very first run', async () => {
    const clock = new ManualClock(at('2030-01-01T00:00:30Z'));
    const store = new DurableStore(tempDb());
    const { app, seen } = fakeApp('0 */5 * * * *');
    const timers = startTimerTriggers(app, { clock, store });
    clock.advanceTo(at('2030-01-01T00:05:00Z'));
    await settle();
    clock.advanceTo(at('2030-01-01T00:10:00Z'));
    await settle();
    timers.stop();
    store.close();
    expect(seen.map((p) => p.ScheduleStatus)).toEqual([
      { Last: '0001-01-01T00:00:00', Next: '2030-01-01T00:05:00.000Z', LastUpdated: '0001-01-01T00:00:00' },
      { Last: '2030-01-01T00:05:00.000Z', Next: '2030-01-01T00:10:00.000Z', LastUpdated: '2030-01-01T00:05:00.000Z' },
    ]);
    expect(seen.map((p) => p.IsPastDue)).toEqual([false, false]);
  });

  it('runs a missed occurrence once at start-up with isPastDue, from the persisted status', async () => {
    const clock = new ManualClock(at('2030-01-01T00:00:30Z'));
    const dbFile = tempDb();
    let store = new DurableStore(dbFile);
    const first = fakeApp('0 */5 * * * *');
    let timers = startTimerTriggers(first.app, { clock, store });
    clock.advanceTo(at('2030-01-01T00:05:00Z'));
    await settle();
    timers.stop();
    store.close();
    expect(first.seen).toHaveLength(1);

    clock.advanceTo(at('2030-01-01T00:17:10Z')); // the host was down for 00:10 and 00:15
    store = new DurableStore(dbFile);
    const second = fakeApp('0 */5 * * * *');
    timers = startTimerTriggers(second.app, { clock, store });
    await settle();
    expect(second.seen).toHaveLength(1); // once, not once per missed occurrence
    expect(second.seen[0]).toMatchObject({ IsPastDue: true, ScheduleStatus: { Last: '2030-01-01T00:05:00.000Z', Next: '2030-01-01T00:10:00.000Z' } });
    clock.advanceTo(at('2030-01-01T00:20:00Z'));
    await settle();
    timers.stop();
    store.close();
    expect(second.seen).toHaveLength(2);
    expect(second.seen[1]).toMatchObject({ IsPastDue: false, ScheduleStatus: { Last: '2030-01-01T00:17:10.000Z', Next: '2030-01-01T00:20:00.000Z' } });
  });

  it('does not treat the first start as past due and honours runOnStartup with the default status', async () => {
    const clock = new ManualClock(at('2030-01-01T00:00:30Z'));
    const store = new DurableStore(tempDb());
    const { app, seen } = fakeApp('0 */5 * * * *', true);
    const timers = startTimerTriggers(app, { clock, store });
    await settle();
    timers.stop();
    store.close();
    expect(seen).toEqual([{ Schedule: { AdjustForDST: true }, IsPastDue: false, ScheduleStatus: { Last: '0001-01-01T00:00:00', Next: '2030-01-01T00:05:00.000Z', LastUpdated: '0001-01-01T00:00:00' } }]);
  });
});
