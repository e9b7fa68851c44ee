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
import { isBroadcastId } from '../domain/broadcastRequest.js';
import { phaseOf, toBroadcastView, type BroadcastView, type InstanceStatus } from '../domain/broadcastView.js';
import type { FieldError } from '../domain/problem.js';
import { durationErrors } from '../domain/cost.js';
import { occupancyWindow, reservationLeadMs, type AccountCapacity, type SlotReservation } from '../domain/capacity.js';
import type { MediaAccountRef } from '../contracts/media.js';
import { createCapacityLedgerClient } from './capacityLedger.js';
import { queryInstances, readInstance, type InstanceJson } from './instanceQuery.js';

export class BroadcastNotFoundError extends Error {}
export class BroadcastConflictError extends Error {}
/** No account of the pool (or the pinned one) has a free live event slot for the whole window. */
export class CapacityConflictError extends BroadcastConflictError {
  constructor(
    readonly refusals: Array<{ accountName: string; firstExceededAt: string; conflicts: Array<{ broadcastId: string; from: string; to: string }>; conflictCount: number }>,
  ) {
    const first = refusals[0];
    super(
      first
        ? `No live event slot for the whole window: on '${first.accountName}' the quota is exceeded from ${first.firstExceededAt} (held by ${first.conflicts.map((c) => c.broadcastId).join(', ')}).`
        : 'No media account to place the broadcast on.',
    );
  }
}

/** The window is longer than the runaway cap (BROADCAST_MAX_DURATION or the broadcast's maxDuration). */
export class BroadcastTooLongError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

/** Where a broadcast would go: the account and the slot window it would hold. */
export interface PlacementPlan {
  accountName: string;
  from: string;
  to: string;
}

/** The pool with its quotas; without it (older callers, tests) no placement is done. */
export interface CapacitySettings {
  accounts: AccountCapacity[];
  pool: MediaAccountRef[];
  /** Runaway cap every caller's create, reschedule and extend is held to (the API checks it first, naming fields). */
  maxDurationMs?: number;
}

/** A continuation token this service did not issue. */
export class BadContinuationError extends Error {}

const INSTANCE_PREFIX = broadcastInstanceId('');
/** Underlying pages read per list call at most: every call does bounded work, whatever the number of broadcasts. */
const MAX_PAGES_PER_LIST = 4;
/** A broadcast is never created after its start (starts in the past are refused, with a one-minute tolerance). */
const START_TOLERANCE_MS = 60_000;

/** Which runtime statuses can show a phase: the filter the durable store applies before anything is read. */
const ACTIVE = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'];
const statusesFor = (phase: BroadcastPhase): string[] =>
  phase === 'ended' ? ['Completed'] : phase === 'cancelled' ? ['Completed', 'Terminated'] : phase === 'failed' ? ['Completed', 'Failed'] : ACTIVE;

/** A view, or why the instance cannot be read as a broadcast (e.g. started by hand with input `{}`). */
export function readBroadcast(instance: InstanceStatus): { ok: true; view: BroadcastView } | { ok: false; reason: string } {
  const spec = (instance.input as Partial<BroadcastOrchestrationInput> | null)?.spec;
  if (!spec || !isBroadcastId(spec.id) || typeof spec.startAt !== 'string' || typeof spec.endAt !== 'string' || !spec.liveEvent || !spec.recording || !spec.origin) {
    return { ok: false, reason: 'its input is not a broadcast spec' };
  }
  try {
    return { ok: true, view: toBroadcastView(instance, Date.now()) };
  } catch {
    return { ok: false, reason: 'its status cannot be read' };
  }
}

/** Continuation tokens are the durable store's own, wrapped; checked strictly because they travel in a header. */
const wrapToken = (token: string) => Buffer.from(token, 'utf8').toString('base64url');
function unwrapToken(token: string): string {
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new BadContinuationError('continuationToken is not one this API issued');
  const raw = Buffer.from(token, 'base64url').toString('utf8');
  if (raw === '' || !/^[\x20-\x7e]+$/.test(raw)) throw new BadContinuationError('continuationToken is not one this API issued');
  return raw;
}

export interface ListQuery {
  phase?: BroadcastPhase;
  /** Broadcasts ending after this instant. */
  from?: number;
  /** Broadcasts starting before this instant. */
  to?: number;
  top: number;
  continuationToken?: string;
  /** Only broadcasts whose id starts with this (e.g. the calendar's own ids). */
  idPrefix?: string;
}

const PRE_START: readonly BroadcastPhase[] = ['scheduled', 'allocating', 'standby'];

