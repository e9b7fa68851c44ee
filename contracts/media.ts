/** The AMS account a broadcast (or the reaper) works on. */
export interface MediaAccountRef {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}

/** What the reaper and status reads need to know about a live event, independent of the SDK types. */
export interface LiveEventSummary {
  name: string;
  /** AMS resourceState: Stopped, Allocating, StandBy, Starting, Running, Stopping, Deleting. */
  resourceState: string;
  tags: Record<string, string>;
  createdAt?: string;
  lastModifiedAt?: string;
}

/** What a reaper action really did: `gone` = the live event no longer existed (AMS answered 404). */
export type JanitorOutcome = 'done' | 'gone';

/**
 * The slice of the media adapter the leak reaper uses (implemented by adapters/ams).
 * Every method is idempotent: stopping a stopped event or deleting a missing one succeeds, and says so.
 */
export interface LiveEventJanitor {
  listLiveEvents(account: MediaAccountRef): Promise<LiveEventSummary[]>;
  /** The live event as AMS has it now, or undefined when it does not exist. */
  getLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<LiveEventSummary | undefined>;
  stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }): Promise<JanitorOutcome>;
  deleteLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<JanitorOutcome>;
}

/** The media services a broadcast scheduler can drive: AMS itself and the AMS-compatible successors. */
export const MediaProviders = ['ams', 'ravnur', 'mkio'] as const;
export type MediaProvider = (typeof MediaProviders)[number];

/**
 * What a provider can do, as orchestration, validation and planning see it. Code outside adapters/media decides
 * from these, never from the provider's name (see ../shared/media-successors.md for the sources).
 */
export interface MediaCapabilities {
  /** Allocate exists and a live event can wait in StandBy (billed less than Running). Without it the pre-roll starts directly. */
  standby: boolean;
  /** Stop can remove the live outputs itself (ARM `removeOutputsOnStop`); otherwise they are deleted before the stop. */
  stopRemovesOutputs: boolean;
  /** How a transition's end is learned: `arm` (ARM LRO headers), `state` (the answer returns at once; poll the resource state). */
  operationStyle: 'arm' | 'state';
  /** Input protocols a live event may use. */
  inputProtocols: readonly string[];
  /** Stream options a live event may ask for. */
  streamOptions: readonly string[];
  /** Longest archive window of a live output (ISO 8601 hours as ms). */
  maxArchiveWindowMs: number;
  /** Shape of the provider's error answers: `arm` ({error:{code,message}}) or `mkio` ({error:{code,detail},status,ref}; "already exists" may come as 400). */
  errorShape: 'arm' | 'mkio';
  /** A deleted live event's name may be used again. */
  liveEventNameReusable: boolean;
  /** Changes to an existing live event (PATCH) are possible. */
  updateLiveEvent: boolean;
  /** Encoder connect/disconnect events reach the app (Event Grid); `startOn: "encoder"` and `idleStop` depend on them. */
  encoderEvents: boolean;
}

/** The part of the capabilities a broadcast's plan depends on (JSON-safe; carried in the start-up profile). */
export interface PlanningCapabilities {
  standby: boolean;
}
