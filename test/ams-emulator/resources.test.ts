// Live outputs, assets, streaming locators and streaming endpoints through the real client.
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AmsEmulator } from '../../ams-emulator/index.js';
import { account, poll, rg, rtmpEvent, startTestEmulator } from './support.js';

let emulator: AmsEmulator;
let client: AzureMediaServices;
beforeAll(async () => ({ emulator, client } = await startTestEmulator()));
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { statusCode?: number; code?: string; message: string }) => e);
const output = (assetName: string, archiveWindowLength = 'PT1H') => ({ assetName, archiveWindowLength, manifestName: 'show', hls: { fragmentsPerTsSegment: 1 } });

describe('live outputs', () => {
  it('records into an asset while running (LRO), lists, deletes (LRO)', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'ev', rtmpEvent, { autoStart: true, ...poll });
    await client.assets.createOrUpdate(rg, account, 'rec1', {});
    const created = await client.liveOutputs.beginCreateAndWait(rg, account, 'ev', 'out1', output('rec1'), poll);
    expect(created).toMatchObject({ resourceState: 'Running', manifestName: 'show', archiveWindowLength: 'PT1H' });
    const names: string[] = [];
    for await (const o of client.liveOutputs.list(rg, account, 'ev')) names.push(o.name ?? '');
    expect(names).toEqual(['out1']);
    await client.liveOutputs.beginDeleteAndWait(rg, account, 'ev', 'out1', poll);
    expect(await rejection(client.liveOutputs.get(rg, account, 'ev', 'out1'))).toMatchObject({ statusCode: 404 });
  });

  it('exposes the live output asyncOperation and operationLocation', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'evops', rtmpEvent, { autoStart: true, ...poll });
    await client.assets.createOrUpdate(rg, account, 'recops', {});
    const poller = await client.liveOutputs.beginCreate(rg, account, 'evops', 'outops', output('recops'), poll);
    const operationId = /liveoutputoperations\/([^?]+)/.exec(poller.toString())?.[1] ?? '';
    expect(operationId).not.toBe('');
    await poller.pollUntilDone();
    expect(await client.liveOutputs.asyncOperation(rg, account, operationId)).toMatchObject({ status: 'Succeeded' });
    expect(await client.liveOutputs.operationLocation(rg, account, 'evops', 'outops', operationId)).toMatchObject({ resourceState: 'Running', assetName: 'recops' });
  });

  it('creates synchronously on a stopped event, then the stop with removeOutputsOnStop clears outputs', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'ev2', rtmpEvent, poll);
    await client.assets.createOrUpdate(rg, account, 'rec2', {});
    await client.liveOutputs.beginCreateAndWait(rg, account, 'ev2', 'out', output('rec2'), poll);
    expect((await client.liveOutputs.get(rg, account, 'ev2', 'out')).resourceState).toBe('Running');
    await client.liveEvents.beginStartAndWait(rg, account, 'ev2', poll);
    expect(await rejection(client.liveEvents.beginStopAndWait(rg, account, 'ev2', {}, poll))).toMatchObject({ statusCode: 400 });
    await client.liveEvents.beginStopAndWait(rg, account, 'ev2', { removeOutputsOnStop: true }, poll);
    const left: unknown[] = [];
    for await (const o of client.liveOutputs.list(rg, account, 'ev2')) left.push(o);
    expect(left).toEqual([]);
    expect((await client.assets.get(rg, account, 'rec2')).name).toBe('rec2'); // assets survive
  });

  it('enforces the archive window range, the output limit and a missing asset', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'ev3', rtmpEvent, poll);
    await client.assets.createOrUpdate(rg, account, 'rec3', {});
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'short', output('rec3', 'PT30S'), poll))).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'long', output('rec3', 'PT26H'), poll))).toMatchObject({ statusCode: 400 });
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'noasset', output('missing'), poll))).toMatchObject({ statusCode: 400 });
    for (const name of ['o1', 'o2', 'o3', 'o4']) await client.assets.createOrUpdate(rg, account, `rec-${name}`, {});
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'same', output('rec3'), poll).then(() => client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'again', output('rec3'), poll)))).toMatchObject({ statusCode: 400, message: expect.stringContaining('already used') });
    await client.liveOutputs.beginDeleteAndWait(rg, account, 'ev3', 'same', poll);
    for (const name of ['o1', 'o2', 'o3']) await client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', name, output(`rec-${name}`), poll);
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'ev3', 'o4', output('rec-o4'), poll))).toMatchObject({ statusCode: 400, message: expect.stringContaining('at most 3') });
  });

  it('allows a single output on a PassthroughBasic event', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'basic', { ...rtmpEvent, encoding: { encodingType: 'PassthroughBasic' } }, poll);
    await client.assets.createOrUpdate(rg, account, 'rec4', {});
    await client.liveOutputs.beginCreateAndWait(rg, account, 'basic', 'o1', output('rec4'), poll);
    expect(await rejection(client.liveOutputs.beginCreateAndWait(rg, account, 'basic', 'o2', output('rec4'), poll))).toMatchObject({ statusCode: 400 });
  });
});

