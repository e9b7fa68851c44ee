// Retention: finished broadcasts are purged once their last update is older than BROADCAST_RETENTION;
// active ones stay, however old. (A file of its own: a short retention would purge other suites' fixtures.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => (stack = await startStack({ speed: 100, settings: { BROADCAST_RETENTION: 'PT3M', BROADCAST_PURGE_SCHEDULE: '0 * * * * *' } })));
afterAll(() => stack.close());

it('purges a cancelled broadcast after the retention and keeps a scheduled one', async () => {
  for (const id of ['keep', 'drop']) {
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id, startAt: inMinutes(stack.clock, 600), endAt: inMinutes(stack.clock, 660) }) });
    expect(res.status).toBe(201);
  }
  expect((await stack.api('/api/broadcasts/drop/cancel', { method: 'POST' })).status).toBe(202);
  await waitForBroadcast(stack, 'drop', (b) => b.phase === 'cancelled');
  const cancelledAt = stack.clock.now();
  const deadline = Date.now() + 20_000;
  while ((await stack.api('/api/broadcasts/drop')).status !== 404) {
    if (Date.now() > deadline) throw new Error('the cancelled broadcast was never purged');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Not before its retention had passed.
  expect(stack.clock.now() - cancelledAt).toBeGreaterThanOrEqual(3 * 60_000);
  expect((await stack.api('/api/broadcasts/keep')).status).toBe(200);
}, 40_000);
