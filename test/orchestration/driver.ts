// Drives the broadcast orchestration in the local host's engine on a manual clock, with the in-memory media
// activities of ./app: start an instance, let its activities settle, fire its timers one after the other.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { startHost, type LocalHost } from '../../devhost/host.js';
import type { HistoryEvent } from '../../devhost/engine/history.js';
import type { BroadcastOrchestrationInput, BroadcastStatus } from '../../contracts/broadcast.js';
import { world } from './app/index.js';

export const MINUTE = 60_000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const iso = (ms: number) => new Date(ms).toISOString();

/** A broadcast on account `a` with the default live event settings, a 5-minute grace and a 2 s poll. */
export function broadcastInput(id: string, startAt: number, endAt: number, preRollMarginMs = 2_000): BroadcastOrchestrationInput {
  return {
    spec: {
      id, startAt: iso(startAt), endAt: iso(endAt), account: { subscriptionId: 's', resourceGroup: 'rg', accountName: 'a' },
      liveEvent: { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughBasic' }, useStaticHostname: false, streamOptions: [] },
      recording: { archiveWindow: 'PT1H' }, keepLiveEvent: false, origin: { kind: 'api' },
    },
    policy: { graceMs: 5 * MINUTE, pollIntervalMs: 2_000, preRollMarginMs },
  };
}

/** Registers the suite's host (a fresh SQLite file under `prefix`) and returns what drives its instances. */
export function orchestrationDriver(prefix: string) {
  let host: LocalHost;
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  beforeAll(async () => {
    host = await startHost({ appRoot: join(import.meta.dirname, 'app'), clock, dbFile: join(mkdtempSync(join(tmpdir(), prefix)), 'durable.db') });
  });
  afterAll(() => host.close());
  beforeEach(() => world.reset());

  const instance = (id: string) => host.engine.getInstance(id);
  const history = (id: string): HistoryEvent[] => {
    const row = instance(id);
    return row ? host.engine.history(row) : [];
  };
  const status = (id: string) => JSON.parse(instance(id)?.customStatus ?? 'null') as BroadcastStatus;
  const finished = (id: string) => ['Completed', 'Failed', 'Terminated'].includes(instance(id)?.status ?? '');

  /** Waits until the instance's history stops changing (its activities are in-memory and fast). */
  async function settle(id: string): Promise<void> {
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const length = history(id).length;
      if (length !== last) [last, stableSince] = [length, Date.now()];
      else if (Date.now() - stableSince > 30) return;
      await sleep(5);
    }
  }

  /** Moves the clock to the earliest timer still open (plus `lateMs`), so it fires. */
  async function advance(id: string, lateMs = 0): Promise<boolean> {
    await settle(id);
    const events = history(id);
    const fired = new Set(events.filter((e) => e.EventType === 11).map((e) => e.TimerId));
    const open = events.filter((e) => e.EventType === 10 && !fired.has(e.EventId)).map((e) => Date.parse(String(e.FireAt)));
    if (open.length === 0) return false;
    clock.advanceTo(Math.max(clock.now(), Math.min(...open) + lateMs));
    return true;
  }

  /** Fires timers one after the other until `until` holds or the instance finishes. */
  async function run(id: string, until: () => boolean = () => false, lateMs = () => 0): Promise<void> {
    for (let step = 0; step < 400; step++) {
      await settle(id);
      if (until() || finished(id)) return;
      if (!(await advance(id, lateMs()))) await sleep(20);
    }
    throw new Error(`${id} is stuck in ${status(id)?.phase}`);
  }

  return {
    clock,
    get host() {
      return host;
    },
    start(input: BroadcastOrchestrationInput): string {
      const instanceId = `broadcast-${input.spec.id}`;
      host.engine.startNew('broadcastLifecycle', instanceId, JSON.stringify(input));
      return instanceId;
    },
    raise: (id: string, name: string, data: unknown = {}) => host.engine.raiseEvent(id, name, JSON.stringify(data)),
    instance, history, status, finished, settle, advance, run,
  };
}
