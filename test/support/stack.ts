/**
 * The whole product on one machine for end-to-end tests: the AMS emulator and the local host running
 * the unchanged app (TypeScript source), both on one clock running `speed` times faster than real time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scaledClock, type Clock } from '../../clock/clock.js';
import type { AmsEmulator, DialectName, DialectOptions, Timings } from '../../ams-emulator/index.js';
import type { LocalHost } from '../../devhost/host.js';
import { startLocalStack } from '../../devhost/localStack.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface Stack {
  host: LocalHost;
  emulator: AmsEmulator;
  clock: Clock;
  /** Calls the app with the host's function key (as an authorized client would). */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StackOptions {
  speed?: number;
  timings?: Partial<Timings>;
  settings?: Record<string, string>;
  seed?: number;
  eventSchema?: 'EventGridSchema' | 'CloudEventSchemaV1_0' | 'none';
  /**
   * The media provider the account uses (app setting AMS_PROVIDER): the emulator speaks its dialect and the app gets
   * its endpoint and secret (`emulatorSettings` in devhost/localStack.ts). Default 'ams'.
   */
  provider?: Provider;
  /** The dialect's unverified quirks (ams-emulator/dialects), e.g. `{ allocate: true }`. */
  dialectOptions?: DialectOptions;
}

export type Provider = 'ams' | 'ravnur' | 'mkio';
/** The emulator dialect that plays each provider. */
export const dialectOf: Record<Provider, DialectName> = { ams: 'arm', ravnur: 'ravnur', mkio: 'mkio' };

/** Emulator durations close to real AMS (seconds to a minute), so schedules are exercised realistically. */
export const testTimings: Partial<Timings> = {
  createMs: 2_000, allocateMs: 40_000, startMs: 8_000, coldStartMs: 50_000, stopMs: 10_000, resetMs: 3_000,
  deleteMs: 3_000, updateMs: 1_000, liveOutputCreateMs: 2_000, liveOutputDeleteMs: 2_000, streamingEndpointMs: 5_000,
  jitter: 0.2, retryAfterSeconds: 0,
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const clock = scaledClock({ speed: options.speed ?? 100 });
  const { host, emulator, close } = await startLocalStack({
    appRoot: repoRoot,
    entry: 'app/index.ts',
    clock,
    dataDir: mkdtempSync(join(tmpdir(), 'stack-')),
    timings: { ...testTimings, ...options.timings },
    seed: options.seed ?? 7,
    eventSchema: options.eventSchema,
    dialect: dialectOf[options.provider ?? 'ams'],
    dialectOptions: options.dialectOptions,
    settings: { BROADCAST_POLL_INTERVAL: 'PT2S', DEVHOST_QUIET: '1', ...options.settings },
  });
  return {
    host,
    emulator,
    clock,
    api: (path, init) => fetch(`${host.url}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-functions-key': host.functionKey, ...(init?.headers ?? {}) } }),
    close,
  };
}

/** ISO instant `minutes` from now on the stack's clock. */
export const inMinutes = (clock: Clock, minutes: number) => new Date(clock.now() + minutes * 60_000).toISOString();

/** Polls the broadcast until `predicate` holds (real-time timeout). */
export async function waitForBroadcast(stack: Stack, id: string, predicate: (b: { phase: string; [k: string]: unknown }) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: { phase: string; [k: string]: unknown } | undefined;
  while (Date.now() < deadline) {
    const res = await stack.api(`/api/broadcasts/${id}`);
    if (res.ok) {
      last = (await res.json()) as { phase: string };
      if (predicate(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`broadcast ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
}
