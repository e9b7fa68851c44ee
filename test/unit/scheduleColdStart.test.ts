import { describe, expect, it } from 'vitest';
import { planStartup, preRollWakeAt, startupProfileFrom } from '../../domain/schedule.js';

const T = Date.UTC(2030, 0, 7, 9, 0, 0);
const MINUTE = 60_000;
const reads = { firstReadMs: 22 * MINUTE, refreshMs: 9 * MINUTE };

// The six warm-up broadcasts of the precision benchmark's long-tail run against MK.IO (no StandBy: "allocate" is the
// create, "start" the whole start from Stopped), as measured with seed 42.
const coldWarmups = [
  { allocateMs: 7_973, startMs: 28_960, timerLatenessMs: 3_145 },
  { allocateMs: 3_374, startMs: 37_040, timerLatenessMs: 1_973 },
  { allocateMs: 3_789, startMs: 72_671, timerLatenessMs: 3_400 },
  { allocateMs: 9_480, startMs: 125_241, timerLatenessMs: 4_673 },
  { allocateMs: 1_351, startMs: 67_053, timerLatenessMs: 1_614 },
  { allocateMs: 4_032, startMs: 217_672, timerLatenessMs: 2_248 },
];

describe('start-up plan without StandBy (issue 11, MK.IO long-tail)', () => {
  const measured = startupProfileFrom(coldWarmups);
  const cold = { ...measured, capabilities: { standby: false } };

  it('starts from Stopped at the learned start: no early start, which would only add Running minutes', () => {
    // The bound is wider than the learned start here, so with StandBy the start would go earlier (once StandBy).
    expect(measured.startBoundMs).toBeGreaterThan(measured.startMs);
    const lateness = measured.timerLatenessMs ?? 0;
    const plan = planStartup(T, cold, 2_000);
    expect(plan.startAt).toBe(T - measured.startMs - lateness - 2_000);
    expect(plan.allocateAt).toBe(plan.startAt - measured.allocateMs - lateness - 2_000);
    // Nothing to be at risk of before the start (no StandBy to wait for).
    expect(plan.latestStartAt).toBeUndefined();
    const withStandBy = planStartup(T, measured, 2_000);
    expect(withStandBy.startAt).toBeLessThan(plan.startAt);
    expect(withStandBy.allocateAt).toBe(plan.allocateAt);
  });

  it('keeps the write slots of a burst', () => {
    const plan = planStartup(T, { ...cold, burst: { rank: 2, size: 5 } }, 2_000);
    const alone = planStartup(T, cold, 2_000);
    expect(plan.startAt).toBe(alone.startAt - 2_000);
    expect(plan.allocateAt).toBe(alone.allocateAt - 4_000);
  });
});

describe('when the pre-roll reads the profile', () => {
  // A learned start from Stopped of 10 minutes (the production tail's body reaches that with few measurements).
  const long = { samples: 40, allocateMs: 10_000, startMs: 10 * MINUTE, timerLatenessMs: 5_000, capabilities: { standby: false } };
  const short = { samples: 40, allocateMs: 150_000, startMs: 200_000, timerLatenessMs: 5_000 };

  it('first well before any plan, then again at the allocation when the plan leads more than the usual read', () => {
    expect(preRollWakeAt(T, 2_000, undefined, reads)).toBe(T - 22 * MINUTE);
    const allocateAt = planStartup(T, long, 2_000).allocateAt;
    // Reading only 9 minutes before (the old single read) would have cut this lead to 9 minutes.
    expect(allocateAt).toBeLessThan(T - 10 * MINUTE);
    expect(preRollWakeAt(T, 2_000, undefined, reads, { profile: long, fresh: false })).toBe(allocateAt);
    expect(preRollWakeAt(T, 2_000, undefined, reads, { profile: long, fresh: true })).toBe(allocateAt);
  });

  it('reads again 9 minutes before when the plan allocates later, so the plan rests on recent measurements', () => {
    expect(preRollWakeAt(T, 2_000, undefined, reads, { profile: short, fresh: false })).toBe(T - 9 * MINUTE);
    expect(preRollWakeAt(T, 2_000, undefined, reads, { profile: short, fresh: true })).toBe(planStartup(T, short, 2_000).allocateAt);
  });

  it('follows the strategy: fixed-lead reads before its lead', () => {
    const fixed = { kind: 'fixed-lead', leadMs: 25 * MINUTE } as const;
    expect(preRollWakeAt(T, 2_000, fixed, reads)).toBe(T - 25 * MINUTE);
    expect(preRollWakeAt(T, 2_000, fixed, reads, { profile: short, fresh: false })).toBe(T - 25 * MINUTE);
  });
});
