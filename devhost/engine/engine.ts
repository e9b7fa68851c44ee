/**
 * Runs durable orchestrations by driving the real durable-functions replay engine: each episode sends
 * the full history plus ONE new event (so task sequence numbers line up exactly with the library's),
 * then carries out the actions it returns. State lives in the DurableStore; timers run on the Clock.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../clock/clock.js';
import { trackWork } from '../../clock/virtualClock.js';
import type { FunctionApp } from '../worker/functionApp.js';
import type { RpcTypedData } from '../worker/functionsCore.js';
import { EventType, failureDetails, historyEvent, type HistoryEvent } from './history.js';
import { terminalStatuses, type DurableStore, type InstanceRow, type ListFilter, type RuntimeStatus } from './store.js';

/** What the Durable extension tells the library about timers (Azure Storage's limits). */
const MAX_SHORT_TIMER_MS = 6 * 24 * 3600_000;
const LONG_TIMER_INTERVAL_MS = 3 * 24 * 3600_000;
const UPPER_SCHEMA_VERSION = 2; // ReplaySchema.V3: long timers, flat action lists

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
  /** Slots of long-timer segments → the final fire time (ms). */
  longTimers: Record<string, number>;
  /** Index in the flattened action list → timer slot, to drop timers the orchestrator cancelled. */
  timerSlots: Record<string, number>;
}

interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export interface EngineOptions {
  store: DurableStore;
  app: FunctionApp;
  clock: Clock;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
}

const emptyState = (): EngineState => ({ nextSeq: 0, actionsSeen: 0, retries: {}, longTimers: {}, timerSlots: {} });

export class InstanceConflictError extends Error {}
export class InstanceNotFoundError extends Error {}
export class InstanceGoneError extends Error {}

