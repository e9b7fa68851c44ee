/**
 * Runs durable orchestrations by driving the real durable-functions replay engine: each episode sends
 * the full history plus ONE new event (so task sequence numbers line up exactly with the library's),
 * then carries out the actions it returns the way the Durable extension's out-of-process shim and
 * DurableTask.Core would: replayed actions are checked against history (non-determinism fails the
 * instance), custom status is limited to 16 KB of UTF-16, failures travel as Reason/Details, long
 * timers follow the .NET segment loop. State lives in the DurableStore; timers run on the Clock;
 * message delivery follows a DeliveryModel (instant, or Azure Storage's polling).
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../clock/clock.js';
import { trackWork } from '../../clock/virtualClock.js';
import type { HostedApp } from '../worker/functionApp.js';
import type { RpcTypedData } from '../worker/functionsCore.js';
import { instantDelivery, type DeliveryModel } from './delivery.js';
import { activityFailure, dotnetException, EventType, historyEvent, type HistoryEvent } from './history.js';
import { terminalStatuses, type DurableStore, type InboxRow, type InstanceRow, type ListFilter, type RuntimeStatus } from './store.js';

/** What the Durable extension tells the library about timers (Azure Storage's limits). */
const MAX_SHORT_TIMER_MS = 6 * 24 * 3600_000;
const LONG_TIMER_INTERVAL_MS = 3 * 24 * 3600_000;
/** SetCustomStatus refuses JSON over 16 KB of UTF-16 (MessagePayloadDataConverter). */
const MAX_CUSTOM_STATUS_BYTES = 16 * 1024;
/**
 * Messages one episode receives at most: the Azure Storage provider dequeues control-queue messages in
 * batches of up to 32 (ControlQueueBatchSize) and runs one work item per instance with all of its
 * messages from the batch, so an orchestration sees several new events in one episode.
 */
const MAX_MESSAGES_PER_EPISODE = 32;

const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  retryOptions?: RetryOptions;
  compoundActions?: Action[];
}

interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

interface PendingRetry {
  kind: 'activity' | 'orchestration';
  name: string;
  input: string | null;
  instanceId?: string;
  options: RetryOptions;
  /** Attempts made so far. */
  attempt: number;
}

/** The engine's bookkeeping for one execution, persisted with the instance. */
interface EngineState {
  nextSeq: number;
  actionsSeen: number;
  retries: Record<string, PendingRetry>;
  /** Slots of pending long-timer segments → the final fire time (ms) and the timer's action index. */
  longTimers: Record<string, { finalAt: number; index: number }>;
  /**
   * Every task the execution scheduled, in order: what DurableTask.Core checks replayed actions
   * against (TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated by sequence number).
   */
  scheduled: Array<{ kind: TaskKind; name: string; slot: number }>;
}

type TaskKind = 'activity' | 'timer' | 'orchestration';

interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export interface EngineOptions {
  store: DurableStore;
  app: HostedApp;
  clock: Clock;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
  /** How messages reach the host (default: instant). */
  delivery?: DeliveryModel;
}

const emptyState = (): EngineState => ({ nextSeq: 0, actionsSeen: 0, retries: {}, longTimers: {}, scheduled: [] });

export class InstanceConflictError extends Error {}
/** The request is malformed (unknown orchestrator, invalid id): HTTP 400 as in the extension. */
export class InvalidRequestError extends Error {}
export class InstanceNotFoundError extends Error {}
export class InstanceGoneError extends Error {}

