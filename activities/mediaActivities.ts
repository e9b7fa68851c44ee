/**
 * Thin activities over the media gateway. Each is safe to repeat after a crash. Transient failures
 * throw (the orchestration retries them with backoff); state problems come back as results so the
 * orchestration can decide.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { MediaPort } from '../adapters/media/port.js';
import type { PlanningCapabilities } from '../contracts/media.js';
import { broadcastOrchestrator, type BroadcastStatus } from '../contracts/broadcast.js';
import type {
  StartupProfileRequest,
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
import { burstPosition, startupProfileFrom } from '../domain/schedule.js';

/** How many recent broadcasts the start-up profile is learned from. */
const PROFILE_WINDOW = 50;
/** (precision) Measurements of its own an account needs before its profile is learned from them alone. */
const MIN_OWN_SAMPLES = 5;

export function createMediaActivities(gateway: () => MediaPort) {
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

/** What an account's media service allows the plan (by account name); undefined = StandBy as on AMS. */
export type PlanningLookup = (accountName: string) => PlanningCapabilities | undefined;

/**
 * The start-up profile with the asking account's planning capabilities: measurements are only taken from accounts
 * that start the same way (with or without StandBy), since a start from Stopped is not a start from StandBy.
 */
export function createReadStartupProfile(planning: PlanningLookup) {
  const standby = (accountName: string | undefined) => (accountName === undefined ? true : planning(accountName)?.standby ?? true);
  return async (input: StartupProfileRequest | null, context: InvocationContext): Promise<StartupProfile> => {
    const own = input ? standby(input.account.accountName) : true;
    const profile = await readStartupProfile(input, context, (account) => standby(account) === own);
    return input ? { ...profile, capabilities: { standby: own } } : profile;
  };
}

/** Learns the start-up profile from the durations measured by recent broadcasts (running or completed). */
export async function readStartupProfile(input: StartupProfileRequest | null, context: InvocationContext, comparable: (accountName: string | undefined) => boolean = () => true): Promise<StartupProfile> {
  const client = df.getClient(context);
  const recent = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Running] });
  const measurements = recent
    .filter((s) => s.name === broadcastOrchestrator)
    .sort((a, b) => new Date(b.lastUpdatedTime).getTime() - new Date(a.lastUpdatedTime).getTime())
    .map((s) => ({ account: (s.input as { spec?: { account?: { accountName?: string } } } | null)?.spec?.account?.accountName, measured: ((s.output ?? s.customStatus) as BroadcastStatus | null)?.measured }))
    // (precision) The window is of measurements: broadcasts still waiting (a burst) must not crowd them out.
    .filter((m): m is { account: string | undefined; measured: { allocateMs: number; startMs: number; timerLatenessMs?: number } } => typeof m.measured?.allocateMs === 'number' && typeof m.measured.startMs === 'number')
    .filter((m) => comparable(m.account));
  // (precision) Per account when it has enough of its own; accounts can sit in differently loaded regions.
  const own = input ? measurements.filter((m) => m.account === input.account.accountName) : [];
  const profile = startupProfileFrom((own.length >= MIN_OWN_SAMPLES ? own : measurements).slice(0, PROFILE_WINDOW).map((m) => m.measured));
  if (!input) return profile;
  // (precision) Broadcasts of the same account starting around the same time: spread their writes.
  const scheduled = recent
    .filter((s) => s.name === broadcastOrchestrator && s.runtimeStatus === df.OrchestrationRuntimeStatus.Running)
    .map((s) => {
      const spec = (s.input as { spec?: { id?: string; startAt?: string; account?: { accountName?: string } } } | null)?.spec;
      const startAt = (s.customStatus as BroadcastStatus | null)?.startAt ?? spec?.startAt ?? '';
      return { id: spec?.id ?? '', account: spec?.account?.accountName ?? '', startMs: Date.parse(startAt) };
    })
    .filter((s) => s.id !== '' && Number.isFinite(s.startMs));
  const burst = burstPosition({ id: input.broadcastId, account: input.account.accountName, startMs: Date.parse(input.startAt) }, scheduled);
  return burst.size > 1 ? { ...profile, burst } : profile;
}
