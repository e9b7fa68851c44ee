/**
 * Heavy-tailed, seeded durations for the emulator's operations, by named profile, and ARM-style write
 * throttling. Where each number comes from: docs/TIMINGS.md.
 *
 * A duration is a log-normal body (set by its median and 95th percentile) plus, with a small probability, a
 * draw from a long uniform tail; an operation may also end Failed. Each draw is keyed by (seed, operation,
 * resource, how many times that resource ran that operation), so a live event's durations do not depend on
 * the order in which concurrent requests reached the emulator: the same seed gives the same figures.
 */
import type { Draw, DurationSampler, TimedOperation, Timings } from './timings.js';

export const profileOperations = [
  'create', 'allocate', 'start', 'coldStart', 'stop', 'reset', 'delete', 'update', 'liveOutputCreate', 'liveOutputDelete', 'streamingEndpoint',
] as const;
/** The operations a profile sets a distribution for (several emulator operations may share one). */
export type ProfileOperation = (typeof profileOperations)[number];

export interface DurationDistribution {
  /** Median of the log-normal body. */
  medianMs: number;
  /** 95th percentile of the body (≥ median; equal = no spread). */
  p95Ms: number;
  /** Chance that a draw comes from the long tail instead of the body. */
  tailProbability?: number;
  /** The tail is uniform in [tailMinMs, tailMaxMs]. */
  tailMinMs?: number;
  tailMaxMs?: number;
  /** Chance that the operation ends with status Failed (after its duration). */
  failProbability?: number;
}

/** A token bucket: `bucket` requests at once, refilled at `refillPerSecond`. */
export interface BucketLimit {
  bucket: number;
  refillPerSecond: number;
}

/** Write throttling, answered with 429 + Retry-After like ARM. null = no throttling. */
export interface ThrottleLimits {
  /** ARM, per subscription (and principal) per region: PUT/PATCH/POST. */
  subscriptionWrites: BucketLimit;
  /** ARM, per subscription: DELETE. */
  subscriptionDeletes: BucketLimit;
  /** The resource provider's own limit on writes to one media account (live event operations). */
  accountWrites: BucketLimit;
}

export interface TimingProfile {
  name: string;
  operations: Record<ProfileOperation, DurationDistribution>;
  throttle: ThrottleLimits | null;
  /** Retry-After seconds on LRO responses (0 = omit). */
  retryAfterSeconds: number;
}

export type TimingProfileName = 'fast' | 'warm-pool' | 'production-tail';

const fixed = (ms: number): DurationDistribution => ({ medianMs: ms, p95Ms: ms });
const SECOND = 1_000;
const MINUTE = 60_000;

/** ARM's documented token-bucket limits (2024 regional throttling): writes and deletes 200, refilled 10/s. */
export const armThrottle: ThrottleLimits = {
  subscriptionWrites: { bucket: 200, refillPerSecond: 10 },
  subscriptionDeletes: { bucket: 200, refillPerSecond: 10 },
  // Not documented for Microsoft.Media: an assumption, deliberately tighter than ARM's (resource providers
  // apply their own, stricter limits). 10 at once, then one write a second per account.
  accountWrites: { bucket: 10, refillPerSecond: 1 },
};

