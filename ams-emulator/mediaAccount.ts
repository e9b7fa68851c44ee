/**
 * The AMS account's behaviour: resources, the live event state machine with durations on the clock,
 * one operation at a time per live event, limits, and billing-relevant state history. State is
 * settled lazily: every call first completes the operations whose time has come, at their exact time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Duration } from 'luxon';
import type { Clock } from '../clock/clock.js';
import { ArmError, badRequest, conflict, invalidParameter, notFound } from './armError.js';
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
import type { Timings } from './timings.js';

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

export class MediaAccount {
  /** When each live event's first live output began recording (benchmarks measure recording lateness; memory only). */
  readonly firstOutputRunningAt: Record<string, number> = {};

  constructor(
    readonly identity: AccountIdentity,
    readonly state: EmulatorState,
    private readonly clock: Clock,
    private readonly timings: Timings,
    private readonly faults: FaultController,
    private readonly random: () => number,
  ) {
    if (!state.streamingEndpoints.default) {
      const now = clock.now();
      state.streamingEndpoints.default = {
        name: 'default', resourceState: 'Stopped', scaleUnits: 0, created: now, lastModified: now,
        hostName: `${identity.accountName.toLowerCase()}-${REGION_CODE}.streaming.media.azure.net`,
      };
    }
  }

  // ---- settling -----------------------------------------------------------------------------------

  /** Completes every operation due by now, in time order, so states change at their exact times. */
  settle(): void {
    const now = this.clock.now();
    const due = Object.values(this.state.operations)
      .filter((op) => op.status === 'InProgress' && op.completesAt !== null && op.completesAt <= now)
      .sort((a, b) => (a.completesAt as number) - (b.completesAt as number));
    for (const op of due) this.complete(op, op.completesAt as number);
    for (const output of Object.values(this.state.liveOutputs)) {
      if (output.resourceState === 'Creating' && output.readyAt <= now) {
        output.resourceState = 'Running';
        output.provisioningState = 'Succeeded';
        this.markRecorded(output.assetName);
        this.firstOutputRunningAt[key(output.liveEvent)] ??= output.readyAt;
      }
    }
  }

  /** Gives stuck operations their nominal duration from now (after the stuck fault is cleared). */
  unstick(): void {
    for (const op of Object.values(this.state.operations)) {
      if (op.status === 'InProgress' && op.completesAt === null) op.completesAt = this.clock.now() + op.durationMs;
    }
  }

  /** The earliest time an in-progress operation completes (to persist state and notify on time). */
  nextCompletion(): number | undefined {
    const times = Object.values(this.state.operations)
      .filter((op) => op.status === 'InProgress' && op.completesAt !== null)
      .map((op) => op.completesAt as number);
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
        if (!op.fails) this.markRecorded(output.assetName);
        if (!op.fails) this.firstOutputRunningAt[key(le)] ??= at;
      }
      if (op.action === 'delete' && !op.fails) delete this.state.liveOutputs[outputKey(le, lo)];
    }
    if (op.kind === 'streamingEndpoint') {
      const endpoint = this.state.streamingEndpoints[key(op.resource)];
      if (endpoint) {
        delete endpoint.activeOperation;
        endpoint.lastModified = at;
        if (op.fails) endpoint.resourceState = (op.rollbackState as StreamingEndpointRecord['resourceState']) ?? 'Stopped';
        else endpoint.resourceState = op.action === 'start' ? 'Running' : 'Stopped';
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

  private markRecorded(assetName: string): void {
    const asset = this.state.assets[key(assetName)];
    if (asset) asset.recorded = true;
  }

  // ---- operations ---------------------------------------------------------------------------------

  private duration(base: number): number {
    const jitter = this.timings.jitter;
    return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * this.random())));
  }

  private startOperation(init: { kind: Operation['kind']; action: string; resource: string; baseMs: number; rollbackState?: string; apiVersion: string; faultOperation: string; faultName: string }): Operation {
    const fault = this.faults.take(init.faultOperation, init.faultName, ['slow', 'stuck', 'failAsync']);
    // A timing profile draws each operation's duration (and whether it fails) per resource, seeded.
    const drawn = this.timings.draw?.(init.faultOperation, init.resource, init.rollbackState);
    let durationMs = drawn ? drawn.durationMs : this.duration(init.baseMs);
    if (fault?.kind === 'slow') durationMs = Math.round(durationMs * (fault.factor ?? 10) + (fault.extraMs ?? 0));
    const now = this.clock.now();
    const op: Operation = {
      id: randomUUID(), kind: init.kind, action: init.action, resource: init.resource, startedAt: now,
      completesAt: fault?.kind === 'stuck' ? null : now + durationMs, durationMs, fails: fault?.kind === 'failAsync' || drawn?.fails === true,
      status: 'InProgress', rollbackState: init.rollbackState, apiVersion: init.apiVersion,
      error: fault?.kind === 'failAsync' ? { code: 'InternalServerError', message: `Injected failure of ${init.faultOperation}.` }
        : drawn?.fails ? { code: 'InternalServerError', message: `The ${init.action} operation failed (timing profile).` } : undefined,
    };
    this.state.operations[op.id] = op;
    return op;
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

  private ensureIdle(event: LiveEventRecord): void {
    const active = event.activeOperation ? this.state.operations[event.activeOperation] : undefined;
    if (active?.status === 'InProgress') {
      throw conflict('OperationInProgress', `Live event '${event.name}' has an operation in progress (${active.action}); only one long-running operation is allowed at a time.`);
    }
  }

  private wrongState(action: string, event: LiveEventRecord): ArmError {
    return badRequest(`Cannot ${action} the live event '${event.name}' in state '${event.resourceState}'.`);
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
    if (typeof body.location !== 'string' || body.location === '') throw invalidParameter('The location is required.');
    if (Object.keys(this.state.liveEvents).length >= this.identity.maxLiveEvents) {
      throw badRequest(`The account already has ${this.identity.maxLiveEvents} live events, the limit for this account.`);
    }
    validateLiveEventProperties(props);
    const input = (props.input ?? {}) as Record<string, unknown>;
    const now = this.clock.now();
    const event: LiveEventRecord = {
      name, location: body.location, tags: (body.tags as Record<string, string>) ?? {}, created: now, lastModified: now,
      resourceState: 'Stopped', provisioningState: 'InProgress', properties: props,
      accessToken: typeof input.accessToken === 'string' && input.accessToken ? input.accessToken : randomBytes(16).toString('hex'),
      previewLocator: String(((props.preview ?? {}) as Record<string, unknown>).previewLocator ?? randomUUID()),
      ingestHostId: randomBytes(16).toString('hex'),
    };
    this.state.liveEvents[key(name)] = event;
    this.recordState(name, 'Stopped', now);
    const op = this.startOperation({
      kind: 'liveEvent', action: 'create', resource: name, apiVersion, faultOperation: 'liveEvents.create', faultName: name,
      baseMs: autoStart ? this.timings.createMs + this.timings.coldStartMs : this.timings.createMs, rollbackState: 'Stopped',
    });
    if (autoStart) this.setState(event, 'Starting', now);
    event.activeOperation = op.id;
    return { status: 201, body: event, operation: op };
  }

  updateLiveEvent(name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const event = this.requireEvent(name);
    this.ensureIdle(event);
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
    const op = this.startOperation({ kind: 'liveEvent', action: 'update', resource: name, baseMs: this.timings.updateMs, apiVersion, faultOperation: 'liveEvents.update', faultName: name });
    event.activeOperation = op.id;
    return { status: 200, body: event, operation: op };
  }

  liveEventAction(name: string, action: 'allocate' | 'start' | 'stop' | 'reset' | 'delete', apiVersion: string, removeOutputsOnStop = false): Reply {
    if (action === 'delete' && !this.state.liveEvents[key(name)]) return { status: 204 };
    const event = this.requireEvent(name);
    this.ensureIdle(event);
    const state = event.resourceState;
    const allowed: Record<typeof action, LiveEventState[]> = {
      allocate: ['Stopped'],
      start: ['Stopped', 'StandBy'],
      stop: ['StandBy', 'Running'],
      reset: ['Running'],
      delete: ['Stopped'],
    };
    if (!allowed[action].includes(state)) throw this.wrongState(action, event);
    const outputs = this.outputsOf(event.name);
    if (action === 'stop' && outputs.length > 0) {
      if (!removeOutputsOnStop) {
        throw badRequest(`Live event '${event.name}' has ${outputs.length} live output(s); delete them first or stop with removeOutputsOnStop.`);
      }
      outputs.forEach((o) => delete this.state.liveOutputs[outputKey(o.liveEvent, o.name)]);
    }
    if (action === 'delete' && outputs.length > 0) outputs.forEach((o) => delete this.state.liveOutputs[outputKey(o.liveEvent, o.name)]);
    if (action === 'reset') outputs.forEach((o) => delete this.state.liveOutputs[outputKey(o.liveEvent, o.name)]);

    const now = this.clock.now();
    const baseMs = {
      allocate: this.timings.allocateMs,
      start: state === 'Stopped' ? this.timings.coldStartMs : this.timings.startMs,
      stop: this.timings.stopMs,
      reset: this.timings.resetMs,
      delete: this.timings.deleteMs,
    }[action];
    const transient: Record<typeof action, LiveEventState> = { allocate: 'Allocating', start: 'Starting', stop: 'Stopping', reset: 'Running', delete: 'Deleting' };
    const op = this.startOperation({ kind: 'liveEvent', action, resource: event.name, baseMs, rollbackState: state, apiVersion, faultOperation: `liveEvents.${action}`, faultName: event.name });
    this.setState(event, transient[action], now);
    event.activeOperation = op.id;
    event.lastModified = now;
    return { status: 202, operation: op };
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
    if (!output) throw notFound('LiveOutput');
    return output;
  }

  createLiveOutput(liveEvent: string, name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const event = this.requireEvent(liveEvent);
    validateName(name, 256, 'live output');
    this.ensureIdle(event);
    if (this.state.liveOutputs[outputKey(liveEvent, name)]) throw conflict('Conflict', `Live output '${name}' already exists.`);
    if (transientStates.includes(event.resourceState)) throw this.wrongState('create a live output on', event);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const encodingType = String(((event.properties.encoding ?? {}) as Record<string, unknown>).encodingType ?? 'None');
    const maxOutputs = encodingType === 'PassthroughBasic' ? 1 : MAX_OUTPUTS;
    if (this.outputsOf(liveEvent).length >= maxOutputs) throw badRequest(`A live event of type ${encodingType} can have at most ${maxOutputs} live output(s).`);
    const assetName = String(props.assetName ?? '');
    if (!this.state.assets[key(assetName)]) throw badRequest(`The asset '${assetName}' does not exist; create it before the live output.`);
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
      manifestName: typeof props.manifestName === 'string' && props.manifestName ? props.manifestName : randomUUID(),
      hls: (props.hls as LiveOutputRecord['hls']) ?? null, outputSnapTime: Number(props.outputSnapTime ?? 0),
      description: (props.description as string | undefined) ?? null, created: now, lastModified: now,
      resourceState: 'Creating', provisioningState: 'InProgress', readyAt: now + this.duration(this.timings.liveOutputCreateMs),
    };
    this.state.liveOutputs[outputKey(liveEvent, name)] = output;
    if (!running) return { status: 200, body: output };
    const op = this.startOperation({ kind: 'liveOutput', action: 'create', resource: `${event.name}/${name}`, baseMs: this.timings.liveOutputCreateMs, apiVersion, faultOperation: 'liveOutputs.create', faultName: name });
    output.readyAt = Number.POSITIVE_INFINITY;
    event.activeOperation = op.id;
    return { status: 201, body: output, operation: op };
  }

  deleteLiveOutput(liveEvent: string, name: string, apiVersion: string): Reply {
    const event = this.requireEvent(liveEvent);
    const output = this.state.liveOutputs[outputKey(liveEvent, name)];
    if (!output) return { status: 204 };
    this.ensureIdle(event);
    if (event.resourceState !== 'Running') {
      delete this.state.liveOutputs[outputKey(liveEvent, name)];
      return { status: 200 };
    }
    output.resourceState = 'Deleting';
    const op = this.startOperation({ kind: 'liveOutput', action: 'delete', resource: `${event.name}/${name}`, baseMs: this.timings.liveOutputDeleteMs, apiVersion, faultOperation: 'liveOutputs.delete', faultName: name });
    event.activeOperation = op.id;
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
    };
    this.state.streamingLocators[key(name)] = locator;
    return { status: 201, body: locator };
  }

  deleteStreamingLocator(name: string): Reply {
    if (!this.state.streamingLocators[key(name)]) return { status: 204 };
    delete this.state.streamingLocators[key(name)];
    return { status: 200 };
  }

  /** Streaming paths exist once the asset has recorded content (a live output ran into it). */
  listPaths(name: string): Reply {
    const locator = this.getStreamingLocator(name);
    const asset = this.state.assets[key(locator.assetName)];
    const output = Object.values(this.state.liveOutputs).find((o) => key(o.assetName) === key(locator.assetName));
    const manifest = output?.manifestName ?? 'manifest';
    const base = `/${locator.streamingLocatorId}/${manifest}.ism/manifest`;
    const streamingPaths = asset?.recorded
      ? [
          { streamingProtocol: 'Hls', encryptionScheme: 'NoEncryption', paths: [`${base}(format=m3u8-aapl)`, `${base}(format=m3u8-cmaf)`] },
          { streamingProtocol: 'Dash', encryptionScheme: 'NoEncryption', paths: [`${base}(format=mpd-time-csf)`, `${base}(format=mpd-time-cmaf)`] },
          { streamingProtocol: 'SmoothStreaming', encryptionScheme: 'NoEncryption', paths: [base] },
        ]
      : [];
    return { status: 200, body: { streamingPaths, downloadPaths: [] } };
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

  streamingEndpointAction(name: string, action: 'start' | 'stop', apiVersion: string): Reply {
    const endpoint = this.getStreamingEndpoint(name);
    const active = endpoint.activeOperation ? this.state.operations[endpoint.activeOperation] : undefined;
    if (active?.status === 'InProgress') throw conflict('OperationInProgress', `Streaming endpoint '${name}' has an operation in progress.`);
    const from = endpoint.resourceState;
    if ((action === 'start' && from !== 'Stopped') || (action === 'stop' && from !== 'Running')) {
      throw badRequest(`Cannot ${action} the streaming endpoint '${name}' in state '${from}'.`);
    }
    const op = this.startOperation({ kind: 'streamingEndpoint', action, resource: endpoint.name, baseMs: this.timings.streamingEndpointMs, rollbackState: from, apiVersion, faultOperation: `streamingEndpoints.${action}`, faultName: name });
    endpoint.resourceState = action === 'start' ? 'Starting' : 'Stopping';
    endpoint.activeOperation = op.id;
    return { status: 202, operation: op };
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

const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20);

function validateName(name: string, maxLength: number, what: string, pattern = NAME_PATTERN): void {
  if (!name || name.length > maxLength || !pattern.test(name)) {
    throw invalidParameter(`The ${what} name '${name}' is invalid: 1-${maxLength} letters, digits and hyphens, starting and ending with a letter or digit.`);
  }
}

function validateLiveEventProperties(props: Record<string, unknown>): void {
  const input = (props.input ?? {}) as Record<string, unknown>;
  if (input.streamingProtocol !== 'RTMP' && input.streamingProtocol !== 'FragmentedMP4') {
    throw invalidParameter(`input.streamingProtocol must be RTMP or FragmentedMP4; got '${String(input.streamingProtocol)}'.`);
  }
  const encoding = (props.encoding ?? {}) as Record<string, unknown>;
  const type = String(encoding.encodingType ?? 'None');
  if (!['None', 'PassthroughBasic', 'PassthroughStandard', 'Standard', 'Premium1080p'].includes(type)) {
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
  if (typeof input.accessToken === 'string' && input.accessToken !== '' && !/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(input.accessToken)) {
    throw invalidParameter('input.accessToken must be a GUID (with or without hyphens).');
  }
}

/** ISO 8601 duration → ms (luxon parses it); undefined when malformed. */
export function isoDurationMs(text: string): number | undefined {
  const duration = Duration.fromISO(text);
  return duration.isValid ? duration.toMillis() : undefined;
}
