/**
 * Given a live event's observed state and the state a broadcast needs, what to do next. Pure, so the
 * orchestration's choices are unit tested and activities stay thin.
 */
export type TargetState = 'StandBy' | 'Running' | 'Stopped' | 'Deleted';

export type NextStep =
  | { kind: 'done' }
  | { kind: 'wait' } // a transition is under way: poll again later
  | { kind: 'request'; action: 'allocate' | 'start' | 'stop' | 'delete' }
  | { kind: 'impossible'; reason: string };

const transient = ['Allocating', 'Starting', 'Stopping', 'Deleting'];

export function nextStep(observed: string | undefined, target: TargetState): NextStep {
  const state = observed ?? 'Deleted';
  if (state === target) return { kind: 'done' };
  if (transient.includes(state)) return { kind: 'wait' };
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
