/**
 * Runaway cap and cost estimates. Pure.
 *
 * Default rates (USD per hour) are the AMS live event prices as published on
 * https://azure.microsoft.com/pricing/details/media-services/ (Live Video section) before the retirement; they
 * are estimates only, override them for your agreement. AMS bills a live event while it is StandBy or Running
 * (https://learn.microsoft.com/azure/media-services/latest/live-event-states-billing-concept), per minute.
 */
import { Duration } from 'luxon';
import type { BroadcastPolicy, BroadcastSpec, EncodingType } from '../contracts/broadcast.js';
import { defaultStartupProfile, planStartup } from './schedule.js';
import type { FieldError } from './problem.js';

export const DEFAULT_MAX_DURATION_MS = 12 * 3_600_000;

/** USD per hour while Running, by encoding type; StandBy is billed at the standby rate. */
export const defaultRates: { running: Record<EncodingType, number>; standby: number; currency: string } = {
  running: { PassthroughBasic: 0.792, PassthroughStandard: 1.584, Standard: 2.376, Premium1080p: 3.96 },
  standby: 0.132,
  currency: 'USD',
};

const durationMs = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const d = Duration.fromISO(value);
  return d.isValid ? d.toMillis() : undefined;
};

/**
 * The runaway cap on a window: the broadcast's own maxDuration (lower than the setting) or the setting.
 * `requested` is the request body's maxDuration (validated here), `stored` the broadcast's.
 */
export function durationErrors(startAt: string, endAt: string, capMs: number, requested?: unknown, stored?: string): FieldError[] {
  const errors: FieldError[] = [];
  let limit = capMs;
  if (requested !== undefined) {
    const ms = durationMs(requested);
    if (ms === undefined || ms < 60_000 || ms > capMs) {
      errors.push({ field: '/maxDuration', message: `must be an ISO 8601 duration from PT1M to the maximum ${Duration.fromMillis(capMs).shiftTo('hours', 'minutes').toISO()}` });
      return errors;
    }
    limit = ms;
  } else if (stored !== undefined) limit = Math.min(capMs, durationMs(stored) ?? capMs);
  const length = Date.parse(endAt) - Date.parse(startAt);
  if (length > limit) errors.push({ field: '/endAt', message: `a broadcast lasts at most ${Duration.fromMillis(limit).shiftTo('hours', 'minutes').toISO()} (maxDuration)` });
  return errors;
}

/** The cap of one broadcast: the setting, or its own maxDuration when lower; undefined when neither is set. */
export function runawayCapMs(settingMs: number | undefined, maxDuration: string | undefined): number | undefined {
  const own = durationMs(maxDuration);
  if (settingMs === undefined) return own;
  return own === undefined ? settingMs : Math.min(settingMs, own);
}

/** The effective end of a live broadcast: the planned end, or the actual start plus the cap if sooner. */
export const cappedEnd = (endMs: number, actualStartMs: number | undefined, capMs: number | undefined): number =>
  actualStartMs === undefined || capMs === undefined ? endMs : Math.min(endMs, actualStartMs + capMs);

export interface CostEstimate {
  plannedAllocateAt: string;
  plannedStartAt: string;
  estimate: { standbyMinutes: number; runningMinutes: number; cost: number; currency: string; ratePerHour: { standby: number; running: number } };
}

/** What a broadcast would bill: StandBy from the planned allocation to the start, Running from the start to the end. */
export function estimateForWindow(spec: Pick<BroadcastSpec, 'startAt' | 'endAt' | 'liveEvent'>, policy: BroadcastPolicy, rates = defaultRates, profile = defaultStartupProfile): CostEstimate {
  const start = Date.parse(spec.startAt);
  const end = Date.parse(spec.endAt);
  const plan = planStartup(start, profile, policy.preRollMarginMs);
  const standbyMinutes = (start - plan.allocateAt - profile.allocateMs) / 60_000;
  const runningMinutes = (end - start) / 60_000;
  const running = rates.running[spec.liveEvent.encoding.type];
  const cost = Math.round(((standbyMinutes * rates.standby + runningMinutes * running) / 60) * 100) / 100;
  return {
    plannedAllocateAt: new Date(plan.allocateAt).toISOString(),
    plannedStartAt: new Date(plan.startAt).toISOString(),
    estimate: { standbyMinutes: Math.max(0, Math.round(standbyMinutes * 10) / 10), runningMinutes: Math.round(runningMinutes * 10) / 10, cost, currency: rates.currency, ratePerHour: { standby: rates.standby, running } },
  };
}
