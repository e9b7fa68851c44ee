import { describe, expect, it } from 'vitest';
import { defaultStartupProfile, planStartup, preRollCheck, profileReadAt } from '../../domain/schedule.js';

const T = Date.UTC(2030, 0, 1, 9, 0, 0);
const profile = { samples: 10, allocateMs: 60_000, startMs: 20_000 };

describe('start-up strategies', () => {
  it('learned (the default) plans from the measured profile and the margin', () => {
    expect(planStartup(T, profile, 2_000)).toEqual({ startAt: T - 22_000, allocateAt: T - 84_000 });
    expect(planStartup(T, profile, 2_000, { kind: 'learned' })).toEqual(planStartup(T, profile, 2_000));
  });

  it('start-at-T allocates and starts at the scheduled start; fixed-lead both a lead before', () => {
    expect(planStartup(T, profile, 2_000, { kind: 'start-at-T' })).toEqual({ allocateAt: T, startAt: T });
    expect(planStartup(T, profile, 2_000, { kind: 'fixed-lead', leadMs: 600_000 })).toEqual({ allocateAt: T - 600_000, startAt: T - 600_000 });
  });

  it('oracle starts exactly one start duration ahead and creates and allocates just in time', () => {
    const plan = planStartup(T, profile, 2_000, { kind: 'oracle', createMs: 2_500, allocateMs: 4_000, startMs: 3_100 });
    expect(plan).toEqual({ startAt: T - 3_100, allocateAt: T - 3_100 - 4_000 - 2_500 - 4_000 });
  });

  it('reads the profile early enough for a strategy that allocates earlier than the usual lead', () => {
    const lead = 9 * 60_000;
    expect(profileReadAt(T, lead, 2_000)).toBe(T - lead);
    expect(profileReadAt(T, lead, 2_000, { kind: 'fixed-lead', leadMs: 10 * 60_000 })).toBe(T - 10 * 60_000);
    expect(profileReadAt(T, lead, 2_000, { kind: 'start-at-T' })).toBe(T - lead);
    expect(defaultStartupProfile.allocateMs + defaultStartupProfile.startMs).toBeLessThan(lead);
  });
});

describe('pre-roll watch', () => {
  const safe = T - 22_000;
  it('is on track before the latest safe moment, or once StandBy', () => {
    expect(preRollCheck(safe - 1, safe, 'Allocating', true)).toEqual({ kind: 'on-track' });
    expect(preRollCheck(safe + 5_000, safe, 'StandBy', false)).toEqual({ kind: 'on-track' });
  });

  it('past it: at risk; a live event still Stopped and idle is started at once', () => {
    expect(preRollCheck(safe, safe, 'Allocating', true)).toEqual({ kind: 'at-risk', startNow: false });
    expect(preRollCheck(safe, safe, 'Stopped', false)).toEqual({ kind: 'at-risk', startNow: true });
    expect(preRollCheck(safe, safe, 'Stopped', true)).toEqual({ kind: 'at-risk', startNow: false }); // still being created
  });
});
