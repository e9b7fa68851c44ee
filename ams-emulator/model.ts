/** The emulator's persisted state: plain JSON so a restart resumes exactly where it was. */
export type LiveEventState = 'Stopped' | 'Allocating' | 'StandBy' | 'Starting' | 'Running' | 'Stopping' | 'Deleting';
export const transientStates: readonly LiveEventState[] = ['Allocating', 'Starting', 'Stopping', 'Deleting'];
export const billedStates: readonly LiveEventState[] = ['StandBy', 'Running'];

export type OperationKind = 'liveEvent' | 'liveOutput' | 'streamingEndpoint';
export type LiveEventAction = 'create' | 'update' | 'allocate' | 'start' | 'stop' | 'reset' | 'delete';

export interface Operation {
  id: string;
  kind: OperationKind;
  action: string;
  /** Live event, `liveEvent/liveOutput`, or streaming endpoint name. */
  resource: string;
  startedAt: number;
  /** null while stuck (a fault); set again when the fault is cleared. */
  completesAt: number | null;
  /** Nominal duration, used to resume a stuck operation. */
  durationMs: number;
  fails: boolean;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** State to return to if the operation fails. */
  rollbackState?: string;
  error?: { code: string; message: string };
  apiVersion: string;
  /** Accepted while another operation ran (busy shape `accepted`): waits for that operation to end. */
  queuedBehind?: string;
  /** A queued operation begins at this time (set when what it waited for ends). */
  startsAt?: number;
  /** Request details a queued operation needs when it begins. */
  removeOutputsOnStop?: boolean;
  /** A `slow` fault taken when the request arrived (applied when a queued operation begins). */
  slow?: { factor: number; extraMs: number };
  stuck?: boolean;
}

export interface LiveEventRecord {
  name: string;
  location: string;
  tags: Record<string, string>;
  created: number;
  lastModified: number;
  resourceState: LiveEventState;
  provisioningState: 'InProgress' | 'Succeeded' | 'Failed';
  /** Writable properties as the client sent them (input, preview, encoding, ...). */
  properties: Record<string, unknown>;
  accessToken: string;
  previewLocator: string;
  /** Random ingest host for non-static hostnames; changes on every start. */
  ingestHostId: string;
  activeOperation?: string;
}

export interface LiveOutputRecord {
  liveEvent: string;
  name: string;
  assetName: string;
  archiveWindowLength: string;
  rewindWindowLength: string | null;
  manifestName: string;
  hls: { fragmentsPerTsSegment?: number } | null;
  outputSnapTime: number;
  description: string | null;
  created: number;
  lastModified: number;
  resourceState: 'Creating' | 'Running' | 'Deleting';
  provisioningState: 'InProgress' | 'Succeeded';
  /** Becomes Running at this time (synchronous creation on a stopped event). */
  readyAt: number;
}

export interface AssetRecord {
  name: string;
  assetId: string;
  created: number;
  lastModified: number;
  alternateId: string | null;
  description: string | null;
  container: string;
  storageAccountName: string;
  /** True once a live output recorded into it: it then has playable content. */
  recorded: boolean;
  /**
   * The manifest the archive is written under: the live output's manifestName, or the name AMS
   * generated for it. It stays with the asset after the live output is deleted.
   */
  manifestName?: string;
}

export interface StreamingLocatorRecord {
  name: string;
  assetName: string;
  streamingLocatorId: string;
  streamingPolicyName: string;
  defaultContentKeyPolicyName: string | null;
  created: number;
  startTime: string | null;
  endTime: string;
  alternativeMediaId?: string;
  /** Keys generated for encrypting streaming policies (values only through listContentKeys). */
  contentKeys?: Array<{ id: string; type: string; labelReferenceInStreamingPolicy: string; value: string }>;
}

export type StreamingEndpointState = 'Stopped' | 'Starting' | 'Running' | 'Stopping' | 'Deleting' | 'Scaling';

export interface StreamingEndpointRecord {
  name: string;
  resourceState: StreamingEndpointState;
  scaleUnits: number;
  /** Writable properties as the client sent them (description, cdnEnabled, accessControl, ...). */
  properties?: Record<string, unknown>;
  tags?: Record<string, string>;
  provisioningState?: 'InProgress' | 'Succeeded' | 'Failed';
  /** Scale units a running scale operation moves to. */
  targetScaleUnits?: number;
  hostName: string;
  created: number;
  lastModified: number;
  activeOperation?: string;
}

export interface StateInterval {
  state: LiveEventState | 'Deleted';
  from: number;
}

export interface EmulatorState {
  liveEvents: Record<string, LiveEventRecord>;
  liveOutputs: Record<string, LiveOutputRecord>;
  assets: Record<string, AssetRecord>;
  streamingLocators: Record<string, StreamingLocatorRecord>;
  streamingEndpoints: Record<string, StreamingEndpointRecord>;
  operations: Record<string, Operation>;
  /** Billing-relevant state history per live event name (kept after deletion). */
  stateHistory: Record<string, StateInterval[]>;
  /** Secret that signs the tokens the local token endpoint issues. */
  tokenSecret: string;
}

export const key = (name: string) => name.toLowerCase();
export const outputKey = (liveEvent: string, output: string) => `${key(liveEvent)}/${key(output)}`;