export const timingProfiles: Record<TimingProfileName, TimingProfile> = {
  /** Tests: tens of milliseconds, no tail, no failures, no throttling. */
  fast: {
    name: 'fast',
    operations: {
      create: fixed(20), allocate: fixed(40), start: fixed(30), coldStart: fixed(60), stop: fixed(30), reset: fixed(20),
      delete: fixed(20), update: fixed(10), liveOutputCreate: fixed(10), liveOutputDelete: fixed(10), streamingEndpoint: fixed(20),
    },
    throttle: null,
    retryAfterSeconds: 0,
  },
  /** What recorded AMS traffic on a warm (hot-pool) region shows: seconds. */
  'warm-pool': {
    name: 'warm-pool',
    operations: {
      create: { medianMs: 2 * SECOND, p95Ms: 4 * SECOND },
      allocate: { medianMs: 3 * SECOND, p95Ms: 8 * SECOND },
      start: { medianMs: 3 * SECOND, p95Ms: 8 * SECOND },
      coldStart: { medianMs: 6 * SECOND, p95Ms: 15 * SECOND },
      stop: { medianMs: 4 * SECOND, p95Ms: 10 * SECOND },
      reset: { medianMs: 2 * SECOND, p95Ms: 5 * SECOND },
      delete: { medianMs: 3 * SECOND, p95Ms: 8 * SECOND },
      update: { medianMs: 2 * SECOND, p95Ms: 5 * SECOND },
      liveOutputCreate: { medianMs: 2 * SECOND, p95Ms: 5 * SECOND },
      liveOutputDelete: { medianMs: 2 * SECOND, p95Ms: 5 * SECOND },
      streamingEndpoint: { medianMs: 30 * SECOND, p95Ms: 60 * SECOND },
    },
    throttle: armThrottle,
    retryAfterSeconds: 0,
  },
  /**
   * Production with a cold or depleted pool: a body of seconds to a minute, p95 of 1–3 minutes, and rare
   * 15–20 minute allocations (the SDK sample's warning), plus occasional failed operations.
   */
  'production-tail': {
    name: 'production-tail',
    operations: {
      create: { medianMs: 2 * SECOND, p95Ms: 6 * SECOND, failProbability: 0.002 },
      allocate: { medianMs: 40 * SECOND, p95Ms: 150 * SECOND, tailProbability: 0.01, tailMinMs: 15 * MINUTE, tailMaxMs: 20 * MINUTE, failProbability: 0.005 },
      start: { medianMs: 15 * SECOND, p95Ms: 60 * SECOND, tailProbability: 0.01, tailMinMs: 2 * MINUTE, tailMaxMs: 4 * MINUTE, failProbability: 0.005 },
      coldStart: { medianMs: 60 * SECOND, p95Ms: 180 * SECOND, tailProbability: 0.01, tailMinMs: 15 * MINUTE, tailMaxMs: 20 * MINUTE, failProbability: 0.005 },
      stop: { medianMs: 10 * SECOND, p95Ms: 45 * SECOND, failProbability: 0.002 },
      reset: { medianMs: 5 * SECOND, p95Ms: 20 * SECOND },
      delete: { medianMs: 5 * SECOND, p95Ms: 20 * SECOND, failProbability: 0.002 },
      update: { medianMs: 3 * SECOND, p95Ms: 10 * SECOND },
      liveOutputCreate: { medianMs: 3 * SECOND, p95Ms: 10 * SECOND },
      liveOutputDelete: { medianMs: 3 * SECOND, p95Ms: 10 * SECOND },
      streamingEndpoint: { medianMs: 60 * SECOND, p95Ms: 180 * SECOND },
    },
    throttle: armThrottle,
    retryAfterSeconds: 0,
  },
};

export const isTimingProfileName = (value: unknown): value is TimingProfileName =>
  typeof value === 'string' && Object.hasOwn(timingProfiles, value);

/** A profile with some operations replaced (e.g. `{ allocate: { medianMs: 5_000, p95Ms: 5_000 } }`). */
export function withOverrides(profile: TimingProfile, overrides: Partial<Record<ProfileOperation, Partial<DurationDistribution>>> = {}, extra: Partial<Pick<TimingProfile, 'throttle' | 'retryAfterSeconds'>> = {}): TimingProfile {
  const operations = { ...profile.operations };
  for (const [op, override] of Object.entries(overrides) as Array<[ProfileOperation, Partial<DurationDistribution>]>) {
    operations[op] = { ...operations[op], ...override };
  }
  return { ...profile, ...extra, operations };
}

const Z95 = 1.6448536269514722;

/** Maps three uniforms in [0,1) to a draw of the distribution (pure, so it is testable on its own). */
export function drawFrom(dist: DurationDistribution, u: readonly [number, number, number, number]): Draw {
  const fails = u[3] < (dist.failProbability ?? 0);
  if (u[0] < (dist.tailProbability ?? 0) && dist.tailMinMs !== undefined && dist.tailMaxMs !== undefined) {
    return { durationMs: Math.round(dist.tailMinMs + u[1] * (dist.tailMaxMs - dist.tailMinMs)), fails };
  }
  const sigma = dist.p95Ms > dist.medianMs && dist.medianMs > 0 ? Math.log(dist.p95Ms / dist.medianMs) / Z95 : 0;
  // Box–Muller: a standard normal from two uniforms (1 - u keeps the logarithm finite).
  const z = Math.sqrt(-2 * Math.log(1 - u[1])) * Math.cos(2 * Math.PI * u[2]);
  return { durationMs: Math.max(0, Math.round(dist.medianMs * Math.exp(sigma * z))), fails };
}