describe('assets and streaming locators', () => {
  it('creates (201), updates (200), lists and deletes assets', async () => {
    const created = await client.assets.createOrUpdate(rg, account, 'asset-a', { description: 'first' });
    expect(created).toMatchObject({ description: 'first', container: `asset-${created.assetId}` });
    expect(await client.assets.createOrUpdate(rg, account, 'asset-a', { description: 'second' })).toMatchObject({ description: 'second', assetId: created.assetId });
    const names: string[] = [];
    for await (const a of client.assets.list(rg, account)) names.push(a.name ?? '');
    expect(names).toEqual(['asset-a']);
    await client.assets.delete(rg, account, 'asset-a');
    expect(await rejection(client.assets.get(rg, account, 'asset-a'))).toMatchObject({ statusCode: 404 });
    expect(await rejection(client.assets.createOrUpdate(rg, account, 'bad.name', {}))).toMatchObject({ statusCode: 400 });
  });

  it('publishes a recording: locator (201 only), paths once recorded, delete', async () => {
    await client.assets.createOrUpdate(rg, account, 'vod', {});
    await client.streamingLocators.create(rg, account, 'early', { assetName: 'vod', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    expect((await client.streamingLocators.listPaths(rg, account, 'early')).streamingPaths).toEqual([]); // nothing recorded yet
    await client.liveEvents.beginCreateAndWait(rg, account, 'rec', rtmpEvent, { autoStart: true, ...poll });
    await client.liveOutputs.beginCreateAndWait(rg, account, 'rec', 'out', output('vod'), poll);
    const paths = await client.streamingLocators.listPaths(rg, account, 'early');
    const locator = await client.streamingLocators.get(rg, account, 'early');
    expect(paths.streamingPaths?.find((p) => p.streamingProtocol === 'Hls')?.paths).toContain(`/${locator.streamingLocatorId}/show.ism/manifest(format=m3u8-aapl)`);
    expect(await rejection(client.streamingLocators.create(rg, account, 'early', { assetName: 'vod', streamingPolicyName: 'Predefined_ClearStreamingOnly' }))).toMatchObject({ statusCode: 409 });
    expect(await rejection(client.streamingLocators.create(rg, account, 'nopolicy', { assetName: 'vod', streamingPolicyName: 'Mine' }))).toMatchObject({ statusCode: 400 });
    const listed: string[] = [];
    for await (const l of client.streamingLocators.list(rg, account)) listed.push(l.name ?? '');
    expect(listed).toEqual(['early']);
    await client.streamingLocators.delete(rg, account, 'early');
    expect(await rejection(client.streamingLocators.get(rg, account, 'early'))).toMatchObject({ statusCode: 404 });
  });
});

describe('streaming endpoints', () => {
  it('has a default endpoint that starts and stops (LROs)', async () => {
    const endpoint = await client.streamingEndpoints.get(rg, account, 'default');
    expect(endpoint).toMatchObject({ resourceState: 'Stopped', hostName: 'broadcastams-euwe.streaming.media.azure.net' });
    await client.streamingEndpoints.beginStartAndWait(rg, account, 'default', poll);
    expect((await client.streamingEndpoints.get(rg, account, 'default')).resourceState).toBe('Running');
    const names: string[] = [];
    for await (const e of client.streamingEndpoints.list(rg, account)) names.push(e.name ?? '');
    expect(names).toEqual(['default']);
    await client.streamingEndpoints.beginStopAndWait(rg, account, 'default', poll);
    expect((await client.streamingEndpoints.get(rg, account, 'default')).resourceState).toBe('Stopped');
    expect(await rejection(client.streamingEndpoints.beginStopAndWait(rg, account, 'default', poll))).toMatchObject({ statusCode: 400 });
  });
});
