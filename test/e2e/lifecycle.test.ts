// Whole broadcasts through the HTTP API, the local host and the AMS emulator, on a fast clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, clientFor, rg } from '../ams-emulator/support.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => (stack = await startStack({ speed: 100 })));
afterAll(() => stack.close());

const MINUTE = 60_000;
async function create(body: Record<string, unknown>) {
  const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; liveEvent: { name?: string } };
}
const liveEventName = (id: string) => `bc-${id}`;

describe('a scheduled broadcast', () => {
  it('goes live on time, records, and ends on its own, leaving nothing billed outside the window', async () => {
    const startAt = inMinutes(stack.clock, 12);
    const endAt = inMinutes(stack.clock, 22);
    const { id } = await create({ id: 'full-run', title: 'Full run', startAt, endAt, recording: { streamingPolicyName: 'Predefined_ClearStreamingOnly' } });
    const live = await waitForBroadcast(stack, id, (b) => b.phase === 'live');
    expect((live.liveEvent as { ingestUrls: string[] }).ingestUrls[0]).toMatch(/^rtmp:\/\//);
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended');
    expect((ended.recording as { playbackPaths: string[] }).playbackPaths.some((p) => p.includes('m3u8'))).toBe(true);
    expect(stack.emulator.liveEventStates()[liveEventName(id)]).toBeUndefined(); // deleted

    const billing = stack.emulator.billing(liveEventName(id));
    const runningFrom = Date.parse(billing.history.find((h) => h.state === 'Running')?.from ?? '');
    expect(runningFrom).toBeLessThanOrEqual(Date.parse(startAt) + 5_000); // Running at the start (5 s of clock tolerance)
    const billedEnd = Date.parse(billing.history.find((h) => h.state === 'Stopping')?.from ?? '');
    expect(billedEnd).toBeLessThanOrEqual(Date.parse(endAt) + 10_000);
    const timeline = (ended.timeline as Array<{ phase: string }>).map((t) => t.phase);
    expect(timeline).toEqual(expect.arrayContaining(['scheduled', 'allocating', 'standby', 'starting', 'live', 'stopping', 'cleaning_up', 'ended']));
  });
});

// These do not measure lateness, so they share the clock concurrently.
describe.concurrent('changes and cancellations', () => {

  it('cancelled before start leaves nothing created or billed', async () => {
    const { id } = await create({ id: 'cancel-early', startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 90) });
    expect((await stack.api(`/api/broadcasts/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitForBroadcast(stack, id, (b) => b.phase === 'cancelled');
    expect(stack.emulator.billing(liveEventName(id)).billedMs).toBe(0);
    expect(stack.emulator.liveEventStates()[liveEventName(id)]).toBeUndefined();
  });

  it('stops now while live', async () => {
    const { id } = await create({ id: 'stop-now', startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 120) });
    await waitForBroadcast(stack, id, (b) => b.phase === 'live');
    const stopAt = stack.clock.now();
    await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
    await waitForBroadcast(stack, id, (b) => b.phase === 'ended');
    const billing = stack.emulator.billing(liveEventName(id));
    const stopping = Date.parse(billing.history.find((h) => h.state === 'Stopping')?.from ?? '');
    expect(stopping - stopAt).toBeLessThan(2 * MINUTE);
  });

  it('extends the end while live', async () => {
    const { id } = await create({ id: 'extend', startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 15) });
    await waitForBroadcast(stack, id, (b) => b.phase === 'live');
    const newEnd = inMinutes(stack.clock, 20);
    expect((await stack.api(`/api/broadcasts/${id}/extend`, { method: 'POST', body: JSON.stringify({ endAt: newEnd }) })).status).toBe(202);
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 30_000);
    expect(ended.endAt).toBe(newEnd);
    const stopping = Date.parse(stack.emulator.billing(liveEventName(id)).history.find((h) => h.state === 'Stopping')?.from ?? '');
    expect(stopping).toBeGreaterThanOrEqual(Date.parse(newEnd));
  });

  it('cancelled while live is stopped and cleaned up', async () => {
    const { id } = await create({ id: 'cancel-live', startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 60) });
    await waitForBroadcast(stack, id, (b) => b.phase === 'live');
    await stack.api(`/api/broadcasts/${id}`, { method: 'DELETE' });
    await waitForBroadcast(stack, id, (b) => b.phase === 'cancelled');
    expect(stack.emulator.liveEventStates()[liveEventName(id)]).toBeUndefined();
  });

  it('reschedules before start', async () => {
    const { id } = await create({ id: 'resched', startAt: inMinutes(stack.clock, 30), endAt: inMinutes(stack.clock, 40) });
    const startAt = inMinutes(stack.clock, 12);
    const endAt = inMinutes(stack.clock, 16);
    expect((await stack.api(`/api/broadcasts/${id}`, { method: 'PATCH', body: JSON.stringify({ startAt, endAt }) })).status).toBe(202);
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 30_000);
    expect(ended.startAt).toBe(startAt);
    const running = Date.parse(stack.emulator.billing(liveEventName(id)).history.find((h) => h.state === 'Running')?.from ?? '');
    expect(Math.abs(running - Date.parse(startAt))).toBeLessThan(MINUTE);
  });
});

// Timing-sensitive: run one at a time, after the concurrent ones.
describe('changes after allocation', () => {
  it('gives the live event back when the start moves later than the pre-roll, and allocates it again in time', async () => {
    const { id } = await create({ id: 'moved-later', startAt: inMinutes(stack.clock, 12), endAt: inMinutes(stack.clock, 16) });
    // Allocating takes longest (StandBy is short once start-up durations are learned); the change applies once allocated.
    await waitForBroadcast(stack, id, (b) => b.phase === 'allocating');
    const startAt = inMinutes(stack.clock, 25);
    expect((await stack.api(`/api/broadcasts/${id}`, { method: 'PATCH', body: JSON.stringify({ startAt, endAt: inMinutes(stack.clock, 28) }) })).status).toBe(202);
    await waitForBroadcast(stack, id, (b) => (b.liveEvent as { state?: string }).state === 'Stopped' && b.phase === 'scheduled');
    await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 40_000);
    const states = stack.emulator.billing(liveEventName(id)).history.map((h) => h.state);
    // Allocated, given back (nothing billed while it waits), allocated again, then live.
    expect(states.slice(0, states.indexOf('Running'))).toEqual(['Stopped', 'Allocating', 'StandBy', 'Stopping', 'Stopped', 'Allocating', 'StandBy', 'Starting']);
    const running = Date.parse(stack.emulator.billing(liveEventName(id)).history.find((h) => h.state === 'Running')?.from ?? '');
    expect(running).toBeLessThanOrEqual(Date.parse(startAt) + MINUTE);
  });

  it('applies IP allow-list changes to an allocated live event and refuses settings fixed at creation with 409', async () => {
    const { id } = await create({ id: 'change-settings', startAt: inMinutes(stack.clock, 12), endAt: inMinutes(stack.clock, 15) });
    await waitForBroadcast(stack, id, (b) => b.phase === 'allocating');
    const refused = await stack.api(`/api/broadcasts/${id}`, { method: 'PATCH', body: JSON.stringify({ liveEvent: { protocol: 'FragmentedMP4' } }) });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/liveEvent\.protocol/);
    expect((await stack.api(`/api/broadcasts/${id}`, { method: 'PATCH', body: JSON.stringify({ liveEvent: { inputIpAllow: ['10.0.0.0/8'] } }) })).status).toBe(202);
    const client = clientFor(stack.emulator);
    const deadline = Date.now() + 15_000;
    let allow: string[] = [];
    while (Date.now() < deadline && !allow.includes('10.0.0.0')) {
      const event = await client.liveEvents.get(rg, account, liveEventName(id));
      allow = (event.input?.accessControl?.ip?.allow ?? []).map((r) => r.address ?? '');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(allow).toEqual(['10.0.0.0']);
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 30_000);
    expect((ended.timeline as Array<{ note?: string }>).filter((e) => /not applied|update failed/.test(e.note ?? ''))).toEqual([]);
  });
});

describe('commands during an activity', () => {
  it('honours a cancel raised while reading the live event takes long (throttled)', async () => {
    const { id } = await create({ id: 'cancel-mid-read', startAt: inMinutes(stack.clock, 12), endAt: inMinutes(stack.clock, 20) });
    await waitForBroadcast(stack, id, (b) => b.phase === 'allocating');
    await new Promise((r) => setTimeout(r, 50)); // a few poll rounds of the allocation
    const hitsBefore = stack.emulator.faults.hits['liveEvents.get'] ?? 0;
    stack.emulator.faults.add({ operation: 'liveEvents.get', kind: 'throttle', retryAfterSeconds: 2, times: 1, name: liveEventName(id) });
    while ((stack.emulator.faults.hits['liveEvents.get'] ?? 0) === hitsBefore) await new Promise((r) => setTimeout(r, 5));
    // readLiveEvent now waits out the Retry-After inside the activity.
    expect((await stack.api(`/api/broadcasts/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    const done = await waitForBroadcast(stack, id, (b) => ['cancelled', 'ended', 'failed'].includes(b.phase), 30_000);
    expect(done.phase).toBe('cancelled');
    expect(stack.emulator.billing(liveEventName(id)).history.map((h) => h.state)).not.toContain('Running');
  });
});
