/** How long each live event / streaming endpoint operation takes on the emulator's clock. */
export interface Timings {
  createMs: number;
  allocateMs: number;
  /** StandBy → Running. */
  startMs: number;
  /** Stopped → Running (allocation and start together). */
  coldStartMs: number;
  stopMs: number;
  resetMs: number;
  deleteMs: number;
  updateMs: number;
  liveOutputCreateMs: number;
  liveOutputDeleteMs: number;
  streamingEndpointMs: number;
  /** Each duration is multiplied by a factor drawn uniformly from [1 - jitter, 1 + jitter]. */
  jitter: number;
  /** Retry-After seconds on LRO responses (0 = omit, so clients poll at their own interval). */
  retryAfterSeconds: number;
}

/** Close to what recorded AMS traffic and production starts showed (see shared/ams-api-notes.md §6). */
export const realisticTimings: Timings = {
  createMs: 2_000,
  allocateMs: 60_000,
  startMs: 8_000,
  coldStartMs: 75_000,
  stopMs: 15_000,
  resetMs: 5_000,
  deleteMs: 3_000,
  updateMs: 2_000,
  liveOutputCreateMs: 2_000,
  liveOutputDeleteMs: 2_000,
  streamingEndpointMs: 30_000,
  jitter: 0.3,
  retryAfterSeconds: 2,
};

/** For tests: every transition takes a few tens of milliseconds. */
export const fastTimings: Timings = {
  createMs: 20,
  allocateMs: 40,
  startMs: 30,
  coldStartMs: 60,
  stopMs: 30,
  resetMs: 20,
  deleteMs: 20,
  updateMs: 10,
  liveOutputCreateMs: 10,
  liveOutputDeleteMs: 10,
  streamingEndpointMs: 20,
  jitter: 0,
  retryAfterSeconds: 0,
};

/** Every operation whose duration the emulator draws, named as the fault rules name them. */
export type TimedOperation =
  | 'liveEvents.create'
  | 'liveEvents.createAndStart'
  | 'liveEvents.update'
  | 'liveEvents.allocate'
  | 'liveEvents.start'
  | 'liveEvents.coldStart'
  | 'liveEvents.stop'
  | 'liveEvents.reset'
  | 'liveEvents.delete'
  | 'liveOutputs.create'
  | 'liveOutputs.delete'
  | 'streamingEndpoints.create'
  | 'streamingEndpoints.update'
  | 'streamingEndpoints.start'
  | 'streamingEndpoints.stop'
  | 'streamingEndpoints.scale'
  | 'streamingEndpoints.delete';

/** The nominal duration of each operation, from the flat settings. */
export function nominalDurationMs(t: Timings, operation: TimedOperation): number {
  switch (operation) {
    case 'liveEvents.create': return t.createMs;
    case 'liveEvents.createAndStart': return t.createMs + t.coldStartMs;
    case 'liveEvents.update': return t.updateMs;
    case 'liveEvents.allocate': return t.allocateMs;
    case 'liveEvents.start': return t.startMs;
    case 'liveEvents.coldStart': return t.coldStartMs;
    case 'liveEvents.stop': return t.stopMs;
    case 'liveEvents.reset': return t.resetMs;
    case 'liveEvents.delete': return t.deleteMs;
    case 'liveOutputs.create': return t.liveOutputCreateMs;
    case 'liveOutputs.delete': return t.liveOutputDeleteMs;
    default: return t.streamingEndpointMs;
  }
}

/** Draws how long one operation takes: a random duration for `operation`. */
export type DurationSampler = (operation: TimedOperation, random: () => number) => number;

/**
 * Today every operation takes its nominal duration times a uniform jitter factor. A per-operation
 * distribution (e.g. measured start-up times with a long tail) replaces this sampler without touching
 * the state machine, which only ever asks the sampler.
 */
export function uniformJitterSampler(t: Timings): DurationSampler {
  return (operation, random) => Math.max(0, Math.round(nominalDurationMs(t, operation) * (1 - t.jitter + 2 * t.jitter * random())));
}

export function resolveTimings(timings: 'realistic' | 'fast' | Partial<Timings> | undefined): Timings {
  if (timings === 'fast') return fastTimings;
  if (timings === undefined || timings === 'realistic') return realisticTimings;
  return { ...realisticTimings, ...timings };
}

/** A seeded generator (mulberry32) so jittered durations are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
