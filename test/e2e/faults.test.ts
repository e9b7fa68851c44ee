// Failures on the media side: the orchestration retries what is transient, compensates what is not,
// and never leaves a live event billed past the end plus the grace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => (stack = await startStack({ speed: 100 })));
afterAll(async () => {
  // Whatever happened above, nothing may still be allocated or running.
  const states = Object.values(stack.emulator.liveEventStates());
  await stack.close();
  expect(states.filter((s) => s === 'StandBy' || s === 'Running')).toEqual([]);
});

const GRACE = 5 * 60_000;
async function create(id: string, startInMinutes: number, lengthMinutes: number) {
  const body = { id, startAt: inMinutes(stack.clock, startInMinutes), endAt: inMinutes(stack.clock, startInMinutes + lengthMinutes) };
  const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return body;
}
const billedUntil = (name: string) => {
  const history = stack.emulator.billing(name).history;
  const last = [...history].reverse().find((h) => h.state === 'StandBy' || h.state === 'Running');
  return last?.to ? Date.parse(last.to) : Number.POSITIVE_INFINITY;
};

describe.concurrent('media failures', () => {
  it('gives up on a start that keeps failing, and cleans up', async () => {
    stack.emulator.faults.add({ operation: 'liveEvents.start', kind: 'failAsync', name: 'bc-start-fails' });
    const { endAt } = await create('start-fails', 10, 20);
    const failed = await waitForBroadcast(stack, 'start-fails', (b) => b.phase === 'failed', 30_000);
    expect((failed.error as { message: string }).message).toMatch(/start failed/);
    expect(stack.emulator.liveEventStates()['bc-start-fails']).toBeUndefined();
    expect(billedUntil('bc-start-fails')).toBeLessThanOrEqual(Date.parse(endAt) + GRACE);
  });

  it('retries a stop that fails twice, and still ends within the grace', async () => {
    stack.emulator.faults.add({ operation: 'liveEvents.stop', kind: 'failAsync', name: 'bc-stop-fails', times: 2 });
    const { endAt } = await create('stop-fails', 10, 5);
    await waitForBroadcast(stack, 'stop-fails', (b) => b.phase === 'ended', 30_000);
    expect(stack.emulator.faults.hits['liveEvents.stop']).toBeGreaterThanOrEqual(2);
    expect(billedUntil('bc-stop-fails')).toBeLessThanOrEqual(Date.parse(endAt) + GRACE);
  });

  it('rides out throttling and 503s from the service', async () => {
    stack.emulator.faults.add({ operation: 'liveEvents.get', kind: 'throttle', retryAfterSeconds: 1, times: 2, name: 'bc-flaky-service' });
    stack.emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'error', status: 503, times: 2, name: 'bc-flaky-service' });
    stack.emulator.faults.add({ operation: 'liveEvents.create', kind: 'drop', times: 1, name: 'bc-flaky-service' });
    await create('flaky-service', 10, 5);
    await waitForBroadcast(stack, 'flaky-service', (b) => b.phase === 'ended', 40_000);
    expect(stack.emulator.liveEventStates()['bc-flaky-service']).toBeUndefined();
  });

  it('compensates when allocation fails for good', async () => {
    stack.emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'failAsync', name: 'bc-no-capacity' });
    await create('no-capacity', 10, 5);
    const failed = await waitForBroadcast(stack, 'no-capacity', (b) => b.phase === 'failed', 30_000);
    expect((failed.timeline as Array<{ phase: string }>).map((t) => t.phase)).toContain('stopping');
    expect(stack.emulator.liveEventStates()['bc-no-capacity']).toBeUndefined();
    expect(stack.emulator.billing('bc-no-capacity').billedMs).toBe(0);
  });
});
