/** One pass of the leak reaper: list live events, find their owners, stop (and delete) the orphans. */
import type * as df from 'durable-functions';
import type { BroadcastStatus } from '../contracts/broadcast.js';
import { broadcastInstanceId } from '../contracts/broadcast.js';
import type { LiveEventJanitor, MediaAccountRef } from '../contracts/media.js';
import { decideReaping, type OwnerState, type ReapDecision } from '../domain/reaper.js';

export interface ReapReport {
  at: string;
  examined: number;
  actions: Array<ReapDecision & { ok: boolean; error?: string }>;
}

export async function reapOnce(deps: {
  janitor: LiveEventJanitor;
  client: df.DurableClient;
  account: MediaAccountRef;
  now: number;
  graceMs: number;
  deleteOrphans: boolean;
}): Promise<ReapReport> {
  const events = await deps.janitor.listLiveEvents(deps.account);
  const owners = new Map<string, OwnerState | undefined>();
  for (const id of new Set(events.map((e) => e.tags.broadcastId).filter((id): id is string => !!id))) {
    owners.set(id, await ownerState(deps.client, id));
  }
  const decisions = decideReaping(events, owners, { now: deps.now, graceMs: deps.graceMs, deleteOrphans: deps.deleteOrphans });
  const actions: ReapReport['actions'] = [];
  for (const decision of decisions) {
    try {
      if (decision.action === 'stop') await deps.janitor.stopLiveEvent(deps.account, decision.liveEventName, { removeOutputs: true });
      else await deps.janitor.deleteLiveEvent(deps.account, decision.liveEventName);
      actions.push({ ...decision, ok: true });
    } catch (error) {
      actions.push({ ...decision, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { at: new Date(deps.now).toISOString(), examined: events.length, actions };
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
