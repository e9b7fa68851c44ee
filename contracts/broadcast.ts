import type { EncoderPolicy, EncoderStatus } from './encoder.js';
import type { MediaAccountRef, PlanningCapabilities } from './media.js';

/** Where a broadcast is in its life. Shown as the orchestration's custom status and by the API. */
export const BroadcastPhases = [
  'scheduled', // waiting for start minus pre-roll
  'allocating', // live event created, allocate (StandBy) in progress
  'standby', // allocated, waiting to start
  'starting', // start in progress
  'awaiting_encoder', // Running (ingest open), startOn "encoder": recording begins when an encoder connects
  'live', // Running, recording into the asset
  'stopping', // deleting the output, stopping the live event
  'cleaning_up', // deleting the live event
  'ended', // finished on schedule or stopped on request
  'cancelled', // cancelled before or during the broadcast
  'failed', // gave up; the live event was stopped and cleaned up anyway (compensation)
] as const;
export type BroadcastPhase = (typeof BroadcastPhases)[number];
export const TerminalPhases: readonly BroadcastPhase[] = ['ended', 'cancelled', 'failed'];

export type StreamingProtocol = 'RTMP' | 'FragmentedMP4';
export type EncodingType = 'PassthroughBasic' | 'PassthroughStandard' | 'Standard' | 'Premium1080p';
export type StreamOption = 'Default' | 'LowLatency' | 'LowLatencyV2';

export interface LiveEventSettings {
  protocol: StreamingProtocol;
  /** CIDR ranges allowed to push ingest; empty = allow all. */
  inputIpAllow: string[];
  previewIpAllow: string[];
  /** ISO 8601 duration, pass-through only (e.g. PT2S). */
  keyFrameIntervalDuration?: string;
  encoding: { type: EncodingType; presetName?: string; keyFrameInterval?: string };
  useStaticHostname: boolean;
  hostnamePrefix?: string;
  streamOptions: StreamOption[];
  /** Fixed ingest access token (GUID-like), so ingest URLs are known before allocation. */
  accessToken?: string;
  description?: string;
}

export interface RecordingSettings {
  /** ISO 8601 duration between PT1M and PT25H. */
  archiveWindow: string;
  manifestName?: string;
  hlsFragmentsPerTsSegment?: number;
  /** Asset the live output records into; default derived from the broadcast id. */
  assetName?: string;
  /** Publish the recording with a streaming locator using this policy (e.g. Predefined_ClearStreamingOnly). */
  streamingPolicyName?: string;
}

/** A broadcast as scheduled: the orchestration's input and what the API stores. JSON-safe. */
export interface BroadcastSpec {
  id: string;
  title?: string;
  /** ISO 8601 UTC instants. */
  startAt: string;
  endAt: string;
  account: MediaAccountRef;
  liveEvent: LiveEventSettings;
  recording: RecordingSettings;
  /** Keep the (stopped) live event after the broadcast instead of deleting it. */
  keepLiveEvent: boolean;
  /** Runaway cap for this broadcast (ISO 8601, at most the BROADCAST_MAX_DURATION setting). */
  maxDuration?: string;
  /** Who created it: the API, a calendar feed (UID + occurrence) or an inbound webhook. */
  origin: { kind: 'api' | 'calendar' | 'webhook'; ref?: string };
  /** When recording begins (default `schedule`); see EncoderPolicy. */
  startOn?: EncoderPolicy['startOn'];
  /** Stop when no encoder has been connected for the reconnect window while live; absent = off. */
  idleStop?: EncoderPolicy['idleStop'];
}

/** External events the orchestration waits for (names are the durable event names). */
export const BroadcastEvents = {
  stopNow: 'StopNow',
  extend: 'Extend',
  cancel: 'Cancel',
  reschedule: 'Reschedule',
  /** An AMS live event event forwarded by the Event Grid trigger (data: MediaEventNotice). */
  encoder: 'EncoderEvent',
} as const;
export interface StopNowEvent { reason?: string }
export interface ExtendEvent { endAt: string }
export interface CancelEvent { reason?: string }
/** Before start: any of these; while live only endAt applies (use Extend). */
export interface RescheduleEvent {
  startAt?: string;
  endAt?: string;
  liveEvent?: Partial<LiveEventSettings>;
  recording?: Partial<RecordingSettings>;
  title?: string;
}