export class DurableEngine {
  readonly #store: DurableStore;
  readonly #app: FunctionApp;
  readonly #clock: Clock;
  readonly #maxActivities: number;
  readonly #maxOrchestrations: number;
  readonly #ready = new Set<string>();
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
    this.events.setMaxListeners(0);
  }

  /** Resumes whatever was in flight when the host last stopped: due events, timers, activity work. */
  start(): void {
    for (const { instanceId, visibleAt } of this.#store.pendingInbox()) this.#wake(instanceId, visibleAt);
    for (const work of this.#store.allWork()) this.#workQueue.push(work.seq);
    this.#pumpWork();
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const { cancel } of this.#armed.values()) cancel();
    this.#armed.clear();
    if (this.#running.size === 0 && this.#activeWork === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  // ---- client operations -------------------------------------------------------------------------

  startNew(name: string, instanceId: string, input: string | null): void {
    if (!this.#app.find(name) || this.#app.find(name)?.trigger.type !== 'orchestrationTrigger') {
      throw new InstanceNotFoundError(`No orchestrator function named "${name}" is registered.`);
    }
    const now = this.#clock.now();
    this.#store.transaction(() => {
      const existing = this.#store.getInstance(instanceId);
      if (existing && !terminalStatuses.includes(existing.status)) {
        throw new InstanceConflictError(`An instance with ID '${instanceId}' already exists and is ${existing.status}.`);
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
    this.#store.enqueue(instanceId, JSON.stringify(historyEvent('EventRaised', now, { Name: name, Input: data ?? undefined })), now);
    this.#wake(instanceId, now);
  }

  terminate(instanceId: string, reason: string): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    this.#store.transaction(() => {
      const now = this.#clock.now();
      const position = this.#store.history(instanceId, instance.executionId).length;
      this.#store.appendHistory(instanceId, instance.executionId, position, [
        JSON.stringify(historyEvent('ExecutionTerminated', now, { Input: JSON.stringify(reason) })),
      ]);
      this.#finish(instance, 'Terminated', JSON.stringify(reason), now);
    });
  }

  suspend(instanceId: string): void {
    const instance = this.#require(instanceId);
    if (terminalStatuses.includes(instance.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${instance.status}.`);
    this.#setStatus(instance, 'Suspended');
  }

  resume(instanceId: string): void {
    const instance = this.#require(instanceId);
    if (instance.status !== 'Suspended') return;
    this.#setStatus(instance, 'Running');
    this.#wake(instanceId, this.#clock.now());
  }

  purge(instanceId: string): boolean {
    const instance = this.#store.getInstance(instanceId);
    if (!instance) return false;
    if (!terminalStatuses.includes(instance.status)) {
      throw new InstanceConflictError(`Instance '${instanceId}' is ${instance.status}; only completed, failed or terminated instances can be purged.`);
    }
    return this.#store.transaction(() => this.#store.deleteInstance(instanceId));
  }

  list(filter: ListFilter): InstanceRow[] {
    return this.#store.listInstances(filter);
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.#store.getInstance(instanceId);
  }

  history(instance: InstanceRow): HistoryEvent[] {
    return this.#store.history(instance.id, instance.executionId).map((e) => JSON.parse(e) as HistoryEvent);
  }

  /** Resolves once the instance reaches one of `statuses` (default: any terminal status). */
  waitFor(instanceId: string, statuses: readonly RuntimeStatus[] = terminalStatuses, timeoutMs = 30_000): Promise<InstanceRow> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const instance = this.#store.getInstance(instanceId);
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

  /** Makes the instance runnable at `atMs` (now or a timer's fire time). */
  #wake(instanceId: string, atMs: number): void {
    if (this.#closed) return;
    if (atMs <= this.#clock.now()) {
      this.#ready.add(instanceId);
      queueMicrotask(() => this.#pump());
      return;
    }
    const armed = this.#armed.get(instanceId);
    if (armed && armed.at <= atMs) return;
    armed?.cancel();
    const cancel = this.#clock.at(atMs, () => {
      this.#armed.delete(instanceId);
      this.#wake(instanceId, this.#clock.now());
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
    // Drain every visible event, one episode each; then arm for the next future one.
    for (;;) {
      await yieldToEventLoop(); // keep HTTP requests and timers served while instances run
      if (this.#closed) return;
      const instance = this.#store.getInstance(instanceId);
      if (!instance) return this.#store.clearInbox(instanceId);
      if (instance.status === 'Suspended') return;
      const now = this.#clock.now();
      const next = this.#store.nextVisible(instanceId, now);
      if (!next) {
        const upcoming = this.#store.nextVisibleAt(instanceId);
        if (upcoming !== undefined) this.#wake(instanceId, upcoming);
        return;
      }
      if (terminalStatuses.includes(instance.status)) {
        this.#store.dequeue(next.seq);
        continue;
      }
      try {
        await this.#episode(instance, next.seq, JSON.parse(next.event) as HistoryEvent, now);
      } catch (error) {
        // A host-level failure (not the orchestrator's): keep the event and retry with backoff.
        console.error(`devhost: episode for ${instanceId} failed; will retry`, error);
        this.#wake(instanceId, this.#clock.now() + 1_000);
        return;
      }
    }
  }

  async #episode(instance: InstanceRow, inboxSeq: number, event: HistoryEvent, now: number): Promise<void> {
    const past = this.#store.history(instance.id, instance.executionId);
    const state = JSON.parse(instance.engineState) as EngineState;
    const started = historyEvent('OrchestratorStarted', now);
    const delivered: HistoryEvent = { ...event, IsPlayed: false };
    const history = [...past.map((e) => ({ ...(JSON.parse(e) as HistoryEvent), IsPlayed: true })), started, delivered];

    const result = await this.#invokeOrchestrator(instance, history);
    const appended: HistoryEvent[] = [started, delivered];
    const effects: Array<() => void> = [];

    this.#store.transaction(() => {
      const current = this.#store.getInstance(instance.id);
      if (!current || current.executionId !== instance.executionId || terminalStatuses.includes(current.status)) {
        this.#store.dequeue(inboxSeq); // terminated or purged while the orchestrator ran
        return;
      }
      this.#store.dequeue(inboxSeq);
      this.#followUpEvent(current, state, delivered, now, appended, effects);

      let failure: string | undefined = result.failure;
      let continueAsNew: Action | undefined;
      if (result.state) {
        const flat = flatten(result.state.actions.flat());
        for (const [index, action] of flat.entries()) {
          const slot = state.timerSlots[index];
          if (action.isCanceled && slot !== undefined) delete state.timerSlots[index];
        }
        const fresh = flat.slice(state.actionsSeen);
        fresh.forEach((action, i) => {
          if (failure || continueAsNew) return;
          if (action.actionType === ActionType.ContinueAsNew) continueAsNew = action;
          else failure = this.#schedule(current, state, action, state.actionsSeen + i, now, appended, effects);
        });
        state.actionsSeen = flat.length;
      }

      const customStatus = result.state?.customStatus;
      current.customStatus = customStatus === undefined ? current.customStatus : JSON.stringify(customStatus);
      this.#store.appendHistory(current.id, current.executionId, past.length, appended.map((e) => JSON.stringify(e)));
      current.engineState = JSON.stringify(state);

      if (failure !== undefined) {
        this.#appendFinal(current, past.length + appended.length, 'ExecutionFailed', now, { Reason: failure });
        this.#finish(current, 'Failed', JSON.stringify(failure), now);
      } else if (continueAsNew) {
        this.#continueAsNew(current, continueAsNew, now);
        effects.push(() => this.#wake(current.id, now));
      } else if (result.state?.isDone) {
        const output = result.state.output === undefined ? null : JSON.stringify(result.state.output);
        this.#appendFinal(current, past.length + appended.length, 'ExecutionCompleted', now, { Result: output });
        this.#finish(current, 'Completed', output, now);
      } else {
        current.status = 'Running';
        current.updatedAt = now;
        this.#store.putInstance(current);
      }
    });
    this.events.emit('status', instance.id);
    for (const effect of effects) effect();
  }

  async #invokeOrchestrator(instance: InstanceRow, history: HistoryEvent[]): Promise<{ state?: OrchestratorState; failure?: string }> {
    const payload = {
      history,
      input: instance.input === null ? undefined : (JSON.parse(instance.input) as unknown),
      instanceId: instance.id,
      isReplaying: history.some((e) => e.IsPlayed),
      parentInstanceId: instance.parentId ?? undefined,
      upperSchemaVersion: UPPER_SCHEMA_VERSION,
      maximumShortTimerDuration: '6.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    try {
      const { returnData } = await this.#app.invoke(instance.name, { trigger: { string: JSON.stringify(payload) } });
      return { state: decodeStrict(returnData) as OrchestratorState };
    } catch (error) {
      // The library reports orchestrator exceptions with its state appended after a marker.
      const message = error instanceof Error ? error.message : String(error);
      const marker = message.indexOf('$OutOfProcData$:');
      const state = marker >= 0 ? (JSON.parse(message.slice(marker + '$OutOfProcData$:'.length)) as OrchestratorState) : undefined;
      // The library puts the exception's message in the state's `error`.
      const reason = state?.error ?? (marker >= 0 ? message.slice(0, marker) : message).trim();
      return { state: state ? { ...state, isDone: false, actions: [] } : undefined, failure: `Orchestrator function '${instance.name}' failed: ${reason}` };
    }
  }

  /** Bookkeeping the extension does when certain events arrive: retry timers, retried attempts, long-timer segments. */
  #followUpEvent(instance: InstanceRow, state: EngineState, event: HistoryEvent, now: number, appended: HistoryEvent[], effects: Array<() => void>): void {
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
    const finalAt = state.longTimers[slot];
    if (finalAt !== undefined) {
      delete state.longTimers[slot];
      if (finalAt > now) {
        const segmentSlot = state.nextSeq++;
        const fireAt = finalAt - now > MAX_SHORT_TIMER_MS ? now + LONG_TIMER_INTERVAL_MS : finalAt;
        state.longTimers[String(segmentSlot)] = finalAt;
        this.#addTimer(instance, segmentSlot, fireAt, appended, effects);
      }
    }
  }

  /** Carries out one new action; returns a failure reason when the action cannot be run here. */
  #schedule(instance: InstanceRow, state: EngineState, action: Action, index: number, now: number, appended: HistoryEvent[], effects: Array<() => void>): string | undefined {
    const input = serializedInput(action);
    switch (action.actionType) {
      case ActionType.WaitForExternalEvent:
        return undefined; // events are matched by name, no sequence number
      case ActionType.CreateTimer: {
        const slot = state.nextSeq++;
        const finalAt = Date.parse(action.fireAt ?? '');
        const fireAt = finalAt - now > MAX_SHORT_TIMER_MS ? now + LONG_TIMER_INTERVAL_MS : finalAt;
        if (fireAt < finalAt) state.longTimers[String(slot)] = finalAt;
        state.timerSlots[String(index)] = slot;
        if (!action.isCanceled) this.#addTimer(instance, slot, fireAt, appended, effects);
        return undefined;
      }
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const kind = action.actionType <= ActionType.CallActivityWithRetry ? 'activity' : 'orchestration';
        const name = action.functionName ?? '';
        const expected = kind === 'activity' ? 'activityTrigger' : 'orchestrationTrigger';
        if (this.#app.find(name)?.trigger.type !== expected) {
          return `${kind === 'activity' ? 'Activity' : 'Orchestrator'} function '${name}' is not registered.`;
        }
        const slot = state.nextSeq++;
        const task: PendingRetry = { kind, name, input, instanceId: action.instanceId, options: action.retryOptions ?? { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 }, attempt: 1 };
        if (action.retryOptions) state.retries[String(slot)] = task;
        this.#startTask(instance, slot, task, now, appended, effects);
        return undefined;
      }
      default:
        return `Action type ${action.actionType} (entities, durable HTTP) is not supported by the local host.`;
    }
  }

  #startTask(instance: InstanceRow, slot: number, task: PendingRetry, now: number, appended: HistoryEvent[], effects: Array<() => void>): void {
    if (task.kind === 'activity') {
      appended.push(historyEvent('TaskScheduled', now, { EventId: slot, Name: task.name, Input: task.input ?? undefined }));
      const seq = this.#store.addWork({ instanceId: instance.id, executionId: instance.executionId, slot, name: task.name, input: task.input });
      effects.push(() => {
        this.#workQueue.push(seq);
        this.#pumpWork();
      });
      return;
    }
    const childId = task.instanceId ?? `${instance.id}:${String(slot).padStart(4, '0')}`;
    appended.push(historyEvent('SubOrchestrationInstanceCreated', now, { EventId: slot, Name: task.name, InstanceId: childId, Input: task.input ?? undefined }));
    const existing = this.#store.getInstance(childId);
    if (existing && !terminalStatuses.includes(existing.status)) {
      this.#store.enqueue(instance.id, JSON.stringify(historyEvent('SubOrchestrationInstanceFailed', now, {
        TaskScheduledId: slot,
        Reason: `An instance with ID '${childId}' already exists.`,
        FailureDetails: failureDetails(new Error(`An instance with ID '${childId}' already exists.`)),
      })), now);
      effects.push(() => this.#wake(instance.id, now));
      return;
    }
    if (existing) this.#store.deleteInstance(childId);
    this.#createInstance({ id: childId, name: task.name, input: task.input, now, parentId: instance.id, parentSlot: slot });
    effects.push(() => this.#wake(childId, now));
  }

  #addTimer(instance: InstanceRow, slot: number, fireAt: number, appended: HistoryEvent[], effects: Array<() => void>): void {
    const fireIso = new Date(fireAt).toISOString();
    appended.push(historyEvent('TimerCreated', this.#clock.now(), { EventId: slot, FireAt: fireIso }));
    this.#store.enqueue(instance.id, JSON.stringify(historyEvent('TimerFired', fireAt, { TimerId: slot, FireAt: fireIso })), fireAt);
    effects.push(() => this.#wake(instance.id, fireAt));
  }

  #createInstance(init: { id: string; name: string; input: string | null; now: number; parentId: string | null; parentSlot: number | null }): void {
    const executionId = `${init.id}@${init.now}`;
    this.#store.putInstance({
      id: init.id, name: init.name, executionId, status: 'Pending', input: init.input, output: null, customStatus: null,
      createdAt: init.now, updatedAt: init.now, parentId: init.parentId, parentSlot: init.parentSlot, engineState: JSON.stringify(emptyState()),
    });
    this.#store.enqueue(init.id, JSON.stringify(historyEvent('ExecutionStarted', init.now, { Name: init.name, Input: init.input ?? undefined })), init.now);
  }

  #continueAsNew(instance: InstanceRow, action: Action, now: number): void {
    const input = serializedInput(action);
    // Events raised but not consumed stay in the inbox and reach the new execution.
    this.#store.deleteHistory(instance.id);
    const executionId = `${instance.id}@${now}`;
    this.#store.putInstance({ ...instance, executionId, status: 'Running', input, output: null, updatedAt: now, engineState: JSON.stringify(emptyState()) });
    this.#store.enqueue(instance.id, JSON.stringify(historyEvent('ExecutionStarted', now, { Name: instance.name, Input: input ?? undefined })), now - 1);
  }

  #appendFinal(instance: InstanceRow, position: number, type: 'ExecutionCompleted' | 'ExecutionFailed', now: number, fields: Record<string, unknown>): void {
    this.#store.appendHistory(instance.id, instance.executionId, position, [JSON.stringify(historyEvent(type, now, fields))]);
  }

  /** Marks the instance done, cancels its pending work and tells a parent orchestration. */
  #finish(instance: InstanceRow, status: RuntimeStatus, output: string | null, now: number): void {
    this.#store.putInstance({ ...instance, status, output, updatedAt: now });
    this.#store.clearWork(instance.id);
    if (instance.parentId !== null && instance.parentSlot !== null) {
      const parentEvent =
        status === 'Completed'
          ? historyEvent('SubOrchestrationInstanceCompleted', now, { TaskScheduledId: instance.parentSlot, Result: output ?? 'null' })
          : historyEvent('SubOrchestrationInstanceFailed', now, {
              TaskScheduledId: instance.parentSlot,
              Reason: `Sub-orchestration '${instance.id}' ${status.toLowerCase()}`,
              FailureDetails: failureDetails(new Error(output === null ? status : String(JSON.parse(output)))),
            });
      this.#store.enqueue(instance.parentId, JSON.stringify(parentEvent), now);
      const parentId = instance.parentId;
      queueMicrotask(() => this.#wake(parentId, now));
    }
    queueMicrotask(() => this.events.emit('status', instance.id));
  }

  #setStatus(instance: InstanceRow, status: RuntimeStatus): void {
    this.#store.putInstance({ ...instance, status, updatedAt: this.#clock.now() });
    this.events.emit('status', instance.id);
  }

  #require(instanceId: string): InstanceRow {
    const instance = this.#store.getInstance(instanceId);
    if (!instance) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
    return instance;
  }

  // ---- activities --------------------------------------------------------------------------------

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
    try {
      const { returnData } = await this.#app.invoke(work.name, { trigger: { string: work.input ?? 'null' } });
      const value = decodeStrict(returnData);
      outcome = historyEvent('TaskCompleted', this.#clock.now(), { TaskScheduledId: work.slot, Result: value === undefined ? 'null' : JSON.stringify(value) });
    } catch (error) {
      const details = failureDetails(error);
      outcome = historyEvent('TaskFailed', this.#clock.now(), { TaskScheduledId: work.slot, Reason: details.ErrorMessage, Details: details.StackTrace, FailureDetails: details });
    }
    if (this.#closed) return; // the work row stays; the next host runs it again (at-least-once)
    const delivered = this.#store.transaction(() => {
      const instance = this.#store.getInstance(work.instanceId);
      if (!this.#store.deleteWork(seq) || !instance || instance.executionId !== work.executionId) return false;
      this.#store.enqueue(work.instanceId, JSON.stringify(outcome), this.#clock.now());
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

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
