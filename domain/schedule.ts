/**
 * Schedule math for a broadcast's start-up: when to allocate and when to start so the live event is
 * Running at the scheduled start, from start-up durations measured on earlier broadcasts.
 */
import type { StartupStrategy } from '../contracts/broadcast.js';
import type { BurstPosition, StartupProfile } from '../contracts/mediaActivities.js';
import { logNormalPredictionBound } from './startupBounds.js';

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
  // (precision) A log-normal fitted robustly (median and MAD of the logarithms; for the start, the quartiles),
  // so one 20-minute outlier does not make every later broadcast allocate 20 minutes early. The start is covered
  // to p99.9: its slack also absorbs a slow allocation, so the allocation only needs p95.
  const { allocateMs, startMs } = withinWholeBound(
    robustQuantile(measurements.map((m) => m.allocateMs), Z_ALLOCATE, 0.9),
    robustQuantile(measurements.map((m) => m.startMs), Z_START, 0.9, 'quartiles'),
    wholeStartupBound(measurements.map((m) => m.allocateMs + m.startMs)),
  );
  return { samples: measurements.length, allocateMs, startMs, startBoundMs: startBound(measurements.map((m) => m.startMs), startMs, allocateMs + startMs), ...timerLateness };
}

/**
 * (precision) How long a whole start-up (allocate + start of one broadcast) may take: the prediction bound of the next
 * one at the start's probability, from the measured whole start-ups, with the start's prior spread (the documented
 * allocations spread as much, docs/TIMINGS.md), so it is wide while measurements are few, and never below their p90. The sum of the allocate and start quantiles covers it too, but
 * overstates it once a few slow starts were measured: a slow allocation and a slow start of the same broadcast
 * rarely come together, and the sum plans for both at once.
 */
export function wholeStartupBound(wholes: readonly number[]): number {
  const { mu, sigma } = logNormalFit(wholes);
  return Math.round(Math.max(logNormalPredictionBound(mu, sigma, wholes.length, P_START_BOUND, START_SPREAD_PRIOR), quantile(wholes, 0.9)));
}

/**
 * (precision) The allocate and start quantiles, both scaled down by the same factor when their sum exceeds the whole
 * start-up's bound: the allocation lead is then that bound, and the latest safe start keeps the start's share of it.
 */
export function withinWholeBound(allocateMs: number, startMs: number, wholeMs: number): { allocateMs: number; startMs: number } {
  const sum = allocateMs + startMs;
  if (!(wholeMs < sum)) return { allocateMs, startMs };
  const factor = wholeMs / sum;
  return { allocateMs: Math.round(allocateMs * factor), startMs: Math.round(startMs * factor) };
}

/** How likely the start bound is to cover the next start. */
const P_START_BOUND = 0.999;
/**
 * What is known of AMS starts before measuring any: a p95 about four times the median (docs/TIMINGS.md: starts of
 * seconds to a minute, "a minute or two" in production, MediaLive-class "most in 3 minutes"), i.e. a spread of
 * ln 4 / 1.645 of the logarithms, worth 5 measurements. Scale-free: it widens, it does not assume seconds or minutes.
 */
const START_SPREAD_PRIOR = { sigma: Math.log(4) / 1.645, weight: 5 };

/**
 * (precision) How early the start call may go: the prediction bound of the next start from n measurements
 * (domain/startupBounds.ts), wide while they are few, narrowing to `startMs` as they grow. It never moves the
 * allocation: once StandBy, the live event starts at this bound before the start time, or at once if later.
 * Starting early turns StandBy minutes into Running minutes (the same billed minutes, at the Running price),
 * while a longer allocation lead would add billed minutes to every broadcast; it is capped at the whole lead
 * (`leadMs`: wider means "start as soon as StandBy").
 */
function startBound(starts: readonly number[], startMs: number, leadMs: number): number {
  const { mu, sigma } = logNormalFit(starts);
  const bound = logNormalPredictionBound(mu, sigma, starts.length, P_START_BOUND, START_SPREAD_PRIOR);
  return Math.round(Math.min(leadMs, Math.max(startMs, bound)));
}

const Z_ALLOCATE = 1.645; // p95
const Z_START = 3.09; // p99.9
/** Measurements are quantised by the poll interval: never assume less spread than this (log scale). */
const MIN_SIGMA = 0.3;

/**
 * The z-quantile of a log-normal fitted to `values` by the median and a robust spread of their logarithms
 * (`spread`, see logNormalFit: robust to rare outliers), at most twice the largest value and never below the empirical
 * `floorQuantile`.
 */
export function robustQuantile(values: readonly number[], z: number, floorQuantile: number, spread: 'mad' | 'quartiles' = 'mad'): number {
  const { mu, sigma } = logNormalFit(values, spread);
  // Few samples with a wide spread extrapolate wildly: never more than twice the slowest seen.
  const fitted = Math.min(Math.round(Math.exp(mu + z * sigma)), 2 * Math.max(...values));
  return Math.max(fitted, quantile(values, floorQuantile));
}

/**
 * Median and spread of the logarithms (at least MIN_SIGMA): 1.4826 × their median absolute deviation, or their
 * interquartile range / 1.349 (both σ for a normal; the quartiles weigh the upper half's spread on its own).
 */
function logNormalFit(values: readonly number[], spread: 'mad' | 'quartiles' = 'mad'): { mu: number; sigma: number } {
  const logs = values.map((v) => Math.log(Math.max(v, 1)));
  const mu = quantile(logs, 0.5);
  const sigma = spread === 'mad' ? 1.4826 * quantile(logs.map((l) => Math.abs(l - mu)), 0.5) : (quantile(logs, 0.75) - quantile(logs, 0.25)) / 1.349;
  return { mu, sigma: Math.max(MIN_SIGMA, sigma) };
}

