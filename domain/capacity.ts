/**
 * Live event capacity: which window of time a broadcast holds a live event slot on its account, and whether a
 * new window fits an account's quota. Pure; the ledger orchestration (orchestrators/capacityLedger.ts) decides
 * with it one request at a time, and unit tests call it directly.
 */
import type { StartupStrategy } from '../contracts/broadcast.js';
import type { AccountCapacity } from '../contracts/settings.js';
import { defaultStartupProfile, planStartup, PREROLL_HORIZON_MS } from './schedule.js';

/** AMS's default limits per account (https://learn.microsoft.com/azure/media-services/latest/limits-quotas-constraints-reference). */
export const DEFAULT_LIVE_EVENT_QUOTA = 5;
export const DEFAULT_LIVE_OUTPUTS_PER_EVENT = 3;

export type { AccountCapacity } from '../contracts/settings.js';

/** A broadcast's hold on one live event slot: [from, to) in ms since epoch. */
export interface SlotReservation {
  broadcastId: string;
  from: number;
  to: number;
}

/**
 * How long before its start a broadcast holds its live event slot: from the earliest moment its orchestration may
 * create the live event, the first read of the start-up profile (PREROLL_HORIZON_MS) or the strategy's own earlier
 * plan. A learned lead longer than the default one (a production-tail start-up) then never creates a live event
 * outside its reservation, where it could take another broadcast's place in the account's quota.
 */
export function reservationLeadMs(marginMs: number, strategy?: StartupStrategy): number {
  return Math.max(PREROLL_HORIZON_MS, -planStartup(0, defaultStartupProfile, marginMs, strategy).allocateAt);
}

/** The slot a broadcast occupies: from its planned allocation until its end plus the grace. */
export function occupancyWindow(startMs: number, endMs: number, leadMs: number, graceMs: number): { from: number; to: number } {
  return { from: startMs - leadMs, to: endMs + graceMs };
}

export interface QuotaExceeded {
  /** The first instant of the candidate window at which the quota would be exceeded. */
  firstExceededAt: number;
  /** The broadcasts holding the account's slots at that instant. */
  conflicts: SlotReservation[];
}

/**
 * Whether `candidate` fits beside `existing` within `quota` concurrent slots, and if not, the first instant the
 * quota is exceeded and who holds the slots then. Reservations of the same broadcast are ignored (a reschedule
 * replaces its own window). Windows are half-open: one ending at t and another starting at t do not overlap.
 */
export function checkQuota(existing: readonly SlotReservation[], candidate: SlotReservation, quota: number): QuotaExceeded | undefined {
  const overlapping = existing.filter((r) => r.broadcastId !== candidate.broadcastId && r.from < candidate.to && r.to > candidate.from);
  // The count only rises where a window begins: check the candidate's start and each later start inside it.
  // One sweep over sorted starts and ends (O(n log n)): the ledger checks every request against the account's windows.
  const starts = overlapping.map((r) => Math.max(r.from, candidate.from)).sort((a, b) => a - b);
  const ends = overlapping.map((r) => r.to).sort((a, b) => a - b);
  let started = 0;
  let ended = 0;
  for (const at of [candidate.from, ...starts]) {
    while (started < starts.length && (starts[started] as number) <= at) started++;
    while (ended < ends.length && (ends[ended] as number) <= at) ended++;
    // Half-open windows: started (from ≤ at) minus ended (to ≤ at) hold a slot at `at`.
    if (started - ended + 1 > quota) return { firstExceededAt: at, conflicts: overlapping.filter((r) => r.from <= at && r.to > at) };
  }
  return undefined;
}

export type Placement =
  | { ok: true; accountName: string }
  | { ok: false; refusals: Array<{ accountName: string } & QuotaExceeded> };

/**
 * The first account of the pool (in configured order) with a free slot for the whole window; a pinned broadcast
 * only considers its account. The ledger applies the same rule account by account.
 */
export function placeBroadcast(
  candidate: SlotReservation,
  pool: readonly AccountCapacity[],
  reservations: Readonly<Record<string, readonly SlotReservation[]>>,
  pinned?: string,
): Placement {
  const refusals: Array<{ accountName: string } & QuotaExceeded> = [];
  for (const account of pool) {
    if (pinned !== undefined && account.accountName !== pinned) continue;
    const exceeded = checkQuota(reservations[account.accountName] ?? [], candidate, account.liveEventQuota);
    if (!exceeded) return { ok: true, accountName: account.accountName };
    refusals.push({ accountName: account.accountName, ...exceeded });
  }
  return { ok: false, refusals };
}
