/**
 * The AMS account's behaviour: resources, the live event state machine with durations on the clock,
 * one operation at a time per live event, limits, and billing-relevant state history. State is
 * settled lazily: every call first completes the operations whose time has come, at their exact time.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Duration } from 'luxon';
import type { Clock } from '../clock/clock.js';
import { ArmError, badRequest, conflict, invalidParameter, notFound } from './armError.js';
import { busyError, defaultErrorShapes, wrongStateError, type ErrorShapes } from './errorShapes.js';
import type { FaultController } from './faults.js';
import {
  billedStates,
  key,
  outputKey,
  transientStates,
  type AssetRecord,
  type EmulatorState,
  type LiveEventRecord,
  type LiveEventState,
  type LiveOutputRecord,
  type Operation,
  type StreamingEndpointRecord,
  type StreamingLocatorRecord,
} from './model.js';
import { locationDisplayName } from './representation.js';
import { uniformJitterSampler, type Draw, type DurationSampler, type TimedOperation, type Timings } from './timings.js';

export interface AccountIdentity {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
  location: string;
  maxLiveEvents: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A long-running operation started by this request (the router adds its headers). */
  operation?: Operation;
  /** A poll of a running operation (the router repeats its LRO headers, as AMS does). */
  polling?: Operation;
}

