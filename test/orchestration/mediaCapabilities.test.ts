// The broadcast orchestration on an account whose media service has no StandBy (capabilities from the start-up
// profile): the live event is created and waits Stopped, is started directly at start − (start-up + margin), never
// allocated, and the measurements say so (the create as "allocate", the start from Stopped as "start").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { startHost, type LocalHost } from '../../devhost/host.js';
import type { HistoryEvent } from '../../devhost/engine/history.js';
import type { BroadcastOrchestrationInput, BroadcastStatus } from '../../contracts/broadcast.js';
import { world } from './app/index.js';

const MINUTE = 60_000;
const MARGIN = 2_000;
let host: LocalHost;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2030, 0, 1));
  host = await startHost({ appRoot: join(import.meta.dirname, 'app'), clock, dbFile: join(mkdtempSync(join(tmpdir(), 'capabilities-')), 'durable.db') });
});
afterAll(() => host.close());
beforeEach(() => world.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();
const instance = (id: string) => host.engine.getInstance(id);
const history = (id: string): HistoryEvent[] => {
  const row = instance(id);
  return row ? host.engine.history(row) : [];
};
const status = (id: string) => JSON.parse(instance(id)?.customStatus ?? 'null') as BroadcastStatus;
const finished = (id: string) => ['Completed', 'Failed', 'Terminated'].includes(instance(id)?.status ?? '');

function start(id: string, startAt: number, endAt: number): string {
  const input: BroadcastOrchestrationInput = {
    spec: {
      id, startAt: iso(startAt), endAt: iso(endAt), account: { subscriptionId: 's', resourceGroup: 'rg', accountName: 'a' },
      liveEvent: { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughBasic' }, useStaticHostname: false, streamOptions: [] },
      recording: { archiveWindow: 'PT1H' }, keepLiveEvent: false, origin: { kind: 'api' },
    },
    policy: { graceMs: 5 * MINUTE, pollIntervalMs: 2_000, preRollMarginMs: MARGIN },
  };
  host.engine.startNew('broadcastLifecycle', `broadcast-${id}`, JSON.stringify(input));
  return `broadcast-${id}`;
}

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

async function run(id: string): Promise<void> {
  for (let step = 0; step < 400; step++) {
    await settle(id);
    if (finished(id)) return;
    const events = history(id);
    const fired = new Set(events.filter((e) => e.EventType === 11).map((e) => e.TimerId));
    const open = events.filter((e) => e.EventType === 10 && !fired.has(e.EventId)).map((e) => Date.parse(String(e.FireAt)));
    if (open.length === 0) await sleep(20);
    else clock.advanceTo(Math.max(clock.now(), Math.min(...open)));
  }
  throw new Error(`${id} is stuck in ${status(id)?.phase}`);
}

describe('an account without StandBy', () => {
  it('creates the live event, never allocates, and starts it directly one start-up before the start', async () => {
    const saved = world.profile;
    world.profile = { samples: 10, allocateMs: 5_000, startMs: 30_000, capabilities: { standby: false } };
    try {
      const t0 = clock.now();
      const startAt = t0 + 20 * MINUTE;
      const id = start('no-standby', startAt, startAt + 10 * MINUTE);
      await run(id);
      const done = status(id);
      expect(done.phase).toBe('ended');
      expect(world.actions).toEqual(['start', 'stop', 'delete']);
      const phases = done.timeline.map((t) => t.phase);
      expect(phases).not.toContain('standby');
      expect(phases).toEqual(expect.arrayContaining(['scheduled', 'allocating', 'starting', 'live', 'stopping', 'cleaning_up', 'ended']));
      const at = (phase: string) => Date.parse(done.timeline.find((t) => t.phase === phase)?.at ?? '');
      // Created one "allocate" (the create) plus a margin before the start request; started start-up + margin ahead.
      expect(at('allocating')).toBe(startAt - 30_000 - MARGIN - 5_000 - MARGIN);
      expect(at('starting')).toBe(startAt - 30_000 - MARGIN);
      expect(done.timeline.find((t) => t.phase === 'allocating')?.note).toMatch(/no StandBy/);
      expect(done.measured).toMatchObject({ allocateMs: 0, startMs: 2_000 }); // in-memory media: created at once, Running at the next poll
    } finally {
      world.profile = saved;
    }
  });

  it('still allocates where StandBy exists (the same code, another capability)', async () => {
    const t0 = clock.now();
    const id = start('with-standby', t0 + 20 * MINUTE, t0 + 30 * MINUTE);
    await run(id);
    expect(status(id).phase).toBe('ended');
    expect(world.actions).toEqual(['allocate', 'start', 'stop', 'delete']);
  });
});
