import { describe, expect, it } from 'vitest';
import { checkQuota, occupancyWindow, placeBroadcast, reservationLeadMs, type SlotReservation } from '../../domain/capacity.js';
import { planStartup, preRollWakeAt, PREROLL_HORIZON_MS, PROFILE_READS } from '../../domain/schedule.js';
import { cappedEnd, durationErrors, estimateForWindow, runawayCapMs } from '../../domain/cost.js';
import { parseCapacityRequest } from '../../domain/capacityRequests.js';

const H = 3_600_000;
const r = (broadcastId: string, from: number, to: number): SlotReservation => ({ broadcastId, from, to });

describe('slot windows', () => {
  it('hold a slot from the earliest moment the orchestration may create the live event until the end plus the grace', () => {
    const lead = reservationLeadMs(2_000);
    expect(lead).toBe(PREROLL_HORIZON_MS);
    expect(reservationLeadMs(2_000, { kind: 'fixed-lead', leadMs: 30 * 60_000 })).toBe(30 * 60_000);
    expect(occupancyWindow(10 * H, 12 * H, lead, 5 * 60_000)).toEqual({ from: 10 * H - lead, to: 12 * H + 5 * 60_000 });
  });

  it('cover a learned lead longer than the default plan: the live event is never created before its slot begins', () => {
    // A production-tail profile wanting ~32 minutes: the pre-roll reads at the horizon and allocates at once.
    for (const profile of [
      { samples: 40, allocateMs: 20 * 60_000, startMs: 12 * 60_000 },
      { samples: 40, allocateMs: 9 * 60_000, startMs: 4 * 60_000 },
      { samples: 40, allocateMs: 4_000, startMs: 3_000 },
    ]) {
      const T = 10 * H;
      let now = 0;
      let read: { profile: typeof profile; fresh: boolean } | undefined;
      for (let wakes = 0; wakes < 3; wakes++) {
        now = Math.max(now, preRollWakeAt(T, 2_000, undefined, PROFILE_READS, read));
        read = { profile, fresh: read !== undefined };
      }
      const createdAt = Math.max(now, planStartup(T, profile, 2_000).allocateAt);
      expect(createdAt).toBeGreaterThanOrEqual(T - reservationLeadMs(2_000));
    }
  });
});

describe('checkQuota', () => {
  const existing = [r('a', 0, 10), r('b', 5, 20), r('c', 8, 30), r('d', 25, 40)];
  it('fits while fewer than the quota overlap at every instant', () => {
    expect(checkQuota(existing, r('x', 10, 25), 3)).toBeUndefined(); // at 10: b, c; at 20..25: c only
  });
  it('reports the first instant the quota is exceeded and who holds the slots then', () => {
    const exceeded = checkQuota(existing, r('x', 0, 12), 2);
    expect(exceeded?.firstExceededAt).toBe(5); // a and b from 5 on
    expect(exceeded?.conflicts.map((c) => c.broadcastId)).toEqual(['a', 'b']);
  });
  it('counts an overlap that begins inside the window, not only at its start', () => {
    expect(checkQuota([r('a', 0, 100), r('b', 50, 60)], r('x', 10, 70), 2)?.firstExceededAt).toBe(50);
  });
  it('treats windows as half-open and ignores the broadcast\'s own reservation', () => {
    expect(checkQuota([r('a', 0, 10)], r('x', 10, 20), 1)).toBeUndefined();
    expect(checkQuota([r('x', 0, 10)], r('x', 5, 20), 1)).toBeUndefined();
  });
});

describe('placeBroadcast over a pool', () => {
  const pool = [
    { accountName: 'one', liveEventQuota: 1, liveOutputsPerEvent: 3 },
    { accountName: 'two', liveEventQuota: 2, liveOutputsPerEvent: 3 },
  ];
  const reservations = { one: [r('a', 0, 100)], two: [r('b', 0, 100), r('c', 50, 100)] };
  it('takes the first account with a free slot for the whole window', () => {
    expect(placeBroadcast(r('x', 10, 40), pool, reservations)).toEqual({ ok: true, accountName: 'two' });
  });
  it('refuses with every account\'s first instant over quota when none fits', () => {
    const placed = placeBroadcast(r('x', 10, 60), pool, reservations);
    expect(placed).toMatchObject({ ok: false, refusals: [{ accountName: 'one', firstExceededAt: 10 }, { accountName: 'two', firstExceededAt: 50 }] });
  });
  it('a pinned broadcast only considers its account', () => {
    expect(placeBroadcast(r('x', 10, 40), pool, reservations, 'one')).toMatchObject({ ok: false, refusals: [{ accountName: 'one' }] });
  });
});