export interface TimelineEntry {
  at: string;
  phase: BroadcastPhase;
  note?: string;
}

/** The orchestration's custom status: everything the API's GET shows beyond the spec. */
export interface BroadcastStatus {
  phase: BroadcastPhase;
  startAt: string;
  endAt: string;
  liveEventName?: string;
  liveEventState?: string;
  ingestUrls?: string[];
  previewUrls?: string[];
  assetName?: string;
  playbackPaths?: string[];
  /** The first and the most recent entries; `timelineDropped` counts the ones left out in between. */
  timeline: TimelineEntry[];
  timelineDropped?: number;
  /** A one-line summary (the status must stay small: Azure fails an orchestration whose status is over 16 KB). */
  error?: { code: string; message: string };
  /**
   * Measured on this broadcast; later broadcasts plan their pre-roll from them. `timerLatenessMs`: how late the
   * pre-roll's durable timers fired (the orchestration's time after the timer minus the timer's fire time).
   */
  measured?: { allocateMs?: number; startMs?: number; timerLatenessMs?: number };
  /** Every live event state the orchestration saw, with when AMS says it began (at most a dozen entries). */
  liveEventStates?: Array<{ state: string; since: string }>;
  /** The encoder as AMS reports it through Event Grid (bounded; no per-heartbeat history). */
  encoder?: EncoderStatus;
  /** startOn "encoder": how long the live event ran without an encoder before recording began (or until it stopped). */
  idleBeforeRecordingMs?: number;
}

/** Operational settings the orchestration needs (it cannot read configuration itself: it must stay deterministic). */
export interface BroadcastPolicy {
  /** How long a live event may outlive the broadcast's end, whatever fails. */
  graceMs: number;
  pollIntervalMs: number;
  preRollMarginMs: number;
  /** `broadcast.starting_soon` / `broadcast.ending_soon` this long before the start / end (0 = not sent). */
  startingSoonLeadMs?: number;
  endingSoonLeadMs?: number;
  /** How the start-up is planned; absent = `learned`. Benchmarks set it per run to compare baselines. */
  startup?: StartupStrategy;
  /** Runaway cap (BROADCAST_MAX_DURATION): a live broadcast stops at its actual start plus this at the latest. */
  maxDurationMs?: number;
  /** Live event rates the broadcast's cost is computed with (BROADCAST_RATES over the defaults in domain/cost.ts). */
  rates?: LiveEventRates;
  /** (successors) Accounts whose provider plans differently (no StandBy), by account name; others plan as on AMS. */
  planning?: Record<string, PlanningCapabilities>;
}

/** Per hour, in `currency`: Running by encoding type, StandBy at one rate. */
export interface LiveEventRates {
  running: Record<EncodingType, number>;
  standby: number;
  currency: string;
}

/**
 * Start-up planning strategies (domain/schedule.ts planStartup):
 * - `learned`: from the start-up durations measured on recent broadcasts, plus the margin (the default);
 * - `start-at-T`: allocate and start at the scheduled start (what a plain timer trigger does);
 * - `fixed-lead`: allocate and start `leadMs` before the start (the common advice: 10 minutes);
 * - `oracle`: knows this broadcast's actual create/allocate/start durations in advance (the physical limit).
 */
export type StartupStrategy =
  | { kind: 'learned' }
  | { kind: 'start-at-T' }
  | { kind: 'fixed-lead'; leadMs: number }
  | { kind: 'oracle'; createMs: number; allocateMs: number; startMs: number };

/** The broadcast orchestration's input. */
export interface BroadcastOrchestrationInput {
  spec: BroadcastSpec;
  policy: BroadcastPolicy;
}

/** Orchestration name; one instance per broadcast. */
export const broadcastOrchestrator = 'broadcastLifecycle';
export const broadcastInstanceId = (broadcastId: string): string => `broadcast-${broadcastId}`;
