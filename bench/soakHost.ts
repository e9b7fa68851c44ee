/**
 * The host process `bench/soak.ts` starts, kills with SIGKILL and starts again. Configured through one
 * environment variable (SOAK_HOST, JSON). Its clock is derived from the wall clock and a fixed origin,
 * so every incarnation (and the emulator in the parent) agrees on "now" across kills.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock/clock.js';
import { startHost } from '../devhost/host.js';
import { defaultAppSettings } from '../devhost/localStack.js';

interface SoakHostConfig { dbFile: string; port: number; settings: Record<string, string>; origin: { clockMs: number; wallMs: number; speed: number } }

const config = JSON.parse(process.env.SOAK_HOST ?? '{}') as SoakHostConfig;

/** Clock time = origin + wall time elapsed × speed: the same in every process that shares the origin. */
export function sharedClock(origin: SoakHostConfig['origin']): Clock {
  const now = () => Math.floor(origin.clockMs + (Date.now() - origin.wallMs) * origin.speed);
  return {
    now,
    at(atMs, fn) {
      let handle: NodeJS.Timeout | undefined;
      let cancelled = false;
      const arm = () => {
        if (cancelled) return;
        const remaining = atMs - now();
        if (remaining <= 0) return fn();
        handle = setTimeout(arm, Math.min(Math.ceil(remaining / origin.speed), 2_000_000_000));
        handle.unref?.();
      };
      arm();
      return () => {
        cancelled = true;
        if (handle) clearTimeout(handle);
      };
    },
  };
}

if (process.env.SOAK_HOST) {
  const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const host = await startHost({ appRoot, clock: sharedClock(config.origin), dbFile: config.dbFile, port: config.port, settings: { ...defaultAppSettings, ...config.settings } });
  process.send?.({ ready: host.url });
}