describe('runaway cap and estimates', () => {
  it('refuses windows longer than the cap or the broadcast\'s own maxDuration, naming the field', () => {
    const start = '2030-01-01T00:00:00Z';
    expect(durationErrors(start, '2030-01-01T13:00:00Z', 12 * H)).toEqual([expect.objectContaining({ field: '/endAt' })]);
    expect(durationErrors(start, '2030-01-01T12:00:00Z', 12 * H)).toEqual([]);
    expect(durationErrors(start, '2030-01-01T03:00:00Z', 12 * H, 'PT2H')).toEqual([expect.objectContaining({ field: '/endAt' })]);
    expect(durationErrors(start, '2030-01-01T01:00:00Z', 12 * H, 'PT13H')).toEqual([expect.objectContaining({ field: '/maxDuration' })]);
    expect(durationErrors(start, '2030-01-01T03:00:00Z', 12 * H, undefined, 'PT2H')).toEqual([expect.objectContaining({ field: '/endAt' })]);
  });
  it('ends a live broadcast at its actual start plus the cap when that is sooner', () => {
    expect(runawayCapMs(12 * H, 'PT1H')).toBe(H);
    expect(runawayCapMs(12 * H, undefined)).toBe(12 * H);
    expect(cappedEnd(20 * H, 2 * H, 12 * H)).toBe(14 * H);
    expect(cappedEnd(5 * H, 2 * H, 12 * H)).toBe(5 * H);
  });
  it('estimates StandBy and Running minutes and cost from the plan', () => {
    const e = estimateForWindow({ startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-01T11:00:00Z', liveEvent: { encoding: { type: 'PassthroughStandard' } } as never }, { graceMs: 0, pollIntervalMs: 2000, preRollMarginMs: 0 });
    expect(e.plannedAllocateAt).toBe('2030-01-01T09:53:00.000Z');
    expect(e.plannedStartAt).toBe('2030-01-01T09:58:00.000Z');
    expect(e.estimate.runningMinutes).toBe(62);
    expect(e.estimate.standbyMinutes).toBe(5);
    expect(e.estimate.cost).toBeCloseTo((62 / 60) * 1.584 + (5 / 60) * 0.132, 2);
  });
});

describe('ledger requests', () => {
  it('are re-validated', () => {
    expect(parseCapacityRequest({ kind: 'reserve', requestId: 'r1', broadcastId: 'b1', from: 1, to: 2, quota: 5 })).toBeDefined();
    expect(parseCapacityRequest({ kind: 'reserve', requestId: 'r1', broadcastId: 'b1', from: 2, to: 1, quota: 5 })).toBeUndefined();
    expect(parseCapacityRequest({ kind: 'release', requestId: 'r1', broadcastId: '../x' })).toBeUndefined();
  });
});

describe('events re-validated against the runaway cap', async () => {
  const { parseExtendEvent, parseRescheduleEvent } = await import('../../domain/broadcastEvents.js');
  const spec = { startAt: '2030-01-01T00:00:00.000Z', endAt: '2030-01-01T01:00:00.000Z' } as never;
  it('limits an extension past the cap to the start plus the cap, with a note', () => {
    expect(parseExtendEvent({ endAt: '2030-01-01T20:00:00Z' }, spec, 12 * H)).toEqual({ ok: true, value: { endAt: '2030-01-01T12:00:00.000Z' }, note: 'end limited to the maximum duration' });
    expect(parseExtendEvent({ endAt: '2030-01-01T02:00:00Z' }, spec, 12 * H)).toEqual({ ok: true, value: { endAt: '2030-01-01T02:00:00.000Z' } });
  });
  it('refuses a rescheduled window longer than the cap before the start', () => {
    expect(parseRescheduleEvent({ endAt: '2030-01-01T13:00:00Z' }, spec, false, 12 * H).ok).toBe(false);
    expect(parseRescheduleEvent({ endAt: '2030-01-01T11:00:00Z' }, spec, false, 12 * H).ok).toBe(true);
  });
});

describe('configuration of the pool, the cap and the rates', async () => {
  const { loadConfig } = await import('../../app/config.js');
  it('gives every account of the pool its quota (defaults 5 and 3)', () => {
    const config = loadConfig({ AMS_LIVE_EVENT_QUOTA: '7', AMS_ACCOUNTS: JSON.stringify([{ accountName: 'second' }, { accountName: 'third', liveEventQuota: 2, liveOutputsPerEvent: 1 }]) });
    expect(config.api.capacity).toEqual([
      { accountName: 'broadcastams', liveEventQuota: 7, liveOutputsPerEvent: 3 },
      { accountName: 'second', liveEventQuota: 5, liveOutputsPerEvent: 3 },
      { accountName: 'third', liveEventQuota: 2, liveOutputsPerEvent: 1 },
    ]);
    expect(() => loadConfig({ AMS_ACCOUNTS: JSON.stringify([{ accountName: 'second', liveEventQuota: 0 }]) })).toThrow(/AMS_ACCOUNTS/);
  });
  it('reads the runaway cap and rate overrides, refusing bad values by name', () => {
    const config = loadConfig({ BROADCAST_MAX_DURATION: 'PT2H', BROADCAST_RATES: '{"running":{"Standard":3},"currency":"EUR"}' });
    expect(config.broadcast.maxDurationMs).toBe(2 * H);
    expect(config.api.maxDurationMs).toBe(2 * H);
    expect(config.broadcast.rates).toMatchObject({ running: { Standard: 3, PassthroughStandard: 1.584 }, currency: 'EUR' });
    expect(loadConfig({}).broadcast.maxDurationMs).toBe(12 * H);
    expect(() => loadConfig({ BROADCAST_MAX_DURATION: 'P30D' })).toThrow(/BROADCAST_MAX_DURATION/);
    expect(() => loadConfig({ BROADCAST_RATES: '{"running":{"Turbo":1}}' })).toThrow(/BROADCAST_RATES/);
  });
});