export class DurableEngine {
  readonly #store: DurableStore;
  readonly #app: HostedApp;
  readonly #clock: Clock;
  readonly #maxActivities: number;
  readonly #maxOrchestrations: number;
  readonly #delivery: DeliveryModel;
  readonly #ready = new Set<string>();
  /** Instances whose pick-up time has come: their first message runs without re-checking delivery. */
  readonly #due = new Set<string>();
  readonly #running = new Set<string>();
  readonly #armed = new Map<string, { at: number; cancel: () => void }>();
  readonly #workQueue: number[] = [];
  #activeWork = 0;
  #closed = false;
  readonly #idle = new Set<() => void>();
  /** Emits `status` (instanceId, status) whenever an instance changes runtime status. */
  readonly events = new EventEmitter();

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#app = options.app;
    this.#clock = options.clock;
    this.#maxActivities = options.maxConcurrentActivities ?? 16;
    this.#maxOrchestrations = options.maxConcurrentOrchestrations ?? 8;
    this.#delivery = options.delivery ?? instantDelivery;
    this.events.setMaxListeners(0);
  }

  /** Resumes whatever was in flight when the host last stopped: due events, timers, activity work. */
  start(): void {
    for (const { instanceId, visibleAt } of this.#store.pendingInbox()) this.#wake(instanceId, visibleAt);
    for (const work of this.#store.allWork()) this.#queueWork(work.seq, this.#clock.now());
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const { cancel } of this.#armed.values()) cancel();
    this.#armed.clear();
    if (this.#running.size === 0 && this.#activeWork === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Episodes and activities running or due now (0: nothing to do until a timer or a new message). */
  get busy(): number {
    return this.#running.size + this.#ready.size + this.#activeWork + this.#workQueue.length;
  }

  // ---- client operations -------------------------------------------------------------------------

  startNew(name: string, instanceId: string, input: string | null): void {
    if (!this.#app.find(name) || this.#app.find(name)?.trigger.type !== 'orchestrationTrigger') {
      throw new InvalidRequestError(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    }
    const now = this.#clock.now();
    this.#store.transaction(() => {
      const existing = this.#store.getInstanceHead(instanceId);
      if (existing && !terminalStatuses.includes(existing.status)) {
        throw new InstanceConflictError(`An Orchestration instance with the status ${existing.status} already exists.`);
      }
      if (existing) this.#store.deleteInstance(instanceId);
      this.#createInstance({ id: instanceId, name, input, now, parentId: null, parentSlot: null });
    });
    this.#wake(instanceId, now);
  }

  raiseEvent(instanceId: string, name: string, data: string | null): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    const now = this.#clock.now();
    // Client-raised events carry no execution id: they reach whichever execution is current.
    this.#store.enqueue(instanceId, JSON.stringify(historyEvent('EventRaised', now, { Name: name, Input: data ?? undefined })), now, null);
    this.#wake(instanceId, now);
  }

  /**
   * Asynchronous, as in Azure: an ExecutionTerminated message is queued and the status changes when it
   * is processed; activities already queued still run and their results are discarded.
   */
  terminate(instanceId: string, reason: string): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    const now = this.#clock.now();
    if (instance.status === 'Suspended') {
      // A suspended instance processes no messages here; end it at once.
      this.#store.transaction(() => this.#terminateNow(instance, reason, now));
      return;
    }
    this.#store.enqueue(instanceId, JSON.stringify(historyEvent('ExecutionTerminated', now, { Input: JSON.stringify(reason) })), now, null);
    this.#wake(instanceId, now);
  }

  #terminateNow(instance: InstanceRow, reason: string, now: number): void {
    const position = this.#store.history(instance.id, instance.executionId).length;
    this.#store.appendHistory(instance.id, instance.executionId, position, [JSON.stringify(historyEvent('ExecutionTerminated', now, { Input: JSON.stringify(reason) }))]);
    this.#finish(instance, 'Terminated', JSON.stringify(reason), now);
  }

  suspend(instanceId: string): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    this.#setStatus(instance, 'Suspended');
  }

  resume(instanceId: string): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    if (instance.status !== 'Suspended') return;
    this.#setStatus(instance, 'Running');
    this.#wake(instanceId, this.#clock.now());
  }

  /** Purges whatever the status (AzureTableTrackingStore.PurgeInstanceHistoryAsync); false when missing. */
  purge(instanceId: string): boolean {
    return this.#store.transaction(() => this.#store.deleteInstance(instanceId));
  }

  /** Starts the instance again from its original input, under `newInstanceId` (may be the same id). */
  restart(instanceId: string, newInstanceId: string): string {
    const instance = this.#require(instanceId);
    const first = this.#store.history(instance.id, instance.executionId)[0];
    const started = first ? (JSON.parse(first) as HistoryEvent) : undefined;
    const input = started?.EventType === EventType.ExecutionStarted ? ((started.Input as string | undefined) ?? null) : this.#store.getInput(instance.id);
    this.startNew(instance.name, newInstanceId, input);
    return newInstanceId;
  }

  /** The checks HttpApiHandler makes before a rewind: 404 when missing, 410 unless Failed. */
  rewindable(instanceId: string): void {
    const instance = this.#require(instanceId);
    if (instance.status !== 'Failed') throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}; only failed instances can be rewound.`);
  }

  list(filter: ListFilter): InstanceRow[] {
    return this.#store.listInstances(filter);
  }

  /** The instance row; `withInput: false` leaves the input out (null), which is cheaper for large inputs. */
  getInstance(instanceId: string, { withInput = true }: { withInput?: boolean } = {}): InstanceRow | undefined {
    return withInput ? this.#store.getInstance(instanceId) : this.#store.getInstanceHead(instanceId);
  }

  history(instance: InstanceRow): HistoryEvent[] {
    return this.#store.history(instance.id, instance.executionId).map((e) => JSON.parse(e) as HistoryEvent);
  }

  /** Resolves once the instance reaches one of `statuses` (default: any terminal status). */
  waitFor(instanceId: string, statuses: readonly RuntimeStatus[] = terminalStatuses, timeoutMs = 30_000): Promise<InstanceRow> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const instance = this.#store.getInstanceHead(instanceId);
        if (instance && statuses.includes(instance.status)) {
          cleanup();
          resolve(instance);
        }
      };
      const onStatus = (id: string) => id === instanceId && check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Instance ${instanceId} did not reach ${statuses.join('/')} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('status', onStatus);
      };
      this.events.on('status', onStatus);
      check();
    });
  }

  // ---- scheduling --------------------------------------------------------------------------------

  /** A message for the instance becomes visible at `visibleAt`: run it when the host would pick it up. */
  #wake(instanceId: string, visibleAt: number): void {
    this.#armAt(instanceId, this.#delivery.orchestrationPickup(instanceId, visibleAt));
  }

  /** Makes the instance runnable at `atMs`. */
  #armAt(instanceId: string, atMs: number): void {
    if (this.#closed) return;
    if (atMs <= this.#clock.now()) {
      this.#due.add(instanceId);
      this.#ready.add(instanceId);
      queueMicrotask(() => this.#pump());
      return;
    }
    const armed = this.#armed.get(instanceId);
    if (armed && armed.at <= atMs) return;
    armed?.cancel();
    const cancel = this.#clock.at(atMs, () => {
      this.#armed.delete(instanceId);
      this.#armAt(instanceId, this.#clock.now());
    });
    this.#armed.set(instanceId, { at: atMs, cancel });
  }

  #pump(): void {
    for (const id of this.#ready) {
      if (this.#closed || this.#running.size >= this.#maxOrchestrations) return;
      if (this.#running.has(id)) continue;
      this.#ready.delete(id);
      this.#running.add(id);
      // Counted as work in progress so a simulated clock waits for it (no-op on other clocks).
      void trackWork(this.#clock, () => this.#runEpisodes(id)).finally(() => {
        this.#running.delete(id);
        this.#notifyIdle();
        this.#pump();
      });
    }
  }

  async #runEpisodes(instanceId: string): Promise<void> {
    // Drain every visible event, a batch per episode; then arm for the next future one.
    // Woken at its pick-up time: the first message runs without re-checking delivery (no endless deferral).
    let due = this.#due.delete(instanceId);
    for (;;) {
      await yieldToEventLoop(); // keep HTTP requests and timers served while instances run
      if (this.#closed) return;
      // Without the input: it is read once, only when an episode runs.
      const instance = this.#store.getInstanceHead(instanceId);
      if (!instance) return this.#store.clearInbox(instanceId);
      if (instance.status === 'Suspended') return;
      const now = this.#clock.now();
      const visible = this.#store.visibleBatch(instanceId, now, MAX_MESSAGES_PER_EPISODE);
      if (visible.length === 0) {
        const upcoming = this.#store.nextVisibleAt(instanceId);
        if (upcoming !== undefined) this.#wake(instanceId, upcoming);
        return;
      }
      // Messages of an earlier execution (before continue-as-new) are dropped, as DTFx does.
      const finished = terminalStatuses.includes(instance.status);
      const stale = visible.filter((row) => finished || (row.executionId !== null && row.executionId !== instance.executionId));
      if (stale.length > 0) {
        this.#store.transaction(() => stale.forEach((row) => this.#store.dequeue(row.seq)));
        continue;
      }
      const pickup = due ? now : this.#delivery.orchestrationPickup(instanceId, (visible[0] as InboxRow).visibleAt);
      due = false;
      if (pickup > now) {
        this.#armAt(instanceId, pickup);
        return;
      }
      this.#delivery.delivered('orchestration', instanceId, now);
      // A termination is an episode of its own; events after it wait (and are then dropped).
      const events = visible.map((row) => JSON.parse(row.event) as HistoryEvent);
      const terminateAt = events.findIndex((e) => e.EventType === EventType.ExecutionTerminated);
      const take = terminateAt === 0 ? 1 : terminateAt > 0 ? terminateAt : events.length;
      try {
        await this.#episode(instance, visible.slice(0, take).map((row) => row.seq), events.slice(0, take), now);
      } catch (error) {
        // A host-level failure (not the orchestrator's): keep the events and retry with backoff.
        console.error(`devhost: episode for ${instanceId} failed; will retry`, error);
        this.#wake(instanceId, this.#clock.now() + 1_000);
        return;
      }
    }
  }

  /** One episode: the history so far plus the new `events` (inbox rows `inboxSeqs`), as one work item. */
  async #episode(instance: InstanceRow, inboxSeqs: number[], events: HistoryEvent[], now: number): Promise<void> {
    const past = this.#store.history(instance.id, instance.executionId);
    const state = JSON.parse(instance.engineState) as EngineState;
    const started = historyEvent('OrchestratorStarted', now);
    const delivered: HistoryEvent[] = events.map((event) => ({ ...event, IsPlayed: false }));
    const appended: HistoryEvent[] = [started, ...delivered];
    const dequeue = () => inboxSeqs.forEach((seq) => this.#store.dequeue(seq));

    if (delivered[0]?.EventType === EventType.ExecutionTerminated) {
      this.#store.transaction(() => {
        dequeue();
        const current = this.#store.getInstanceHead(instance.id);
        if (!current || terminalStatuses.includes(current.status)) return;
        appended.push(historyEvent('OrchestratorCompleted', now));
        this.#store.appendHistory(current.id, current.executionId, past.length, appended.map((e) => JSON.stringify(e)));
        this.#finish(current, 'Terminated', (delivered[0]?.Input as string | undefined) ?? null, now);
      });
      this.events.emit('status', instance.id);
      return;
    }

    // The stored JSON as it is (marked as played): parsing and re-serializing the past cost most of an episode.
    const history = [...past.map(markPlayed), ...[started, ...delivered].map((e) => JSON.stringify(e))];
    const result = await this.#invokeOrchestrator({ ...instance, input: this.#store.getInput(instance.id) }, history, past.length > 0);
    const effects: Array<() => void> = [];

    this.#store.transaction(() => {
      const current = this.#store.getInstanceHead(instance.id);
      if (!current || current.executionId !== instance.executionId || terminalStatuses.includes(current.status)) {
        dequeue(); // terminated or purged while the orchestrator ran
        return;
      }
      dequeue();
      const flat = result.state ? flatten(result.state.actions.flat()) : [];
      const cancelled = new Set(flat.flatMap((a, i) => (a.isCanceled ? [i] : [])));
      for (const event of delivered) this.#followUpEvent(current, state, event, now, cancelled, appended, effects);

      let failure: Failure | undefined = result.failure;
      let continueAsNew: Action | undefined;
      // The shim sets custom status before it replays the actions: too large → the episode fails, nothing is scheduled.
      const customStatus = result.state?.customStatus;
      const statusJson = customStatus === undefined ? undefined : JSON.stringify(customStatus);
      if (!failure && statusJson !== undefined && statusJson.length * 2 > MAX_CUSTOM_STATUS_BYTES) {
        failure = orchestratorFailure(current.name, `The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is ${Math.ceil((statusJson.length * 2) / 1024)} KB.`, 'System.ArgumentException');
      }
      if (!failure && result.state) failure = checkDeterminism(state, flat);
      if (!failure && result.state) {
        const fresh = flat.slice(state.actionsSeen);
        fresh.forEach((action, i) => {
          if (failure || continueAsNew) return;
          if (action.actionType === ActionType.ContinueAsNew) continueAsNew = action;
          else failure = this.#schedule(current, state, action, state.actionsSeen + i, now, appended, effects);
        });
        state.actionsSeen = flat.length;
      }

      if (statusJson !== undefined && statusJson.length * 2 <= MAX_CUSTOM_STATUS_BYTES) current.customStatus = statusJson;
      if (failure !== undefined) {
        // Nothing this episode produced is kept: the extension fails before scheduling its actions.
        appended.splice(1 + delivered.length);
        effects.length = 0;
      }
      this.#store.appendHistory(current.id, current.executionId, past.length, appended.map((e) => JSON.stringify(e)));
      current.engineState = JSON.stringify(state);

      if (failure !== undefined) {
        this.#appendFinal(current, past.length + appended.length, 'ExecutionFailed', now, { Reason: failure.reason, Details: failure.details });
        this.#finish(current, 'Failed', JSON.stringify(failure.reason), now, failure);
      } else if (continueAsNew) {
        this.#continueAsNew(current, continueAsNew, now);
        effects.push(() => this.#wake(current.id, now));
      } else if (result.state?.isDone) {
        const output = result.state.output === undefined ? null : JSON.stringify(result.state.output);
        this.#appendFinal(current, past.length + appended.length, 'ExecutionCompleted', now, { Result: output });
        this.#finish(current, 'Completed', output, now);
      } else {
        this.#store.appendHistory(current.id, current.executionId, past.length + appended.length, [JSON.stringify(historyEvent('OrchestratorCompleted', now))]);
        current.status = 'Running';
        current.updatedAt = now;
        this.#store.updateInstance(current);
      }
    });
    this.events.emit('status', instance.id);
    for (const effect of effects) effect();
  }

  /** `history`: the events as JSON text; `input` goes in as stored (JSON text), not parsed and re-serialized. */
  async #invokeOrchestrator(instance: InstanceRow, history: string[], isReplaying: boolean): Promise<{ state?: OrchestratorState; failure?: Failure }> {
    // The payload OrchestrationTriggerAttributeBindingProvider sends (schema V3 via upperSchemaVersionNew).
    const rest = {
      instanceId: instance.id,
      isReplaying,
      parentInstanceId: instance.parentId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      maximumShortTimerDuration: '6.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    const input = instance.input === null ? '' : `"input":${instance.input},`;
    const payload = `{"history":[${history.join(',')}],${input}${JSON.stringify(rest).slice(1)}`;
    try {
      const { returnData } = await this.#app.invoke(instance.name, { trigger: { string: payload } });
      return { state: decodeStrict(returnData) as OrchestratorState };
    } catch (error) {
      // The library reports orchestrator exceptions with its state appended after a marker.
      const message = error instanceof Error ? error.message : String(error);
      const marker = message.indexOf('$OutOfProcData$:');
      const state = marker >= 0 ? (JSON.parse(message.slice(marker + '$OutOfProcData$:'.length)) as OrchestratorState) : undefined;
      // The library puts the exception's message in the state's `error`.
      const reason = state?.error ?? (marker >= 0 ? message.slice(0, marker) : message).trim();
      return { state: state ? { ...state, isDone: false, actions: [] } : undefined, failure: orchestratorFailure(instance.name, reason, 'System.Exception', error) };
    }
  }

  /** Bookkeeping the extension does when certain events arrive: retry timers, retried attempts, long-timer segments. */
  #followUpEvent(instance: InstanceRow, state: EngineState, event: HistoryEvent, now: number, cancelled: Set<number>, appended: HistoryEvent[], effects: Array<() => void>): void {
    const failed = event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed;
    const completed = event.EventType === EventType.TaskCompleted || event.EventType === EventType.SubOrchestrationInstanceCompleted;
    if (failed || completed) {
      const slot = String(event.TaskScheduledId);
      const retry = state.retries[slot];
      delete state.retries[slot];
      if (retry && failed) {
        // The library always waits on a timer after a failed attempt; after the last one it fires at once.
        const delay = retry.attempt < retry.options.maxNumberOfAttempts ? retryDelay(retry.options, retry.attempt) : 0;
        const timerSlot = state.nextSeq++;
        state.retries[String(timerSlot)] = retry;
        this.#addTimer(instance, timerSlot, now + delay, appended, effects);
      }
      return;
    }
    if (event.EventType !== EventType.TimerFired) return;
    const slot = String(event.TimerId);
    const retry = state.retries[slot];
    if (retry) {
      delete state.retries[slot];
      if (retry.attempt < retry.options.maxNumberOfAttempts) {
        const next = { ...retry, attempt: retry.attempt + 1 };
        const taskSlot = state.nextSeq++;
        state.retries[String(taskSlot)] = next;
        this.#startTask(instance, taskSlot, next, now, appended, effects);
      }
      return;
    }
    const long = state.longTimers[slot];
    if (long !== undefined) {
      delete state.longTimers[slot];
      // .NET's loop: `while (now < fireAt && !cancelToken.IsCancellationRequested)`: a cancelled timer
      // gets no further segment, although the library still allocates one (tasks then drift, as in Azure).
      if (long.finalAt > now && !cancelled.has(long.index)) {
        const segmentSlot = state.nextSeq++;
        state.longTimers[String(segmentSlot)] = long;
        this.#addTimer(instance, segmentSlot, nextSegmentAt(now, long.finalAt), appended, effects);
      }
    }
  }

  /** Carries out one new action; returns a failure when the action cannot be run here. */
  #schedule(instance: InstanceRow, state: EngineState, action: Action, index: number, now: number, appended: HistoryEvent[], effects: Array<() => void>): Failure | undefined {
    const input = serializedInput(action);
    switch (action.actionType) {
      case ActionType.WaitForExternalEvent:
        return undefined; // events are matched by name, no sequence number
      case ActionType.CreateTimer: {
        const slot = state.nextSeq++;
        state.scheduled.push({ kind: 'timer', name: '', slot });
        const finalAt = Date.parse(action.fireAt ?? '');
        const fireAt = finalAt - now > MAX_SHORT_TIMER_MS ? nextSegmentAt(now, finalAt) : finalAt;
        if (fireAt < finalAt) state.longTimers[String(slot)] = { finalAt, index };
        // A timer created and cancelled in one episode is still created (the shim cancels it afterwards).
        this.#addTimer(instance, slot, fireAt, appended, effects);
        if (action.isCanceled) delete state.longTimers[String(slot)];
        return undefined;
      }
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const kind = action.actionType <= ActionType.CallActivityWithRetry ? 'activity' : 'orchestration';
        const name = action.functionName ?? '';
        const slot = state.nextSeq++;
        state.scheduled.push({ kind, name, slot });
        const task: PendingRetry = { kind, name, input, instanceId: action.instanceId, options: action.retryOptions ?? { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 }, attempt: 1 };
        if (action.retryOptions) state.retries[String(slot)] = task;
        this.#startTask(instance, slot, task, now, appended, effects);
        return undefined;
      }
      default:
        return orchestratorFailure(instance.name, `Action type ${action.actionType} (entities, durable HTTP) is not supported by the local host.`, 'System.NotSupportedException');
    }
  }

  #startTask(instance: InstanceRow, slot: number, task: PendingRetry, now: number, appended: HistoryEvent[], effects: Array<() => void>): void {
    if (task.kind === 'activity') {
      appended.push(historyEvent('TaskScheduled', now, { EventId: slot, Name: task.name, Input: task.input ?? undefined }));
      const seq = this.#store.addWork({ instanceId: instance.id, executionId: instance.executionId, slot, name: task.name, input: task.input });
      effects.push(() => this.#queueWork(seq, now));
      return;
    }
    const childId = task.instanceId ?? `${instance.executionId}:${slot}`;
    appended.push(historyEvent('SubOrchestrationInstanceCreated', now, { EventId: slot, Name: task.name, InstanceId: childId, Input: task.input ?? undefined }));
    if (this.#app.find(task.name)?.trigger.type !== 'orchestrationTrigger') {
      const failure = orchestratorFailure(task.name, `The function '${task.name}' doesn't exist, is disabled, or is not an orchestrator function.`, 'System.ArgumentException');
      this.#store.enqueue(instance.id, JSON.stringify(historyEvent('SubOrchestrationInstanceFailed', now, { TaskScheduledId: slot, Reason: failure.reason, Details: failure.details })), now, instance.executionId);
      effects.push(() => this.#wake(instance.id, now));
      return;
    }
    const existing = this.#store.getInstance(childId);
    // DTFx drops a start for an instance that is running ("Duplicate start event"): the parent keeps waiting.
    if (existing && !terminalStatuses.includes(existing.status)) return;
    if (existing) this.#store.deleteInstance(childId);
    this.#createInstance({ id: childId, name: task.name, input: task.input, now, parentId: instance.id, parentSlot: slot });
    effects.push(() => this.#wake(childId, now));
  }

  #addTimer(instance: InstanceRow, slot: number, fireAt: number, appended: HistoryEvent[], effects: Array<() => void>): void {
    const fireIso = new Date(fireAt).toISOString();
    appended.push(historyEvent('TimerCreated', this.#clock.now(), { EventId: slot, FireAt: fireIso }));
    this.#store.enqueue(instance.id, JSON.stringify(historyEvent('TimerFired', fireAt, { TimerId: slot, FireAt: fireIso })), fireAt, instance.executionId);
    effects.push(() => this.#wake(instance.id, fireAt));
  }

  #createInstance(init: { id: string; name: string; input: string | null; now: number; parentId: string | null; parentSlot: number | null }): void {
    const executionId = `${init.id}@${init.now}`;
    this.#store.putInstance({
      id: init.id, name: init.name, executionId, status: 'Pending', input: init.input, output: null, customStatus: null,
      createdAt: init.now, updatedAt: init.now, parentId: init.parentId, parentSlot: init.parentSlot, engineState: JSON.stringify(emptyState()),
    });
    this.#store.enqueue(init.id, JSON.stringify(historyEvent('ExecutionStarted', init.now, { Name: init.name, Version: '', Input: init.input ?? undefined })), init.now, executionId);
  }

  #continueAsNew(instance: InstanceRow, action: Action, now: number): void {
    const input = serializedInput(action);
    // The old execution's timers and task results stay queued but carry its execution id: dropped on arrival.
    this.#store.deleteHistory(instance.id);
    const executionId = `${instance.id}@${now}`;
    this.#store.putInstance({ ...instance, executionId, status: 'Running', input, output: null, updatedAt: now, engineState: JSON.stringify(emptyState()) });
    // Visible before any message still queued, so the new execution's first episode starts with it.
    const firstQueued = this.#store.nextVisibleAt(instance.id) ?? now;
    this.#store.enqueue(instance.id, JSON.stringify(historyEvent('ExecutionStarted', now, { Name: instance.name, Version: '', Input: input ?? undefined })), Math.min(now, firstQueued) - 1, executionId);
  }

  /** The execution's last event, then the episode's OrchestratorCompleted (as DTFx writes them). */
  #appendFinal(instance: InstanceRow, position: number, type: 'ExecutionCompleted' | 'ExecutionFailed', now: number, fields: Record<string, unknown>): void {
    this.#store.appendHistory(instance.id, instance.executionId, position, [
      JSON.stringify(historyEvent(type, now, fields)),
      JSON.stringify(historyEvent('OrchestratorCompleted', now)),
    ]);
  }

  /**
   * Marks the instance done and tells a parent orchestration. Activities already queued are left to
   * run (Azure cannot recall queue messages); their results are discarded on arrival.
   */
  #finish(instance: InstanceRow, status: RuntimeStatus, output: string | null, now: number, failure?: Failure): void {
    this.#store.updateInstance({ ...instance, status, output, updatedAt: now });
    if (instance.parentId !== null && instance.parentSlot !== null) {
      const parent = this.#store.getInstanceHead(instance.parentId);
      const reason = failure?.reason ?? `Orchestrator function '${instance.name}' ${status.toLowerCase()}.`;
      const parentEvent =
        status === 'Completed'
          ? historyEvent('SubOrchestrationInstanceCompleted', now, { TaskScheduledId: instance.parentSlot, Result: output ?? 'null' })
          : historyEvent('SubOrchestrationInstanceFailed', now, { TaskScheduledId: instance.parentSlot, Reason: reason, Details: failure?.details ?? orchestratorFailure(instance.name, reason, 'System.Exception').details });
      this.#store.enqueue(instance.parentId, JSON.stringify(parentEvent), now, parent?.executionId ?? null);
      const parentId = instance.parentId;
      queueMicrotask(() => this.#wake(parentId, now));
    }
    queueMicrotask(() => this.events.emit('status', instance.id));
  }

  #setStatus(instance: InstanceRow, status: RuntimeStatus): void {
    this.#store.updateInstance({ ...instance, status, updatedAt: this.#clock.now() });
    this.events.emit('status', instance.id);
  }

  /** The instance without its input (`input` null): raising, terminating and the like need only its status. */
  #require(instanceId: string): InstanceRow {
    const instance = this.#store.getInstanceHead(instanceId);
    if (!instance) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
    return instance;
  }

  // ---- activities --------------------------------------------------------------------------------

  /** Queues activity work visible at `visibleAt` for when the work-item queue would hand it out. */
  #queueWork(seq: number, visibleAt: number): void {
    const enqueue = () => {
      this.#delivery.delivered('activity', '', this.#clock.now());
      this.#workQueue.push(seq);
      this.#pumpWork();
    };
    const pickup = this.#delivery.activityPickup(visibleAt);
    if (pickup <= this.#clock.now()) enqueue();
    else this.#clock.at(pickup, () => !this.#closed && enqueue());
  }

  #pumpWork(): void {
    while (!this.#closed && this.#activeWork < this.#maxActivities && this.#workQueue.length > 0) {
      const seq = this.#workQueue.shift() as number;
      this.#activeWork++;
      void trackWork(this.#clock, () => this.#runActivity(seq)).finally(() => {
        this.#activeWork--;
        this.#notifyIdle();
        this.#pumpWork();
      });
    }
  }

  async #runActivity(seq: number): Promise<void> {
    await yieldToEventLoop();
    const work = this.#store.getWork(seq);
    if (!work) return;
    let outcome: HistoryEvent;
    if (this.#app.find(work.name)?.trigger.type !== 'activityTrigger') {
      // TaskNonexistentActivityShim: the task fails, the orchestrator decides.
      const message = `Activity function '${work.name}' does not exist.`;
      outcome = historyEvent('TaskFailed', this.#clock.now(), { TaskScheduledId: work.slot, Reason: `Activity function '${work.name}' failed: ${message}`, Details: dotnetException('Microsoft.Azure.WebJobs.Extensions.DurableTask.FunctionFailedException', message) });
    } else {
      try {
        const { returnData } = await this.#app.invoke(work.name, { trigger: { string: work.input ?? 'null' } });
        const value = decodeStrict(returnData);
        outcome = historyEvent('TaskCompleted', this.#clock.now(), { TaskScheduledId: work.slot, Result: value === undefined ? 'null' : JSON.stringify(value) });
      } catch (error) {
        outcome = historyEvent('TaskFailed', this.#clock.now(), { TaskScheduledId: work.slot, ...activityFailure(work.name, error) });
      }
    }
    if (this.#closed) return; // the work row stays; the next host runs it again (at-least-once)
    const delivered = this.#store.transaction(() => {
      const instance = this.#store.getInstanceHead(work.instanceId);
      if (!this.#store.deleteWork(seq) || !instance || instance.executionId !== work.executionId) return false;
      this.#store.enqueue(work.instanceId, JSON.stringify(outcome), this.#clock.now(), work.executionId);
      return true;
    });
    if (delivered) this.#wake(work.instanceId, this.#clock.now());
  }

  #notifyIdle(): void {
    if (this.#running.size > 0 || this.#activeWork > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }
}

/**
 * Episodes and activity completions share a budget per event-loop turn: once the work started in this
 * turn's check phase has taken TURN_BUDGET_MS, the rest waits for the next turn, after the loop has
 * polled for I/O. Each HTTP hop (a request, DurableClient's calls to the RPC listener) then waits for a
 * few milliseconds of engine work instead of one episode of every running instance.
 */
const TURN_BUDGET_MS = 5;
/** When this turn's first engine step started; -1 between turns. */
let turnStartedAt = -1;

function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => {
    const attempt = () => {
      const now = performance.now();
      if (turnStartedAt < 0) {
        turnStartedAt = now;
        // Queued now, so it runs first in the next turn's check phase: that turn gets a fresh budget.
        setImmediate(() => (turnStartedAt = -1));
      }
      if (now - turnStartedAt > TURN_BUDGET_MS) setImmediate(attempt);
      else resolve(); // the step runs in this callback's microtasks, before the next attempt measures
    };
    setImmediate(attempt);
  });
}

