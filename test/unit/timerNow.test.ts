// Timer triggers take "now" from the real clock: in Azure, scheduleStatus.lastUpdated is the previous run's time
// (0001-01-01 on the first run after a deploy), never the current one.
import type { InvocationContext, Timer } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ reaper: [] as number[], calendar: [] as number[] }));
vi.mock('durable-functions', async (original) => ({ ...(await original<object>()), getClient: () => ({}) }));
vi.mock('../../activities/reaperActivities.js', () => ({
  reapOnce: async (deps: { now: () => number }) => (seen.reaper.push(deps.now()), { actions: [] }),
}));
vi.mock('../../activities/calendarSync.js', () => ({
  syncCalendars: async (deps: { now: number }) => (seen.calendar.push(deps.now), []),
}));

const { createReaperHandlers } = await import('../../functions/reaper.js');
const { createCalendarSyncHandlers } = await import('../../functions/calendarSync.js');

const context = { log: () => undefined, warn: () => undefined } as unknown as InvocationContext;
const timer = (lastUpdated: string): Timer => ({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: lastUpdated, next: '2030-01-01T00:10:00Z', lastUpdated } });
const NOW = Date.UTC(2030, 0, 1, 0, 5);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe('timer trigger "now"', () => {
  it.each([
    ['the first run after a deploy', '0001-01-01T00:00:00'],
    ['a later run (lastUpdated is the previous firing)', '2030-01-01T00:00:00Z'],
  ])('the reaper and calendar sync use the real time on %s', async (_case, lastUpdated) => {
    const reaper = createReaperHandlers({ janitor: () => ({}) as never, accounts: [], graceMs: 0, deleteOrphans: false, managedBy: 'test' });
    await reaper.reapLeakedLiveEventsTimer(timer(lastUpdated), context);
    const calendar = createCalendarSyncHandlers({ feeds: [], lookaheadMs: 0, policy: {} as never, defaultAccount: {} as never } as never);
    await calendar.syncCalendarsTimer(timer(lastUpdated), context);
    expect(seen.reaper.at(-1)).toBe(NOW);
    expect(seen.calendar.at(-1)).toBe(NOW);
  });

  it('follows the clock a local host publishes (an accelerated clock), never the schedule status', async () => {
    const { LOCAL_HOST_NOW } = await import('../../functions/triggerClock.js');
    (globalThis as Record<symbol, unknown>)[LOCAL_HOST_NOW] = () => NOW + 3_600_000;
    try {
      const reaper = createReaperHandlers({ janitor: () => ({}) as never, accounts: [], graceMs: 0, deleteOrphans: false, managedBy: 'test' });
      await reaper.reapLeakedLiveEventsTimer(timer('0001-01-01T00:00:00'), context);
      expect(seen.reaper.at(-1)).toBe(NOW + 3_600_000);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[LOCAL_HOST_NOW];
    }
  });
});
