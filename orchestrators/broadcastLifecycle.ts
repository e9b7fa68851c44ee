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
  type LiveEventSettings,
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
import { parseExtendEvent, parseRescheduleEvent } from '../domain/broadcastEvents.js';
import { appendTimeline } from '../domain/broadcastStatus.js';
import { applyEncoderEvent, checkEncoderNotice, emptyEncoderStatus, idleStopAt, ingestClosed, nextSoonNotice, shouldStartRecording } from '../domain/encoderEvents.js';
import { summarizeError } from '../domain/errorSummary.js';
import { liveEventNameFor, liveEventSettingsChange, nextStep, type TargetState } from '../domain/liveEventDecisions.js';
import { costDeadline, nextTimerAt, planStartup, preRollCheck, preRollWakeAt, PROFILE_READS } from '../domain/schedule.js';
import { cappedEnd, recordLiveEventState, runawayCapMs } from '../domain/cost.js';

type Step<T> = Generator<Task, T, unknown>;
type Outcome = 'ended' | 'cancelled' | 'failed';
/** An external event the orchestration received, by name. */
interface Command {
  event: string;
  data: unknown;
}
/** How a wait ended: a command arrived, or the time came (`lateMs` after the last timer's fire time). */
type Woken = { command: Command } | { command?: undefined; lateMs: number };

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

  const note = (phase: BroadcastPhase, text?: string) =>
    appendTimeline(status, { at: ctx.df.currentUtcDateTime.toISOString(), phase, ...(text ? { note: text } : {}) });
  const setPhase = (phase: BroadcastPhase, text?: string) => {
    if (!ctx.df.isReplaying) ctx.info(`broadcast ${spec.id}: ${status.phase} -> ${phase}${text ? ` (${text})` : ''}; planned ${status.startAt} to ${status.endAt}`);
    status.phase = phase;
    note(phase, text);
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

  // One waiter per command for the whole orchestration, re-created only after it fired. durable-functions hands an
  // event to the newest open waiter of its name, so a fresh waiter per wait would leave stale ones behind that swallow
  // a command raised while an activity runs.
  const waiters = new Map<string, Task>();
  const waiterFor = (name: string): Task => {
    let waiter = waiters.get(name);
    if (!waiter) waiters.set(name, (waiter = ctx.df.waitForExternalEvent(name)));
    return waiter;
  };
  /** A command among `names` that has arrived (maybe while an activity ran), taken out of its waiter. */
  const arrived = (names: readonly string[]): Command | undefined => {
    for (const name of names) {
      const waiter = waiters.get(name);
      if (!waiter?.isCompleted) continue;
      waiters.delete(name);
      return { event: name, data: waiter.result };
    }
    return undefined;
  };

  // "starting soon" / "ending soon" notices are sent from whichever wait covers their time (keys of the sent ones).
  const sentSoon: string[] = [];
  const soonNotice = () =>
    nextSoonNotice(now(), spec, { startingMs: policy.startingSoonLeadMs, endingMs: policy.endingSoonLeadMs }, sentSoon);
  function* sendDueSoonNotices(): Step<void> {
    for (let due = soonNotice(); due && due.atMs <= now(); due = soonNotice()) {
      sentSoon.push(due.key);
      yield* publish(due.type);
    }
  }

  /** Waits until `untilMs` unless one of the commands `names` arrives first; timers of at most 3 days, re-armed. */
  function* waitUntil(untilMs: number, names: readonly string[]): Step<Woken> {
    for (;;) {
      const command = arrived(names);
      if (command) return { command };
      yield* sendDueSoonNotices();
      const soon = soonNotice()?.atMs ?? Number.POSITIVE_INFINITY;
      const fireAt = nextTimerAt(now(), Math.min(untilMs, soon));
      const timer = ctx.df.createTimer(new Date(fireAt));
      const winner = (yield ctx.df.Task.any([timer, ...names.map(waiterFor)])) as Task;
      if (winner !== timer) timer.cancel();
      else if (fireAt >= untilMs) return { lateMs: Math.max(0, now() - fireAt) };
    }
  }

  /** Keeps the worst timer lateness seen on the pre-roll's wake-ups, for later broadcasts' plans. */
  const measureLateness = (woken: Woken) => {
    if (woken.command) return;
    status.measured = { ...status.measured, timerLatenessMs: Math.max(status.measured?.timerLatenessMs ?? 0, woken.lateMs) };
  };

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

  const interruptions: readonly string[] = [BroadcastEvents.cancel, BroadcastEvents.stopNow];
  const commands: readonly string[] = [...interruptions, BroadcastEvents.reschedule, BroadcastEvents.extend];
  /** Once the live event is Running, encoder events (Event Grid) are waited for too. */
  const liveCommands: readonly string[] = [...commands, BroadcastEvents.encoder];
  /** When the live event became Running: idle time counts from here (or from the last disconnect). */
  let liveSince = Number.POSITIVE_INFINITY;
  /** Cancel or StopNow before the broadcast is live ends it. */
  const interrupt = (command: Command, when: string): never => {
    if (command.event === BroadcastEvents.cancel) throw new Interrupted('cancelled', `cancelled ${when}`);
    throw new Interrupted('ended', `stopped ${when}`);
  };
  /**
   * Reschedule, or Extend (a new end only). Once the live event exists, the settings it can take in its state are
   * sent to AMS and the others are left out (the API refuses them with 409; this only guards against raw events).
   */
  function* applyChange(command: Command, live: boolean): Step<void> {
    // Events can be raised around the API (the management API): their data is checked again here.
    const cap = runawayCapMs(policy.maxDurationMs, spec.maxDuration); // runaway cap (issue 12)
    const checked = command.event === BroadcastEvents.extend ? parseExtendEvent(command.data, spec, cap) : parseRescheduleEvent(command.data, spec, live, cap);
    if (!checked.ok || checked.note) note(status.phase, checked.note as string);
    if (!checked.ok) return;
    const change: RescheduleEvent = checked.value;
    const state = status.liveEventState ?? (status.liveEventName ? 'Stopped' : undefined);
    if (live || !change.liveEvent || state === undefined || state === 'Deleted') return applyReschedule(change, live);
    const next: LiveEventSettings = { ...spec.liveEvent, ...change.liveEvent };
    const verdict = liveEventSettingsChange(spec.liveEvent, next, state);
    const applied = Object.fromEntries(verdict.update.map((key) => [key, next[key]])) as Partial<LiveEventSettings>;
    applyReschedule({ ...change, liveEvent: applied }, false);
    if (verdict.refused.length > 0) note(status.phase, `not applied: ${verdict.refused.map((key) => `liveEvent.${key}`).join(', ')}`);
    if (verdict.update.length === 0) return;
    try {
      yield* call<void>(MediaActivities.updateLiveEvent, { ...ref(), settings: spec.liveEvent });
    } catch (error) {
      note(status.phase, `settings update failed: ${summarizeError(error)}`);
    }
  }

  /** Pauses one poll interval; while starting up, Cancel and StopNow interrupt it. */
  function* pause(interruptible: boolean): Step<void> {
    const got = yield* waitUntil(now() + policy.pollIntervalMs, interruptible ? interruptions : []);
    if (got.command) interrupt(got.command, 'while starting up');
  }

  /** Drives the live event to `target`, re-reading its state and requesting transitions as needed. */
  function* driveTo(initialTarget: TargetState, deadlineMs: number, interruptible: boolean, maxPolls = Number.POSITIVE_INFINITY, watch?: (snapshot: LiveEventSnapshot) => Step<TargetState | undefined>): Step<LiveEventSnapshot> {
    let target = initialTarget;
    let requests = 0;
    for (let polls = 0; ; polls++) {
      const snapshot = yield* call<LiveEventSnapshot>(MediaActivities.readLiveEvent, ref());
      const state = snapshot.exists ? snapshot.resourceState : 'Deleted';
      if (state !== status.liveEventState) {
        if (state) recordLiveEventState(status, state, snapshot.stateSince ?? ctx.df.currentUtcDateTime.toISOString()); // cost per broadcast (issue 12)
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

  // (precision) Set once the broadcast was flagged at risk (one alert per broadcast), and when the last
  // allocation turned into a cold start from Stopped (its durations are not a profile's allocate/start).
  let atRisk = false;
  let startedCold = false;

  /** Waits for the pre-roll, following reschedules; the start-up profile is read early, then again close to the allocation. */
  function* waitForPreRoll(): Step<StartupProfile> {
    let read: { profile: StartupProfile; fresh: boolean } | undefined;
    for (;;) {
      const wakeAt = preRollWakeAt(ms(spec.startAt), policy.preRollMarginMs, policy.startup, PROFILE_READS, read);
      const woken = yield* waitUntil(wakeAt, commands);
      if (!woken.command) {
        measureLateness(woken);
        if (read?.fresh) return read.profile;
        const profile = yield* call<StartupProfile>(MediaActivities.readStartupProfile, { broadcastId: spec.id, account: spec.account, startAt: spec.startAt });
        read = { profile, fresh: read !== undefined };
        continue;
      }
      if (interruptions.includes(woken.command.event)) throw new Interrupted('cancelled', 'cancelled before start');
      if (read) read = { ...read, fresh: false }; // read again close to the new start
      yield* applyChange(woken.command, false);
      setPhase('scheduled', 'rescheduled');
    }
  }

  /** Allocates the live event and waits in StandBy for the start; false when the start moved later than the pre-roll. */
  function* allocateAndAwaitStart(profile: StartupProfile): Step<boolean> {
    // Without StandBy (the account's media service cannot allocate) the live event is created and waits Stopped, not
    // billed, and the start begins from there: the profile's "allocate" is then the create, its start the whole start-up.
    const standby = profile.capabilities?.standby !== false;
    setPhase('allocating', standby ? undefined : 'no StandBy on this account: creating the live event, it starts from Stopped');
    const createFrom = now();
    yield* call<LiveEventSnapshot>(MediaActivities.ensureLiveEvent, { ...ref(), broadcastId: spec.id, settings: spec.liveEvent });
    const allocateFrom = standby ? now() : createFrom;
    // ---- (precision) pre-roll watch for the learned strategy: at risk past the latest safe moment ------
    const firstPlan = planStartup(ms(spec.startAt), profile, policy.preRollMarginMs, policy.startup);
    const latestSafeStart = firstPlan.latestStartAt ?? firstPlan.startAt;
    startedCold = false;
    // Without StandBy there is nothing to be at risk of: the start follows the create at once, and both are measured.
    const watchPreRoll = (policy.startup?.kind ?? 'learned') !== 'learned' || !standby ? undefined : function* (snapshot: LiveEventSnapshot): Step<TargetState | undefined> {
      const check = preRollCheck(now(), latestSafeStart, snapshot.exists ? snapshot.resourceState : undefined, snapshot.busy === true);
      if (check.kind === 'on-track') return undefined;
      if (!atRisk) {
        atRisk = true;
        note(status.phase, `at risk: not StandBy by ${new Date(latestSafeStart).toISOString()}`);
        ctx.df.setCustomStatus(status);
        yield* publish('broadcast.at_risk', { liveEventName, liveEventState: snapshot.exists ? snapshot.resourceState : 'Deleted' });
      }
      if (!check.startNow) return undefined;
      startedCold = true;
      return 'Running';
    };
    const allocated = yield* driveTo(standby ? 'StandBy' : 'Stopped', costDeadline(ms(spec.endAt), 0), true, undefined, watchPreRoll);
    // A cold start measured nothing the profile can use (allocate and start in one).
    if (!startedCold) status.measured = { ...status.measured, allocateMs: now() - allocateFrom };
    // ---- (precision) end ------------------------------------------------------------------------------
    status.ingestUrls = allocated.ingestUrls;
    status.previewUrls = allocated.previewUrls;
    if (standby) {
      setPhase('standby');
      yield* publish('broadcast.allocated', { liveEventName });
    }
    yield* publish('broadcast.ready', { ingestUrls: allocated.ingestUrls, previewUrls: allocated.previewUrls });

    for (;;) {
      const plan = planStartup(ms(spec.startAt), profile, policy.preRollMarginMs, policy.startup);
      if (plan.allocateAt > now()) return false;
      const woken = yield* waitUntil(plan.startAt, commands);
      if (!woken.command) {
        measureLateness(woken);
        return true;
      }
      if (interruptions.includes(woken.command.event)) interrupt(woken.command, 'before start');
      yield* applyChange(woken.command, false);
      setPhase(status.phase, 'rescheduled');
    }
  }

  /** Gives the allocated live event back (billing stops) until the new pre-roll. */
  function* release(): Step<void> {
    setPhase('scheduled', 'start moved later: releasing the live event');
    yield* driveTo('Stopped', costDeadline(ms(spec.endAt), 0), true);
  }

  /** (precision) Asks for the stop without reading the state first; whatever the answer, driveTo('Stopped') reads and judges. */
  function* requestStop(): Step<void> {
    try {
      yield* call<LiveEventActionResult>(MediaActivities.requestLiveEventAction, { ...ref(), action: 'stop' });
    } catch {
      // driveTo('Stopped') reads the state and asks again.
    }
  }

  /** Starts the live event so it is Running at the start (ingest open), and records into the asset. */
  function* goLive(): Step<RecordingRef> {
    setPhase('starting');
    const startFrom = now();
    const running = yield* driveTo('Running', costDeadline(ms(spec.endAt), 0), true);
    if (!startedCold) status.measured = { ...status.measured, startMs: now() - startFrom };
    status.ingestUrls = running.ingestUrls;
    status.previewUrls = running.previewUrls;
    liveSince = now();
    waiterFor(BroadcastEvents.encoder); // AMS reports encoders only from Running on
    if (!shouldStartRecording(spec.startOn, status.encoder)) yield* awaitEncoder();
    const recorded = yield* call<RecordingRef>(MediaActivities.ensureRecording, {
      ...ref(), broadcastId: spec.id, liveOutputName: `rec-${liveEventName}`.slice(0, 256), recording: spec.recording,
    });
    status.assetName = recorded.assetName;
    return recorded;
  }

  /** Applies an encoder event to the status; a connect or disconnect is noted and notified. */
  function* onEncoderEvent(data: unknown): Step<void> {
    const notice = checkEncoderNotice(data);
    if (!notice || notice.liveEventName !== liveEventName) return;
    const current = status.encoder ?? emptyEncoderStatus();
    if (notice.account.accountName !== spec.account.accountName || notice.account.resourceGroup.toLowerCase() !== spec.account.resourceGroup.toLowerCase()) {
      status.encoder = { ...current, foreign: (current.foreign ?? 0) + 1 };
      return;
    }
    const result = applyEncoderEvent(current, notice);
    if (!result.applied) return;
    status.encoder = result.status;
    if (result.transition) note(status.phase, `encoder ${result.transition}`);
    ctx.df.setCustomStatus(status);
    if (result.transition === 'connected') yield* publish('broadcast.encoder_connected', { liveEventName, encoderIp: notice.encoderIp, at: notice.time });
    if (result.transition === 'disconnected') yield* publish('broadcast.encoder_disconnected', { liveEventName, resultCode: notice.resultCode, at: notice.time });
  }

  /** When an idle stop is due, or undefined (no window, or an encoder is connected). */
  const idleAt = () => idleStopAt(status.encoder, liveSince, spec.idleStop?.reconnectWindowSeconds);

  /**
   * startOn "encoder": the live event is Running (AMS accepts ingest only then) and recording waits for an encoder.
   * Ends the broadcast at the end, on an idle stop, a stop or a cancel; the time without an encoder is reported.
   */
  function* awaitEncoder(): Step<void> {
    setPhase('awaiting_encoder');
    const from = now();
    try {
      for (;;) {
        if (shouldStartRecording(spec.startOn, status.encoder)) return;
        const idle = idleAt();
        const woken = yield* waitUntil(Math.min(ms(spec.endAt), idle ?? Number.POSITIVE_INFINITY), liveCommands);
        if (!woken.command) {
          const why = idle !== undefined && idle < ms(spec.endAt) ? `idle stop: no encoder for ${spec.idleStop?.reconnectWindowSeconds} s` : 'no encoder connected before the end';
          note(status.phase, why);
          throw new Interrupted('ended', why);
        }
        if (woken.command.event === BroadcastEvents.encoder) yield* onEncoderEvent(woken.command.data);
        else if (interruptions.includes(woken.command.event)) interrupt(woken.command, 'while waiting for the encoder');
        else {
          yield* applyChange(woken.command, true);
          ctx.df.setCustomStatus(status);
        }
      }
    } finally {
      status.idleBeforeRecordingMs = now() - from;
    }
  }

  /** Live until the end (which may move), a stop, a cancel or an idle stop. */
  function* stayLive(): Step<Outcome> {
    // --- runaway cap (issue 12): the live broadcast ends at its actual start plus the cap at the latest.
    // Counted from the actual start, or the scheduled one when it went Running early (by the pre-roll margin).
    const capFrom = Math.max(now(), ms(spec.startAt));
    const capMs = runawayCapMs(policy.maxDurationMs, spec.maxDuration);
    const endOf = () => cappedEnd(ms(spec.endAt), capFrom, capMs);
    // --- end runaway cap
    for (;;) {
      const idle = idleAt();
      const woken = yield* waitUntil(Math.min(endOf(), idle ?? Number.POSITIVE_INFINITY), liveCommands);
      if (!woken.command) {
        if (idle !== undefined && idle < endOf()) note('live', `idle stop: no encoder for ${spec.idleStop?.reconnectWindowSeconds} s`);
        else if (endOf() < ms(spec.endAt)) note('live', 'maximum duration reached');
        return 'ended';
      }
      if (woken.command.event === BroadcastEvents.encoder) {
        yield* onEncoderEvent(woken.command.data);
        continue;
      }
      if (woken.command.event === BroadcastEvents.stopNow) {
        note('live', 'stop requested');
        return 'ended';
      }
      if (woken.command.event === BroadcastEvents.cancel) return 'cancelled';
      yield* applyChange(woken.command, true);
      note('live', `end moved to ${spec.endAt}`);
      ctx.df.setCustomStatus(status);
    }
  }

  // ---- before the live event exists: wait for the pre-roll ------------------------------------------
  setPhase('scheduled');
  yield* publish('broadcast.scheduled');
  let profile: StartupProfile;
  try {
    profile = yield* waitForPreRoll();
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    // Cancelled (or stopped) before anything billable existed.
    setPhase('cancelled', 'cancelled before start');
    yield* publish('broadcast.cancelled');
    return status;
  }

  // ---- from here a live event exists: whatever happens, the cleanup below runs -----------------------
  let outcome: Outcome = 'ended';
  let recording: RecordingRef | undefined;
  try {
    if (now() >= ms(spec.endAt)) throw new Error('the broadcast window had passed before it could start');
    // Named before the create call: if the create fails after AMS made the event, cleanup still finds it.
    status.liveEventName = liveEventName;
    // A start moved later than the pre-roll gives the live event back; it is allocated again on the new plan.
    while (!(yield* allocateAndAwaitStart(profile))) {
      yield* release();
      profile = yield* waitForPreRoll();
    }
    recording = yield* goLive();
    setPhase('live');
    yield* publish('broadcast.live', { liveEventName, assetName: recording.assetName });
    outcome = yield* stayLive();
  } catch (error) {
    if (error instanceof Interrupted) {
      outcome = error.outcome;
    } else {
      outcome = 'failed';
      status.error = { code: 'BroadcastFailed', message: summarizeError(error) };
    }
  }

  // ---- cleanup (also the compensation path) -----------------------------------------------------------
  if (status.liveEventName) {
    try {
      setPhase('stopping', outcome === 'failed' ? 'compensating after failure' : undefined);
      // (precision) A billed live event is stopped at once: every gateway's stop takes the live outputs with it (AMS
      // removeOutputsOnStop; without it the gateway deletes them first), so billing ends without a separate output delete
      // and a state read first. The asset keeps what was recorded.
      if (status.liveEventState === 'Running' || status.liveEventState === 'StandBy') yield* requestStop();
      yield* driveTo('Stopped', Number.POSITIVE_INFINITY, false, CLEANUP_POLLS);
      // Normally gone with the stop; one left on a live event that was already stopped is deleted here (idempotent).
      if (recording) yield* call<void>(MediaActivities.removeLiveOutput, { ...ref(), liveOutputName: recording.liveOutputName });
      status.encoder = ingestClosed(status.encoder, ctx.df.currentUtcDateTime.toISOString());
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
      status.error = { code: 'CleanupFailed', message: `${summarizeError(error)}; the leak reaper will stop the live event` };
    }
  }

  setPhase(outcome);
  yield* publish(outcome === 'ended' ? 'broadcast.ended' : outcome === 'cancelled' ? 'broadcast.cancelled' : 'broadcast.failed', status.error ? { error: status.error } : {});
  return status;
}
