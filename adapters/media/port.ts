/**
 * The one media port the activities and the reaper use, whatever provider serves an account. Every method is
 * idempotent: creating what exists returns it, deleting what is gone succeeds, and transitions are only requested
 * (the orchestration polls the state with durable timers).
 */
import type { LiveEventSettings, RecordingSettings } from '../../contracts/broadcast.js';
import type { LiveEventJanitor, MediaAccountRef, MediaCapabilities } from '../../contracts/media.js';
import type { LiveEventAction, LiveEventActionResult, LiveEventSnapshot } from '../../contracts/mediaActivities.js';

export interface MediaPort extends LiveEventJanitor {
  readLiveEvent(account: MediaAccountRef, name: string): Promise<LiveEventSnapshot>;
  ensureLiveEvent(account: MediaAccountRef, name: string, broadcastId: string, settings: LiveEventSettings): Promise<LiveEventSnapshot>;
  requestAction(account: MediaAccountRef, name: string, action: LiveEventAction): Promise<LiveEventActionResult>;
  updateLiveEvent(account: MediaAccountRef, name: string, settings: LiveEventSettings): Promise<void>;
  ensureRecording(account: MediaAccountRef, liveEventName: string, liveOutputName: string, assetName: string, recording: RecordingSettings): Promise<void>;
  removeLiveOutput(account: MediaAccountRef, liveEventName: string, liveOutputName: string): Promise<void>;
  publishRecording(account: MediaAccountRef, assetName: string, locatorName: string, streamingPolicyName: string): Promise<string[]>;
}

/** The port over several accounts, each served by its provider's gateway. */
export interface MediaPortRouter extends MediaPort {
  capabilities(account: MediaAccountRef): MediaCapabilities;
}