/** A stored history event as replayed history (IsPlayed true), edited in place when it has the usual shape. */
function markPlayed(event: string): string {
  const played = event.replace(/^(\{"EventType":-?\d+,"EventId":-?\d+,"IsPlayed":)false/, '$1true');
  return played !== event ? played : JSON.stringify({ ...(JSON.parse(event) as HistoryEvent), IsPlayed: true });
}

/** Atomic actions in the order the library numbers them (compound actions expanded depth-first). */
function flatten(actions: Action[]): Action[] {
  return actions.flatMap((action) =>
    action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny ? flatten(action.compoundActions ?? []) : [action],
  );
}

/**
 * The library pre-serializes string inputs of activities and continue-as-new (Utils.processInput) and
 * leaves other values as JSON; sub-orchestration inputs are never pre-serialized.
 */
function serializedInput(action: Action): string | null {
  if (action.input === undefined) return null;
  const preSerialized = action.actionType !== ActionType.CallSubOrchestrator && action.actionType !== ActionType.CallSubOrchestratorWithRetry;
  return preSerialized && typeof action.input === 'string' ? action.input : JSON.stringify(action.input);
}

function retryDelay(options: RetryOptions, attempt: number): number {
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attempt - 1);
  return Math.min(delay, options.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER);
}

