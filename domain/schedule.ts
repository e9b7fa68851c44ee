/**
 * Schedule math for a broadcast's start-up: when to allocate and when to start so the live event is
 * Running at the scheduled start, from start-up durations measured on earlier broadcasts.
 */
import type { StartupProfile } from '../contracts/mediaActivities.js';

/** Used until enough broadcasts have been measured: generous, so the first broadcasts are not late. */
export const defaultStartupProfile: StartupProfile = { samples: 0, allocateMs: 5 * 60_000, startMs: 2 * 60_000 };

/** Fewer measurements than this and the defaults still weigh in. */
const MIN_SAMPLES = 3;

/** The q-quantile (0..1) of the values, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Summarises measured durations: a high quantile (so few broadcasts start late), but never less than the
 * largest recent measurement when there are few of them.
 */
export function startupProfileFrom(measurements: ReadonlyArray<{ allocateMs: number; startMs: number }>): StartupProfile {
  if (measurements.length < MIN_SAMPLES) {
    if (measurements.length === 0) return defaultStartupProfile;
    // Too few to trust a percentile: half again the slowest seen.
    return {
      samples: measurements.length,
      allocateMs: Math.round(1.5 * Math.max(...measurements.map((m) => m.allocateMs))),
      startMs: Math.round(1.5 * Math.max(...measurements.map((m) => m.startMs))),
    };
  }
  return {
    samples: measurements.length,
    allocateMs: quantile(measurements.map((m) => m.allocateMs), 0.99),
    startMs: quantile(measurements.map((m) => m.startMs), 0.99),
  };
}

export interface StartupPlan {
  /** When to call allocate (ms since epoch). */
  allocateAt: number;
  /** When to call start once allocated. */
  startAt: number;
}

/** Allocate early enough for the slowest measured allocation and start, start just before the start time. */
export function planStartup(scheduledStartMs: number, profile: StartupProfile, marginMs: number): StartupPlan {
  const startAt = scheduledStartMs - profile.startMs - marginMs;
  const allocateAt = startAt - profile.allocateMs - marginMs;
  return { allocateAt, startAt };
}

/** The latest moment a live event may still be allocated or running: the end plus the grace. */
export const costDeadline = (endMs: number, graceMs: number) => endMs + graceMs;
