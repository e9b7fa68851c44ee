/**
 * One pass of the leak reaper over every configured account: list live events, find their owners, and
 * for each orphan re-read the event and its owner just before acting (a listing can be minutes old under
 * load), then report what really happened.
 */
import type * as df from 'durable-functions';
import type { BroadcastStatus } from '../contracts/broadcast.js';
import { broadcastInstanceId } from '../contracts/broadcast.js';
import type { LiveEventJanitor, LiveEventSummary, MediaAccountRef } from '../contracts/media.js';
import { isBroadcastId } from '../domain/broadcastRequest.js';
import { decideReaping, type OwnerState, type ReapDecision } from '../domain/reaper.js';

/** stopped / deleted: done now; already-gone: AMS answered 404; unchanged: the fresh read no longer warranted it. */
export type ReapOutcome = 'stopped' | 'deleted' | 'already-gone' | 'unchanged' | 'failed';

export interface ReapAction extends ReapDecision {
  account: string;
  /** When the fresh read confirmed the decision (ISO). */
  decidedAt: string;
  outcome: ReapOutcome;
  error?: string;
}

export interface ReapReport {
  at: string;
  accounts: Array<{ account: string; examined: number; error?: string }>;
  examined: number;
  actions: ReapAction[];
}

export interface ReapDeps {
  janitor: LiveEventJanitor;
  client: df.DurableClient;
  accounts: readonly MediaAccountRef[];
  /**
   * "Now", read at the start of the run and again at each decision: the triggers' clock (functions/triggerClock.ts),
   * the real time in Azure, the host's clock locally (accelerated or simulated: real time elapsed is not its time).
   */
  now: () => number;
  graceMs: number;
  deleteOrphans: boolean;
  /** This deployment's managedBy tag value. */
  managedBy: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export async function reapOnce(deps: ReapDeps): Promise<ReapReport> {
  const options = () => ({ now: deps.now(), graceMs: deps.graceMs, deleteOrphans: deps.deleteOrphans, managedBy: deps.managedBy });
  const report: ReapReport = { at: new Date(deps.now()).toISOString(), accounts: [], examined: 0, actions: [] };

  for (const account of deps.accounts) {
    let events: LiveEventSummary[];
    try {
      events = await deps.janitor.listLiveEvents(account);
    } catch (error) {
      report.accounts.push({ account: account.accountName, examined: 0, error: message(error) });
      continue;
    }
    report.accounts.push({ account: account.accountName, examined: events.length });
    report.examined += events.length;
    const owners = await ownersOf(deps.client, events);
    for (const decision of decideReaping(events, owners, options())) {
      report.actions.push({ account: account.accountName, ...(await actOn(deps, account, decision, options)) });
    }
  }
  return report;
}

async function actOn(deps: ReapDeps, account: MediaAccountRef, listed: ReapDecision, options: () => Parameters<typeof decideReaping>[2]): Promise<Omit<ReapAction, 'account'>> {
  try {
    const fresh = await deps.janitor.getLiveEvent(account, listed.liveEventName);
    const decidedAt = new Date(options().now).toISOString();
    if (!fresh) return { ...listed, decidedAt, outcome: 'already-gone' };
    const decision = decideReaping([fresh], await ownersOf(deps.client, [fresh]), options())[0];
    if (!decision || decision.action !== listed.action) return { ...listed, decidedAt, outcome: 'unchanged' };
    const done = decision.action === 'stop'
      ? await deps.janitor.stopLiveEvent(account, decision.liveEventName, { removeOutputs: true })
      : await deps.janitor.deleteLiveEvent(account, decision.liveEventName);
    return { ...decision, decidedAt, outcome: done === 'gone' ? 'already-gone' : decision.action === 'stop' ? 'stopped' : 'deleted' };
  } catch (error) {
    return { ...listed, decidedAt: new Date(options().now).toISOString(), outcome: 'failed', error: message(error) };
  }
}

async function ownersOf(client: df.DurableClient, events: readonly LiveEventSummary[]): Promise<Map<string, OwnerState | undefined>> {
  const owners = new Map<string, OwnerState | undefined>();
  for (const id of new Set(events.map((e) => e.tags.broadcastId).filter((id): id is string => !!id))) {
    // A tag that is not a valid id cannot name a broadcast (and must not reach a Durable URL).
    owners.set(id, isBroadcastId(id) ? await ownerState(client, id) : undefined);
  }
  return owners;
}

async function ownerState(client: df.DurableClient, broadcastId: string): Promise<OwnerState | undefined> {
  try {
    const status = await client.getStatus(broadcastInstanceId(broadcastId));
    const custom = status.customStatus as BroadcastStatus | undefined;
    return { runtimeStatus: String(status.runtimeStatus), phase: custom?.phase, endAt: custom?.endAt };
  } catch (error) {
    if (/404/.test(String(error))) return undefined;
    throw error;
  }
}
