// The media adapter against the emulator: refusals judged from the re-read live event in every shape,
// a live output delete waited for, and lists read across every page.
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaGateway } from '../../adapters/ams/mediaGateway.js';
import type { AmsEmulator, BusyShape, WrongStateShape } from '../../ams-emulator/index.js';
import { account as accountName, poll, rg, rtmpEvent, startTestEmulator, subscription } from './support.js';

let emulator: AmsEmulator;
let client: AzureMediaServices;
let gateway: MediaGateway;
const account = { subscriptionId: subscription, resourceGroup: rg, accountName };
beforeAll(async () => {
  ({ emulator, client } = await startTestEmulator({ pageSize: 1 }));
  gateway = new MediaGateway(client, {}, { busyWaitMs: 2_000, busyBackoffMs: 5 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.faults.clear();
});

const running = async (name: string) => {
  await client.liveEvents.beginCreateAndWait(rg, accountName, name, rtmpEvent, { autoStart: true, ...poll });
  await client.assets.createOrUpdate(rg, accountName, `${name}-rec`, {});
  await client.liveOutputs.beginCreateAndWait(rg, accountName, name, 'out', { assetName: `${name}-rec`, archiveWindowLength: 'PT1H' }, poll);
};

describe.each(['operationInProgress', 'badRequestCode', 'conflict', 'accepted'] as BusyShape[])('busy shape %s', (busy) => {
  it('waits out another operation, then its stop is requested', async () => {
    emulator.errorShapes.set({ busy, wrongState: 'badRequest' });
    await running('held');
    emulator.faults.add({ operation: 'liveEvents.update', kind: 'slow', factor: 20, times: 1 }); // ~200 ms
    await client.liveEvents.beginUpdate(rg, accountName, 'held', { location: 'westeurope', description: 'other client' }, poll);
    await gateway.removeLiveOutput(account, 'held', 'out');
    expect(await rejectionOf(client.liveOutputs.get(rg, accountName, 'held', 'out'))).toMatchObject({ statusCode: 404 }); // gone, not Deleting
    expect(await gateway.requestAction(account, 'held', 'stop')).toEqual({ outcome: 'requested' });
  });
});

describe.each(['badRequest', 'invalidOperation', 'conflict'] as WrongStateShape[])('wrong-state shape %s', (wrongState) => {
  it('decides from the state: done, refused with the state, or retried when the state allows it', async () => {
    emulator.errorShapes.set({ wrongState, busy: 'operationInProgress' });
    await client.liveEvents.beginCreateAndWait(rg, accountName, 'ws', rtmpEvent, poll);
    expect(await gateway.requestAction(account, 'ws', 'stop')).toMatchObject({ outcome: 'alreadyDone', resourceState: 'Stopped' });
    await client.liveEvents.beginStartAndWait(rg, accountName, 'ws', poll);
    expect(await gateway.requestAction(account, 'ws', 'delete')).toMatchObject({ outcome: 'refused', resourceState: 'Running' });
    emulator.faults.add({ operation: 'liveEvents.stop', kind: 'wrongState', times: 2 }); // a stale refusal
    expect(await gateway.requestAction(account, 'ws', 'stop')).toEqual({ outcome: 'requested' });
  });
});

it('reports busy once the wait is used up', async () => {
  emulator.errorShapes.set({ busy: 'conflict' });
  await client.liveEvents.beginCreateAndWait(rg, accountName, 'stuck', rtmpEvent, poll);
  emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'stuck' });
  await client.liveEvents.beginAllocate(rg, accountName, 'stuck', poll);
  const quick = new MediaGateway(client, {}, { busyWaitMs: 50, busyBackoffMs: 10 });
  expect(await quick.requestAction(account, 'stuck', 'start')).toMatchObject({ outcome: 'busy' });
});

it('reads the live events on every page', async () => {
  for (const name of ['p1', 'p2', 'p3']) await client.liveEvents.beginCreateAndWait(rg, accountName, name, rtmpEvent, poll);
  expect((await gateway.listLiveEvents(account)).map((e) => e.name)).toEqual(['p1', 'p2', 'p3']);
});

function rejectionOf(promise: Promise<unknown>) {
  return promise.then(() => undefined, (e: { statusCode?: number }) => e);
}