/** FNV-1a, to turn a draw's key into a seed. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded generator (mulberry32) so jittered durations and draws are reproducible. */
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

/** The draw for the `occurrence`-th time `resource` runs `op` under `seed`: the same inputs, the same draw. */
export function drawFor(profile: TimingProfile, seed: number, op: ProfileOperation, resource: string, occurrence: number): Draw {
  const next = seededRandom(hash32(`${seed}|${op}|${resource.toLowerCase()}|${occurrence}`));
  return drawFrom(profile.operations[op], [next(), next(), next(), next()]);
}

/** Draws in sequence per (operation, resource), counting occurrences itself. */
export function createSampler(profile: TimingProfile, seed: number) {
  const occurrences = new Map<string, number>();
  return (op: ProfileOperation, resource: string): Draw => {
    const k = `${op}|${resource.toLowerCase()}`;
    const n = occurrences.get(k) ?? 0;
    occurrences.set(k, n + 1);
    return drawFor(profile, seed, op, resource, n);
  };
}

/** The profile distribution an emulator operation draws from (`liveEvents.start` from Stopped is a cold start). */
export function profileOperationOf(operation: TimedOperation): ProfileOperation {
  switch (operation) {
    case 'liveEvents.create': return 'create';
    case 'liveEvents.createAndStart': return 'coldStart'; // plus a create: see profileSampler
    case 'liveEvents.update': return 'update';
    case 'liveEvents.allocate': return 'allocate';
    case 'liveEvents.start': return 'start';
    case 'liveEvents.coldStart': return 'coldStart';
    case 'liveEvents.stop': return 'stop';
    case 'liveEvents.reset': return 'reset';
    case 'liveEvents.delete': return 'delete';
    case 'liveOutputs.create': return 'liveOutputCreate';
    case 'liveOutputs.delete': return 'liveOutputDelete';
    default: return 'streamingEndpoint';
  }
}

/** The emulator's DurationSampler for a profile: per-resource seeded draws (the emulator's stream is not used). */
export function profileSampler(profile: TimingProfile, seed: number): DurationSampler {
  const sample = createSampler(profile, seed);
  return (operation, _random, resource) => {
    const drawn = sample(profileOperationOf(operation), resource);
    if (operation !== 'liveEvents.createAndStart') return drawn;
    const created = sample('create', resource);
    return { durationMs: created.durationMs + drawn.durationMs, fails: created.fails || drawn.fails };
  };
}

/** Emulator Timings for a profile: medians as the nominal durations, and the seeded sampler. */
export function timingsFromProfile(profile: TimingProfile, seed: number): Timings {
  const m = (op: ProfileOperation) => profile.operations[op].medianMs;
  return {
    createMs: m('create'), allocateMs: m('allocate'), startMs: m('start'), coldStartMs: m('coldStart'), stopMs: m('stop'),
    resetMs: m('reset'), deleteMs: m('delete'), updateMs: m('update'), liveOutputCreateMs: m('liveOutputCreate'),
    liveOutputDeleteMs: m('liveOutputDelete'), streamingEndpointMs: m('streamingEndpoint'), jitter: 0,
    retryAfterSeconds: profile.retryAfterSeconds,
    profile,
    sample: profileSampler(profile, seed),
  };
}

/**
 * A token bucket per scope, on the emulator's clock. `take` answers how many seconds to wait (Retry-After)
 * when the bucket is empty; a refused request takes no token, as ARM's buckets.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  take(scope: string, limit: BucketLimit, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const bucket = this.#buckets.get(scope) ?? { tokens: limit.bucket, at: nowMs };
    bucket.tokens = Math.min(limit.bucket, bucket.tokens + ((nowMs - bucket.at) / 1000) * limit.refillPerSecond);
    bucket.at = nowMs;
    this.#buckets.set(scope, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.refillPerSecond)) };
  }

  /** Whether a request would pass, without taking a token. */
  peek(scope: string, limit: BucketLimit, nowMs: number): boolean {
    const bucket = this.#buckets.get(scope);
    if (!bucket) return true;
    return Math.min(limit.bucket, bucket.tokens + ((nowMs - bucket.at) / 1000) * limit.refillPerSecond) >= 1;
  }
}
