/**
 * Broadcasts as durable instances: the spec is the orchestration's input, the live status its custom
 * status. Used by the HTTP API, the calendar sync and inbound webhooks alike.
 */
import * as df from 'durable-functions';
import {
  BroadcastEvents,
  broadcastInstanceId,
  broadcastOrchestrator,
  TerminalPhases,
  type BroadcastOrchestrationInput,
  type BroadcastPhase,
  type BroadcastPolicy,
  type BroadcastSpec,
  type RescheduleEvent,
} from '../contracts/broadcast.js';
import { phaseOf, toBroadcastView, type BroadcastView } from '../domain/broadcastView.js';

export class BroadcastNotFoundError extends Error {}
export class BroadcastConflictError extends Error {}

export interface ListQuery {
  phase?: BroadcastPhase;
  /** Broadcasts ending after this instant. */
  from?: number;
  /** Broadcasts starting before this instant. */
  to?: number;
  top: number;
  continuationToken?: string;
}

const PRE_START: readonly BroadcastPhase[] = ['scheduled', 'allocating', 'standby'];

export function createBroadcastService(client: df.DurableClient, policy: BroadcastPolicy) {
  async function find(id: string): Promise<df.DurableOrchestrationStatus | undefined> {
    try {
      const status = await client.getStatus(broadcastInstanceId(id), { showInput: true });
      return status.name === broadcastOrchestrator ? status : undefined;
    } catch (error) {
      if (error instanceof Error && /404/.test(error.message)) return undefined;
      throw error;
    }
  }

  async function require(id: string): Promise<df.DurableOrchestrationStatus> {
    const status = await find(id);
    if (!status) throw new BroadcastNotFoundError(`No broadcast with id '${id}'.`);
    return status;
  }

  async function raise(id: string, event: string, data: unknown, allowed: readonly BroadcastPhase[], what: string): Promise<BroadcastView> {
    const status = await require(id);
    const phase = phaseOf(status);
    if (!allowed.includes(phase)) throw new BroadcastConflictError(`Cannot ${what} broadcast '${id}': it is ${phase}.`);
    await client.raiseEvent(broadcastInstanceId(id), event, data);
    return toBroadcastView(status);
  }

  return {
    /** Idempotent on the id: the same spec again returns the existing broadcast; a different one is a conflict. */
    async schedule(spec: BroadcastSpec): Promise<{ created: boolean; broadcast: BroadcastView }> {
      const existing = await find(spec.id);
      if (existing) {
        const same = JSON.stringify({ ...(existing.input as BroadcastOrchestrationInput).spec, origin: undefined }) === JSON.stringify({ ...spec, origin: undefined });
        if (!same) throw new BroadcastConflictError(`A different broadcast with id '${spec.id}' already exists.`);
        return { created: false, broadcast: toBroadcastView(existing) };
      }
      const input: BroadcastOrchestrationInput = { spec, policy };
      try {
        await client.startNew(broadcastOrchestrator, { instanceId: broadcastInstanceId(spec.id), input });
      } catch (error) {
        // Lost a race with an identical request: answer with what exists.
        if (await find(spec.id)) return this.schedule(spec);
        throw error;
      }
      return { created: true, broadcast: toBroadcastView(await require(spec.id)) };
    },

    async get(id: string): Promise<BroadcastView | undefined> {
      const status = await find(id);
      return status ? toBroadcastView(status) : undefined;
    },

    async spec(id: string): Promise<{ spec: BroadcastSpec; phase: BroadcastPhase }> {
      const status = await require(id);
      return { spec: (status.input as BroadcastOrchestrationInput).spec, phase: phaseOf(status) };
    },

    async list(query: ListQuery): Promise<{ items: BroadcastView[]; continuationToken?: string }> {
      const all = (await client.getStatusBy({}))
        .filter((s) => s.name === broadcastOrchestrator && s.input)
        .map((s) => toBroadcastView(s))
        .filter((b) => !query.phase || b.phase === query.phase)
        .filter((b) => query.from === undefined || Date.parse(b.endAt) >= query.from)
        .filter((b) => query.to === undefined || Date.parse(b.startAt) <= query.to)
        .sort((a, b) => a.startAt.localeCompare(b.startAt) || a.id.localeCompare(b.id));
      const offset = query.continuationToken ? Number(Buffer.from(query.continuationToken, 'base64url').toString()) || 0 : 0;
      const items = all.slice(offset, offset + query.top);
      const next = offset + query.top < all.length ? Buffer.from(String(offset + query.top)).toString('base64url') : undefined;
      return { items, continuationToken: next };
    },

    reschedule: (id: string, change: RescheduleEvent) => raise(id, BroadcastEvents.reschedule, change, PRE_START, 'reschedule or change'),
    extend: (id: string, endAt: string) => raise(id, BroadcastEvents.extend, { endAt }, ['live', ...PRE_START], 'change the end of'),
    stopNow: (id: string, reason?: string) => raise(id, BroadcastEvents.stopNow, { reason }, ['scheduled', 'allocating', 'standby', 'starting', 'live'], 'stop'),
    cancel: (id: string, reason?: string) => raise(id, BroadcastEvents.cancel, { reason }, ['scheduled', 'allocating', 'standby', 'starting', 'live'], 'cancel'),
    isTerminal: (phase: BroadcastPhase) => TerminalPhases.includes(phase),
  };
}

export type BroadcastService = ReturnType<typeof createBroadcastService>;
