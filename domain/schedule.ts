/**
 * Schedule math for a broadcast's start-up: when to allocate and when to start so the live event is
 * Running at the scheduled start, from start-up durations measured on earlier broadcasts.
 */
import type { StartupStrategy } from '../contracts/broadcast.js';
import type { BurstPosition, StartupProfile } from '../contracts/mediaActivities.js';

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
  const slowest = (values: number[]) => Math.round(1.5 * Math.max(...values));
  const timerLateness = lateness.length > 0 ? { timerLatenessMs: lateness.length < MIN_SAMPLES ? slowest(lateness) : quantile(lateness, 0.99) } : {};
  if (measurements.length < MIN_SAMPLES) {
    return { samples: measurements.length, allocateMs: slowest(measurements.map((m) => m.allocateMs)), startMs: slowest(measurements.map((m) => m.startMs)), ...timerLateness };
  }
  // (precision) A log-normal fitted robustly (median and MAD of the logarithms), so one 20-minute outlier
  // does not make every later broadcast allocate 20 minutes early. The start is covered to p99.9: its slack
  // also absorbs a slow allocation, so the allocation only needs p95.
  return {
    samples: measurements.length,
    allocateMs: robustQuantile(measurements.map((m) => m.allocateMs), Z_ALLOCATE, 0.9),
    startMs: robustQuantile(measurements.map((m) => m.startMs), Z_START, 0.9),
    ...timerLateness,
  };
}

const Z_ALLOCATE = 1.645; // p95
const Z_START = 3.09; // p99.9
/** Measurements are quantised by the poll interval: never assume less spread than this (log scale). */
const MIN_SIGMA = 0.3;

/**
 * The z-quantile of a log-normal fitted to `values` by the median and the median absolute deviation of their
 * logarithms (robust to rare outliers), at most twice the largest value and never below the empirical
 * `floorQuantile`.
 */
export function robustQuantile(values: readonly number[], z: number, floorQuantile: number): number {
  const logs = values.map((v) => Math.log(Math.max(v, 1)));
  const mu = quantile(logs, 0.5);
  const sigma = Math.max(MIN_SIGMA, 1.4826 * quantile(logs.map((l) => Math.abs(l - mu)), 0.5));
  // Few samples with a wide spread extrapolate wildly: never more than twice the slowest seen.
  const fitted = Math.min(Math.round(Math.exp(mu + z * sigma)), 2 * Math.max(...values));
  return Math.max(fitted, quantile(values, floorQuantile));
}

export interface StartupPlan {
  /** When to call allocate (ms since epoch). */
  allocateAt: number;
  /** When to call start once allocated. */
  startAt: number;
}

/**
 * Allocate early enough for the slowest measured allocation and start, start just before the start time
 * (`learned`, the default); the other strategies are baselines the precision benchmark compares with.
 * Both wake-ups are durable timers, and each may fire late by the measured timer lateness.
 */
export function planStartup(scheduledStartMs: number, profile: StartupProfile, marginMs: number, strategy: StartupStrategy = { kind: 'learned' }): StartupPlan {
  switch (strategy.kind) {
    case 'start-at-T':
      return { allocateAt: scheduledStartMs, startAt: scheduledStartMs };
    case 'fixed-lead':
      return { allocateAt: scheduledStartMs - strategy.leadMs, startAt: scheduledStartMs - strategy.leadMs };
    case 'oracle': {
      // Start exactly one start duration ahead; create and allocate so StandBy is reached just before,
      // with one margin for the poll that notices each state change.
      const startAt = scheduledStartMs - strategy.startMs;
      return { allocateAt: startAt - strategy.allocateMs - strategy.createMs - 2 * marginMs, startAt };
    }
    case 'learned': {
      // In a burst, each broadcast of an account starts one write slot before the next, and creates and
      // allocates two slots before, so the account's write limit never makes a start wait (see burstPosition).
      const rank = profile.burst?.rank ?? 0;
      const latenessMs = profile.timerLatenessMs ?? 0;
      const startAt = scheduledStartMs - profile.startMs - latenessMs - marginMs - rank * BURST_WRITE_SLOT_MS;
      const allocateAt = startAt - profile.allocateMs - latenessMs - marginMs - rank * BURST_WRITE_SLOT_MS;
      return { allocateAt, startAt };
    }
  }
}

/**
 * Spacing of the writes of one account's broadcasts in a burst. Microsoft.Media does not publish its write
 * limit; one write a second per account is what the emulator assumes (docs/TIMINGS.md).
 */
export const BURST_WRITE_SLOT_MS = 1_000;
/** Broadcasts of one account starting this close to each other form a burst. */
export const BURST_WINDOW_MS = 60_000;

/** Where a broadcast stands among its account's broadcasts starting within BURST_WINDOW_MS of it (by id). */
export function burstPosition(self: { id: string; account: string; startMs: number }, others: ReadonlyArray<{ id: string; account: string; startMs: number }>): BurstPosition {
  const peers = others.filter((o) => o.id !== self.id && o.account === self.account && Math.abs(o.startMs - self.startMs) < BURST_WINDOW_MS);
  return { rank: peers.filter((o) => o.id < self.id).length, size: peers.length + 1 };
}

/** When to read the start-up profile: `leadMs` before the start, or earlier if the strategy allocates earlier still. */
export function profileReadAt(scheduledStartMs: number, leadMs: number, marginMs: number, strategy?: StartupStrategy): number {
  return Math.min(scheduledStartMs - leadMs, planStartup(scheduledStartMs, defaultStartupProfile, marginMs, strategy).allocateAt);
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

export type PreRollCheck = { kind: 'on-track' } | { kind: 'at-risk'; startNow: boolean };

/**
 * While the live event is being created and allocated: past the latest safe moment to start (the planned
 * start), a live event not yet StandBy puts the broadcast at risk. One still Stopped and idle (its
 * allocation was refused, throttled away or rolled back) is started at once: a start from Stopped is one
 * operation where allocate-then-start is two.
 */
export function preRollCheck(nowMs: number, latestSafeStartMs: number, state: string | undefined, busy: boolean): PreRollCheck {
  if (nowMs < latestSafeStartMs || state === 'StandBy' || state === 'Running' || state === 'Starting') return { kind: 'on-track' };
  return { kind: 'at-risk', startNow: state === 'Stopped' && !busy };
}
