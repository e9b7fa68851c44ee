/**
 * One durable orchestration per broadcast: wait for the pre-roll, create and allocate the live event,
 * start it so it is Running at the scheduled start, record, wait for the end (or stop now / extend /
 * cancel / reschedule), then stop and clean up. Whatever fails after the live event exists, the
 * cleanup path still runs, so nothing is left allocated or running past the end plus the grace.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  BroadcastEvents,
  type BroadcastOrchestrationInput,
  type BroadcastPhase,
  type BroadcastSpec,
  type BroadcastStatus,
  type ExtendEvent,
  type RescheduleEvent,
} from '../contracts/broadcast.js';
import {
  MediaActivities,
  type LiveEventActionResult,
  type LiveEventSnapshot,
  type PublishedRecording,
  type RecordingRef,
  type StartupProfile,
} from '../contracts/mediaActivities.js';
import { publishNotificationActivity, type LifecycleEventType, type LifecycleNotification } from '../contracts/notifications.js';
import { liveEventNameFor, nextStep, type TargetState } from '../domain/liveEventDecisions.js';
import { costDeadline, defaultStartupProfile, planStartup, preRollCheck, profileReadAt } from '../domain/schedule.js';

type Step<T> = Generator<Task, T, unknown>;
type Outcome = 'ended' | 'cancelled' | 'failed';

/** Raised inside the generator when an event ends the broadcast early. */
class Interrupted extends Error {
  constructor(readonly outcome: Outcome, reason: string) {
    super(reason);
  }
}

const activityRetry = (() => {
  const retry = new df.RetryOptions(1_000, 6);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 30_000;
  return retry;
})();

/** Cleanup keeps trying longer: giving up there is what leaks cost. */
const CLEANUP_POLLS = 600;
/** How long before the start the start-up profile is read: more than the slowest start-up we plan for. */
const PROFILE_LEAD_MS = defaultStartupProfile.allocateMs + defaultStartupProfile.startMs + 2 * 60_000;
/** Requests of one transition (allocate, start, stop, delete) before the broadcast gives up on it. */
const MAX_TRANSITION_REQUESTS = 4;

