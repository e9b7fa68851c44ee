// Shapes recorded from real AMS (shared/ams-api-notes.md §1.7, §4) and the spec's documented operations,
// through the real client and over raw HTTPS where headers or exact bodies matter.
import { request } from 'node:https';
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AmsEmulator } from '../../ams-emulator/index.js';
import { account, poll, rg, rtmpEvent, startTestEmulator, subscription } from './support.js';

let emulator: AmsEmulator;
let client: AzureMediaServices;
beforeAll(async () => ({ emulator, client } = await startTestEmulator({ pageSize: 2 })));
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.faults.clear();
  emulator.errorShapes.set({ wrongState: 'badRequest', busy: 'operationInProgress' });
});

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { statusCode?: number; code?: string; message: string }) => e);
const base = `/subscriptions/${subscription}/resourceGroups/${rg}/providers/Microsoft.Media/mediaservices/${account}`;

/** A raw ARM call with a valid token: status, headers and parsed body. */
function raw(method: string, path: string, body?: unknown) {
  const url = path.startsWith('https://') ? path : `${emulator.url}${path}${path.includes('?') ? '&' : '?'}api-version=2022-08-01`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw wire JSON, asserted field by field
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const req = request(url, { method, ca: emulator.caCertPem, headers: { authorization: `Bearer ${emulator.token()}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function recordInto(event: string, asset: string, manifestName?: string) {
  await client.liveEvents.beginCreateAndWait(rg, account, event, rtmpEvent, { autoStart: true, ...poll });
  await client.assets.createOrUpdate(rg, account, asset, {});
  return client.liveOutputs.beginCreateAndWait(rg, account, event, 'out', { assetName: asset, archiveWindowLength: 'PT1H', manifestName }, poll);
}

describe('playback paths', () => {
  it('keep a custom manifest name after the live output is deleted', async () => {
    await recordInto('ev', 'rec', 'studio-show');
    await client.liveOutputs.beginDeleteAndWait(rg, account, 'ev', 'out', poll);
    const locator = await client.streamingLocators.create(rg, account, 'loc', { assetName: 'rec', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    const paths = await client.streamingLocators.listPaths(rg, account, 'loc');
    expect(paths.streamingPaths?.find((p) => p.streamingProtocol === 'Hls')?.paths?.[0]).toBe(`/${locator.streamingLocatorId}/studio-show.ism/manifest(format=m3u8-aapl)`);
    expect(emulator.resolvePlayback(`/${locator.streamingLocatorId}/studio-show.ism/manifest(format=m3u8-aapl)`)).toMatchObject({ asset: 'rec', manifestName: 'studio-show' });
    expect(emulator.resolvePlayback(`/${locator.streamingLocatorId}/manifest.ism/manifest(format=m3u8-aapl)`)).toBeUndefined();
  });

  it('keep the generated (GUID) manifest name after a stop removed the output', async () => {
    const output = await recordInto('ev2', 'rec2');
    expect(output.manifestName).toMatch(/^[0-9a-f-]{36}$/);
    await client.liveEvents.beginStopAndWait(rg, account, 'ev2', { removeOutputsOnStop: true }, poll);
    const locator = await client.streamingLocators.create(rg, account, 'loc2', { assetName: 'rec2', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    const dash = (await client.streamingLocators.listPaths(rg, account, 'loc2')).streamingPaths?.find((p) => p.streamingProtocol === 'Dash');
    expect(dash?.paths).toEqual([`/${locator.streamingLocatorId}/${output.manifestName}.ism/manifest(format=mpd-time-csf)`, `/${locator.streamingLocatorId}/${output.manifestName}.ism/manifest(format=mpd-time-cmaf)`]);
  });
});

describe('lists page with nextLink', () => {
  it('serves pages of the set size with a $skiptoken link, and the client reads every page', async () => {
    for (const n of ['a1', 'a2', 'a3', 'a4', 'a5']) await client.assets.createOrUpdate(rg, account, n, {});
    const first = await raw('GET', `${base}/assets`);
    expect(first.body.value.map((a: { name: string }) => a.name)).toEqual(['a1', 'a2']);
    expect(first.body['@odata.nextLink']).toMatch(/^https:\/\/localhost:\d+\/.+\/assets\?api-version=2022-08-01&\$skiptoken=/);
    const second = await raw('GET', first.body['@odata.nextLink']);
    expect(second.body.value.map((a: { name: string }) => a.name)).toEqual(['a3', 'a4']);
    const names: string[] = [];
    for await (const a of client.assets.list(rg, account)) names.push(a.name ?? '');
    expect(names).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    const top: string[] = [];
    for await (const a of client.assets.list(rg, account, { top: 3 })) top.push(a.name ?? '');
    expect(top).toEqual(['a1', 'a2', 'a3']);
  });

  it('pages live events, live outputs, locators and streaming endpoints too', async () => {
    for (const n of ['e1', 'e2', 'e3']) await client.liveEvents.beginCreateAndWait(rg, account, n, rtmpEvent, poll);
    const events: string[] = [];
    for await (const e of client.liveEvents.list(rg, account)) events.push(e.name ?? '');
    expect(events).toEqual(['e1', 'e2', 'e3']);
    expect((await raw('GET', `${base}/liveEvents`)).body['@odata.nextLink']).toContain('$skiptoken=');
    for (const n of ['o1', 'o2', 'o3']) {
      await client.assets.createOrUpdate(rg, account, `r${n}`, {});
      await client.liveOutputs.beginCreateAndWait(rg, account, 'e1', n, { assetName: `r${n}`, archiveWindowLength: 'PT1H' }, poll);
      await client.streamingLocators.create(rg, account, `l${n}`, { assetName: `r${n}`, streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    }
    const outputs: string[] = [];
    for await (const o of client.liveOutputs.list(rg, account, 'e1')) outputs.push(o.name ?? '');
    expect(outputs).toEqual(['o1', 'o2', 'o3']);
    const locators: string[] = [];
    for await (const l of client.streamingLocators.list(rg, account)) locators.push(l.name ?? '');
    expect(locators).toEqual(['lo1', 'lo2', 'lo3']);
    await client.streamingEndpoints.beginCreateAndWait(rg, account, 'second', { location: 'westeurope', scaleUnits: 0 }, poll);
    const endpoints: string[] = [];
    for await (const s of client.streamingEndpoints.list(rg, account)) endpoints.push(s.name ?? '');
    expect(endpoints).toEqual(['default', 'second']);
  });
});

describe('recorded shapes', () => {
  it('fills in encoding defaults, answers both cross-site policies, the display-name location and one FragmentedMP4 ingest URL', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'enc', { ...rtmpEvent, encoding: { encodingType: 'Standard' }, crossSiteAccessPolicies: {} }, poll);
    const enc = (await raw('GET', `${base}/liveEvents/enc`)).body;
    expect(enc.location).toBe('West Europe');
    expect(enc.properties.encoding).toEqual({ encodingType: 'Standard', presetName: 'default720p', stretchMode: 'AutoSize', keyFrameInterval: 'PT2S' });
    expect(enc.properties.crossSiteAccessPolicies).toEqual({ clientAccessPolicy: null, crossDomainPolicy: null });
    await client.liveEvents.beginCreateAndWait(rg, account, 'fmp4', { location: 'West Europe', input: { streamingProtocol: 'FragmentedMP4' } }, { autoStart: true, ...poll });
    const endpoints = (await client.liveEvents.get(rg, account, 'fmp4')).input?.endpoints;
    expect(endpoints).toEqual([{ protocol: 'FragmentedMP4', url: expect.stringMatching(/^http:\/\/[0-9a-f]{32}\.channel\.media\.azure\.net\/[0-9a-f]{32}\/ingest\.isml$/) }]);
    expect(await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'far', { ...rtmpEvent, location: 'eastus' }, poll))).toMatchObject({ statusCode: 400 });
  });

  it('repeats LRO headers on polls and answers the final operationLocations GET with the quirky id', async () => {
    emulator.faults.add({ operation: 'liveEvents.create', kind: 'stuck' });
    const created = await raw('PUT', `${base}/liveEvents/lro`, { location: 'westeurope', properties: { input: { streamingProtocol: 'RTMP' } } });
    expect(created.status).toBe(201);
    const poll1 = await raw('GET', String(created.headers['azure-asyncoperation']));
    expect(poll1.body).toMatchObject({ status: 'InProgress' });
    expect(poll1.headers['azure-asyncoperation']).toBe(created.headers['azure-asyncoperation']);
    expect(poll1.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await raw('GET', String(created.headers.location))).status).toBe(202);
    emulator.faults.clear();
    await new Promise((r) => setTimeout(r, 60));
    const final = await raw('GET', String(created.headers.location));
    const opId = /operationlocations\/([^?]+)/.exec(String(created.headers.location))?.[1];
    expect(final.body.id).toBe(`${base}/liveevents/lro/operationlocations/${opId}`);
  });

  it('omits unset asset and locator fields, and answers a missing live output with the Channel text', async () => {
    const asset = (await raw('PUT', `${base.replace('mediaservices', 'mediaServices')}/assets/plain`, { properties: {} })).body;
    expect(Object.keys(asset.properties).sort()).toEqual(['assetId', 'container', 'created', 'lastModified', 'storageAccountName', 'storageEncryptionFormat']);
    const locator = (await raw('PUT', `${base}/streamingLocators/plain`, { properties: { assetName: 'plain', streamingPolicyName: 'Predefined_ClearStreamingOnly' } })).body;
    expect(Object.keys(locator.properties).sort()).toEqual(['assetName', 'contentKeys', 'created', 'endTime', 'filters', 'streamingLocatorId', 'streamingPolicyName']);
    await client.liveEvents.beginCreateAndWait(rg, account, 'lo404', rtmpEvent, poll);
    expect(await rejection(client.liveOutputs.get(rg, account, 'lo404', 'none'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound', message: 'The Channel was not found.' });
  });
});

describe('documented operations', () => {
  it('creates, updates, scales, lists SKUs of and deletes a streaming endpoint', async () => {
    const created = await client.streamingEndpoints.beginCreateAndWait(rg, account, 'se1', { location: 'westeurope', scaleUnits: 0, description: 'second' }, poll);
    expect(created).toMatchObject({ resourceState: 'Stopped', provisioningState: 'Succeeded', hostName: 'se1-broadcastams-euwe.streaming.media.azure.net' });
    expect(await rejection(client.streamingEndpoints.beginCreateAndWait(rg, account, 'se3', { location: 'westeurope', scaleUnits: 0 }, poll))).toMatchObject({ statusCode: 400 }); // 2 per account
    await client.streamingEndpoints.beginUpdateAndWait(rg, account, 'se1', { location: 'westeurope', description: 'changed', scaleUnits: 1 }, poll);
    expect(await client.streamingEndpoints.get(rg, account, 'se1')).toMatchObject({ description: 'changed', scaleUnits: 1, sku: { name: 'Premium', capacity: 200 } });
    await client.streamingEndpoints.beginStartAndWait(rg, account, 'se1', poll);
    await client.streamingEndpoints.beginScaleAndWait(rg, account, 'se1', { scaleUnit: 3 }, poll);
    expect(await client.streamingEndpoints.get(rg, account, 'se1')).toMatchObject({ resourceState: 'Running', scaleUnits: 3 });
    expect((await client.streamingEndpoints.skus(rg, account, 'se1')).value?.map((s) => s.sku?.name)).toEqual(['Standard', 'Premium']);
    expect(await rejection(client.streamingEndpoints.beginDeleteAndWait(rg, account, 'se1', poll))).toMatchObject({ statusCode: 400 }); // running
    await client.streamingEndpoints.beginStopAndWait(rg, account, 'se1', poll);
    await client.streamingEndpoints.beginDeleteAndWait(rg, account, 'se1', poll);
    expect(await rejection(client.streamingEndpoints.get(rg, account, 'se1'))).toMatchObject({ statusCode: 404 });
  });

  it('lists container SAS URLs and content keys; refuses the key of an unencrypted asset', async () => {
    const asset = await client.assets.createOrUpdate(rg, account, 'sas', {});
    const sas = await client.assets.listContainerSas(rg, account, 'sas', { permissions: 'ReadWrite', expiryTime: new Date(Date.now() + 3600_000) });
    expect(sas.assetContainerSasUrls).toHaveLength(2);
    expect(sas.assetContainerSasUrls?.[0]).toMatch(new RegExp(`^https://broadcastamsstorage\\.blob\\.core\\.windows\\.net/${asset.container}\\?.*sp=rlw`));
    expect(await rejection(client.assets.listContainerSas(rg, account, 'sas', { permissions: 'Everything' as never, expiryTime: new Date(Date.now() + 3600_000) }))).toMatchObject({ statusCode: 400 });
    expect(await rejection(client.assets.getEncryptionKey(rg, account, 'sas'))).toMatchObject({ statusCode: 400 });
    await client.streamingLocators.create(rg, account, 'clear', { assetName: 'sas', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    expect((await client.streamingLocators.listContentKeys(rg, account, 'clear')).contentKeys).toEqual([]);
    await client.streamingLocators.create(rg, account, 'secure', { assetName: 'sas', streamingPolicyName: 'Predefined_ClearKey' });
    const keys = (await client.streamingLocators.listContentKeys(rg, account, 'secure')).contentKeys;
    expect(keys).toEqual([expect.objectContaining({ type: 'EnvelopeEncryption', value: expect.any(String) })]);
    expect((await client.streamingLocators.get(rg, account, 'secure')).contentKeys?.[0]?.value).toBeUndefined();
  });
});

describe('refusal shapes', () => {
  const busyEvent = async (name: string) => {
    await client.liveEvents.beginCreateAndWait(rg, account, name, rtmpEvent, poll);
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'stuck' });
    await client.liveEvents.beginAllocate(rg, account, name, poll);
  };

  it.each([
    ['badRequest', 400, 'BadRequest'],
    ['invalidOperation', 400, 'InvalidOperation'],
    ['conflict', 409, 'Conflict'],
  ] as const)('answers a wrong state as %s', async (shape, statusCode, code) => {
    emulator.errorShapes.set({ wrongState: shape });
    await client.liveEvents.beginCreateAndWait(rg, account, 'ws', rtmpEvent, poll);
    expect(await rejection(client.liveEvents.beginStopAndWait(rg, account, 'ws', {}, poll))).toMatchObject({ statusCode, code });
  });

  it.each([
    ['operationInProgress', 409, 'OperationInProgress'],
    ['badRequestCode', 400, 'AnotherOperationInProgress'],
    ['conflict', 409, 'Conflict'],
  ] as const)('answers a busy live event as %s', async (shape, statusCode, code) => {
    emulator.errorShapes.set({ busy: shape });
    await busyEvent('busy');
    expect(await rejection(client.liveEvents.beginStartAndWait(rg, account, 'busy', poll))).toMatchObject({ statusCode, code });
  });

  it('accepts a second operation, shows provisioningState InProgress, and runs it after the first', async () => {
    emulator.errorShapes.set({ busy: 'accepted' });
    await busyEvent('queue');
    const start = await client.liveEvents.beginStart(rg, account, 'queue', poll);
    expect(await client.liveEvents.get(rg, account, 'queue')).toMatchObject({ resourceState: 'Allocating', provisioningState: 'InProgress' });
    emulator.faults.clear(); // the allocation completes, then the queued start runs
    await start.pollUntilDone();
    expect(await client.liveEvents.get(rg, account, 'queue')).toMatchObject({ resourceState: 'Running', provisioningState: 'Succeeded' });
    expect(emulator.billing('queue').history.map((h) => h.state)).toEqual(['Stopped', 'Allocating', 'StandBy', 'Starting', 'Running']);
  });

  it('fails a queued operation the state no longer allows when its turn comes', async () => {
    emulator.errorShapes.set({ busy: 'accepted' });
    await busyEvent('late');
    const allocateAgain = await client.liveEvents.beginAllocate(rg, account, 'late', poll);
    emulator.faults.clear();
    expect(await rejection(allocateAgain.pollUntilDone())).toMatchObject({ message: expect.stringContaining('The long-running operation has failed') });
  });

  it('is set over the control plane and injected per request', async () => {
    const put = await raw('PUT', '/_emulator/error-shapes', { wrongState: 'conflict', busy: 'badRequestCode' });
    expect(put.body).toEqual({ wrongState: 'conflict', busy: 'badRequestCode' });
    expect((await raw('PUT', '/_emulator/error-shapes', { busy: 'teapot' })).status).toBe(400);
    await client.liveEvents.beginCreateAndWait(rg, account, 'inj', rtmpEvent, poll);
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'wrongState', times: 1 });
    expect(await rejection(client.liveEvents.beginAllocateAndWait(rg, account, 'inj', poll))).toMatchObject({ statusCode: 409, code: 'Conflict' });
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'busy', times: 1 });
    expect(await rejection(client.liveEvents.beginAllocateAndWait(rg, account, 'inj', poll))).toMatchObject({ statusCode: 400, code: 'AnotherOperationInProgress' });
    await client.liveEvents.beginAllocateAndWait(rg, account, 'inj', poll);
    expect(await client.liveEvents.get(rg, account, 'inj')).toMatchObject({ resourceState: 'StandBy' });
  });
});
