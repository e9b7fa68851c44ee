import { describe, expect, it } from 'vitest';
import { defaultStartupProfile, planStartup, quantile, startupProfileFrom } from '../../domain/schedule.js';
import { liveEventNameFor, nextStep } from '../../domain/liveEventDecisions.js';

describe('startup profile', () => {
  it('uses generous defaults until broadcasts have been measured', () => {
    expect(startupProfileFrom([])).toEqual(defaultStartupProfile);
  });

  it('plans half again the slowest of a few measurements', () => {
    const profile = startupProfileFrom([{ allocateMs: 200_000, startMs: 10_000 }, { allocateMs: 100_000, startMs: 12_000 }]);
    expect(profile).toEqual({ samples: 2, allocateMs: 300_000, startMs: 18_000 });
  });

  it('learns a high quantile from enough measurements: at least their 90th percentile, the start beyond the slowest seen', () => {
    const measurements = Array.from({ length: 100 }, (_, i) => ({ allocateMs: 40_000 + i * 100, startMs: 8_000 + i * 10 }));
    const profile = startupProfileFrom(measurements);
    expect(profile.samples).toBe(100);
    expect(profile.allocateMs).toBeGreaterThanOrEqual(49_000);
    expect(profile.startMs).toBeGreaterThan(8_990);
    expect(profile.startMs).toBeLessThan(30_000);
  });

  it('is not dragged to the outliers: one 20-minute allocation among 40-second ones (precision)', () => {
    const measurements = Array.from({ length: 50 }, (_, i) => ({ allocateMs: i === 7 ? 20 * 60_000 : 35_000 + (i % 10) * 1_000, startMs: 10_000 }));
    const profile = startupProfileFrom(measurements);
    expect(profile.allocateMs).toBeLessThan(3 * 60_000); // the old p99 (nearest rank) answered 20 minutes
    expect(profile.allocateMs).toBeGreaterThanOrEqual(43_000);
  });

  it('computes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(() => quantile([], 0.5)).toThrow();
  });

  it('plans allocate and start backwards from the scheduled start', () => {
    const plan = planStartup(1_000_000, { samples: 5, allocateMs: 60_000, startMs: 10_000 }, 3_000);
    expect(plan).toEqual({ startAt: 1_000_000 - 13_000, allocateAt: 1_000_000 - 13_000 - 63_000 });
  });
});

describe('live event decisions', () => {
  it.each([
    ['Stopped', 'StandBy', { kind: 'request', action: 'allocate' }],
    ['StandBy', 'StandBy', { kind: 'done' }],
    ['Running', 'StandBy', { kind: 'done' }],
    ['Allocating', 'Running', { kind: 'wait' }],
    ['StandBy', 'Running', { kind: 'request', action: 'start' }],
    ['Stopped', 'Running', { kind: 'request', action: 'start' }],
    ['Running', 'Stopped', { kind: 'request', action: 'stop' }],
    [undefined, 'Stopped', { kind: 'done' }],
    ['Running', 'Deleted', { kind: 'request', action: 'stop' }],
    ['Stopped', 'Deleted', { kind: 'request', action: 'delete' }],
    [undefined, 'Deleted', { kind: 'done' }],
    [undefined, 'Running', { kind: 'impossible', reason: 'cannot start a live event that is Deleted' }],
  ] as const)('%s → %s', (observed, target, expected) => {
    expect(nextStep(observed, target)).toEqual(expected);
  });

  it('derives valid live event names from broadcast ids', () => {
    expect(liveEventNameFor('abc')).toBe('bc-abc');
    const long = liveEventNameFor('a'.repeat(40));
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$/);
  });
});
