import { describe, expect, it } from 'vitest';
import { createSampler, drawFor, drawFrom, profileOperationOf, profileSampler, timingProfiles, TokenBuckets, withOverrides } from '../../ams-emulator/timingProfiles.js';
import { quantile } from '../../domain/schedule.js';

const draws = (profile: keyof typeof timingProfiles, op: Parameters<typeof drawFor>[2], n: number) =>
  Array.from({ length: n }, (_, i) => drawFor(timingProfiles[profile], 7, op, `bc-${i}`, 0));

describe('timing profiles', () => {
  it('draws the same duration for the same seed, operation, resource and occurrence, whatever the order of requests', () => {
    const a = createSampler(timingProfiles['production-tail'], 42);
    const b = createSampler(timingProfiles['production-tail'], 42);
    const first = ['x', 'y', 'z'].map((r) => a('allocate', r).durationMs);
    const reversed = ['z', 'y', 'x'].map((r) => b('allocate', r).durationMs).reverse();
    expect(reversed).toEqual(first);
    // A second allocation of the same resource is a new draw, and another seed gives other draws.
    expect(a('allocate', 'x').durationMs).not.toBe(first[0]);
    expect(drawFor(timingProfiles['production-tail'], 43, 'allocate', 'x', 0).durationMs).not.toBe(first[0]);
  });

  it('production-tail: a body of seconds to a minute, p95 of 1–3 minutes, rare 15–20 minute outliers, some failures', () => {
    const allocations = draws('production-tail', 'allocate', 4000);
    const ms = allocations.map((d) => d.durationMs);
    expect(quantile(ms, 0.5)).toBeGreaterThan(30_000);
    expect(quantile(ms, 0.5)).toBeLessThan(50_000);
    expect(quantile(ms, 0.95)).toBeGreaterThan(60_000);
    expect(quantile(ms, 0.95)).toBeLessThan(180_000);
    const outliers = ms.filter((d) => d >= 15 * 60_000);
    expect(outliers.length).toBeGreaterThan(20); // ~1 % of 4000
    expect(outliers.length).toBeLessThan(70);
    expect(Math.max(...ms)).toBeLessThanOrEqual(20 * 60_000);
    const failed = allocations.filter((d) => d.fails).length;
    expect(failed).toBeGreaterThan(5); // ~0.5 %
    expect(failed).toBeLessThan(45);
  });

  it('warm-pool: seconds, no outliers, no failures; fast: fixed tens of milliseconds', () => {
    const starts = draws('warm-pool', 'start', 2000).map((d) => d.durationMs);
    expect(quantile(starts, 0.5)).toBeGreaterThan(2_000);
    expect(quantile(starts, 0.5)).toBeLessThan(4_000);
    expect(Math.max(...starts)).toBeLessThan(60_000);
    expect(draws('warm-pool', 'allocate', 2000).some((d) => d.fails)).toBe(false);
    expect(new Set(draws('fast', 'allocate', 50).map((d) => d.durationMs))).toEqual(new Set([40]));
  });

  it('maps a uniform draw to the log-normal body and the tail', () => {
    const dist = { medianMs: 10_000, p95Ms: 40_000, tailProbability: 0.1, tailMinMs: 100_000, tailMaxMs: 200_000 };
    expect(drawFrom(dist, [0.5, 1 - Math.exp(-0.5), 0.25, 0.9]).durationMs).toBe(10_000); // z = 0: the median
    expect(drawFrom(dist, [0.05, 0.5, 0, 0.9]).durationMs).toBe(150_000); // tail, halfway
    expect(drawFrom({ ...dist, failProbability: 0.2 }, [0.5, 0.5, 0.5, 0.1]).fails).toBe(true);
  });

  it('overrides one operation of a profile and keeps the others', () => {
    const profile = withOverrides(timingProfiles['warm-pool'], { allocate: { medianMs: 5_000, p95Ms: 5_000 } });
    expect(drawFor(profile, 1, 'allocate', 'a', 0).durationMs).toBe(5_000);
    expect(profile.operations.start).toEqual(timingProfiles['warm-pool'].operations.start);
  });

  it('maps the emulator\'s operations to the profile\'s distributions (a cold start is not a start)', () => {
    expect(profileOperationOf('liveEvents.coldStart')).toBe('coldStart');
    expect(profileOperationOf('liveEvents.start')).toBe('start');
    expect(profileOperationOf('liveOutputs.delete')).toBe('liveOutputDelete');
    expect(profileOperationOf('streamingEndpoints.scale')).toBe('streamingEndpoint');
  });

  it('as the emulator\'s sampler: draws per resource, ignores the emulator\'s stream, and a create-and-start is a create plus a cold start', () => {
    const profile = withOverrides(timingProfiles['warm-pool'], { create: { medianMs: 1_000, p95Ms: 1_000 }, coldStart: { medianMs: 7_000, p95Ms: 7_000 } });
    const sample = profileSampler(profile, 3);
    const never = () => { throw new Error('the profile must not use the emulator stream'); };
    expect(sample('liveEvents.createAndStart', never, 'le-1')).toEqual({ durationMs: 8_000, fails: false });
    const a = profileSampler(timingProfiles['production-tail'], 3);
    const b = profileSampler(timingProfiles['production-tail'], 3);
    b('liveEvents.allocate', never, 'other'); // another resource's draw does not shift this one's
    expect(b('liveEvents.allocate', never, 'le-1')).toEqual(a('liveEvents.allocate', never, 'le-1'));
  });
});

describe('token buckets (ARM throttling)', () => {
  it('lets a full bucket through, then answers Retry-After until it refills', () => {
    const buckets = new TokenBuckets();
    const limit = { bucket: 3, refillPerSecond: 0.5 };
    const at = (ms: number) => buckets.take('a', limit, ms);
    expect([at(0), at(0), at(0)].every((r) => r.ok)).toBe(true);
    expect(at(0)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(at(1_000)).toEqual({ ok: false, retryAfterSeconds: 1 }); // half a token so far; a refusal takes none
    expect(at(2_000).ok).toBe(true);
    expect(buckets.take('b', limit, 2_000).ok).toBe(true); // scopes are independent
  });
});
