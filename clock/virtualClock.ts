/**
 * Simulated time for benchmarks: a Clock that never moves on its own. `runUntil` jumps to the next due
 * timer only once the whole process is quiescent — no tracked work running (orchestration episodes,
 * activities, timer-trigger invocations, hooked through `trackWork`), no HTTP request in flight on any
 * client or server of this process (seen through node:diagnostics_channel, so the host's and emulator's
 * servers and the SDK's clients need no hooks), and nothing left in the microtask or immediate queues —
 * then fires that one timer and waits for quiescence again. Timers due at the same instant fire one at a
 * time in the order they were armed, so the same inputs give the same run on a busy or a quiet machine.
 *
 * Work that sleeps with setTimeout (the Azure SDK honouring a 429's Retry-After, LRO poll delays) would
 * otherwise sleep in real time while simulated time stands still. With `virtualizeTimeouts()`, a
 * setTimeout of 10 ms or more made inside tracked work becomes a timer on this clock, and that work
 * counts as idle while it sleeps.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from './clock.js';

interface Entry {
  atMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A unit of tracked work; it counts as busy while running and not sleeping on a virtual timeout. */
interface WorkToken {
  clock: VirtualClock;
  sleeps: number;
  done: boolean;
}

/** Something that can count work in progress (implemented by VirtualClock; other clocks ignore tracking). */
export interface WorkTracker {
  track<T>(work: () => Promise<T>): Promise<T>;
}

const isTracker = (clock: unknown): clock is WorkTracker => typeof (clock as Partial<WorkTracker>)?.track === 'function';

/** Runs `work`, counted as busy when `clock` is a VirtualClock; a plain call otherwise. The hook for host and emulator. */
export function trackWork<T>(clock: Clock, work: () => Promise<T>): Promise<T> {
  return isTracker(clock) ? clock.track(work) : work();
}

const workContext = new AsyncLocalStorage<WorkToken>();
/** Shortest setTimeout turned into a virtual one (shorter ones are yields, not waits). */
const MIN_VIRTUAL_TIMEOUT_MS = 10;
/** Consecutive idle turns of the event loop before the process counts as quiescent. */
const QUIET_TURNS = 3;

