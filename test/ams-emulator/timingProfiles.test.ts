import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { drawFor, timingProfiles, withOverrides } from '../../ams-emulator/timingProfiles.js';
import type { AmsEmulator } from '../../ams-emulator/index.js';
import { account, rg, rtmpEvent, startTestEmulator } from './support.js';

describe('emulator timing profiles and ARM throttling', () => {
  let emulator: AmsEmulator | undefined;
  afterEach(async () => emulator?.close());

  it('takes each operation as long as the profile draws for that live event, and fails the ones it draws as failed', async () => {
    const clock = new ManualClock();
    const profile = withOverrides(timingProfiles['production-tail'], { create: { failProbability: 0 }, allocate: { failProbability: 0 }, start: { failProbability: 1 } }, { throttle: null });
    const started = await startTestEmulator({ clock, timings: profile, seed: 5 });
    emulator = started.emulator;
    const { client } = started;
    await client.liveEvents.beginCreate(rg, account, 'ev1', rtmpEvent, { updateIntervalInMs: 5 });
    clock.advance(drawFor(profile, 5, 'create', 'ev1', 0).durationMs);
    expect((await client.liveEvents.get(rg, account, 'ev1')).provisioningState).toBe('Succeeded');
    await client.liveEvents.beginAllocate(rg, account, 'ev1', { updateIntervalInMs: 5 });
    const allocateMs = drawFor(profile, 5, 'allocate', 'ev1', 0).durationMs;
    clock.advance(allocateMs - 1);
    expect((await client.liveEvents.get(rg, account, 'ev1')).resourceState).toBe('Allocating');
    clock.advance(1);
    expect((await client.liveEvents.get(rg, account, 'ev1')).resourceState).toBe('StandBy');
    // Drawn as failed: the start runs its course, then the operation fails and the event is back in StandBy.
    await client.liveEvents.beginStart(rg, account, 'ev1', { updateIntervalInMs: 5 });
    clock.advance(drawFor(profile, 5, 'start', 'ev1', 0).durationMs);
    expect((await client.liveEvents.get(rg, account, 'ev1')).resourceState).toBe('StandBy');
    expect(emulator.billing('ev1').history.map((h) => h.state)).toEqual(['Stopped', 'Allocating', 'StandBy', 'Starting', 'StandBy']);
  });

  it('draws a queued operation (busy shape accepted) when its turn comes, and fails it there if the profile says so', async () => {
    const clock = new ManualClock();
    const fixed = (ms: number) => ({ medianMs: ms, p95Ms: ms, tailProbability: 0, failProbability: 0 });
    const profile = withOverrides(timingProfiles['production-tail'], { create: fixed(1_000), allocate: fixed(10_000), start: { ...fixed(5_000), failProbability: 1 } }, { throttle: null });
    const started = await startTestEmulator({ clock, timings: profile, errorShapes: { busy: 'accepted' } });
    emulator = started.emulator;
    const { client } = started;
    await client.liveEvents.beginCreate(rg, account, 'ev1', rtmpEvent, { updateIntervalInMs: 5 });
    clock.advance(1_000);
    await client.liveEvents.beginAllocate(rg, account, 'ev1', { updateIntervalInMs: 5 });
    await client.liveEvents.beginStart(rg, account, 'ev1', { updateIntervalInMs: 5 }); // queued behind the allocation
    clock.advance(10_000 + 5_000 - 1);
    expect((await client.liveEvents.get(rg, account, 'ev1')).resourceState).toBe('Starting');
    clock.advance(1);
    expect((await client.liveEvents.get(rg, account, 'ev1')).resourceState).toBe('StandBy');
    expect(emulator.billing('ev1').history.map((h) => h.state)).toEqual(['Stopped', 'Allocating', 'StandBy', 'Starting', 'StandBy']);
  });

  it('answers 429 with Retry-After once an account writes faster than its limit, and lets reads through', async () => {
    const clock = new ManualClock();
    const profile = withOverrides(timingProfiles.fast, {}, { throttle: { ...timingProfiles['warm-pool'].throttle!, accountWrites: { bucket: 2, refillPerSecond: 0.5 } } });
    const started = await startTestEmulator({ clock, timings: profile });
    emulator = started.emulator;
    const { client } = started;
    await client.liveEvents.beginCreate(rg, account, 'ev1', rtmpEvent, { updateIntervalInMs: 5 });
    await client.liveEvents.beginCreate(rg, account, 'ev2', rtmpEvent, { updateIntervalInMs: 5 });
    const refused = await client.liveEvents.beginCreate(rg, account, 'ev3', rtmpEvent, { updateIntervalInMs: 5 }).then(
      () => undefined,
      (error: { statusCode?: number; response?: { headers: { get(name: string): string | undefined } } }) => error,
    );
    expect(refused?.statusCode).toBe(429);
    expect(refused?.response?.headers.get('retry-after')).toBe('2');
    expect((await client.liveEvents.list(rg, account).byPage().next()).value).toHaveLength(2); // reads are not throttled
    clock.advance(2_000);
    await client.liveEvents.beginCreate(rg, account, 'ev3', rtmpEvent, { updateIntervalInMs: 5 });
  });

  it('serves several accounts, each with its own live events and write limit', async () => {
    const started = await startTestEmulator({ extraAccounts: ['secondams'] });
    emulator = started.emulator;
    const { client } = started;
    await client.liveEvents.beginCreateAndWait(rg, 'secondams', 'ev9', rtmpEvent, { updateIntervalInMs: 5 });
    expect((await client.liveEvents.get(rg, 'secondams', 'ev9')).name).toBe('ev9');
    await expect(client.liveEvents.get(rg, account, 'ev9')).rejects.toMatchObject({ statusCode: 404 });
    expect(emulator.liveEventStates()).toEqual({ ev9: 'Stopped' });
  });
});
