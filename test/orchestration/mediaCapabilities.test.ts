// The broadcast orchestration on an account whose media service has no StandBy (capabilities from the start-up
// profile): the live event is created and waits Stopped, is started directly at start − (start-up + margin), never
// allocated, and the measurements say so (the create as "allocate", the start from Stopped as "start").
import { describe, expect, it } from 'vitest';
import { world } from './app/index.js';
import { broadcastInput, MINUTE, orchestrationDriver } from './driver.js';

const MARGIN = 2_000;
const driver = orchestrationDriver('capabilities-');
const { clock, status, run } = driver;
const start = (id: string, startAt: number, endAt: number) => driver.start(broadcastInput(id, startAt, endAt, MARGIN));

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
