/**
 * How every gateway handles a refused or busy live event: re-read it and decide from its state (domain/errors.ts
 * judgeRefusal), never from the wording of the answer, which no provider publishes.
 */
import type { JanitorOutcome } from '../../contracts/media.js';
import type { LiveEventAction, LiveEventActionResult, LiveEventSnapshot } from '../../contracts/mediaActivities.js';
import { classifyError, judgeRefusal, type RefusedAction } from '../../domain/errors.js';

export interface BusyWaitOptions {
  /** How long a busy live event is waited out inside one call before the caller is told (ms). */
  busyWaitMs: number;
  /** First pause between attempts on a busy live event (doubles, capped at 8 s). */
  busyBackoffMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** The waits every gateway uses unless told otherwise: busy live events, and live output operations to their end. */
export const GATEWAY_WAIT_DEFAULTS: BusyWaitOptions & { outputOperationTimeoutMs: number } = {
  busyWaitMs: 60_000,
  busyBackoffMs: 100,
  /** How long a live output create or delete may take before the call gives up (ms). */
  outputOperationTimeoutMs: 5 * 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Polls a live output operation to its end: `finished` is asked at once, then after pauses starting at 5 ms (a create
 * or delete takes seconds) and doubling to 2 s, for at most `timeoutMs`; then `timedOut` says what did not finish.
 * `finished` is told how many pauses came before (a poller that was just started has nothing new to read at 0).
 */
export async function untilFinished(finished: (pauses: number) => Promise<boolean>, options: { timeoutMs: number; sleep: (ms: number) => Promise<void> }, timedOut: string): Promise<void> {
  let waited = 0;
  for (let pause = 5, pauses = 0; !(await finished(pauses)); pause = Math.min(pause * 2, 2_000), pauses++) {
    if (waited >= options.timeoutMs) throw new Error(`${timedOut} within ${options.timeoutMs} ms`);
    await options.sleep(pause);
    waited += pause;
  }
}

export class StillBusy extends Error {}

export type Judged<T> = { done: T } | { verdict: 'gone' | 'alreadyDone' | 'refused'; snapshot: LiveEventSnapshot; message: string };

/**
 * Runs `attempt`; when the service refuses it (busy, wrong state, conflict), re-reads the live event and decides from
 * its state: retry while busy or while the state allows the action (bounded), otherwise report the verdict. Other
 * errors are thrown; a wait used up throws StillBusy.
 */
export async function whileBusy<T>(read: () => Promise<LiveEventSnapshot>, action: RefusedAction, attempt: () => Promise<T>, options: BusyWaitOptions): Promise<Judged<T>> {
  const { busyWaitMs, busyBackoffMs, sleep } = options;
  let waited = 0;
  for (let pause = busyBackoffMs; ; pause = Math.min(pause * 2, 8_000)) {
    try {
      return { done: await attempt() };
    } catch (error) {
      const classified = classifyError(error);
      if (classified.class !== 'busy' && classified.class !== 'refused') throw error;
      const snapshot = await read();
      const verdict = judgeRefusal(action, snapshot);
      if (verdict !== 'retry') return { verdict, snapshot, message: classified.message };
      if (waited >= busyWaitMs) throw new StillBusy(classified.message);
      await sleep(pause);
      waited += pause;
    }
  }
}

/** A live event transition requested through `attempt`, judged as the activities report it. */
export async function requestJudged(read: () => Promise<LiveEventSnapshot>, action: LiveEventAction, attempt: () => Promise<unknown>, options: BusyWaitOptions): Promise<LiveEventActionResult> {
  const goneIsDone = action === 'delete' || action === 'stop';
  try {
    const result = await whileBusy(read, action, attempt, options);
    if ('done' in result) return { outcome: 'requested' };
    if (result.verdict === 'gone') return { outcome: goneIsDone ? 'alreadyDone' : 'refused', message: result.message };
    if (result.verdict === 'alreadyDone') return { outcome: 'alreadyDone', resourceState: result.snapshot.resourceState };
    return { outcome: 'refused', resourceState: result.snapshot.resourceState, message: result.message };
  } catch (error) {
    if (error instanceof StillBusy) return { outcome: 'busy', message: error.message };
    const classified = classifyError(error);
    if (classified.class === 'notFound') return { outcome: goneIsDone ? 'alreadyDone' : 'refused', message: classified.message };
    throw error;
  }
}

/**
 * The leak reaper's stop: `done` once the request is accepted, `gone` when the live event no longer exists. A refusal
 * is judged from the state the live event is in now (stopped by someone else, or really not stopped).
 */
export async function stopForJanitor(read: () => Promise<LiveEventSnapshot>, stop: () => Promise<unknown>): Promise<JanitorOutcome> {
  try {
    await stop();
    return 'done';
  } catch (error) {
    const c = classifyError(error).class;
    if (c === 'notFound') return 'gone';
    if (c !== 'refused' && c !== 'busy') throw error;
    const now = await read();
    if (!now.exists) return 'gone';
    if (now.resourceState === 'Stopped' || now.resourceState === 'Stopping') return 'done';
    throw error;
  }
}

/** The leak reaper's delete: `gone` when there was nothing left to delete. */
export async function deleteForJanitor(remove: () => Promise<unknown>): Promise<JanitorOutcome> {
  try {
    await remove();
    return 'done';
  } catch (error) {
    if (classifyError(error).class === 'notFound') return 'gone';
    throw error;
  }
}

/**
 * Creates a live event unless it exists: a refused create (409, or 400 "already exists") is fine once the event is
 * there (a concurrent create); anything else is not.
 */
export async function ensureCreated(read: () => Promise<LiveEventSnapshot>, create: () => Promise<unknown>): Promise<LiveEventSnapshot> {
  const existing = await read();
  if (existing.exists) return existing;
  try {
    await create();
  } catch (error) {
    const c = classifyError(error).class;
    if (c !== 'busy' && c !== 'refused') throw error;
    const now = await read();
    if (!now.exists) throw error;
    return now;
  }
  return read();
}
