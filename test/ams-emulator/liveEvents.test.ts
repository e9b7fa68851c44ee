// Every live event operation through the real @azure/arm-mediaservices client and ClientSecretCredential.
import { request } from 'node:https';
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AmsEmulator } from '../../ams-emulator/index.js';
import { account, poll, rg, rtmpEvent, startTestEmulator } from './support.js';

let emulator: AmsEmulator;
let client: AzureMediaServices;
beforeAll(async () => ({ emulator, client } = await startTestEmulator({ maxLiveEvents: 3 })));
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const state = async (name: string) => (await client.liveEvents.get(rg, account, name)).resourceState;
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { statusCode?: number; code?: string; message: string }) => e);

describe('live event lifecycle', () => {
  it('reads the account', async () => {
    const media = await client.mediaservices.get(rg, account);
    expect(media).toMatchObject({ name: account, location: 'West Europe', provisioningState: 'Succeeded' }); // display name, as AMS answers
  });

  it('creates (LRO), allocates, starts, stops and deletes, with ingest URLs only while allocated', async () => {
    const created = await client.liveEvents.beginCreateAndWait(rg, account, 'event1', { ...rtmpEvent, input: { streamingProtocol: 'RTMP', accessToken: '0123456789abcdef0123456789abcdef' } }, poll);
    expect(created).toMatchObject({ resourceState: 'Stopped', provisioningState: 'Succeeded', tags: { broadcastId: 'b1' } });
    expect(created.input?.endpoints).toEqual([]);

    await client.liveEvents.beginAllocateAndWait(rg, account, 'event1', poll);
    const standby = await client.liveEvents.get(rg, account, 'event1');
    expect(standby.resourceState).toBe('StandBy');
    expect(standby.input?.endpoints?.map((e) => e.url)[0]).toMatch(/^rtmp:\/\/[0-9a-f]{32}\.channel\.media\.azure\.net:1935\/live\/0123456789abcdef0123456789abcdef$/);
    expect(standby.preview?.endpoints?.[0]?.url).toMatch(/^https:\/\/event1-broadcastams\.preview-euwe\.channel\.media\.azure\.net\/.+\/preview\.ism\/manifest$/);

    await client.liveEvents.beginStartAndWait(rg, account, 'event1', poll);
    expect(await state('event1')).toBe('Running');
    await client.liveEvents.beginStopAndWait(rg, account, 'event1', {}, poll);
    expect(await state('event1')).toBe('Stopped');
    expect((await client.liveEvents.get(rg, account, "event1")).input?.endpoints).toEqual([]);
    await client.liveEvents.beginDeleteAndWait(rg, account, 'event1', poll);
    const missing = await rejection(client.liveEvents.get(rg, account, 'event1'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'ResourceNotFound', message: 'The Channel was not found.' });
  });

  it('auto-starts on create, shows transient states while an LRO runs, and answers the poll URLs', async () => {
    const poller = await client.liveEvents.beginCreate(rg, account, 'auto', rtmpEvent, { autoStart: true, ...poll });
    expect(await state('auto')).toBe('Starting');
    await poller.pollUntilDone();
    expect(await state('auto')).toBe('Running');
    const reset = await client.liveEvents.beginReset(rg, account, 'auto', poll);
    await reset.pollUntilDone();
    expect(await state('auto')).toBe('Running');
  });

  it('uses a static hostname with the prefix', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'static1', { ...rtmpEvent, useStaticHostname: true, hostnamePrefix: 'Studio-A' }, poll);
    await client.liveEvents.beginStartAndWait(rg, account, 'static1', poll);
    const event = await client.liveEvents.get(rg, account, 'static1');
    expect(event.input?.endpoints?.[0]?.url).toContain('rtmp://studio-a-broadcastams-euwe.channel.media.azure.net:1935/live/');
  });

  it('updates tags and description (PATCH LRO), and lists', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'upd', rtmpEvent, poll);
    await client.liveEvents.beginUpdateAndWait(rg, account, 'upd', { location: 'westeurope', description: 'changed', tags: { broadcastId: 'b2' } }, poll);
    const event = await client.liveEvents.get(rg, account, 'upd');
    expect(event).toMatchObject({ description: 'changed', tags: { broadcastId: 'b2' } });
    const names: string[] = [];
    for await (const e of client.liveEvents.list(rg, account)) names.push(e.name ?? '');
    expect(names).toEqual(['upd']);
  });

  it('exposes asyncOperation and operationLocation', async () => {
    const poller = await client.liveEvents.beginAllocate(rg, account, (await client.liveEvents.beginCreateAndWait(rg, account, 'ops', rtmpEvent, poll)).name ?? '', poll);
    const operationId = /liveeventoperations\/([^?]+)/.exec(JSON.stringify(poller.toString()))?.[1];
    expect(operationId).toBeTruthy();
    await poller.pollUntilDone();
    expect(await client.liveEvents.asyncOperation(rg, account, operationId ?? '')).toMatchObject({ status: 'Succeeded' });
    expect(await client.liveEvents.operationLocation(rg, account, 'ops', operationId ?? '')).toMatchObject({ resourceState: 'StandBy' });
  });
});

