// The reaper finds live events no active broadcast owns (created by hand, or left by a broadcast that
// was terminated by hand) and stops and deletes them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientFor } from '../ams-emulator/support.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => (stack = await startStack({ speed: 100, settings: { REAPER_SCHEDULE: '0 * * * * *', REAPER_GRACE: 'PT2M' } })));
afterAll(() => stack.close());

async function until(check: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('stops and deletes an orphaned live event left running', async () => {
  const media = clientFor(stack.emulator);
  await media.liveEvents.beginCreateAndWait('broadcast-rg', 'broadcastams', 'orphan1', { location: 'westeurope', input: { streamingProtocol: 'RTMP' }, tags: { broadcastId: 'nobody', managedBy: 'broadcast-scheduler' } }, { updateIntervalInMs: 5 });
  await media.liveEvents.beginStartAndWait('broadcast-rg', 'broadcastams', 'orphan1', { updateIntervalInMs: 5 });
  expect(stack.emulator.liveEventStates().orphan1).toBe('Running');
  await until(() => stack.emulator.liveEventStates().orphan1 === undefined);
  const billing = stack.emulator.billing('orphan1');
  expect(billing.history.map((h) => h.state)).toEqual(expect.arrayContaining(['Running', 'Stopping', 'Stopped', 'Deleting', 'Deleted']));
  // Stopped within grace + one reaper period (+ clock slack) of becoming orphaned.
  expect(billing.runningMs).toBeLessThan(2 * 60_000 + 60_000 + 30_000);
});

it('cleans up after a broadcast terminated by hand while live', async () => {
  const body = { id: 'terminated', startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 120) };
  expect((await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) })).status).toBe(201);
  await waitForBroadcast(stack, 'terminated', (b) => b.phase === 'live');
  await fetch(`${stack.host.url}/runtime/webhooks/durabletask/instances/broadcast-terminated/terminate?reason=operator&code=${stack.host.systemKey}`, { method: 'POST' }); // the system key, as in Azure
  expect((await (await stack.api('/api/broadcasts/terminated')).json()) as { phase: string }).toMatchObject({ phase: 'cancelled' });
  await until(() => stack.emulator.liveEventStates()['bc-terminated'] === undefined);
});

it('leaves a live event it did not create alone, and reports what it really did', async () => {
  const media = clientFor(stack.emulator);
  await media.liveEvents.beginCreateAndWait('broadcast-rg', 'broadcastams', 'foreign1', { location: 'westeurope', input: { streamingProtocol: 'RTMP' }, tags: { broadcastId: 'nobody' } }, { updateIntervalInMs: 5 });
  await media.liveEvents.beginStartAndWait('broadcast-rg', 'broadcastams', 'foreign1', { updateIntervalInMs: 5 });
  // Old enough for any grace; the scheduled runs and this one all see it.
  await new Promise((r) => setTimeout(r, 3_000));
  const res = await stack.api('/api/reaper/run', { method: 'POST' });
  expect(res.status).toBe(200);
  const report = (await res.json()) as { accounts: Array<{ account: string }>; actions: Array<{ liveEventName: string }> };
  expect(report.accounts.map((a) => a.account)).toEqual(['broadcastams']);
  expect(report.actions.map((a) => a.liveEventName)).not.toContain('foreign1');
  expect(stack.emulator.liveEventStates().foreign1).toBe('Running');
  expect(stack.emulator.billing('foreign1').history.map((h) => h.state)).not.toContain('Stopping');
});