const NAME_PATTERN = /^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$/;
// Control characters are rejected separately (hasControlCharacter) to keep the pattern readable.
const ASSET_NAME_FORBIDDEN = /[<>%&:\\?/*+.']/;
const STREAMING_POLICIES = [
  'Predefined_ClearStreamingOnly',
  'Predefined_DownloadOnly',
  'Predefined_DownloadAndClearStreaming',
  'Predefined_ClearKey',
  'Predefined_SecureStreaming',
  'Predefined_SecureStreamingWithFairPlay',
];
const REGION_CODE = 'euwe';
const MAX_OUTPUTS = 3;

/** Where providers serving the AMS model differ in what the account accepts (ams-emulator/dialects). */
export interface AccountRules {
  /** `properties.input.streamingProtocol` values a live event may use. */
  inputProtocols: readonly string[];
  /** `properties.encoding.encodingType` values (exact spelling). */
  encodingTypes: readonly string[];
  /** States a live event may be deleted from (ARM: Stopped only). */
  deleteFrom: readonly LiveEventState[];
  /** The `input.accessToken` a live event with this ingest protocol takes, in words for the refusal, and one to generate. */
  accessToken: (protocol: string) => { pattern: RegExp; description: string; generate: () => string };
}

const GUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export const armAccountRules: AccountRules = {
  inputProtocols: ['RTMP', 'FragmentedMP4'],
  encodingTypes: ['None', 'PassthroughBasic', 'PassthroughStandard', 'Standard', 'Premium1080p'],
  deleteFrom: ['Stopped'],
  accessToken: () => ({ pattern: GUID, description: 'a GUID (with or without hyphens)', generate: () => randomBytes(16).toString('hex') }),
};

export class MediaAccount {
  /** When each live event's first live output began recording (benchmarks measure recording lateness; memory only). */
  readonly firstOutputRunningAt: Record<string, number> = {};
  private readonly sample: DurationSampler;

  constructor(
    readonly identity: AccountIdentity,
    readonly state: EmulatorState,
    private readonly clock: Clock,
    timings: Timings,
    private readonly faults: FaultController,
    private readonly random: () => number,
    /** How refusals look (read on every request, so a control-plane change applies at once). */
    private readonly shapes: () => ErrorShapes = () => defaultErrorShapes,
    private readonly rules: AccountRules = armAccountRules,
  ) {
    this.sample = timings.sample ?? uniformJitterSampler(timings);
    if (!state.streamingEndpoints.default) {
      const now = clock.now();
      state.streamingEndpoints.default = {
        name: 'default', resourceState: 'Stopped', scaleUnits: 0, created: now, lastModified: now,
        hostName: `${identity.accountName.toLowerCase()}-${REGION_CODE}.streaming.media.azure.net`,
      };
    }
  }

  // ---- settling -----------------------------------------------------------------------------------

  /**
   * Completes every operation due by now and begins every queued one whose turn came, in time order,
   * so states change at their exact times.
   */
  settle(): void {
    const now = this.clock.now();
    for (;;) {
      const next = this.nextDue(now);
      if (!next) break;
      if (next.begins) this.begin(next.op, next.at);
      else this.complete(next.op, next.at);
    }
    for (const output of Object.values(this.state.liveOutputs)) {
      if (output.resourceState === 'Creating' && output.readyAt <= now) {
        output.resourceState = 'Running';
        output.provisioningState = 'Succeeded';
        this.markRecorded(output);
        this.firstOutputRunningAt[key(output.liveEvent)] ??= output.readyAt;
      }
    }
  }

  private nextDue(limit: number): { op: Operation; at: number; begins: boolean } | undefined {
    let best: { op: Operation; at: number; begins: boolean } | undefined;
    for (const op of Object.values(this.state.operations)) {
      if (op.status !== 'InProgress') continue;
      const queued = isQueued(op);
      const at = queued ? (op.queuedBehind === undefined ? op.startsAt : undefined) : (op.completesAt ?? undefined);
      if (at === undefined || at > limit) continue;
      if (!best || at < best.at) best = { op, at, begins: queued };
    }
    return best;
  }

  /** Gives stuck operations their nominal duration from now (after the stuck fault is cleared). */
  unstick(): void {
    for (const op of Object.values(this.state.operations)) {
      const queued = isQueued(op);
      if (op.status === 'InProgress' && op.completesAt === null && !queued) op.completesAt = this.clock.now() + op.durationMs;
    }
  }

  /** The earliest time an operation completes or a queued one begins (to persist state on time). */
  nextCompletion(): number | undefined {
    const times = Object.values(this.state.operations)
      .filter((op) => op.status === 'InProgress')
      .map((op) => (op.startsAt !== undefined && op.queuedBehind === undefined ? op.startsAt : op.completesAt))
      .filter((t): t is number => typeof t === 'number');
    return times.length ? Math.min(...times) : undefined;
  }

  private complete(op: Operation, at: number): void {
    op.status = op.fails ? 'Failed' : 'Succeeded';
    if (op.fails) op.error ??= { code: 'InternalServerError', message: `The ${op.action} operation failed (injected fault).` };
    if (op.kind === 'liveEvent') this.completeLiveEventOperation(op, at);
    if (op.kind === 'liveOutput') {
      const [le, lo] = op.resource.split('/') as [string, string];
      const event = this.state.liveEvents[key(le)];
      if (event?.activeOperation === op.id) delete event.activeOperation;
      const output = this.state.liveOutputs[outputKey(le, lo)];
      if (op.action === 'create' && output) {
        if (op.fails) delete this.state.liveOutputs[outputKey(le, lo)];
        else Object.assign(output, { resourceState: 'Running', provisioningState: 'Succeeded', lastModified: at });
        if (!op.fails) this.markRecorded(output);
        if (!op.fails) this.firstOutputRunningAt[key(le)] ??= at;
      }
      if (op.action === 'delete' && output) {
        if (op.fails) output.resourceState = 'Running';
        else delete this.state.liveOutputs[outputKey(le, lo)];
      }
    }
    if (op.kind === 'streamingEndpoint') this.completeStreamingEndpointOperation(op, at);
    this.release(op, at);
  }

  /** Whatever waited for `op` (busy shape `accepted`) begins now. */
  private release(op: Operation, at: number): void {
    for (const queued of Object.values(this.state.operations)) {
      if (queued.queuedBehind === op.id) {
        delete queued.queuedBehind;
        queued.startsAt = Math.max(queued.startsAt ?? at, at);
      }
    }
  }

  private completeLiveEventOperation(op: Operation, at: number): void {
    const event = this.state.liveEvents[key(op.resource)];
    if (!event) return;
    if (event.activeOperation === op.id) delete event.activeOperation;
    event.lastModified = at;
    if (op.fails) {
      event.provisioningState = op.action === 'create' ? 'Failed' : event.provisioningState;
      if (op.rollbackState) this.setState(event, op.rollbackState as LiveEventState, at);
      return;
    }
    event.provisioningState = 'Succeeded';
    const target: Partial<Record<string, LiveEventState>> = { allocate: 'StandBy', start: 'Running', stop: 'Stopped', reset: 'Running' };
    if (op.action === 'create') {
      if (event.resourceState === 'Starting') this.setState(event, 'Running', at);
    } else if (op.action === 'delete') {
      delete this.state.liveEvents[key(op.resource)];
      this.recordState(event.name, 'Deleted', at);
      // Operations still queued on a deleted event fail as a request to a missing one would.
      for (const queued of Object.values(this.state.operations)) {
        if (queued.kind !== 'liveEvent' || key(queued.resource) !== key(op.resource) || queued.status !== 'InProgress' || queued === op) continue;
        Object.assign(queued, { status: 'Failed', error: { code: 'ResourceNotFound', message: 'The Channel was not found.' } });
      }
    } else if (target[op.action]) {
      this.setState(event, target[op.action] as LiveEventState, at);
    }
  }

  private setState(event: LiveEventRecord, state: LiveEventState, at: number): void {
    if (event.resourceState === state) return;
    event.resourceState = state;
    if (state === 'Starting' && !event.properties.useStaticHostname) event.ingestHostId = randomBytes(16).toString('hex');
    this.recordState(event.name, state, at);
  }

  private recordState(name: string, state: LiveEventState | 'Deleted', at: number): void {
    const history = (this.state.stateHistory[key(name)] ??= []);
    history.push({ state, from: at });
  }

  /** The archive is written under the output's manifest name; the asset keeps it after the output is gone. */
  private markRecorded(output: LiveOutputRecord): void {
    const asset = this.state.assets[key(output.assetName)];
    if (!asset) return;
    asset.recorded = true;
    asset.manifestName ??= output.manifestName;
  }

  // ---- operations ---------------------------------------------------------------------------------

  private startOperation(init: { kind: Operation['kind']; action: string; resource: string; timed: TimedOperation; rollbackState?: string; apiVersion: string; faultOperation: string; faultName: string; queuedBehind?: string; startsAt?: number }): Operation {
    const fault = this.faults.take(init.faultOperation, init.faultName, ['slow', 'stuck', 'failAsync']);
    const slow = fault?.kind === 'slow' ? { factor: fault.factor ?? 10, extraMs: fault.extraMs ?? 0 } : undefined;
    const queued = isQueued(init);
    // A queued operation draws when its turn comes (begin), so a profile's per-resource draws stay in order.
    const drawn = queued ? { durationMs: 0, fails: false } : this.draw(init.timed, init.resource, slow);
    const now = this.clock.now();
    const op: Operation = {
      id: randomUUID(), kind: init.kind, action: init.action, resource: init.resource, startedAt: now,
      completesAt: fault?.kind === 'stuck' || queued ? null : now + drawn.durationMs, durationMs: drawn.durationMs,
      fails: fault?.kind === 'failAsync' || drawn.fails,
      status: 'InProgress', rollbackState: init.rollbackState, apiVersion: init.apiVersion,
      error: fault?.kind === 'failAsync' ? { code: 'InternalServerError', message: `Injected failure of ${init.faultOperation}.` } : drawn.fails ? profileFailure(init.action) : undefined,
      queuedBehind: init.queuedBehind, startsAt: init.startsAt, slow, stuck: fault?.kind === 'stuck' || undefined,
    };
    this.state.operations[op.id] = op;
    return op;
  }

  /** One draw of the sampler (a `slow` fault stretches it); a timing profile may also fail the operation. */
  private draw(timed: TimedOperation, resource: string, slow?: { factor: number; extraMs: number }): Draw {
    const drawn = this.sample(timed, this.random, resource);
    return slow ? { ...drawn, durationMs: Math.round(drawn.durationMs * slow.factor + slow.extraMs) } : drawn;
  }

  getOperation(kind: Operation['kind'], id: string): Operation {
    const op = this.state.operations[id];
    if (!op || op.kind !== kind) throw notFound('operation');
    return op;
  }

  private requireEvent(name: string): LiveEventRecord {
    const event = this.state.liveEvents[key(name)];
    if (!event) throw notFound('Channel');
    return event;
  }

  /** The operation that makes the live event busy: its own, or one on one of its outputs. */
  private activeOn(event: LiveEventRecord): Operation | undefined {
    const active = event.activeOperation ? this.state.operations[event.activeOperation] : undefined;
    if (active?.status === 'InProgress') return active;
    return this.lastAccepted(event); // only queued operations remain (busy shape `accepted`)
  }

  /** The last operation accepted on the live event (running or queued): a new one queues behind it. */
  private lastAccepted(event: LiveEventRecord): Operation | undefined {
    const pending = Object.values(this.state.operations).filter(
      // The event's own operations (`name`) and its outputs' (`name/output`).
      (op) => op.status === 'InProgress' && op.kind !== 'streamingEndpoint' && key(op.resource.split('/')[0] ?? '') === key(event.name),
    );
    return pending.sort((a, b) => a.startedAt - b.startedAt).at(-1);
  }

  /**
   * One long-running operation at a time per live event and its outputs. Busy: refuses in the
   * configured shape, or (shape `accepted`) returns the operation the new one queues behind.
   */
  private whenIdle(event: LiveEventRecord, faultOperation: string, faultName: string): { queuedBehind?: string; startsAt?: number } {
    const fault = this.faults.take(faultOperation, faultName, ['busy']);
    const shape = this.shapes().busy;
    const active = this.activeOn(event);
    if (!active && !fault) return {};
    const subject = `live event '${event.name}'`;
    const refusal = busyError(shape, subject, active?.action ?? 'an operation');
    if (refusal) throw refusal;
    const last = this.lastAccepted(event);
    if (last) return { queuedBehind: last.id };
    // An injected `busy` with nothing running: an operation the client cannot see holds the event for a while.
    return { startsAt: this.clock.now() + (fault?.extraMs ?? this.draw('liveEvents.update', event.name).durationMs) };
  }

  /** Refuses with the configured wrong-state shape; an injected `wrongState` refuses a valid request too (a stale read). */
  private wrongState(action: string, event: LiveEventRecord): ArmError {
    return wrongStateError(this.shapes().wrongState, action, `live event '${event.name}'`, event.resourceState);
  }

  private injectedWrongState(faultOperation: string, action: string, event: LiveEventRecord): void {
    if (this.faults.take(faultOperation, event.name, ['wrongState'])) throw this.wrongState(action, event);
  }

  /** In the `accepted` busy shape the service shows a busy live event only through its provisioningState. */
  displayedProvisioningState(event: LiveEventRecord): LiveEventRecord['provisioningState'] {
    if (this.shapes().busy === 'accepted' && this.lastAccepted(event)) return 'InProgress';
    return event.provisioningState;
  }

  // ---- live events --------------------------------------------------------------------------------

  listLiveEvents(): LiveEventRecord[] {
    return Object.values(this.state.liveEvents);
  }

  getLiveEvent(name: string): LiveEventRecord {
    return this.requireEvent(name);
  }

  createLiveEvent(name: string, body: Record<string, unknown>, autoStart: boolean, apiVersion: string): Reply {
    validateName(name, 32, 'live event');
    const existing = this.state.liveEvents[key(name)];
    const props = (body.properties ?? {}) as Record<string, unknown>;
    if (existing) {
      // PUT on an existing live event updates it (ARM semantics), with the same rules as PATCH.
      return this.updateLiveEvent(name, body, apiVersion);
    }
    const location = this.checkLocation(body.location);
    if (Object.keys(this.state.liveEvents).length >= this.identity.maxLiveEvents) {
      throw badRequest(`The account already has ${this.identity.maxLiveEvents} live events, the limit for this account.`);
    }
    validateLiveEventProperties(props, this.rules);
    const input = (props.input ?? {}) as Record<string, unknown>;
    const now = this.clock.now();
    const event: LiveEventRecord = {
      name, location, tags: (body.tags as Record<string, string>) ?? {}, created: now, lastModified: now,
      resourceState: 'Stopped', provisioningState: 'InProgress', properties: props,
      accessToken: typeof input.accessToken === 'string' && input.accessToken ? input.accessToken : this.rules.accessToken(String(input.streamingProtocol)).generate(),
      previewLocator: String(((props.preview ?? {}) as Record<string, unknown>).previewLocator ?? randomUUID()),
      ingestHostId: randomBytes(16).toString('hex'),
    };
    this.state.liveEvents[key(name)] = event;
    this.recordState(name, 'Stopped', now);
    const op = this.startOperation({
      kind: 'liveEvent', action: 'create', resource: name, apiVersion, faultOperation: 'liveEvents.create', faultName: name,
      timed: autoStart ? 'liveEvents.createAndStart' : 'liveEvents.create', rollbackState: 'Stopped',
    });
    if (autoStart) this.setState(event, 'Starting', now);
    event.activeOperation = op.id;
    return { status: 201, body: event, operation: op };
  }

  /** ARM takes the region's name or its display name; AMS answers the display name. */
  private checkLocation(location: unknown): string {
    if (typeof location !== 'string' || location === '') throw invalidParameter('The location is required.');
    const account = locationDisplayName(this.identity.location);
    const normalize = (l: string) => l.toLowerCase().replace(/\s+/g, '');
    if (normalize(location) !== normalize(this.identity.location) && normalize(location) !== normalize(account)) {
      throw badRequest(`The location '${location}' is not the media services account's location '${account}'.`);
    }
    return account;
  }

  updateLiveEvent(name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const event = this.requireEvent(name);
    const queue = this.whenIdle(event, 'liveEvents.update', name);
    if (transientStates.includes(event.resourceState)) throw this.wrongState('update', event);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    for (const creationOnly of ['streamOptions']) {
      if (props[creationOnly] !== undefined && JSON.stringify(props[creationOnly]) !== JSON.stringify(event.properties[creationOnly] ?? [])) {
        throw badRequest(`The property '${creationOnly}' can only be set when the live event is created.`);
      }
    }
    const encoding = props.encoding as Record<string, unknown> | undefined;
    const current = (event.properties.encoding ?? {}) as Record<string, unknown>;
    if (encoding?.encodingType !== undefined && (encoding.encodingType ?? 'None') !== (current.encodingType ?? 'None')) {
      throw badRequest('The encoding type of a live event cannot be changed after creation.');
    }
    event.properties = { ...event.properties, ...props };
    if (body.tags) event.tags = body.tags as Record<string, string>;
    event.lastModified = this.clock.now();
    const op = this.startOperation({ kind: 'liveEvent', action: 'update', resource: name, timed: 'liveEvents.update', apiVersion, faultOperation: 'liveEvents.update', faultName: name, ...queue });
    if (!isQueued(queue)) event.activeOperation = op.id;
    return { status: 200, body: event, operation: op };
  }

  private static readonly allowed: Record<LiveEventTransition, LiveEventState[]> = {
    allocate: ['Stopped'],
    start: ['Stopped', 'StandBy'],
    stop: ['StandBy', 'Running'],
    reset: ['Running'],
    delete: ['Stopped'],
  };

  liveEventAction(name: string, action: LiveEventTransition, apiVersion: string, removeOutputsOnStop = false): Reply {
    if (action === 'delete' && !this.state.liveEvents[key(name)]) return { status: 204 };
    const event = this.requireEvent(name);
    const faultOperation = `liveEvents.${action}`;
    const queue = this.whenIdle(event, faultOperation, event.name);
    const queued = isQueued(queue);
    this.injectedWrongState(faultOperation, action, event);
    // A queued request is checked against the state it meets when its turn comes.
    if (!queued) this.checkTransition(event, action, removeOutputsOnStop);
    const op = this.startOperation({
      kind: 'liveEvent', action, resource: event.name, timed: transitionTiming(action, event.resourceState), rollbackState: event.resourceState,
      apiVersion, faultOperation, faultName: event.name, ...queue,
    });
    op.removeOutputsOnStop = removeOutputsOnStop;
    if (!queued) this.applyTransition(event, op, this.clock.now());
    return { status: 202, operation: op };
  }

  private checkTransition(event: LiveEventRecord, action: LiveEventTransition, removeOutputsOnStop: boolean): void {
    const allowed = action === 'delete' ? this.rules.deleteFrom : MediaAccount.allowed[action];
    if (!allowed.includes(event.resourceState)) throw this.wrongState(action, event);
    const outputs = this.outputsOf(event.name);
    if (action === 'stop' && outputs.length > 0 && !removeOutputsOnStop) {
      throw badRequest(`Live event '${event.name}' has ${outputs.length} live output(s); delete them first or stop with removeOutputsOnStop.`);
    }
  }

  private applyTransition(event: LiveEventRecord, op: Operation, at: number): void {
    const action = op.action as LiveEventTransition;
    if (action === 'stop' || action === 'delete' || action === 'reset') {
      this.outputsOf(event.name).forEach((o) => delete this.state.liveOutputs[outputKey(o.liveEvent, o.name)]);
    }
    const transient: Record<LiveEventTransition, LiveEventState> = { allocate: 'Allocating', start: 'Starting', stop: 'Stopping', reset: 'Running', delete: 'Deleting' };
    op.rollbackState = event.resourceState;
    this.setState(event, transient[action], at);
    event.activeOperation = op.id;
    event.lastModified = at;
  }

  /** A queued operation's turn: it runs now, or fails as the request would have been refused now. */
  private begin(op: Operation, at: number): void {
    delete op.startsAt;
    delete op.queuedBehind;
    const drawn = this.draw(timingOf(op, this.state), op.resource, op.slow);
    const durationMs = drawn.durationMs;
    op.durationMs = durationMs;
    if (drawn.fails && !op.fails) Object.assign(op, { fails: true, error: profileFailure(op.action) });
    op.completesAt = op.stuck ? null : at + durationMs;
    try {
      if (op.kind === 'liveEvent') {
        const event = this.requireEvent(op.resource);
        if (op.action === 'update') {
          event.activeOperation = op.id;
          return;
        }
        this.checkTransition(event, op.action as LiveEventTransition, op.removeOutputsOnStop === true);
        this.applyTransition(event, op, at);
      } else if (op.kind === 'liveOutput') {
        const [le, lo] = op.resource.split('/') as [string, string];
        const event = this.requireEvent(le);
        const output = this.state.liveOutputs[outputKey(le, lo)];
        if (!output && op.action === 'delete') {
          op.completesAt = at; // already gone (a stop removed it): the delete has nothing left to do
          return;
        }
        if (!output) throw notFound('Channel');
        if (op.action === 'delete') output.resourceState = 'Deleting';
        event.activeOperation = op.id;
      }
    } catch (refusal) {
      if (!(refusal instanceof ArmError)) throw refusal;
      Object.assign(op, { status: 'Failed', completesAt: at, error: { code: refusal.code, message: refusal.message } });
      this.release(op, at);
      if (op.kind === 'liveOutput' && op.action === 'create') {
        const [le, lo] = op.resource.split('/') as [string, string];
        delete this.state.liveOutputs[outputKey(le, lo)];
      }
    }
  }

  // ---- live outputs -------------------------------------------------------------------------------

  private outputsOf(liveEvent: string): LiveOutputRecord[] {
    return Object.values(this.state.liveOutputs).filter((o) => key(o.liveEvent) === key(liveEvent));
  }

  listLiveOutputs(liveEvent: string): LiveOutputRecord[] {
    this.requireEvent(liveEvent);
    return this.outputsOf(liveEvent);
  }

  getLiveOutput(liveEvent: string, name: string): LiveOutputRecord {
    this.requireEvent(liveEvent);
    const output = this.state.liveOutputs[outputKey(liveEvent, name)];
    // Recorded AMS answers a missing live output with the live event's ("Channel") text.
    if (!output) throw notFound('Channel');
    return output;
  }

  createLiveOutput(liveEvent: string, name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const event = this.requireEvent(liveEvent);
    validateName(name, 256, 'live output');
    const queue = this.whenIdle(event, 'liveOutputs.create', name);
    if (this.state.liveOutputs[outputKey(liveEvent, name)]) throw conflict('Conflict', `Live output '${name}' already exists.`);
    if (transientStates.includes(event.resourceState)) throw this.wrongState('create a live output on', event);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const encodingType = String(((event.properties.encoding ?? {}) as Record<string, unknown>).encodingType ?? 'None');
    const maxOutputs = encodingType === 'PassthroughBasic' ? 1 : MAX_OUTPUTS;
    if (this.outputsOf(liveEvent).length >= maxOutputs) throw badRequest(`A live event of type ${encodingType} can have at most ${maxOutputs} live output(s).`);
    const assetName = String(props.assetName ?? '');
    const asset = this.state.assets[key(assetName)];
    if (!asset) throw badRequest(`The asset '${assetName}' does not exist; create it before the live output.`);
    const user = Object.values(this.state.liveOutputs).find((o) => key(o.assetName) === key(assetName));
    if (user) throw badRequest(`The asset '${assetName}' is already used by live output '${user.name}'.`);
    const archive = String(props.archiveWindowLength ?? '');
    const archiveMs = isoDurationMs(archive);
    const maxArchiveMs = encodingType === 'PassthroughBasic' ? 8 * 3600_000 : 25 * 3600_000;
    if (archiveMs === undefined || archiveMs < 60_000 || archiveMs > maxArchiveMs) {
      throw invalidParameter(`archiveWindowLength must be an ISO 8601 duration between PT1M and ${encodingType === 'PassthroughBasic' ? 'PT8H' : 'PT25H'}; got '${archive}'.`);
    }
    const rewind = props.rewindWindowLength === undefined || props.rewindWindowLength === null ? null : String(props.rewindWindowLength);
    const rewindMs = rewind === null ? undefined : isoDurationMs(rewind);
    if (rewind !== null && (rewindMs === undefined || rewindMs < 60_000 || rewindMs > archiveMs)) {
      throw invalidParameter(`rewindWindowLength must be between PT1M and the archive window; got '${rewind}'.`);
    }
    const now = this.clock.now();
    const running = event.resourceState === 'Running';
    const output: LiveOutputRecord = {
      liveEvent: event.name, name, assetName, archiveWindowLength: archive, rewindWindowLength: rewind,
      // AMS generates a GUID when the client names no manifest (recorded).
      manifestName: typeof props.manifestName === 'string' && props.manifestName ? props.manifestName : randomUUID(),
      hls: (props.hls as LiveOutputRecord['hls']) ?? null, outputSnapTime: Number(props.outputSnapTime ?? 0),
      description: (props.description as string | undefined) ?? null, created: now, lastModified: now,
      resourceState: 'Creating', provisioningState: 'InProgress', readyAt: now + this.draw('liveOutputs.create', `${event.name}/${name}`).durationMs,
    };
    this.state.liveOutputs[outputKey(liveEvent, name)] = output;
    if (!running) return { status: 200, body: output };
    const op = this.startOperation({ kind: 'liveOutput', action: 'create', resource: `${event.name}/${name}`, timed: 'liveOutputs.create', apiVersion, faultOperation: 'liveOutputs.create', faultName: name, ...queue });
    output.readyAt = Number.POSITIVE_INFINITY;
    if (!isQueued(queue)) event.activeOperation = op.id;
    return { status: 201, body: output, operation: op };
  }

  deleteLiveOutput(liveEvent: string, name: string, apiVersion: string): Reply {
    const event = this.requireEvent(liveEvent);
    const output = this.state.liveOutputs[outputKey(liveEvent, name)];
    if (!output) return { status: 204 };
    const queue = this.whenIdle(event, 'liveOutputs.delete', name);
    const queued = isQueued(queue);
    if (event.resourceState !== 'Running' && !queued) {
      delete this.state.liveOutputs[outputKey(liveEvent, name)];
      return { status: 200 };
    }
    const op = this.startOperation({ kind: 'liveOutput', action: 'delete', resource: `${event.name}/${name}`, timed: 'liveOutputs.delete', apiVersion, faultOperation: 'liveOutputs.delete', faultName: name, ...queue });
    if (!queued) {
      output.resourceState = 'Deleting';
      event.activeOperation = op.id;
    }
    return { status: 202, operation: op };
  }

  // ---- assets and streaming locators --------------------------------------------------------------

  listAssets(): AssetRecord[] {
    return Object.values(this.state.assets);
  }

  getAsset(name: string): AssetRecord {
    const asset = this.state.assets[key(name)];
    if (!asset) throw notFound('Asset');
    return asset;
  }

  putAsset(name: string, body: Record<string, unknown>): Reply {
    if (!name || name.length > 260 || ASSET_NAME_FORBIDDEN.test(name) || hasControlCharacter(name)) {
      throw invalidParameter(`Asset name '${name}' is invalid: up to 260 characters, none of < > % & : \\ ? / * + . ' or control characters.`);
    }
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const now = this.clock.now();
    const existing = this.state.assets[key(name)];
    if (existing) {
      Object.assign(existing, {
        alternateId: (props.alternateId as string | undefined) ?? existing.alternateId,
        description: (props.description as string | undefined) ?? existing.description,
        lastModified: now,
      });
      return { status: 200, body: existing };
    }
    const assetId = randomUUID();
    const asset: AssetRecord = {
      name, assetId, created: now, lastModified: now, alternateId: (props.alternateId as string | undefined) ?? null,
      description: (props.description as string | undefined) ?? null,
      container: (props.container as string | undefined) ?? `asset-${assetId}`,
      storageAccountName: (props.storageAccountName as string | undefined) ?? `${this.identity.accountName.toLowerCase()}storage`,
      recorded: false,
    };
    this.state.assets[key(name)] = asset;
    return { status: 201, body: asset };
  }

  deleteAsset(name: string): Reply {
    const asset = this.state.assets[key(name)];
    if (!asset) return { status: 204 };
    const user = Object.values(this.state.liveOutputs).find((o) => key(o.assetName) === key(name));
    if (user) throw badRequest(`Asset '${name}' is used by live output '${user.name}' of live event '${user.liveEvent}'; delete the live output first.`);
    delete this.state.assets[key(name)];
    for (const [id, locator] of Object.entries(this.state.streamingLocators)) if (key(locator.assetName) === key(name)) delete this.state.streamingLocators[id];
    return { status: 200 };
  }

  /** SAS URLs for the asset's storage container (one per storage key, as AMS answers). */
  listContainerSas(name: string, body: Record<string, unknown>): Reply {
    const asset = this.getAsset(name);
    const permissions = { Read: 'rl', ReadWrite: 'rlw', ReadWriteDelete: 'rlwd' }[String(body.permissions)];
    if (!permissions) throw invalidParameter(`permissions must be Read, ReadWrite or ReadWriteDelete; got '${String(body.permissions)}'.`);
    const expiry = typeof body.expiryTime === 'string' ? Date.parse(body.expiryTime) : Number.NaN;
    if (Number.isNaN(expiry)) throw invalidParameter('expiryTime must be an ISO 8601 date-time.');
    if (expiry <= this.clock.now()) throw badRequest('expiryTime must be in the future.');
    const se = new Date(expiry).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const urls = [1, 2].map((n) => {
      const sig = createHash('sha256').update(`${this.state.tokenSecret}/${asset.container}/${se}/${permissions}/${n}`).digest('base64');
      return `https://${asset.storageAccountName}.blob.core.windows.net/${asset.container}?sv=2020-08-04&sr=c&sig=${encodeURIComponent(sig)}&se=${encodeURIComponent(se)}&sp=${permissions}`;
    });
    return { status: 200, body: { assetContainerSasUrls: urls } };
  }

  /** Only assets with legacy storage encryption have a key; v3 never creates such assets. */
  getEncryptionKey(name: string): Reply {
    const asset = this.getAsset(name);
    throw badRequest(`The asset '${asset.name}' is not encrypted with MediaStorageClientEncryption (storageEncryptionFormat is None).`);
  }

  listStreamingLocators(): StreamingLocatorRecord[] {
    return Object.values(this.state.streamingLocators);
  }

  getStreamingLocator(name: string): StreamingLocatorRecord {
    const locator = this.state.streamingLocators[key(name)];
    if (!locator) throw notFound('StreamingLocator');
    return locator;
  }

  createStreamingLocator(name: string, body: Record<string, unknown>): Reply {
    if (hasControlCharacter(name)) throw invalidParameter(`The streaming locator name '${name}' contains control characters.`);
    validateName(name, 260, 'streaming locator', /^[^<>%&:\\?/*+.']+$/);
    if (this.state.streamingLocators[key(name)]) throw conflict('Conflict', `Streaming locator '${name}' already exists; locators are immutable.`);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const assetName = String(props.assetName ?? '');
    if (!this.state.assets[key(assetName)]) throw badRequest(`The asset '${assetName}' does not exist.`);
    const policy = String(props.streamingPolicyName ?? '');
    if (!STREAMING_POLICIES.includes(policy)) throw badRequest(`Streaming policy '${policy}' was not found. Predefined policies: ${STREAMING_POLICIES.join(', ')}.`);
    if (Object.values(this.state.streamingLocators).filter((l) => key(l.assetName) === key(assetName)).length >= 100) {
      throw badRequest(`Asset '${assetName}' already has 100 streaming locators.`);
    }
    const locator: StreamingLocatorRecord = {
      name, assetName, streamingPolicyName: policy, created: this.clock.now(),
      streamingLocatorId: String(props.streamingLocatorId ?? randomUUID()).toLowerCase(),
      defaultContentKeyPolicyName: (props.defaultContentKeyPolicyName as string | undefined) ?? null,
      startTime: (props.startTime as string | undefined) ?? null, endTime: (props.endTime as string | undefined) ?? '9999-12-31T23:59:59.9999999Z',
      alternativeMediaId: props.alternativeMediaId as string | undefined,
      contentKeys: (POLICY_KEYS[policy] ?? []).map(([type, label]) => ({ id: randomUUID(), type, labelReferenceInStreamingPolicy: label, value: randomBytes(16).toString('base64') })),
    };
    this.state.streamingLocators[key(name)] = locator;
    return { status: 201, body: locator };
  }

  deleteStreamingLocator(name: string): Reply {
    if (!this.state.streamingLocators[key(name)]) return { status: 204 };
    delete this.state.streamingLocators[key(name)];
    return { status: 200 };
  }

  listContentKeys(name: string): Reply {
    const locator = this.getStreamingLocator(name);
    return { status: 200, body: { contentKeys: (locator.contentKeys ?? []).map((k) => ({ ...k, policyName: locator.defaultContentKeyPolicyName ?? undefined, tracks: [] })) } };
  }

  /**
   * Streaming paths exist once the asset holds recorded content, under the manifest name the archive
   * was written with (kept on the asset, so they stay right after the live output is deleted).
   */
  listPaths(name: string): Reply {
    const locator = this.getStreamingLocator(name);
    const asset = this.state.assets[key(locator.assetName)];
    // State persisted before assets kept the name: the output still recording into it knows it.
    if (asset?.recorded) asset.manifestName ??= Object.values(this.state.liveOutputs).find((o) => key(o.assetName) === key(asset.name))?.manifestName;
    if (!asset?.recorded || !asset.manifestName || locator.streamingPolicyName === 'Predefined_DownloadOnly') {
      return { status: 200, body: { streamingPaths: [], downloadPaths: [] } };
    }
    const base = `/${locator.streamingLocatorId}/${asset.manifestName}.ism/manifest`;
    const scheme = POLICY_SCHEMES[locator.streamingPolicyName] ?? { Hls: 'NoEncryption', Dash: 'NoEncryption', SmoothStreaming: 'NoEncryption' };
    const streamingPaths = [
      { streamingProtocol: 'Hls', encryptionScheme: scheme.Hls, paths: [`${base}(format=m3u8-aapl)`, `${base}(format=m3u8-cmaf)`] },
      { streamingProtocol: 'Dash', encryptionScheme: scheme.Dash, paths: [`${base}(format=mpd-time-csf)`, `${base}(format=mpd-time-cmaf)`] },
      { streamingProtocol: 'SmoothStreaming', encryptionScheme: scheme.SmoothStreaming, paths: [base] },
    ];
    return { status: 200, body: { streamingPaths, downloadPaths: [] } };
  }

  /**
   * What a streaming endpoint serves for a playback path: the manifest when the locator exists, is
   * valid now, and its asset holds an archive under exactly that manifest name; otherwise nothing.
   */
  resolvePlayback(path: string): { locator: string; asset: string; manifestName: string; format: string | null } | undefined {
    const match = /^\/([0-9a-f-]{36})\/([^/]+)\.ism\/manifest(?:\(format=([^)]+)\))?$/i.exec(path);
    if (!match) return undefined;
    const [, locatorId, manifestName, format] = match as unknown as [string, string, string, string | undefined];
    const locator = Object.values(this.state.streamingLocators).find((l) => l.streamingLocatorId === locatorId.toLowerCase());
    if (!locator) return undefined;
    const now = this.clock.now();
    if ((locator.startTime && Date.parse(locator.startTime) > now) || Date.parse(locator.endTime.replace(/(\.\d{3})\d+Z$/, '$1Z')) < now) return undefined;
    const asset = this.state.assets[key(locator.assetName)];
    if (!asset?.recorded || asset.manifestName !== manifestName) return undefined;
    return { locator: locator.name, asset: asset.name, manifestName, format: format ?? null };
  }

  // ---- streaming endpoints ------------------------------------------------------------------------

  listStreamingEndpoints(): StreamingEndpointRecord[] {
    return Object.values(this.state.streamingEndpoints);
  }

  getStreamingEndpoint(name: string): StreamingEndpointRecord {
    const endpoint = this.state.streamingEndpoints[key(name)];
    if (!endpoint) throw notFound('StreamingEndpoint');
    return endpoint;
  }

  private endpointIdle(endpoint: StreamingEndpointRecord): void {
    const active = endpoint.activeOperation ? this.state.operations[endpoint.activeOperation] : undefined;
    if (active?.status !== 'InProgress') return;
    // Streaming endpoints refuse a second operation; the `accepted` queueing is a live event shape.
    const shape = this.shapes().busy;
    throw busyError(shape === 'accepted' ? 'operationInProgress' : shape, `streaming endpoint '${endpoint.name}'`, active.action) as ArmError;
  }

  private endpointOperation(endpoint: StreamingEndpointRecord, action: string, transient: StreamingEndpointRecord['resourceState'], apiVersion: string): Reply {
    const op = this.startOperation({
      kind: 'streamingEndpoint', action, resource: endpoint.name, timed: `streamingEndpoints.${action}` as TimedOperation,
      rollbackState: endpoint.resourceState, apiVersion, faultOperation: `streamingEndpoints.${action}`, faultName: endpoint.name,
    });
    endpoint.resourceState = transient;
    endpoint.activeOperation = op.id;
    endpoint.lastModified = this.clock.now();
    return { status: 202, operation: op };
  }

  createStreamingEndpoint(name: string, body: Record<string, unknown>, autoStart: boolean, apiVersion: string): Reply {
    validateName(name, 24, 'streaming endpoint');
    if (this.state.streamingEndpoints[key(name)]) return this.updateStreamingEndpoint(name, body, apiVersion);
    this.checkLocation(body.location);
    if (Object.keys(this.state.streamingEndpoints).length >= MAX_STREAMING_ENDPOINTS) {
      throw badRequest(`The account already has ${MAX_STREAMING_ENDPOINTS} streaming endpoints, the limit for this account.`);
    }
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const scaleUnits = props.scaleUnits;
    if (typeof scaleUnits !== 'number' || !Number.isInteger(scaleUnits) || scaleUnits < 0 || scaleUnits > MAX_SCALE_UNITS) {
      throw invalidParameter(`properties.scaleUnits must be an integer between 0 and ${MAX_SCALE_UNITS}.`);
    }
    const now = this.clock.now();
    const endpoint: StreamingEndpointRecord = {
      name, resourceState: 'Stopped', scaleUnits, created: now, lastModified: now, properties: props,
      tags: (body.tags as Record<string, string>) ?? {}, provisioningState: 'InProgress',
      hostName: `${name.toLowerCase()}-${this.identity.accountName.toLowerCase()}-${REGION_CODE}.streaming.media.azure.net`,
    };
    this.state.streamingEndpoints[key(name)] = endpoint;
    const op = this.startOperation({
      kind: 'streamingEndpoint', action: autoStart ? 'createAndStart' : 'create', resource: name, timed: 'streamingEndpoints.create',
      rollbackState: 'Stopped', apiVersion, faultOperation: 'streamingEndpoints.create', faultName: name,
    });
    if (autoStart) endpoint.resourceState = 'Starting';
    endpoint.activeOperation = op.id;
    return { status: 201, body: endpoint, operation: op };
  }

  updateStreamingEndpoint(name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const endpoint = this.getStreamingEndpoint(name);
    this.endpointIdle(endpoint);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    if (props.scaleUnits !== undefined && props.scaleUnits !== endpoint.scaleUnits && endpoint.resourceState === 'Running') {
      throw badRequest(`Scale units of the running streaming endpoint '${name}' change through the scale operation.`);
    }
    endpoint.properties = { ...(endpoint.properties ?? {}), ...props };
    if (typeof props.scaleUnits === 'number') endpoint.scaleUnits = props.scaleUnits;
    if (body.tags) endpoint.tags = body.tags as Record<string, string>;
    const reply = this.endpointOperation(endpoint, 'update', endpoint.resourceState, apiVersion);
    return { ...reply, body: endpoint };
  }

  deleteStreamingEndpoint(name: string, apiVersion: string): Reply {
    const endpoint = this.state.streamingEndpoints[key(name)];
    if (!endpoint) return { status: 204 };
    this.endpointIdle(endpoint);
    if (endpoint.resourceState !== 'Stopped') {
      throw wrongStateError(this.shapes().wrongState, 'delete', `streaming endpoint '${endpoint.name}'`, endpoint.resourceState);
    }
    return this.endpointOperation(endpoint, 'delete', 'Deleting', apiVersion);
  }

  streamingEndpointAction(name: string, action: 'start' | 'stop' | 'scale', apiVersion: string, body: Record<string, unknown> = {}): Reply {
    const endpoint = this.getStreamingEndpoint(name);
    this.endpointIdle(endpoint);
    const from = endpoint.resourceState;
    const allowed = { start: ['Stopped'], stop: ['Running'], scale: ['Stopped', 'Running'] }[action];
    if (!allowed.includes(from)) throw wrongStateError(this.shapes().wrongState, action, `streaming endpoint '${endpoint.name}'`, from);
    if (action === 'scale') {
      const units = body.scaleUnit;
      if (typeof units !== 'number' || !Number.isInteger(units) || units < 0 || units > MAX_SCALE_UNITS) {
        throw invalidParameter(`scaleUnit must be an integer between 0 and ${MAX_SCALE_UNITS}.`);
      }
      if (from === 'Stopped') {
        endpoint.scaleUnits = units;
        endpoint.lastModified = this.clock.now();
        return { status: 200 };
      }
      endpoint.targetScaleUnits = units;
      return this.endpointOperation(endpoint, 'scale', 'Scaling', apiVersion);
    }
    return this.endpointOperation(endpoint, action, action === 'start' ? 'Starting' : 'Stopping', apiVersion);
  }

  private completeStreamingEndpointOperation(op: Operation, at: number): void {
    const endpoint = this.state.streamingEndpoints[key(op.resource)];
    if (!endpoint) return;
    delete endpoint.activeOperation;
    endpoint.lastModified = at;
    if (op.fails) {
      endpoint.resourceState = (op.rollbackState as StreamingEndpointRecord['resourceState']) ?? 'Stopped';
      if (op.action.startsWith('create')) endpoint.provisioningState = 'Failed';
      delete endpoint.targetScaleUnits;
      return;
    }
    endpoint.provisioningState = 'Succeeded';
    if (op.action === 'delete') {
      delete this.state.streamingEndpoints[key(op.resource)];
      return;
    }
    if (op.action === 'scale' && endpoint.targetScaleUnits !== undefined) {
      endpoint.scaleUnits = endpoint.targetScaleUnits;
      delete endpoint.targetScaleUnits;
    }
    const after: Record<string, StreamingEndpointRecord['resourceState']> = { start: 'Running', createAndStart: 'Running', stop: 'Stopped', create: 'Stopped', scale: 'Running' };
    endpoint.resourceState = after[op.action] ?? (op.rollbackState as StreamingEndpointRecord['resourceState']) ?? endpoint.resourceState;
  }

  // ---- billing ------------------------------------------------------------------------------------

  /** Time spent in each state by the live event(s) ever named `name`, up to now. */
  billing(name: string) {
    this.settle();
    const history = this.state.stateHistory[key(name)] ?? [];
    const now = this.clock.now();
    const totals: Record<string, number> = {};
    history.forEach((interval, i) => {
      const to = history[i + 1]?.from ?? now;
      totals[interval.state] = (totals[interval.state] ?? 0) + (to - interval.from);
    });
    return {
      standbyMs: totals.StandBy ?? 0,
      runningMs: totals.Running ?? 0,
      allocatingMs: totals.Allocating ?? 0,
      startingMs: totals.Starting ?? 0,
      stoppingMs: totals.Stopping ?? 0,
      billedMs: billedStates.reduce((sum, s) => sum + (totals[s] ?? 0), 0),
      history: history.map((interval, i) => ({ state: interval.state, from: new Date(interval.from).toISOString(), to: history[i + 1] ? new Date(history[i + 1]!.from).toISOString() : undefined })),
    };
  }
}

type LiveEventTransition = 'allocate' | 'start' | 'stop' | 'reset' | 'delete';

/** How an operation the timing profile failed ends (after its duration), as AMS reports an internal failure. */
const profileFailure = (action: string) => ({ code: 'InternalServerError', message: `The ${action} operation failed (timing profile).` });

/** Accepted but waiting (busy shape `accepted`): behind another operation, or until a set time. */
const isQueued = (x: { queuedBehind?: string; startsAt?: number }) => x.queuedBehind !== undefined || x.startsAt !== undefined;

function transitionTiming(action: LiveEventTransition, from: LiveEventState): TimedOperation {
  return action === 'start' && from === 'Stopped' ? 'liveEvents.coldStart' : `liveEvents.${action}`;
}

/** The duration a queued operation draws when its turn comes (a cold start if the event is then Stopped). */
function timingOf(op: Operation, state: EmulatorState): TimedOperation {
  if (op.kind === 'liveOutput') return op.action === 'delete' ? 'liveOutputs.delete' : 'liveOutputs.create';
  if (op.kind === 'streamingEndpoint') return 'streamingEndpoints.update';
  if (op.action === 'update') return 'liveEvents.update';
  const event = state.liveEvents[key(op.resource)];
  return transitionTiming(op.action as LiveEventTransition, event?.resourceState ?? 'Stopped');
}

const MAX_STREAMING_ENDPOINTS = 2;
const MAX_SCALE_UNITS = 10;

/** Content keys the predefined encrypting policies need (type, label in the policy). */
const POLICY_KEYS: Record<string, Array<[string, string]>> = {
  Predefined_ClearKey: [['EnvelopeEncryption', 'aesDefaultKey']],
  Predefined_SecureStreaming: [['EnvelopeEncryption', 'aesDefaultKey'], ['CommonEncryptionCenc', 'cencDefaultKey']],
  Predefined_SecureStreamingWithFairPlay: [['EnvelopeEncryption', 'aesDefaultKey'], ['CommonEncryptionCenc', 'cencDefaultKey'], ['CommonEncryptionCbcs', 'cbcsDefaultKey']],
};
const POLICY_SCHEMES: Record<string, { Hls: string; Dash: string; SmoothStreaming: string }> = {
  Predefined_ClearKey: { Hls: 'EnvelopeEncryption', Dash: 'EnvelopeEncryption', SmoothStreaming: 'EnvelopeEncryption' },
  Predefined_SecureStreaming: { Hls: 'EnvelopeEncryption', Dash: 'CommonEncryptionCenc', SmoothStreaming: 'CommonEncryptionCenc' },
  Predefined_SecureStreamingWithFairPlay: { Hls: 'CommonEncryptionCbcs', Dash: 'CommonEncryptionCenc', SmoothStreaming: 'CommonEncryptionCenc' },
};

const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20);

function validateName(name: string, maxLength: number, what: string, pattern = NAME_PATTERN): void {
  if (!name || name.length > maxLength || !pattern.test(name)) {
    throw invalidParameter(`The ${what} name '${name}' is invalid: 1-${maxLength} letters, digits and hyphens, starting and ending with a letter or digit.`);
  }
}

function validateLiveEventProperties(props: Record<string, unknown>, rules: AccountRules): void {
  const input = (props.input ?? {}) as Record<string, unknown>;
  if (!rules.inputProtocols.includes(String(input.streamingProtocol))) {
    throw invalidParameter(`input.streamingProtocol must be ${rules.inputProtocols.join(' or ')}; got '${String(input.streamingProtocol)}'.`);
  }
  const encoding = (props.encoding ?? {}) as Record<string, unknown>;
  const type = String(encoding.encodingType ?? 'None');
  if (!rules.encodingTypes.includes(type)) {
    throw invalidParameter(`encoding.encodingType '${type}' is not supported.`);
  }
  const passthrough = ['None', 'PassthroughBasic', 'PassthroughStandard'].includes(type);
  const kfi = typeof input.keyFrameIntervalDuration === 'string' && input.keyFrameIntervalDuration !== '' ? isoDurationMs(input.keyFrameIntervalDuration) : undefined;
  if (kfi !== undefined && (!passthrough || kfi < 500 || kfi > 20_000)) {
    throw invalidParameter('input.keyFrameIntervalDuration must be between PT0.5S and PT20S and is only allowed for pass-through live events.');
  }
  if (encoding.keyFrameInterval !== undefined && encoding.keyFrameInterval !== null && passthrough) {
    throw invalidParameter('encoding.keyFrameInterval is not allowed for pass-through live events.');
  }
  const options = (props.streamOptions ?? []) as string[];
  if (options.includes('LowLatencyV2') && (passthrough || input.streamingProtocol !== 'RTMP')) {
    throw invalidParameter('LowLatencyV2 requires an encoding live event with RTMP input.');
  }
  const token = rules.accessToken(String(input.streamingProtocol));
  if (typeof input.accessToken === 'string' && input.accessToken !== '' && !token.pattern.test(input.accessToken)) {
    throw invalidParameter(`input.accessToken must be ${token.description}.`);
  }
}

/** ISO 8601 duration → ms (luxon parses it); undefined when malformed. */
export function isoDurationMs(text: string): number | undefined {
  const duration = Duration.fromISO(text);
  return duration.isValid ? duration.toMillis() : undefined;
}
