/**
 * The one notion of "now" shared by the local host and the AMS emulator.
 *
 * Production code never sees this: the app takes time from the Durable context or the
 * system. Locally, the host (durable timers, timer triggers) and the emulator (state
 * transitions) run on the same Clock, so tests can run a broadcast day in seconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, on this clock. */
  now(): number;
  /** Calls `fn` once this clock reaches `atMs` (at once if already past). Returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

/** Longest delay setTimeout accepts; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  at: (atMs, fn) => armRealTimer(() => Date.now(), atMs, fn, 1),
};

export interface ScaledClockOptions {
  /** How many clock milliseconds pass per real millisecond (1 = real time). */
  speed: number;
  /** Clock time at creation; defaults to the real time. */
  startAt?: number;
}

/** A clock at constant speed from a known point, which any thread of the process can follow (devhost/worker/appThread.ts). */
export interface LinearClockReading {
  /** Clock time at `realMs`. */
  clockMs: number;
  /** Real time in ms, as `performance.timeOrigin + performance.now()`: the same in every thread, unlike performance.now(). */
  realMs: number;
  speed: number;
}

export type LinearClock = Clock & { readonly linear: LinearClockReading };

/** A clock that runs `speed` times faster than real time, from `startAt`. */
export function scaledClock({ speed, startAt = Date.now() }: ScaledClockOptions): LinearClock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  return linearClock({ clockMs: startAt, realMs: realNow(), speed });
}

/** The clock a reading describes: the same times in every thread that has the reading. */
export function linearClock(linear: LinearClockReading): LinearClock {
  const now = () => Math.floor(linear.clockMs + (realNow() - linear.realMs) * linear.speed);
  return { now, at: (atMs, fn) => armRealTimer(now, atMs, fn, linear.speed), linear };
}

const realNow = () => performance.timeOrigin + performance.now();

function armRealTimer(now: () => number, atMs: number, fn: () => void, speed: number): () => void {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    if (cancelled) return;
    const remaining = atMs - now();
    if (remaining <= 0) {
      handle = undefined;
      fn();
      return;
    }
    // Re-check on wake-up: scaled time rounds, and long waits are split into steps.
    handle = setTimeout(arm, Math.min(Math.ceil(remaining / speed), MAX_TIMEOUT_MS));
    handle.unref?.();
  };
  arm();
  return () => {
    cancelled = true;
    if (handle) clearTimeout(handle);
  };
}

/** A clock that moves only when told to: for tests that step through time exactly. */
export class ManualClock implements Clock {
  private current: number;
  private pending: Array<{ atMs: number; fn: () => void; seq: number }> = [];
  private seq = 0;

  constructor(startAt = Date.UTC(2030, 0, 1)) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  at(atMs: number, fn: () => void): () => void {
    const entry = { atMs, fn, seq: this.seq++ };
    if (atMs <= this.current) {
      queueMicrotask(() => {
        if (this.pending.includes(entry)) this.fire(entry);
      });
    }
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((e) => e !== entry);
    };
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(targetMs: number): void {
    for (;;) {
      const due = this.pending
        .filter((e) => e.atMs <= targetMs)
        .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.atMs);
      this.fire(due);
    }
    this.current = Math.max(this.current, targetMs);
  }

  private fire(entry: { atMs: number; fn: () => void }): void {
    this.pending = this.pending.filter((e) => e !== entry);
    entry.fn();
  }
}

/** Resolves once `clock` has moved `ms` forward. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.at(clock.now() + ms, resolve));
}
