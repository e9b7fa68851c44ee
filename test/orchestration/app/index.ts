// The real broadcast orchestration with in-memory media activities the tests control (hold a read, count actions),
// run by the local host's durable engine, i.e. by the real durable-functions replay code.
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { broadcastOrchestrator, type LiveEventSettings } from '../../../contracts/broadcast.js';
import { MediaActivities, type LiveEventActionInput, type LiveEventSnapshot, type StartupProfile, type UpdateLiveEventInput } from '../../../contracts/mediaActivities.js';
import { publishNotificationActivity } from '../../../contracts/notifications.js';
import { broadcastLifecycle } from '../../../orchestrators/broadcastLifecycle.js';

/** The one live event of a test, and what the tests observe. */
export const world = {
  state: undefined as string | undefined,
  actions: [] as string[],
  /** Every media activity call in order: `read`, an action's name, `removeLiveOutput`. */
  calls: [] as string[],
  reads: 0,
  /** Hold the n-th readLiveEvent until `release()`. */
  holdRead: 0,
  held: false,
  release: () => undefined as void,
  profile: { samples: 3, allocateMs: 60_000, startMs: 10_000 } as StartupProfile,
  /** Longest timer (ms from the orchestration's time) the orchestration asked for. */
  longestTimerMs: 0,
  /** Settings sent with updateLiveEvent. */
  updates: [] as LiveEventSettings[],
  reset() {
    Object.assign(world, { state: undefined, actions: [], calls: [], reads: 0, holdRead: 0, held: false, longestTimerMs: 0, updates: [] });
  },
};

const snapshot = (): LiveEventSnapshot => ({ exists: world.state !== undefined, resourceState: world.state, ingestUrls: world.state === 'StandBy' || world.state === 'Running' ? ['rtmp://ingest/x'] : [], previewUrls: [] });
const next: Record<string, string | undefined> = { allocate: 'StandBy', start: 'Running', stop: 'Stopped', delete: undefined };

df.app.orchestration(broadcastOrchestrator, function* (ctx: OrchestrationContext) {
  const createTimer = ctx.df.createTimer.bind(ctx.df);
  ctx.df.createTimer = (fireAt: Date) => {
    world.longestTimerMs = Math.max(world.longestTimerMs, fireAt.getTime() - ctx.df.currentUtcDateTime.getTime());
    return createTimer(fireAt);
  };
  return yield* broadcastLifecycle(ctx);
});
df.app.activity(MediaActivities.ensureLiveEvent, { handler: () => ((world.state ??= 'Stopped'), snapshot()) });
df.app.activity(MediaActivities.readLiveEvent, {
  handler: async () => {
    world.calls.push('read');
    if (++world.reads === world.holdRead) {
      world.held = true;
      await new Promise<void>((resolve) => (world.release = resolve));
      world.held = false;
    }
    return snapshot();
  },
});
df.app.activity(MediaActivities.requestLiveEventAction, {
  handler: (input: LiveEventActionInput) => {
    world.actions.push(input.action);
    world.calls.push(input.action);
    world.state = next[input.action];
    return { outcome: 'requested' };
  },
});
df.app.activity(MediaActivities.updateLiveEvent, { handler: (input: UpdateLiveEventInput) => (world.updates.push(input.settings), null) });
df.app.activity(MediaActivities.ensureRecording, { handler: () => ({ assetName: 'asset', liveOutputName: 'output' }) });
df.app.activity(MediaActivities.removeLiveOutput, { handler: () => (world.calls.push('removeLiveOutput'), null) });
df.app.activity(MediaActivities.publishRecording, { handler: () => ({ locatorName: 'loc', playbackPaths: [] }) });
df.app.activity(MediaActivities.readStartupProfile, { handler: () => world.profile });
df.app.activity(publishNotificationActivity, { handler: () => null });
