/**
 * Runaway cap and cost estimates. Pure.
 *
 * Default rates (USD per hour) are the AMS live event prices as published on
 * https://azure.microsoft.com/pricing/details/media-services/ (Live Video section) before the retirement; they
 * are estimates only, override them for your agreement. AMS bills a live event while it is StandBy or Running
 * (https://learn.microsoft.com/azure/media-services/latest/live-event-states-billing-concept), per minute.
 */
import { Duration } from 'luxon';
import type { BroadcastPolicy, BroadcastSpec, BroadcastStatus, EncodingType, LiveEventRates } from '../contracts/broadcast.js';
import { defaultStartupProfile, planStartup } from './schedule.js';
import type { FieldError } from './problem.js';

export const DEFAULT_MAX_DURATION_MS = 12 * 3_600_000;

/** USD per hour while Running, by encoding type; StandBy is billed at the standby rate. */
export const defaultRates: LiveEventRates = {
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

/** A broadcast sees about nine states (a re-allocation adds four); the custom status must stay under 16 KB. */
const MAX_STATES_KEPT = 12;

/**
 * Notes a live event state the orchestration saw. The time is the live event's lastModified when AMS reports it
 * (the moment it entered the state) and otherwise when the orchestration read it.
 */
export function recordLiveEventState(status: BroadcastStatus, state: string, since: string): void {
  const states = (status.liveEventStates ??= []);
  if (states.at(-1)?.state === state) return;
  // lastModified can predate the previous observation (a state entered before it was first read): keep order.
  const previous = states.at(-1)?.since;
  states.push({ state, since: previous && since < previous ? previous : since });
  if (states.length > MAX_STATES_KEPT) states.splice(1, states.length - MAX_STATES_KEPT);
}

export interface BilledSoFar {
  standbyMinutes: number;
  runningMinutes: number;
  cost: number;
  currency: string;
}

/**
 * Billed StandBy and Running time from the observed states: each state lasts until the next one observed, and the
 * last until `nowMs` (still billed) unless it is not a billed state. A state shorter than the poll interval can go
 * unseen; its time then counts toward the state seen before it.
 */
export function billedSoFar(states: ReadonlyArray<{ state: string; since: string }>, nowMs: number, encoding: EncodingType, rates = defaultRates): BilledSoFar {
  const ms = { StandBy: 0, Running: 0 } as Record<string, number>;
  states.forEach((s, i) => {
    if (s.state !== 'StandBy' && s.state !== 'Running') return;
    const to = states[i + 1] ? Date.parse(states[i + 1]!.since) : nowMs;
    ms[s.state] = (ms[s.state] ?? 0) + Math.max(0, to - Date.parse(s.since));
  });
  const minutes = (value: number) => Math.round((value / 60_000) * 1000) / 1000;
  const cost = ((ms.StandBy ?? 0) * rates.standby + (ms.Running ?? 0) * rates.running[encoding]) / 3_600_000;
  return { standbyMinutes: minutes(ms.StandBy ?? 0), runningMinutes: minutes(ms.Running ?? 0), cost: Math.round(cost * 10_000) / 10_000, currency: rates.currency };
}

/** The effective end of a live broadcast: the planned end, or the actual start plus the cap if sooner. */
export const cappedEnd = (endMs: number, actualStartMs: number | undefined, capMs: number | undefined): number =>
  actualStartMs === undefined || capMs === undefined ? endMs : Math.min(endMs, actualStartMs + capMs);

export interface CostEstimate {
  plannedAllocateAt: string;
  plannedStartAt: string;
  estimate: { standbyMinutes: number; runningMinutes: number; cost: number; currency: string; ratePerHour: { standby: number; running: number } };
}

/**
 * What a broadcast would bill, on the safe side: StandBy from the planned allocate request to the planned start
 * request (the allocation itself is not billed, so this over-counts by it), Running from the start request to the end
 * (over-counting the start-up).
 */
export function estimateForWindow(spec: Pick<BroadcastSpec, 'startAt' | 'endAt' | 'liveEvent'> & { account?: BroadcastSpec['account'] }, policy: BroadcastPolicy, rates = policy.rates ?? defaultRates, profile = planningProfile(policy, spec.account)): CostEstimate {
  const start = Date.parse(spec.startAt);
  const end = Date.parse(spec.endAt);
  const plan = planStartup(start, profile, policy.preRollMarginMs);
  // Without StandBy (the account's provider cannot allocate) the live event waits Stopped, unbilled, and runs longer.
  const standbyMinutes = profile.capabilities?.standby === false ? 0 : (plan.startAt - plan.allocateAt) / 60_000;
  const runningMinutes = (end - plan.startAt) / 60_000;
  const running = rates.running[spec.liveEvent.encoding.type];
  const cost = Math.round(((standbyMinutes * rates.standby + runningMinutes * running) / 60) * 100) / 100;
  return {
    plannedAllocateAt: new Date(plan.allocateAt).toISOString(),
    plannedStartAt: new Date(plan.startAt).toISOString(),
    estimate: { standbyMinutes: Math.max(0, Math.round(standbyMinutes * 10) / 10), runningMinutes: Math.round(runningMinutes * 10) / 10, cost, currency: rates.currency, ratePerHour: { standby: rates.standby, running } },
  };
}

/** The default start-up profile with what the account's provider allows the plan (policy.planning). */
export function planningProfile(policy: Pick<BroadcastPolicy, 'planning'>, account: BroadcastSpec['account'] | undefined) {
  const capabilities = account ? policy.planning?.[account.accountName] : undefined;
  return capabilities ? { ...defaultStartupProfile, capabilities } : defaultStartupProfile;
}
