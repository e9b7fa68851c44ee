/**
 * Which live events the reaper stops: billed (StandBy or Running) ones that no active broadcast owns,
 * once they are older than the grace. Also stopped orphans it may delete. Only live events this
 * deployment created (tag managedBy = its deployment id) are ever considered: the others belong to
 * someone else, whatever their state. Pure.
 */
import type { LiveEventSummary } from '../contracts/media.js';
import { ManagedByTag } from '../contracts/settings.js';

export interface OwnerState {
  /** Durable runtime status of broadcast-{id}. */
  runtimeStatus: string;
  /** Phase from its custom status, if any. */
  phase?: string;
  /** Current end of the broadcast (ISO). */
  endAt?: string;
}

export type ReapAction = 'stop' | 'delete';

export interface ReapDecision {
  liveEventName: string;
  action: ReapAction;
  reason: string;
}

const BILLED = ['StandBy', 'Running'];
const ACTIVE_RUNTIME = ['Pending', 'Running', 'Suspended', 'ContinuedAsNew'];
const TERMINAL_PHASES = ['ended', 'cancelled', 'failed'];

export function decideReaping(
  liveEvents: readonly LiveEventSummary[],
  owners: ReadonlyMap<string, OwnerState | undefined>,
  options: { now: number; graceMs: number; deleteOrphans: boolean; managedBy: string },
): ReapDecision[] {
  const decisions: ReapDecision[] = [];
  for (const event of liveEvents) {
    if (event.tags[ManagedByTag] !== options.managedBy) continue;
    const ownerId = event.tags.broadcastId;
    const owner = ownerId ? owners.get(ownerId) : undefined;
    const why = orphanReason(ownerId, owner, options.now, options.graceMs);
    if (!why) continue;
    const lastChange = Date.parse(event.lastModifiedAt ?? event.createdAt ?? '') || 0;
    const settled = options.now - lastChange >= options.graceMs;
    if (BILLED.includes(event.resourceState)) {
      // A broadcast past its end plus grace is overdue whatever its last change; a fresh orphan may still be claimed.
      if (settled || why.overdue) decisions.push({ liveEventName: event.name, action: 'stop', reason: why.reason });
    } else if (event.resourceState === 'Stopped' && options.deleteOrphans && settled) {
      decisions.push({ liveEventName: event.name, action: 'delete', reason: why.reason });
    }
  }
  return decisions;
}

function orphanReason(ownerId: string | undefined, owner: OwnerState | undefined, now: number, graceMs: number): { reason: string; overdue?: boolean } | undefined {
  if (!ownerId) return { reason: 'no broadcastId tag' };
  if (!owner) return { reason: `broadcast ${ownerId} does not exist` };
  if (!ACTIVE_RUNTIME.includes(owner.runtimeStatus)) return { reason: `broadcast ${ownerId} is ${owner.runtimeStatus}` };
  if (owner.phase && TERMINAL_PHASES.includes(owner.phase)) return { reason: `broadcast ${ownerId} is ${owner.phase}` };
  if (owner.endAt && now > Date.parse(owner.endAt) + graceMs) return { reason: `broadcast ${ownerId} is past its end plus grace`, overdue: true };
  return undefined;
}