export function createBroadcastService(client: df.DurableClient, policy: BroadcastPolicy, capacity?: CapacitySettings) {
  const ledger = createCapacityLedgerClient(client);
  const leadMs = reservationLeadMs(policy.preRollMarginMs, policy.startup);
  const iso = (ms: number) => new Date(ms).toISOString();

  /**
   * Holds a slot for the broadcast's whole window on the first account of `candidates` with room (the ledger of
   * each account decides atomically), or throws CapacityConflictError with every account's refusal.
   */
  async function place(broadcastId: string, startAt: string, endAt: string, candidates: readonly string[], dryRun = false, maxDuration?: string): Promise<PlacementPlan | undefined> {
    if (!capacity) return undefined;
    const tooLong = capacity.maxDurationMs === undefined ? [] : durationErrors(startAt, endAt, capacity.maxDurationMs, undefined, maxDuration);
    if (tooLong.length > 0) throw new BroadcastTooLongError(tooLong);
    const window = occupancyWindow(Date.parse(startAt), Date.parse(endAt), leadMs, policy.graceMs);
    const refusals: CapacityConflictError['refusals'] = [];
    for (const accountName of candidates) {
      const quota = capacity.accounts.find((a) => a.accountName === accountName)?.liveEventQuota;
      if (quota === undefined) continue;
      const decision = await ledger.decide(accountName, { kind: 'reserve', broadcastId, ...window, quota, dryRun });
      if (decision.ok) return { accountName, from: iso(window.from), to: iso(window.to) };
      const shown = (r: SlotReservation) => ({ broadcastId: r.broadcastId, from: iso(r.from), to: iso(r.to) });
      refusals.push({ accountName, firstExceededAt: iso(decision.firstExceededAt ?? window.from), conflicts: (decision.conflicts ?? []).map(shown), conflictCount: decision.conflictCount ?? 0 });
    }
    throw new CapacityConflictError(refusals);
  }
  const release = (spec: BroadcastSpec) => (capacity ? ledger.decide(spec.account.accountName, { kind: 'release', broadcastId: spec.id }).catch(() => undefined) : Promise.resolve(undefined));
  const candidatesFor = (spec: BroadcastSpec, pinned: boolean) => (pinned || !capacity ? [spec.account.accountName] : capacity.pool.map((a) => a.accountName));

  /** The instance named after the broadcast, whatever it holds. */
  async function instance(id: string): Promise<InstanceJson | undefined> {
    // Ids reach Durable URLs: anything outside the id charset cannot name a broadcast.
    return isBroadcastId(id) ? readInstance(client, broadcastInstanceId(id)) : undefined;
  }

  async function find(id: string): Promise<InstanceJson | undefined> {
    const status = await instance(id);
    return status && status.name === broadcastOrchestrator && readBroadcast(status).ok ? status : undefined;
  }

  async function require(id: string): Promise<InstanceJson> {
    const status = await find(id);
    if (!status) throw new BroadcastNotFoundError(`No broadcast with id '${id}'.`);
    return status;
  }

  /** Raises a command after checking the phase; `reserve` first moves the slot (throws when it does not fit); `frees` gives it back after. */
  async function raise(
    id: string,
    event: string,
    data: unknown,
    allowed: readonly BroadcastPhase[],
    what: string,
    reserve?: (spec: BroadcastSpec) => Promise<unknown>,
    frees = false,
  ): Promise<BroadcastView> {
    const status = await require(id);
    const phase = phaseOf(status);
    if (!allowed.includes(phase)) throw new BroadcastConflictError(`Cannot ${what} broadcast '${id}': it is ${phase}.`);
    const view = toBroadcastView(status);
    // The current window (after earlier reschedules) is the status's, not the original input's.
    const spec = { ...(status.input as BroadcastOrchestrationInput).spec, startAt: view.startAt, endAt: view.endAt };
    if (reserve) await reserve(spec);
    await client.raiseEvent(broadcastInstanceId(id), event, data);
    if (frees) await release(spec);
    return view;
  }

  return {
    /** Idempotent on the id: the same spec again returns the existing broadcast; a different one is a conflict. */
    async schedule(requested: BroadcastSpec, options: { pinned?: boolean } = {}): Promise<{ created: boolean; broadcast: BroadcastView }> {
      const pinned = options.pinned ?? true;
      const raw = await instance(requested.id);
      const existing = raw && raw.name === broadcastOrchestrator && readBroadcast(raw).ok ? raw : undefined;
      if (raw && !existing) throw new BroadcastConflictError(`The id '${requested.id}' is taken by an instance that is not a broadcast.`);
      if (existing) {
        // An unpinned broadcast may have been placed on another account of the pool than the requested default.
        const comparable = (s: BroadcastSpec) => JSON.stringify({ ...s, origin: undefined, account: pinned ? s.account : undefined });
        const same = comparable((existing.input as BroadcastOrchestrationInput).spec) === comparable(requested);
        if (!same) throw new BroadcastConflictError(`A different broadcast with id '${requested.id}' already exists.`);
        return { created: false, broadcast: toBroadcastView(existing) };
      }
      const placed = await place(requested.id, requested.startAt, requested.endAt, candidatesFor(requested, pinned), false, requested.maxDuration);
      const account = placed && capacity?.pool.find((a) => a.accountName === placed.accountName);
      const spec: BroadcastSpec = account ? { ...requested, account } : requested;
      const input: BroadcastOrchestrationInput = { spec, policy };
      try {
        await client.startNew(broadcastOrchestrator, { instanceId: broadcastInstanceId(spec.id), input });
      } catch (error) {
        // Lost a race with an identical request: answer with what exists (its own reservation stands).
        if (await find(spec.id)) return this.schedule(requested, options);
        if (placed) await release(spec);
        throw error;
      }
      // What was just written, without reading it back: a new broadcast is scheduled and has no status yet.
      const at = new Date().toISOString();
      return { created: true, broadcast: toBroadcastView({ runtimeStatus: 'Pending', input, customStatus: null, output: null, createdTime: at, lastUpdatedTime: at }) };
    },

    async get(id: string): Promise<BroadcastView | undefined> {
      const status = await find(id);
      return status ? toBroadcastView(status, Date.now()) : undefined;
    },

    /** The broadcast's spec as scheduled and its current view (times as changed since), from one read. */
    async spec(id: string): Promise<{ spec: BroadcastSpec; phase: BroadcastPhase; view: BroadcastView }> {
      const status = await require(id);
      return { spec: (status.input as BroadcastOrchestrationInput).spec, phase: phaseOf(status), view: toBroadcastView(status, Date.now()) };
    },

    /**
     * One page of broadcasts in id order. The durable store does the work: instance-id prefix, runtime
     * status (from the phase), created time (a broadcast starting before `to` was created before `to` plus
     * the start tolerance) and `top`; this only drops the rows of a page the exact filters exclude, and
     * reads at most a few pages per call (a short page still carries a continuation token).
     */
    async list(query: ListQuery): Promise<{ items: BroadcastView[]; continuationToken?: string; skipped: Array<{ instanceId: string; reason: string }> }> {
      const items: BroadcastView[] = [];
      const skipped: Array<{ instanceId: string; reason: string }> = [];
      let token = query.continuationToken ? unwrapToken(query.continuationToken) : undefined;
      for (let pages = 0; pages < MAX_PAGES_PER_LIST && items.length < query.top; pages++) {
        const page = await queryInstances(client, {
          instanceIdPrefix: INSTANCE_PREFIX + (query.idPrefix ?? ''),
          top: query.top - items.length,
          runtimeStatus: query.phase ? statusesFor(query.phase) : undefined,
          createdTimeTo: query.to === undefined ? undefined : new Date(query.to + START_TOLERANCE_MS),
        });
        for (const instance of page.instances) {
          if (instance.name !== broadcastOrchestrator) continue;
          const read = readBroadcast(instance);
          if (!read.ok) {
            skipped.push({ instanceId: instance.instanceId, reason: read.reason });
            continue;
          }
          const b = read.view;
          if (query.phase && b.phase !== query.phase) continue;
          if (query.from !== undefined && Date.parse(b.endAt) < query.from) continue;
          if (query.to !== undefined && Date.parse(b.startAt) > query.to) continue;
          items.push(b);
        }
        token = page.continuationToken;
        if (!token) break;
      }
      return { items, continuationToken: token ? wrapToken(token) : undefined, skipped };
    },

    /** Where a new broadcast would be placed, without reserving anything (dry run). */
    plan: (spec: BroadcastSpec, pinned: boolean) => place(spec.id, spec.startAt, spec.endAt, candidatesFor(spec, pinned), true, spec.maxDuration),
    /** Whether a changed window still fits the broadcast's account (dry run of a reschedule or extend). */
    planChange: async (id: string, startAt: string | undefined, endAt: string | undefined) => {
      const status = await require(id);
      const view = toBroadcastView(status);
      const { spec } = status.input as BroadcastOrchestrationInput;
      return place(id, startAt ?? view.startAt, endAt ?? view.endAt, [spec.account.accountName], true, spec.maxDuration);
    },
    reschedule: (id: string, change: RescheduleEvent) =>
      raise(id, BroadcastEvents.reschedule, change, PRE_START, 'reschedule or change', (spec) =>
        change.startAt || change.endAt ? place(id, change.startAt ?? spec.startAt, change.endAt ?? spec.endAt, [spec.account.accountName], false, spec.maxDuration) : Promise.resolve(undefined)),
    extend: (id: string, endAt: string) =>
      raise(id, BroadcastEvents.extend, { endAt }, ['live', 'awaiting_encoder', ...PRE_START], 'change the end of', (spec) => place(id, spec.startAt, endAt, [spec.account.accountName], false, spec.maxDuration)),
    stopNow: (id: string, reason?: string) => raise(id, BroadcastEvents.stopNow, { reason }, ['scheduled', 'allocating', 'standby', 'starting', 'awaiting_encoder', 'live'], 'stop', undefined, true),
    cancel: (id: string, reason?: string) => raise(id, BroadcastEvents.cancel, { reason }, ['scheduled', 'allocating', 'standby', 'starting', 'awaiting_encoder', 'live'], 'cancel', undefined, true),
    isTerminal: (phase: BroadcastPhase) => TerminalPhases.includes(phase),
  };
}

export type BroadcastService = ReturnType<typeof createBroadcastService>;