export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #queue: Entry[] = [];
  readonly #tokens = new Set<WorkToken>();
  #httpInFlight = 0;
  #wakeUp: (() => void) | undefined;
  readonly #unsubscribe: Array<() => void> = [];
  /** Timers fired so far (a figure for the benchmark). */
  fired = 0;

  constructor(startAt = Date.UTC(2030, 0, 1)) {
    this.#now = startAt;
    this.#watchHttp();
  }

  now(): number {
    return this.#now;
  }

  at(atMs: number, fn: () => void): () => void {
    const entry: Entry = { atMs: Math.max(atMs, this.#now), seq: this.#seq++, fn, cancelled: false };
    // Sorted by (atMs, seq): insert after every entry due at or before it.
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#queue[mid] as Entry).atMs <= entry.atMs) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** When the next timer is due (undefined = none). */
  nextDue(): number | undefined {
    this.#dropCancelled();
    return this.#queue[0]?.atMs;
  }

  track<T>(work: () => Promise<T>): Promise<T> {
    const token: WorkToken = { clock: this, sleeps: 0, done: false };
    this.#tokens.add(token);
    const finish = () => {
      token.done = true;
      this.#tokens.delete(token);
      this.#poke();
    };
    return workContext.run(token, async () => {
      try {
        return await work();
      } finally {
        finish();
      }
    });
  }

  /** Whether anything is running right now (tracked work awake, or an HTTP request in flight). */
  busy(): boolean {
    if (this.#httpInFlight > 0) return true;
    for (const token of this.#tokens) if (token.sleeps === 0) return true;
    return false;
  }

  /** Resolves once the process is quiescent (see the file comment). */
  async settled(): Promise<void> {
    let quiet = 0;
    while (quiet < QUIET_TURNS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.busy()) {
        quiet++;
        continue;
      }
      quiet = 0;
      // Wait for the next change instead of spinning; re-check at least every 20 ms of real time.
      await new Promise<void>((resolve) => {
        const timer = setTimeoutReal(() => {
          this.#wakeUp = undefined;
          resolve();
        }, 20);
        this.#wakeUp = () => {
          clearTimeoutReal(timer);
          this.#wakeUp = undefined;
          resolve();
        };
      });
    }
  }

  /**
   * Moves simulated time to `targetMs`, firing each due timer in order, one at a time, each only once
   * everything the previous one started has finished.
   */
  async runUntil(targetMs: number): Promise<void> {
    for (;;) {
      await this.settled();
      this.#dropCancelled();
      const next = this.#queue[0];
      if (!next || next.atMs > targetMs) break;
      this.#queue.shift();
      this.#now = Math.max(this.#now, next.atMs);
      this.fired++;
      next.fn();
    }
    this.#now = Math.max(this.#now, targetMs);
    await this.settled();
  }

  /**
   * Makes setTimeout calls of tracked work run on this clock (until the returned function is called).
   * Only one VirtualClock may do this at a time.
   */
  virtualizeTimeouts(): () => void {
    const original = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const patchedSetTimeout = (fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
      const token = workContext.getStore();
      const ms = Number(delay ?? 0);
      if (!token || token.clock !== this || token.done || !(ms >= MIN_VIRTUAL_TIMEOUT_MS)) {
        return original.setTimeout(fn, delay, ...args);
      }
      return this.#virtualTimeout(token, () => fn(...args), ms);
    };
    const patchedClearTimeout = (handle: unknown) => {
      if (handle instanceof VirtualTimeout) return handle.cancel();
      return original.clearTimeout(handle as NodeJS.Timeout);
    };
    globalThis.setTimeout = patchedSetTimeout as unknown as typeof globalThis.setTimeout;
    globalThis.clearTimeout = patchedClearTimeout as typeof globalThis.clearTimeout;
    return () => {
      globalThis.setTimeout = original.setTimeout;
      globalThis.clearTimeout = original.clearTimeout;
    };
  }

  /** Stops watching HTTP traffic. */
  dispose(): void {
    this.#unsubscribe.splice(0).forEach((off) => off());
  }

  #virtualTimeout(token: WorkToken, fn: () => void, ms: number): VirtualTimeout {
    token.sleeps++;
    let open = true;
    const wake = () => {
      if (!open) return false;
      open = false;
      token.sleeps--;
      return true;
    };
    const cancel = this.at(this.#now + ms, () => {
      if (wake()) fn();
    });
    return new VirtualTimeout(() => {
      cancel();
      wake();
      this.#poke();
    });
  }

  #dropCancelled(): void {
    while (this.#queue[0]?.cancelled) this.#queue.shift();
  }

  #poke(): void {
    this.#wakeUp?.();
  }

  #watchHttp(): void {
    const count = (emitter: ClientRequest | ServerResponse) => {
      this.#httpInFlight++;
      let open = true;
      emitter.once('close', () => {
        if (!open) return;
        open = false;
        this.#httpInFlight--;
        this.#poke();
      });
    };
    const onClient = (message: unknown) => count((message as { request: ClientRequest }).request);
    const onServer = (message: unknown) => count((message as { request: IncomingMessage; response: ServerResponse }).response);
    // fetch() goes through undici, not node:http: from its request's creation to its last byte or its error. Without
    // it a fetch opening a new connection (after keep-alive sockets timed out) looks idle for the turns the connect
    // takes, and the clock could move before the request reaches the server (seen after the process was frozen).
    const fetchesInFlight = new WeakSet<object>();
    const onFetchStart = (message: unknown) => {
      fetchesInFlight.add((message as { request: object }).request);
      this.#httpInFlight++;
    };
    const onFetchEnd = (message: unknown) => {
      if (!fetchesInFlight.delete((message as { request: object }).request)) return;
      this.#httpInFlight--;
      this.#poke();
    };
    const channels: Array<[string, (message: unknown) => void]> = [
      ['http.client.request.start', onClient],
      ['http.server.request.start', onServer],
      ['undici:request:create', onFetchStart],
      ['undici:request:trailers', onFetchEnd],
      ['undici:request:error', onFetchEnd],
    ];
    for (const [name, listener] of channels) {
      diagnostics.subscribe(name, listener);
      this.#unsubscribe.push(() => diagnostics.unsubscribe(name, listener));
    }
  }
}

/** What a virtualized setTimeout returns: enough of a Node Timeout for libraries that ref/unref it. */
class VirtualTimeout {
  constructor(readonly cancel: () => void) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return 0;
  }
}

// Captured before any patching, for the clock's own waits.
const setTimeoutReal = globalThis.setTimeout;
const clearTimeoutReal = globalThis.clearTimeout;
