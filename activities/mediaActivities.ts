/**
 * Thin activities over the media gateway. Each is safe to repeat after a crash. Transient failures
 * throw (the orchestration retries them with backoff); state problems come back as results so the
 * orchestration can decide.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { MediaGateway } from '../adapters/ams/mediaGateway.js';
import { broadcastOrchestrator, type BroadcastStatus } from '../contracts/broadcast.js';
import type {
  EnsureLiveEventInput,
  EnsureRecordingInput,
  LiveEventActionInput,
  LiveEventActionResult,
  LiveEventRef,
  LiveEventSnapshot,
  PublishedRecording,
  PublishRecordingInput,
  RecordingRef,
  StartupProfile,
  UpdateLiveEventInput,
} from '../contracts/mediaActivities.js';
import { startupProfileFrom } from '../domain/schedule.js';

/** How many recent broadcasts the start-up profile is learned from. */
const PROFILE_WINDOW = 50;

export function createMediaActivities(gateway: () => MediaGateway) {
  return {
    ensureLiveEvent: (input: EnsureLiveEventInput): Promise<LiveEventSnapshot> =>
      gateway().ensureLiveEvent(input.account, input.liveEventName, input.broadcastId, input.settings),

    readLiveEvent: (input: LiveEventRef): Promise<LiveEventSnapshot> => gateway().readLiveEvent(input.account, input.liveEventName),

    updateLiveEvent: (input: UpdateLiveEventInput): Promise<void> => gateway().updateLiveEvent(input.account, input.liveEventName, input.settings),

    requestLiveEventAction: (input: LiveEventActionInput): Promise<LiveEventActionResult> =>
      gateway().requestAction(input.account, input.liveEventName, input.action),

    ensureRecording: async (input: EnsureRecordingInput): Promise<RecordingRef> => {
      const assetName = input.recording.assetName ?? `recording-${input.broadcastId}`;
      await gateway().ensureRecording(input.account, input.liveEventName, input.liveOutputName, assetName, input.recording);
      return { assetName, liveOutputName: input.liveOutputName };
    },

    removeLiveOutput: async (input: LiveEventRef & { liveOutputName: string }): Promise<void> =>
      gateway().removeLiveOutput(input.account, input.liveEventName, input.liveOutputName),

    publishRecording: async (input: PublishRecordingInput): Promise<PublishedRecording> => ({
      locatorName: input.locatorName,
      playbackPaths: await gateway().publishRecording(input.account, input.assetName, input.locatorName, input.streamingPolicyName),
    }),
  };
}

/** Learns the start-up profile from the durations measured by recent broadcasts (running or completed). */
export async function readStartupProfile(_input: unknown, context: InvocationContext): Promise<StartupProfile> {
  const client = df.getClient(context);
  const recent = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Running] });
  const measurements = recent
    .filter((s) => s.name === broadcastOrchestrator)
    .sort((a, b) => new Date(b.lastUpdatedTime).getTime() - new Date(a.lastUpdatedTime).getTime())
    .slice(0, PROFILE_WINDOW)
    .map((s) => ((s.output ?? s.customStatus) as BroadcastStatus | null)?.measured)
    .filter((m): m is { allocateMs: number; startMs: number; timerLatenessMs?: number } => typeof m?.allocateMs === 'number' && typeof m.startMs === 'number');
  return startupProfileFrom(measurements);
}
