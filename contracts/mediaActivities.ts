/** Inputs and outputs of the media activities the broadcast orchestration calls (JSON-safe). */
import type { LiveEventSettings, RecordingSettings } from './broadcast.js';
import type { MediaAccountRef, PlanningCapabilities } from './media.js';

export const MediaActivities = {
  ensureLiveEvent: 'ensureLiveEvent',
  readLiveEvent: 'readLiveEvent',
  requestLiveEventAction: 'requestLiveEventAction',
  ensureRecording: 'ensureRecording',
  removeLiveOutput: 'removeLiveOutput',
  publishRecording: 'publishRecording',
  readStartupProfile: 'readStartupProfile',
  updateLiveEvent: 'updateLiveEvent',
} as const;

export interface LiveEventRef {
  account: MediaAccountRef;
  liveEventName: string;
}

export interface EnsureLiveEventInput extends LiveEventRef {
  broadcastId: string;
  settings: LiveEventSettings;
}

/** What the orchestration needs to know about a live event; `exists: false` once it is gone. */
export interface LiveEventSnapshot {
  exists: boolean;
  resourceState?: string;
  /** True while another operation runs on it (the service refuses new ones). */
  busy?: boolean;
  ingestUrls: string[];
  previewUrls: string[];
  /** When the live event entered its current state, as AMS reports it (lastModified); billing is derived from it. */
  stateSince?: string;
}

/** Sends the settings an existing live event can change to AMS (the others are sent unchanged). */
export interface UpdateLiveEventInput extends LiveEventRef {
  settings: LiveEventSettings;
}

export type LiveEventAction = 'allocate' | 'start' | 'stop' | 'delete';

export interface LiveEventActionInput extends LiveEventRef {
  action: LiveEventAction;
}

/**
 * `requested`: the operation was started (or accepted to run after the one in progress); `alreadyDone`:
 * the live event is already there, or gone for stop/delete; `busy`: another operation still held it after
 * the adapter's bounded wait; `refused`: its re-read state (`resourceState`) does not allow the action.
 */
export interface LiveEventActionResult {
  outcome: 'requested' | 'alreadyDone' | 'busy' | 'refused';
  resourceState?: string;
  message?: string;
}

export interface EnsureRecordingInput extends LiveEventRef {
  broadcastId: string;
  liveOutputName: string;
  recording: RecordingSettings;
}

export interface RecordingRef {
  assetName: string;
  liveOutputName: string;
}

export interface PublishRecordingInput {
  account: MediaAccountRef;
  assetName: string;
  locatorName: string;
  streamingPolicyName: string;
}

export interface PublishedRecording {
  locatorName: string;
  playbackPaths: string[];
}

/** Start-up durations measured on earlier broadcasts, summarised (ms). */
export interface StartupProfile {
  samples: number;
  allocateMs: number;
  startMs: number;
  /**
   * (precision) The widest start to expect given how few starts were measured (≥ startMs): once StandBy, start this
   * long before the start time. Absent: start startMs before.
   */
  startBoundMs?: number;
  /** How late durable timers fire (queue polling, history loading); absent before any was measured. */
  timerLatenessMs?: number;
  /** (precision) This broadcast's place among those of its account starting within a minute of it (a burst). */
  burst?: BurstPosition;
  /** What the account's provider allows the plan; absent = StandBy available (AMS). */
  capabilities?: PlanningCapabilities;
}

export interface BurstPosition {
  /** 0-based, by broadcast id. */
  rank: number;
  size: number;
}

/** (precision) Input of readStartupProfile: who asks (null = no burst position). */
export interface StartupProfileRequest {
  broadcastId: string;
  account: MediaAccountRef;
  startAt: string;
}