export interface StartupPlan {
  /** When to call allocate (ms since epoch). */
  allocateAt: number;
  /** When to call start once allocated (at once if StandBy comes later). */
  startAt: number;
  /** (precision) The latest safe moment to start, when earlier than startAt is allowed: past it, not StandBy is at risk. */
  latestStartAt?: number;
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
      if (profile.capabilities?.standby === false) return planColdStart(scheduledStartMs, profile, marginMs);
      // In a burst, each broadcast of an account starts one write slot before the next, and creates and
      // allocates two slots before, so the account's write limit never makes a start wait (see burstPosition).
      const rank = profile.burst?.rank ?? 0;
      const latenessMs = profile.timerLatenessMs ?? 0;
      const latestStartAt = scheduledStartMs - profile.startMs - latenessMs - marginMs - rank * BURST_WRITE_SLOT_MS;
      const allocateAt = latestStartAt - profile.allocateMs - latenessMs - marginMs - rank * BURST_WRITE_SLOT_MS;
      // (precision) While the start's tail is uncertain, start earlier than the learned start (StandBy allowing).
      // Not in a burst: there the starts keep their write slots, and the account's write limit is what makes them late.
      if (profile.startBoundMs === undefined || profile.startBoundMs <= profile.startMs || (profile.burst?.size ?? 1) > MAX_EARLY_START_BURST) return { allocateAt, startAt: latestStartAt };
      return { allocateAt, startAt: latestStartAt - (profile.startBoundMs - profile.startMs), latestStartAt };
    }
  }
}

/**
 * (precision) Without StandBy (profile.capabilities.standby false) the live event is created and waits Stopped, not
 * billed; one start from Stopped then covers allocate and start, so the profile's start is the whole start-up (its
 * "allocate" is the create) and the start goes at its learned quantile before the start time. No early start by the
 * start bound: with StandBy that turns StandBy minutes into Running minutes, here it would add Running minutes.
 */
function planColdStart(scheduledStartMs: number, profile: StartupProfile, marginMs: number): StartupPlan {
  const slotMs = (profile.burst?.rank ?? 0) * BURST_WRITE_SLOT_MS;
  const latenessMs = profile.timerLatenessMs ?? 0;
  const startAt = scheduledStartMs - profile.startMs - latenessMs - marginMs - slotMs;
  return { allocateAt: startAt - profile.allocateMs - latenessMs - marginMs - slotMs, startAt };
}

/**
 * Spacing of the writes of one account's broadcasts in a burst. Microsoft.Media does not publish its write
 * limit; one write a second per account is what the emulator assumes (docs/TIMINGS.md).
 */
export const BURST_WRITE_SLOT_MS = 1_000;
/**
 * (precision) Early starts (startBoundMs) go when StandBy comes, so they are not spaced: allowed while the account's
 * broadcasts starting together are this few (two make about 8 writes, within the assumed bucket of 10).
 */
const MAX_EARLY_START_BURST = 2;
/**
 * (precision) How long before the start the orchestration first reads the start-up profile, and so the earliest it
 * creates a live event (unless a strategy plans earlier still): more than any learned lead takes (a start from Stopped
 * on the production tail); beyond the documented 15–20 minute starts a lead costs more than it saves. Capacity
 * reservations begin here (domain/capacity.ts reservationLeadMs).
 */
export const PREROLL_HORIZON_MS = 22 * 60_000;

/**
 * When the orchestration reads the start-up profile (preRollWakeAt): first at the pre-roll horizon, then again the
 * default plan's lead and two minutes before the start (or at the allocation if earlier), so the plan is recent.
 */
export const PROFILE_READS = { firstReadMs: PREROLL_HORIZON_MS, refreshMs: defaultStartupProfile.allocateMs + defaultStartupProfile.startMs + 2 * 60_000 };

/** Broadcasts of one account starting this close to each other form a burst. */
export const BURST_WINDOW_MS = 60_000;

/** Where a broadcast stands among its account's broadcasts starting within BURST_WINDOW_MS of it (by id). */
export function burstPosition(self: { id: string; account: string; startMs: number }, others: ReadonlyArray<{ id: string; account: string; startMs: number }>): BurstPosition {
  const peers = others.filter((o) => o.id !== self.id && o.account === self.account && Math.abs(o.startMs - self.startMs) < BURST_WINDOW_MS);
  return { rank: peers.filter((o) => o.id < self.id).length, size: peers.length + 1 };
}

/**
 * (precision) When the pre-roll wakes next. First to read the start-up profile, `lead.firstReadMs` before the start:
 * more than any lead a plan takes, so a learned lead longer than the default one is not cut short by reading late.
 * Then to read it again (`fresh` false) at the planned allocation or `lead.refreshMs` before the start, whichever
 * comes first, so the plan rests on recent measurements; then (`fresh`) at the allocation.
 */
export function preRollWakeAt(scheduledStartMs: number, marginMs: number, strategy: StartupStrategy | undefined, lead: { firstReadMs: number; refreshMs: number }, read?: { profile: StartupProfile; fresh: boolean }): number {
  if (!read) return profileReadAt(scheduledStartMs, lead.firstReadMs, marginMs, strategy);
  const { allocateAt } = planStartup(scheduledStartMs, read.profile, marginMs, strategy);
  return read.fresh ? allocateAt : Math.min(allocateAt, scheduledStartMs - lead.refreshMs);
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