describe('rejected requests', () => {
  it('refuses operations in the wrong state', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'wrong', rtmpEvent, poll);
    expect(await rejection(client.liveEvents.beginStopAndWait(rg, account, 'wrong', {}, poll))).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(await rejection(client.liveEvents.beginResetAndWait(rg, account, 'wrong', poll))).toMatchObject({ statusCode: 400 });
    await client.liveEvents.beginStartAndWait(rg, account, 'wrong', poll);
    expect(await rejection(client.liveEvents.beginAllocateAndWait(rg, account, 'wrong', poll))).toMatchObject({ statusCode: 400, message: "Cannot allocate the live event 'wrong' in state 'Running'." });
    expect(await rejection(client.liveEvents.beginDeleteAndWait(rg, account, 'wrong', poll))).toMatchObject({ statusCode: 400 });
  });

  it('allows one long-running operation at a time per live event', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'busy', rtmpEvent, poll);
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'stuck' });
    await client.liveEvents.beginAllocate(rg, account, 'busy', poll);
    expect(await rejection(client.liveEvents.beginStartAndWait(rg, account, 'busy', poll))).toMatchObject({ statusCode: 409, code: 'OperationInProgress' });
    emulator.faults.clear();
  });

  it('enforces the live event limit and name rules', async () => {
    for (const name of ['one', 'two', 'three']) await client.liveEvents.beginCreateAndWait(rg, account, name, rtmpEvent, poll);
    expect(await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'four', rtmpEvent, poll))).toMatchObject({ statusCode: 400, message: expect.stringContaining('limit') });
    emulator.reset();
    expect(await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'bad_name!', rtmpEvent, poll))).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    expect(await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'x'.repeat(33), rtmpEvent, poll))).toMatchObject({ statusCode: 400 });
  });

  it('validates settings a live event cannot have', async () => {
    const bad = await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'kfi', { ...rtmpEvent, encoding: { encodingType: 'Standard' }, input: { streamingProtocol: 'RTMP', keyFrameIntervalDuration: 'PT2S' } }, poll));
    expect(bad).toMatchObject({ statusCode: 400, message: expect.stringContaining('keyFrameIntervalDuration') });
    const ll = await rejection(client.liveEvents.beginCreateAndWait(rg, account, 'll', { ...rtmpEvent, streamOptions: ['LowLatencyV2'] }, poll));
    expect(ll).toMatchObject({ statusCode: 400, message: expect.stringContaining('LowLatencyV2') });
  });

  it('requires a bearer token issued by its token endpoint, and an api-version', async () => {
    const call = (path: string, token?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${emulator.url}${path}`, { ca: emulator.caCertPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const path = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/${rg.toUpperCase()}/providers/microsoft.media/MEDIASERVICES/${account}`;
    expect((await call(`${path}?api-version=2021-11-01`)).status).toBe(401);
    expect((await call(`${path}?api-version=2021-11-01`, 'emu.forged.token')).status).toBe(401);
    expect((await call(`${path}?api-version=2021-11-01`, emulator.token())).status).toBe(200); // case-insensitive path
    const missing = await call(path, emulator.token());
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    expect(JSON.parse((await call(`${path}?api-version=1999-01-01`, emulator.token())).body)).toMatchObject({ error: { code: 'InvalidApiVersionParameter' } });
  });
});

describe('billing', () => {
  it('records time in StandBy and Running on the clock', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'billed', rtmpEvent, poll);
    await client.liveEvents.beginAllocateAndWait(rg, account, 'billed', poll);
    await new Promise((r) => setTimeout(r, 50));
    await client.liveEvents.beginStartAndWait(rg, account, 'billed', poll);
    await new Promise((r) => setTimeout(r, 50));
    await client.liveEvents.beginStopAndWait(rg, account, 'billed', {}, poll);
    const billing = emulator.billing('billed');
    expect(billing.standbyMs).toBeGreaterThanOrEqual(50);
    expect(billing.runningMs).toBeGreaterThanOrEqual(50);
    expect(billing.history.map((h) => h.state)).toEqual(['Stopped', 'Allocating', 'StandBy', 'Starting', 'Running', 'Stopping', 'Stopped']);
  });
});
