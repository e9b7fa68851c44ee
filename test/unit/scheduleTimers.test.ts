import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, nextTimerAt, planStartup, startupProfileFrom } from '../../domain/schedule.js';

const DAY = 24 * 3_600_000;

describe('timer lateness in the pre-roll', () => {
  it('learns the lateness like the start-up durations, ignoring broadcasts that did not measure it', () => {
    const few = startupProfileFrom([{ allocateMs: 40_000, startMs: 8_000, timerLatenessMs: 4_000 }, { allocateMs: 40_000, startMs: 8_000 }]);
    expect(few.timerLatenessMs).toBe(6_000); // half again the worst of few
    const many = startupProfileFrom(Array.from({ length: 100 }, (_, i) => ({ allocateMs: 40_000, startMs: 8_000, timerLatenessMs: i * 100 })));
    expect(many.timerLatenessMs).toBe(9_800);
    expect(startupProfileFrom([{ allocateMs: 1, startMs: 1 }]).timerLatenessMs).toBeUndefined();
  });

  it('wakes earlier by the lateness at both wake-ups', () => {
    const profile = { samples: 5, allocateMs: 60_000, startMs: 10_000 };
    const without = planStartup(1_000_000, profile, 2_000);
    const late = planStartup(1_000_000, { ...profile, timerLatenessMs: 5_000 }, 2_000);
    expect(without.startAt - late.startAt).toBe(5_000);
    expect(without.allocateAt - late.allocateAt).toBe(10_000);
  });

  it('is learned next to the robust start-up quantiles, and only the learned plan uses it (the baselines do not learn)', () => {
    const measured = Array.from({ length: 10 }, (_, i) => ({ allocateMs: 30_000 + i * 1_000, startMs: 10_000 + i * 500, timerLatenessMs: 4_000 }));
    const profile = startupProfileFrom(measured);
    expect(profile.timerLatenessMs).toBe(4_000);
    expect(profile.startMs).toBeGreaterThan(14_500); // the robust high quantile, above every start seen
    const at = 10_000_000;
    expect(planStartup(at, profile, 2_000, { kind: 'start-at-T' })).toEqual({ allocateAt: at, startAt: at });
    expect(planStartup(at, profile, 2_000, { kind: 'fixed-lead', leadMs: 600_000 })).toEqual({ allocateAt: at - 600_000, startAt: at - 600_000 });
    const learned = planStartup(at, profile, 2_000);
    expect(learned.latestStartAt ?? learned.startAt).toBe(at - profile.startMs - 4_000 - 2_000);
  });
});

describe('timers of at most 3 days', () => {
  it('never asks for a timer further than 3 days ahead, nor in the past', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(nextTimerAt(now, now + 8 * DAY)).toBe(now + 3 * DAY);
    expect(nextTimerAt(now, now + 3 * DAY)).toBe(now + 3 * DAY);
    expect(nextTimerAt(now, now + 60_000)).toBe(now + 60_000);
    expect(nextTimerAt(now, now - 60_000)).toBe(now);
    expect(MAX_TIMER_MS).toBeLessThanOrEqual(3 * DAY); // below the 6-day short-timer limit with room
  });
});
