// Done-when check of issue 9: an app the project never saw, in the local host, meets Azure's rules.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { startHost, type LocalHost } from '../../devhost/host.js';
import { appRouteReachability } from '../../devhost/worker/httpTriggers.js';
import { tempDb } from './support.js';

const appRoot = join(import.meta.dirname, 'stranger');
const settings = { STRANGER_HUB: 'StrangerHub', PIPELINE_FIRST_STEP: 'fetchData' };
const settle = () => new Promise((r) => setTimeout(r, 30));

async function startJob(host: LocalHost, orchestrator: string, input: string) {
  const res = await fetch(`${host.url}/api/jobs/${orchestrator}`, { method: 'POST', body: input });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
}

it('meets Azure\'s rules: 404 for a wrong method, 401 without the system key, 16 KB status limit, first timer run at 0001-01-01, non-determinism on replay', async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0, 30));
  const dbFile = tempDb();
  let host = await startHost({ appRoot, clock, dbFile, settings });
  try {
    // Every HTTP function is reachable under Azure's route order.
    expect(appRouteReachability(host.app).filter((r) => !r.reachable)).toEqual([]);

    // Wrong method: 404, as the host answers (no 405); a route constraint is honoured.
    expect((await fetch(`${host.url}/api/greet/ada`)).status).toBe(200);
    expect((await fetch(`${host.url}/api/greet/ada`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${host.url}/api/greet/1234`)).status).toBe(404);

    // The management API needs the system key; the links the app hands out carry it.
    const chatty = await startJob(host, 'chatty', 'z'.repeat(20_000));
    expect((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/${chatty.id}`)).status).toBe(401);
    await host.engine.waitFor(chatty.id);
    const failed = await fetch(chatty.statusQueryGetUri);
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ runtimeStatus: 'Failed' });

    // The first timer run sees the default schedule status (0001-01-01), the next one the previous run.
    clock.advanceTo(Date.UTC(2030, 0, 1, 0, 10));
    await settle();
    clock.advanceTo(Date.UTC(2030, 0, 1, 0, 20));
    await settle();
    const beats = (await (await fetch(`${host.url}/api/heartbeats`)).json()) as Array<{ lastUpdated: string }>;
    expect(beats.map((b) => b.lastUpdated)).toEqual(['0001-01-01T00:00:00', '2030-01-01T00:10:00.000Z']);

    // A pipeline waits after its first activity; then a "deployment" changes that activity.
    const pipeline = await startJob(host, 'pipeline', '');
    await settle();
    await host.close();
    host = await startHost({ appRoot, clock, dbFile, settings: { ...settings, PIPELINE_FIRST_STEP: 'downloadData' } });
    const raised = await fetch(pipeline.sendEventPostUri.replace(/^https?:\/\/[^/]+/, host.url).replace('{eventName}', 'proceed'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(raised.status).toBe(202); // the system key is kept with the state, like Azure's host keys
    const replayed = await host.engine.waitFor(pipeline.id);
    expect(replayed.status).toBe('Failed');
    expect(replayed.output).toMatch(/Non-Deterministic workflow detected: .*named 'fetchData', but the current orchestration replay instead scheduled an activity task named 'downloadData'/);
  } finally {
    await host.close();
  }
});