/** Typed data as the extension reads it: strings stay strings, JSON is parsed. */
function decodeStrict(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.json !== undefined) return JSON.parse(data.json);
  if (data.string !== undefined) return data.string;
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.bytes !== undefined) return Buffer.from(data.bytes).toString('base64');
  return undefined;
}

/** How an orchestration or task failed, as the extension records it (no FailureDetails). */
interface Failure {
  reason: string;
  details: string;
}

function orchestratorFailure(name: string, message: string, exceptionType: string, error?: unknown): Failure {
  const stack = error instanceof Error ? error.stack : undefined;
  return { reason: `Orchestrator function '${name}' failed: ${message}`, details: dotnetException(exceptionType, message, stack) };
}

/** .NET's long-timer loop: the next segment fires after `remaining < 3d ? remaining : 3d`. */
function nextSegmentAt(now: number, finalAt: number): number {
  const remaining = finalAt - now;
  return remaining < LONG_TIMER_INTERVAL_MS ? finalAt : now + LONG_TIMER_INTERVAL_MS;
}

const dotnetActionType: Record<TaskKind, string> = {
  activity: 'ScheduleTaskOrchestratorAction',
  timer: 'CreateTimerOrchestratorAction',
  orchestration: 'CreateSubOrchestrationAction',
};

