/**
 * Given a live event's observed state and the state a broadcast needs, what to do next. Pure, so the
 * orchestration's choices are unit tested and activities stay thin.
 */
import type { LiveEventSettings } from '../contracts/broadcast.js';

export type TargetState = 'StandBy' | 'Running' | 'Stopped' | 'Deleted';

export type NextStep =
  | { kind: 'done' }
  | { kind: 'wait' } // a transition is under way: poll again later
  | { kind: 'request'; action: 'allocate' | 'start' | 'stop' | 'delete' }
  | { kind: 'impossible'; reason: string };

/** States a live event passes through while an operation runs: wait, never request. */
export const TRANSIENT_STATES: readonly string[] = ['Allocating', 'Starting', 'Stopping', 'Deleting'];

export function nextStep(observed: string | undefined, target: TargetState): NextStep {
  const state = observed ?? 'Deleted';
  if (state === target) return { kind: 'done' };
  if (TRANSIENT_STATES.includes(state)) return { kind: 'wait' };
  switch (target) {
    case 'StandBy':
      if (state === 'Stopped') return { kind: 'request', action: 'allocate' };
      if (state === 'Running') return { kind: 'done' }; // already past StandBy: good enough
      return { kind: 'impossible', reason: `cannot allocate a live event that is ${state}` };
    case 'Running':
      if (state === 'Stopped' || state === 'StandBy') return { kind: 'request', action: 'start' };
      return { kind: 'impossible', reason: `cannot start a live event that is ${state}` };
    case 'Stopped':
      if (state === 'StandBy' || state === 'Running') return { kind: 'request', action: 'stop' };
      if (state === 'Deleted') return { kind: 'done' };
      return { kind: 'impossible', reason: `cannot stop a live event that is ${state}` };
    case 'Deleted':
      if (state === 'Stopped') return { kind: 'request', action: 'delete' };
      if (state === 'StandBy' || state === 'Running') return { kind: 'request', action: 'stop' };
      return { kind: 'impossible', reason: `cannot delete a live event that is ${state}` };
  }
}

/** Live event names: AMS allows 1–32 letters, digits and hyphens; derived from the broadcast id. */
export function liveEventNameFor(broadcastId: string): string {
  const cleaned = broadcastId.replace(/[^a-zA-Z0-9-]/g, '').replace(/^-+|-+$/g, '');
  return `bc-${cleaned}`.slice(0, 32).replace(/-+$/, '');
}

/**
 * Live event settings AMS lets an existing live event change, by its state (AMS docs: most properties in Stopped,
 * "most" in StandBy, some while Running; protocol, access token, encoding type, stream options and the static
 * hostname are fixed at creation). Kept to what the service is known to accept.
 */
const UPDATABLE: Record<string, ReadonlyArray<keyof LiveEventSettings>> = {
  Stopped: ['description', 'inputIpAllow', 'previewIpAllow', 'keyFrameIntervalDuration'],
  StandBy: ['description', 'inputIpAllow', 'previewIpAllow'],
  Running: ['description', 'inputIpAllow', 'previewIpAllow'],
};
/** A transition under way ends in this state; a change is judged against where the live event is going. */
const SETTLES_TO: Record<string, string> = { Allocating: 'StandBy', Starting: 'Running', Stopping: 'Stopped' };

export interface SettingsChange {
  /** Changed settings to send to AMS with an update of the live event. */
  update: Array<keyof LiveEventSettings>;
  /** Changed settings the live event cannot take in its state (answered 409). */
  refused: Array<keyof LiveEventSettings>;
}

/**
 * Which of the changed settings can be applied to the live event as it is (`state` undefined or `Deleted`: it does
 * not exist yet, so everything is applied when it is created).
 */
export function liveEventSettingsChange(current: LiveEventSettings, next: LiveEventSettings, state: string | undefined): SettingsChange {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(next)])] as Array<keyof LiveEventSettings>;
  const changed = keys.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]));
  if (state === undefined || state === 'Deleted' || state === 'Deleting') return { update: [], refused: [] };
  const allowed = UPDATABLE[SETTLES_TO[state] ?? state] ?? [];
  return { update: changed.filter((key) => allowed.includes(key)), refused: changed.filter((key) => !allowed.includes(key)) };
}

/**
 * Why a change of live event settings must be refused now (naming the settings), or undefined when it can be applied.
 * `liveEvent` is what the broadcast reports: a named live event not read yet was just created, so it is Stopped.
 */
export function refusedSettingsChange(current: LiveEventSettings, change: Partial<LiveEventSettings> | undefined, liveEvent: { name?: string; state?: string } | undefined): string | undefined {
  if (!change) return undefined;
  const state = liveEvent?.state ?? (liveEvent?.name ? 'Stopped' : undefined);
  const { refused } = liveEventSettingsChange(current, { ...current, ...change }, state);
  if (refused.length === 0) return undefined;
  return `The live event is ${state}: ${refused.map((key) => `liveEvent.${key}`).join(', ')} cannot be changed in this state.`;
}
