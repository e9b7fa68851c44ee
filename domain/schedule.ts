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
export function startupProfileFrom(measurements: ReadonlyArray<{ allocateMs: number; startMs: number; timerLatenessMs?: number }>): StartupProfile {
  if (measurements.length === 0) return defaultStartupProfile;
  const lateness = measurements.map((m) => m.timerLatenessMs).filter((l): l is number => typeof l === 'number' && l >= 0);
  // Too few to trust a percentile: half again the slowest seen.
  const summarise = (values: number[]) => (values.length < MIN_SAMPLES ? Math.round(1.5 * Math.max(...values)) : quantile(values, 0.99));
  return {
    samples: measurements.length,
    allocateMs: summarise(measurements.map((m) => m.allocateMs)),
    startMs: summarise(measurements.map((m) => m.startMs)),
    ...(lateness.length > 0 ? { timerLatenessMs: summarise(lateness) } : {}),
  };
}

export interface StartupPlan {
  /** When to call allocate (ms since epoch). */
  allocateAt: number;
  /** When to call start once allocated. */
  startAt: number;
}

/**
 * Allocate early enough for the slowest measured allocation and start, start just before the start time. Both
 * wake-ups are durable timers, and each may fire late by the measured timer lateness.
 */
export function planStartup(scheduledStartMs: number, profile: StartupProfile, marginMs: number): StartupPlan {
  const latenessMs = profile.timerLatenessMs ?? 0;
  const startAt = scheduledStartMs - profile.startMs - latenessMs - marginMs;
  const allocateAt = startAt - profile.allocateMs - latenessMs - marginMs;
  return { allocateAt, startAt };
}

/**
 * Longest durable timer the orchestration creates. Azure Storage splits timers over 6 days into 3-day segments and
 * stops segmenting a cancelled one while durable-functions keeps counting, so a cancelled long timer can hang the
 * orchestration. Waiting in steps of at most 3 days (re-armed) never creates a long timer at all.
 */
export const MAX_TIMER_MS = 3 * 24 * 3_600_000;

/** The fire time of the next timer on the way to `untilMs`: never in the past, never more than MAX_TIMER_MS ahead. */
export const nextTimerAt = (nowMs: number, untilMs: number): number => Math.min(Math.max(untilMs, nowMs), nowMs + MAX_TIMER_MS);

/** The latest moment a live event may still be allocated or running: the end plus the grace. */
export const costDeadline = (endMs: number, graceMs: number) => endMs + graceMs;
