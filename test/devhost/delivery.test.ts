// The Azure Storage delivery model: queue polling back-off up to maxQueuePollingInterval, history load
// time, deterministic for a seed; and the host using it on the shared clock.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { azureStorageDelivery, instantDelivery } from '../../devhost/engine/delivery.js';
import { pendingTimers, start, startTestHost, status, waitForHistory } from './support.js';

/** The poll times of an idle work-item queue since `startedAt`, read back through the model. */
function polls(model: ReturnType<typeof azureStorageDelivery>, until: number): number[] {
  const out: number[] = [];
  for (let t = 1; t <= until; ) {
    const poll = model.activityPickup(t);
    out.push(poll);
    t = poll + 1;
  }
  return out;
}

describe('azureStorageDelivery', () => {
  it('backs off like BackoffPollingHelper: 50 ms, then 50 ms + rand(0.8..1.2) x 2^(k-1) x 50 ms, up to the maximum', () => {
    const model = azureStorageDelivery({ maxPollingIntervalMs: 30_000, seed: 7, startedAt: 0 });
    const times = polls(model, 120_000);
    const intervals = times.map((t, i) => t - (i === 0 ? 0 : (times[i - 1] as number)));
    expect(intervals[0]).toBe(50);
    for (let k = 1; k < intervals.length; k++) {
      const interval = intervals[k] as number;
      if (interval === 30_000) continue;
      expect(interval).toBeGreaterThanOrEqual(50 + 0.8 * 2 ** (k - 1) * 50 - 1);
      expect(interval).toBeLessThanOrEqual(50 + 1.2 * 2 ** (k - 1) * 50 + 1);
    }
    expect(intervals.slice(-3)).toEqual([30_000, 30_000, 30_000]); // idle: polls every maxQueuePollingInterval
    expect(intervals.filter((i) => i < 30_000).length).toBeGreaterThan(5);
  });

  it('resets the back-off after a delivery, and is deterministic for a seed', () => {
    const a = azureStorageDelivery({ maxPollingIntervalMs: 30_000, seed: 1, startedAt: 0 });
    const b = azureStorageDelivery({ maxPollingIntervalMs: 30_000, seed: 1, startedAt: 0 });
    const c = azureStorageDelivery({ maxPollingIntervalMs: 30_000, seed: 2, startedAt: 0 });
    expect(a.activityPickup(600_000)).toBe(b.activityPickup(600_000));
    expect(polls(a, 20_000)).toEqual(polls(b, 20_000));
    expect(polls(a, 20_000)).not.toEqual(polls(c, 20_000));
    const late = a.activityPickup(600_000) - 600_000;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(30_000);
    a.delivered('activity', '', 600_000);
    expect(a.activityPickup(600_010)).toBe(600_050);
  });

  it('adds a history load time to orchestration episodes and spreads instances over control queues', () => {
    const model = azureStorageDelivery({ maxPollingIntervalMs: 5_000, seed: 3, startedAt: 0 });
    const pickups = ['a', 'b', 'c', 'd'].map((id) => model.orchestrationPickup(id, 0));
    for (const p of pickups) {
      expect(p).toBeGreaterThanOrEqual(15);
      expect(p).toBeLessThanOrEqual(75);
    }
    expect(instantDelivery.orchestrationPickup('a', 123)).toBe(123);
  });
});

describe('host with DEVHOST_DELIVERY=azure-storage', () => {
  it('delivers a durable timer and an activity late by at most host.json maxQueuePollingInterval (00:00:05) each, plus history load', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const { host } = await startTestHost(clock, undefined, { DEVHOST_DELIVERY: 'azure-storage', DEVHOST_DELIVERY_SEED: '42' });
    let lateness: number;
    try {
      const id = await start(host, 'sleeper', 2 * 3600_000);
      clock.advance(200);
      await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
      clock.advance(2 * 3600_000);
      await new Promise((r) => setTimeout(r, 30));
      expect((await status(host, id)).runtimeStatus).toBe('Running'); // not delivered the instant it is due
      for (let i = 0; i < 300 && host.engine.getInstance(id)?.status !== 'Completed'; i++) {
        clock.advance(100);
        await new Promise((r) => setTimeout(r, 5));
      }
      lateness = ((await status(host, id)).output as number) - 2 * 3600_000;
    } finally {
      await host.close();
    }
    // The sleeper measures after its timer AND one activity round trip: two idle queues, two episodes.
    expect(lateness).toBeGreaterThan(0);
    expect(lateness).toBeLessThanOrEqual(2 * 5_000 + 2 * 75 + 100);
  });
});
