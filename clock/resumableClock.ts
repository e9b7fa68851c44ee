/**
 * A scaled clock that continues across restarts of `npm start` instead of rewinding to the wall clock:
 * it saves its reading under the data dir (every heartbeat and on stop) and the next start resumes
 * from there. After a crash the last heartbeat may be up to one beat old, so a restart resumes one
 * full beat's worth of clock time (twice, for timer lateness) past it: never behind any reading the
 * previous run could have handed out. Time the host was down does not pass on this clock.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { scaledClock, type LinearClock } from './clock.js';

export interface ResumableClockOptions {
  /** Clock milliseconds per real millisecond. */
  speed: number;
  /** JSON file holding the last reading. */
  stateFile: string;
  /** How often the reading is saved, in real ms (default 1000). */
  heartbeatMs?: number;
}

export interface ResumableClock extends LinearClock {
  /** Saves the exact reading and stops the heartbeat. */
  stop(): void;
}

interface SavedClock {
  clockMs: number;
  speed: number;
  heartbeatMs: number;
  /** True when saved by stop(): the reading is exact. */
  clean: boolean;
}

function readSaved(file: string): SavedClock | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedClock;
    return Number.isFinite(saved.clockMs) ? saved : undefined;
  } catch {
    return undefined; // a torn or foreign file: start from the wall clock
  }
}

/** Where the clock resumes: after the saved reading (plus the crash margin), never before real time. */
export function resumePoint(saved: SavedClock | undefined, realNow: number): number {
  if (!saved) return realNow;
  const margin = saved.clean ? 0 : 2 * saved.speed * saved.heartbeatMs;
  return Math.max(realNow, saved.clockMs + margin);
}

export function resumableScaledClock(options: ResumableClockOptions): ResumableClock {
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const clock = scaledClock({ speed: options.speed, startAt: resumePoint(readSaved(options.stateFile), Date.now()) });
  const save = (clean: boolean) => {
    const state: SavedClock = { clockMs: clock.now(), speed: options.speed, heartbeatMs, clean };
    writeFileSync(`${options.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${options.stateFile}.tmp`, options.stateFile);
  };
  save(false);
  const beat = setInterval(() => save(false), heartbeatMs);
  beat.unref();
  return {
    now: () => clock.now(),
    at: (atMs, fn) => clock.at(atMs, fn),
    linear: clock.linear,
    stop() {
      clearInterval(beat);
      save(true);
    },
  };
}