export function* broadcastLifecycle(ctx: OrchestrationContext): Step<BroadcastStatus> {
  const { spec: initialSpec, policy } = ctx.df.getInput() as BroadcastOrchestrationInput;
  let spec: BroadcastSpec = initialSpec;
  const now = () => ctx.df.currentUtcDateTime.getTime();
  const ms = (iso: string) => new Date(iso).getTime();
  const status: BroadcastStatus = { phase: 'scheduled', startAt: spec.startAt, endAt: spec.endAt, timeline: [], measured: {} };
  const liveEventName = liveEventNameFor(spec.id);
  const ref = () => ({ account: spec.account, liveEventName });

  const setPhase = (phase: BroadcastPhase, note?: string) => {
    status.phase = phase;
    status.timeline.push({ at: ctx.df.currentUtcDateTime.toISOString(), phase, ...(note ? { note } : {}) });
    ctx.df.setCustomStatus(status);
  };

  function* call<T>(name: string, input: unknown): Step<T> {
    return (yield ctx.df.callActivityWithRetry(name, activityRetry, input)) as T;
  }

  /** Hands a lifecycle notification to delivery; a failure there never affects the broadcast. */
  function* publish(type: LifecycleEventType, data: Record<string, unknown> = {}): Step<void> {
    const notification: LifecycleNotification = {
      id: ctx.df.newGuid(ctx.df.instanceId),
      type,
      broadcastId: spec.id,
      occurredAt: ctx.df.currentUtcDateTime.toISOString(),
      data: { phase: status.phase, startAt: status.startAt, endAt: status.endAt, ...data },
    };
    try {
      yield ctx.df.callActivity(publishNotificationActivity, notification);
    } catch {
      // Delivery has its own retries; the broadcast goes on regardless.
    }
  }

  /** Waits until `untilMs` unless one of `events` arrives first. */
  function* waitUntil(untilMs: number, events: string[]): Step<{ event?: string; data?: unknown }> {
    const timer = ctx.df.createTimer(new Date(Math.max(untilMs, now())));
    const waits = events.map((name) => ctx.df.waitForExternalEvent(name));
    const winner = (yield ctx.df.Task.any([timer, ...waits])) as Task;
    if (winner === timer) return {};
    timer.cancel();
    const index = waits.indexOf(winner);
    return { event: events[index], data: winner.result };
  }

  function applyReschedule(change: RescheduleEvent, live: boolean): void {
    const endAt = change.endAt ?? spec.endAt;
    if (live) {
      spec = { ...spec, endAt };
    } else {
      spec = {
        ...spec,
        title: change.title ?? spec.title,
        startAt: change.startAt ?? spec.startAt,
        endAt,
        liveEvent: { ...spec.liveEvent, ...(change.liveEvent ?? {}) },
        recording: { ...spec.recording, ...(change.recording ?? {}) },
      };
    }
    status.startAt = spec.startAt;
    status.endAt = spec.endAt;
  }

  /** Pauses one poll interval; while starting up, Cancel and StopNow interrupt it. */
  function* pause(interruptible: boolean): Step<void> {
    const events = interruptible ? [BroadcastEvents.cancel, BroadcastEvents.stopNow] : [];
    const got = yield* waitUntil(now() + policy.pollIntervalMs, events);
    if (got.event === BroadcastEvents.cancel) throw new Interrupted('cancelled', 'cancelled while starting up');
    if (got.event === BroadcastEvents.stopNow) throw new Interrupted('ended', 'stopped while starting up');
  }

  /** Drives the live event to `target`, re-reading its state and requesting transitions as needed. */
  function* driveTo(initialTarget: TargetState, deadlineMs: number, interruptible: boolean, maxPolls = Number.POSITIVE_INFINITY, watch?: (snapshot: LiveEventSnapshot) => Step<TargetState | undefined>): Step<LiveEventSnapshot> {
    let target = initialTarget;
    let requests = 0;
    for (let polls = 0; ; polls++) {
      const snapshot = yield* call<LiveEventSnapshot>(MediaActivities.readLiveEvent, ref());
      const state = snapshot.exists ? snapshot.resourceState : 'Deleted';
      if (state !== status.liveEventState) {
        status.liveEventState = state;
        ctx.df.setCustomStatus(status);
      }
      // (precision) The pre-roll watch may retarget, e.g. start at once from Stopped past the latest safe moment.
      if (watch) target = (yield* watch(snapshot)) ?? target;
      const step = nextStep(snapshot.exists ? snapshot.resourceState : undefined, target);
      if (step.kind === 'done') return snapshot;
      if (step.kind === 'impossible') throw new Error(step.reason);
      if (now() > deadlineMs || polls >= maxPolls) throw new Error(`live event ${liveEventName} did not reach ${target} in time (it is ${state})`);
      if (step.kind === 'request' && !snapshot.busy) {
        // The same transition failing again and again will not fix itself: give up and compensate.
        if (++requests > MAX_TRANSITION_REQUESTS) throw new Error(`live event ${liveEventName}: ${step.action} failed ${MAX_TRANSITION_REQUESTS} times (it is ${state})`);
        const result = yield* call<LiveEventActionResult>(MediaActivities.requestLiveEventAction, { ...ref(), action: step.action });
        if (result.outcome === 'alreadyDone' && target !== 'StandBy' && target !== 'Running') continue;
        // (precision) 409 OperationInProgress (e.g. a live output still being deleted) is not a failed request.
        if (result.outcome === 'busy') requests--;
      }
      yield* pause(interruptible);
    }
  }

  // ---- before the live event exists: wait for the pre-roll ------------------------------------------
  setPhase('scheduled');
  yield* publish('broadcast.scheduled');
  // The start-up profile is read close to the start, so it reflects the latest measurements.
  let profile: StartupProfile | undefined;
  for (;;) {
    const wakeAt = profile ? planStartup(ms(spec.startAt), profile, policy.preRollMarginMs, policy.startup).allocateAt : profileReadAt(ms(spec.startAt), PROFILE_LEAD_MS, policy.preRollMarginMs, policy.startup);
    const got = yield* waitUntil(wakeAt, [BroadcastEvents.cancel, BroadcastEvents.stopNow, BroadcastEvents.reschedule]);
    if (!got.event) {
      if (profile) break;
      profile = yield* call<StartupProfile>(MediaActivities.readStartupProfile, { broadcastId: spec.id, account: spec.account, startAt: spec.startAt });
      continue;
    }
    if (got.event === BroadcastEvents.reschedule) {
      applyReschedule(got.data as RescheduleEvent, false);
      setPhase('scheduled', 'rescheduled');
      continue;
    }
    // Cancelled (or stopped) before anything billable existed.
    setPhase('cancelled', 'cancelled before start');
    yield* publish('broadcast.cancelled');
    return status;
  }
  const startupProfile = profile;

  // ---- from here a live event exists: whatever happens, the cleanup below runs -----------------------
  let outcome: Outcome = 'ended';
  let recording: RecordingRef | undefined;
  try {
    if (now() >= ms(spec.endAt)) throw new Error('the broadcast window had passed before it could start');
    // Named before the create call: if the create fails after AMS made the event, cleanup still finds it.
    status.liveEventName = liveEventName;
    setPhase('allocating');
    yield* call<LiveEventSnapshot>(MediaActivities.ensureLiveEvent, { ...ref(), broadcastId: spec.id, settings: spec.liveEvent });
    const allocateFrom = now();
    // ---- (precision) pre-roll watch for the learned strategy: at risk past the latest safe moment ------
    const latestSafeStart = planStartup(ms(spec.startAt), startupProfile, policy.preRollMarginMs, policy.startup).startAt;
    let atRisk = false;
    let startedCold = false;
    const watchPreRoll = (policy.startup?.kind ?? 'learned') !== 'learned' ? undefined : function* (snapshot: LiveEventSnapshot): Step<TargetState | undefined> {
      const check = preRollCheck(now(), latestSafeStart, snapshot.exists ? snapshot.resourceState : undefined, snapshot.busy === true);
      if (check.kind === 'on-track') return undefined;
      if (!atRisk) {
        atRisk = true;
        status.timeline.push({ at: ctx.df.currentUtcDateTime.toISOString(), phase: status.phase, note: `at risk: not StandBy by ${new Date(latestSafeStart).toISOString()}` });
        ctx.df.setCustomStatus(status);
        yield* publish('broadcast.at_risk', { liveEventName, liveEventState: snapshot.exists ? snapshot.resourceState : 'Deleted' });
      }
      if (!check.startNow) return undefined;
      startedCold = true;
      return 'Running';
    };
    const allocated = yield* driveTo('StandBy', costDeadline(ms(spec.endAt), 0), true, undefined, watchPreRoll);
    // A cold start measured nothing the profile can use (allocate and start in one).
    if (!startedCold) status.measured = { ...status.measured, allocateMs: now() - allocateFrom };
    // ---- (precision) end ------------------------------------------------------------------------------
    status.ingestUrls = allocated.ingestUrls;
    status.previewUrls = allocated.previewUrls;
    setPhase('standby');
    yield* publish('broadcast.allocated', { liveEventName });
    yield* publish('broadcast.ready', { ingestUrls: allocated.ingestUrls, previewUrls: allocated.previewUrls });

    for (;;) {
      const plan = planStartup(ms(spec.startAt), startupProfile, policy.preRollMarginMs, policy.startup);
      const got = yield* waitUntil(plan.startAt, [BroadcastEvents.cancel, BroadcastEvents.stopNow, BroadcastEvents.reschedule]);
      if (!got.event) break;
      if (got.event === BroadcastEvents.cancel) throw new Interrupted('cancelled', 'cancelled before start');
      if (got.event === BroadcastEvents.stopNow) throw new Interrupted('ended', 'stopped before start');
      applyReschedule(got.data as RescheduleEvent, false);
      setPhase('standby', 'rescheduled');
    }

    setPhase('starting');
    const startFrom = now();
    const running = yield* driveTo('Running', costDeadline(ms(spec.endAt), 0), true);
    if (!startedCold) status.measured = { ...status.measured, startMs: now() - startFrom };
    status.ingestUrls = running.ingestUrls;
    status.previewUrls = running.previewUrls;
    recording = yield* call<RecordingRef>(MediaActivities.ensureRecording, {
      ...ref(), broadcastId: spec.id, liveOutputName: `rec-${liveEventName}`.slice(0, 256), recording: spec.recording,
    });
    status.assetName = recording.assetName;
    setPhase('live');
    yield* publish('broadcast.live', { liveEventName, assetName: recording.assetName });

    for (;;) {
      const got = yield* waitUntil(ms(spec.endAt), [BroadcastEvents.stopNow, BroadcastEvents.extend, BroadcastEvents.cancel, BroadcastEvents.reschedule]);
      if (!got.event) break;
      if (got.event === BroadcastEvents.stopNow) {
        status.timeline.push({ at: ctx.df.currentUtcDateTime.toISOString(), phase: 'live', note: 'stop requested' });
        break;
      }
      if (got.event === BroadcastEvents.cancel) {
        outcome = 'cancelled';
        break;
      }
      const endAt = (got.data as ExtendEvent | RescheduleEvent).endAt;
      if (endAt) applyReschedule({ endAt }, true);
      status.timeline.push({ at: ctx.df.currentUtcDateTime.toISOString(), phase: 'live', note: `end moved to ${spec.endAt}` });
      ctx.df.setCustomStatus(status);
    }
  } catch (error) {
    if (error instanceof Interrupted) {
      outcome = error.outcome;
    } else {
      outcome = 'failed';
      status.error = { code: 'BroadcastFailed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  // ---- cleanup (also the compensation path) -----------------------------------------------------------
  if (status.liveEventName) {
    try {
      setPhase('stopping', outcome === 'failed' ? 'compensating after failure' : undefined);
      if (recording) yield* call<void>(MediaActivities.removeLiveOutput, { ...ref(), liveOutputName: recording.liveOutputName });
      yield* driveTo('Stopped', Number.POSITIVE_INFINITY, false, CLEANUP_POLLS);
      if (recording && spec.recording.streamingPolicyName) {
        const published = yield* call<PublishedRecording>(MediaActivities.publishRecording, {
          account: spec.account, assetName: recording.assetName, locatorName: `loc-${spec.id}`.slice(0, 100), streamingPolicyName: spec.recording.streamingPolicyName,
        });
        status.playbackPaths = published.playbackPaths;
      }
      if (recording) yield* publish('broadcast.recording_available', { assetName: recording.assetName, playbackPaths: status.playbackPaths ?? [] });
      if (!spec.keepLiveEvent) {
        setPhase('cleaning_up');
        yield* driveTo('Deleted', Number.POSITIVE_INFINITY, false, CLEANUP_POLLS);
      }
    } catch (error) {
      outcome = 'failed';
      status.error = { code: 'CleanupFailed', message: `${error instanceof Error ? error.message : String(error)}; the leak reaper will stop the live event` };
    }
  }

  setPhase(outcome);
  yield* publish(outcome === 'ended' ? 'broadcast.ended' : outcome === 'cancelled' ? 'broadcast.cancelled' : 'broadcast.failed', status.error ? { error: status.error } : {});
  return status;
}
