import { isTimingProfileName, timingProfiles, timingsFromProfile, type TimingProfile, type TimingProfileName } from './timingProfiles.js';

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
  /** Set for a named timing profile (timingProfiles.ts): its throttling limits and seeded heavy-tailed draws. */
  profile?: TimingProfile;
  /** The profile's seeded heavy-tailed sampler; absent = nominal duration with jitter (uniformJitterSampler). */
  sample?: DurationSampler;
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

/** What one draw decided: how long the operation takes, and whether it then ends Failed. */
export interface Draw {
  durationMs: number;
  fails: boolean;
}

/**
 * Draws how long one operation on `resource` takes (and whether it fails). `random` is the emulator's
 * seeded stream; a timing profile ignores it and keys its draws by resource instead (timingProfiles.ts).
 */
export type DurationSampler = (operation: TimedOperation, random: () => number, resource: string) => Draw;

/**
 * Without a profile every operation takes its nominal duration times a uniform jitter factor and never
 * fails. A timing profile (timingProfiles.ts) replaces this sampler without touching the state machine,
 * which only ever asks the sampler.
 */
export function uniformJitterSampler(t: Timings): DurationSampler {
  return (operation, random) => ({ durationMs: Math.max(0, Math.round(nominalDurationMs(t, operation) * (1 - t.jitter + 2 * t.jitter * random()))), fails: false });
}

export type TimingsOption = 'realistic' | 'fast' | TimingProfileName | TimingProfile | Partial<Timings>;

export function resolveTimings(timings: TimingsOption | undefined, seed = 1): Timings {
  if (timings === 'fast') return fastTimings;
  if (isTimingProfileName(timings)) return timingsFromProfile(timingProfiles[timings], seed);
  if (typeof timings === 'object' && 'operations' in timings && 'name' in timings) return timingsFromProfile(timings as TimingProfile, seed);
  if (timings === undefined || timings === 'realistic') return realisticTimings;
  return { ...realisticTimings, ...timings };
}

export { seededRandom } from './timingProfiles.js';