function kindOf(action: Action): TaskKind | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return 'activity';
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return 'orchestration';
    case ActionType.CreateTimer:
      return 'timer';
    default:
      return undefined;
  }
}

/**
 * Replays the actions against what history says was scheduled, by position, type and name, as
 * DurableTask.Core's TaskOrchestrationContext does; a mismatch is a NonDeterministicOrchestrationException.
 */
function checkDeterminism(state: EngineState, flat: Action[]): Failure | undefined {
  const tasks = flat.filter((a) => kindOf(a) !== undefined);
  const change = 'Was a change made to the orchestrator code after this instance had already started running?';
  for (const [i, past] of state.scheduled.entries()) {
    const action = tasks[i];
    const kind = action ? kindOf(action) : undefined;
    const name = action?.functionName ?? '';
    let detail: string | undefined;
    if (!action || !kind) {
      detail =
        past.kind === 'timer'
          ? `A previous execution of this orchestration scheduled a timer task with sequence number ${past.slot} but the current replay execution hasn't (yet?) scheduled this task. ${change}`
          : `A previous execution of this orchestration scheduled ${past.kind === 'activity' ? 'an activity' : 'a sub-orchestration'} task with sequence ID ${past.slot} and name '${past.name}' (version ''), but the current replay execution hasn't (yet?) scheduled this task. ${change}`;
    } else if (kind !== past.kind) {
      detail = `A previous execution of this orchestration scheduled ${past.kind === 'timer' ? 'a timer' : past.kind === 'activity' ? 'an activity' : 'a sub-orchestration'} task with sequence number ${past.slot} named '${past.name}', but the current orchestration replay instead produced a ${dotnetActionType[kind]} action with this sequence number. ${change}`;
    } else if (kind !== 'timer' && name.toLowerCase() !== past.name.toLowerCase()) {
      detail = `A previous execution of this orchestration scheduled ${kind === 'activity' ? 'an activity' : 'a sub-orchestration'} task with sequence number ${past.slot} named '${past.name}', but the current orchestration replay instead scheduled ${kind === 'activity' ? 'an activity' : 'a sub-orchestration'} task named '${name}' with this sequence number.  ${change}`;
    }
    if (detail) {
      const message = `Non-Deterministic workflow detected: ${detail}`;
      return { reason: message, details: dotnetException('DurableTask.Core.Exceptions.NonDeterministicOrchestrationException', message) };
    }
  }
  return undefined;
}
