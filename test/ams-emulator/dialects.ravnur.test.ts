// The Ravnur Media Services dialect: ARM paths and bodies verbatim, a 1-hour JWT from POST /auth/token
// {subscriptionId, apiKey} as Bearer on every call (media-successors.md §8), driven raw and through the
// unchanged @azure/arm-mediaservices client.
import { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { startEmulator, type AmsEmulator } from '../../ams-emulator/index.js';
import { call, jwtClaims } from './dialectsSupport.js';
import { account, poll, rg, subscription } from './support.js';

const base = `/subscriptions/${subscription}/resourceGroups/${rg}/providers/Microsoft.Media/mediaServices/${account}`;
const rtmp = { location: 'westeurope', properties: { input: { streamingProtocol: 'RTMP' } } };

async function tokenOf(emulator: AmsEmulator): Promise<string> {
  const res = await call(emulator, 'POST', '/auth/token', { body: { subscriptionId: subscription, apiKey: emulator.dialect.apiKey } });
  expect(res.status).toBe(200);
  return res.text;
}

describe('raw HTTPS on the emulator clock', () => {
  const clock = new ManualClock();
  let emulator: AmsEmulator;
  beforeAll(async () => (emulator = await startEmulator({ dialect: 'ravnur', clock, timings: 'fast' })));
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('exposes the API key and answers POST /auth/token with a 1-hour JWT as plain text, refusing anything else', async () => {
    expect(emulator.dialect).toMatchObject({ name: 'ravnur', apiKey: expect.any(String), subscriptionId: subscription });
    const ok = await call(emulator, 'POST', '/auth/token', { body: { subscriptionId: subscription, apiKey: emulator.dialect.apiKey } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.text).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(jwtClaims(ok.text).exp).toBe(Math.floor(clock.now() / 1000) + 3600);

    expect((await call(emulator, 'POST', '/auth/token', { body: { subscriptionId: subscription, apiKey: 'not-the-key' } })).status).toBe(401);
    expect((await call(emulator, 'POST', '/auth/token', { body: { subscriptionId: '11111111-1111-1111-1111-111111111111', apiKey: emulator.dialect.apiKey } })).status).toBe(401);
    expect((await call(emulator, 'POST', '/auth/token', { body: { subscriptionId: subscription } })).status).toBe(400);
    expect((await call(emulator, 'POST', '/auth/token', { body: 'apiKey=x' })).status).toBe(400);
    expect((await call(emulator, 'GET', '/auth/token')).status).toBe(405);
    // No Entra ID behind RMS: the client-credentials endpoint the ARM dialect serves is not there.
    expect((await call(emulator, 'POST', '/local-tenant/oauth2/v2.0/token', { body: 'grant_type=client_credentials&client_id=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404);
  });

  it('refuses every ARM call without a valid, unexpired token of its own (401), on the emulator clock', async () => {
    const path = `${base}/liveEvents?api-version=2022-08-01`;
    const missing = await call(emulator, 'GET', path);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(missing.headers['www-authenticate']).toBe('Bearer');

    const token = await tokenOf(emulator);
    expect((await call(emulator, 'GET', path, { headers: bearer(token) })).json).toEqual({ value: [] });

    const [header, , signature] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ ...jwtClaims(token), exp: jwtClaims(token).exp + 86_400 })).toString('base64url');
    expect((await call(emulator, 'GET', path, { headers: bearer(`${header}.${forgedClaims}.${signature}`) })).status).toBe(401);
    const other = await startEmulator({ dialect: 'ravnur', clock });
    try {
      expect((await call(emulator, 'GET', path, { headers: bearer(await tokenOf(other)) })).status).toBe(401); // another service's key
    } finally {
      await other.close();
    }
    expect((await call(emulator, 'GET', path, { headers: { authorization: token } })).status).toBe(401); // not a Bearer header

    clock.advance(3_599_000);
    expect((await call(emulator, 'GET', path, { headers: bearer(token) })).status).toBe(200);
    clock.advance(1_000);
    const expired = await call(emulator, 'GET', path, { headers: bearer(token) });
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect((await call(emulator, 'GET', path, { headers: bearer(await tokenOf(emulator)) })).status).toBe(200);
  });

  it("serves ARM's paths and bodies with Ravnur's api-versions, protocols and single streaming endpoint", async () => {
    const headers = bearer(await tokenOf(emulator));
    // Ravnur's own demo sends 2023-01-01 for live events and 2022-07-01 for locators.
    const created = await call(emulator, 'PUT', `${base}/liveEvents/srt1?api-version=2023-01-01`, { headers, body: { location: 'westeurope', properties: { input: { streamingProtocol: 'SRT' }, encoding: { encodingType: 'Premium1080P' } } } });
    expect(created.status).toBe(201);
    expect(created.headers['azure-asyncoperation']).toContain('/liveeventoperations/'); // ARM's LRO protocol, as the SDK needs
    expect(created.json).toMatchObject({ name: 'srt1', type: 'Microsoft.Media/mediaservices/liveevents', properties: { resourceState: 'Stopped', provisioningState: 'InProgress', input: { streamingProtocol: 'SRT' } } });
    expect((await call(emulator, 'GET', `${base}/streamingLocators?api-version=2022-07-01`, { headers })).status).toBe(200);
    expect((await call(emulator, 'GET', `${base}/streamingLocators?api-version=1999-01-01`, { headers })).json).toMatchObject({ error: { code: 'InvalidApiVersionParameter' } });
    expect((await call(emulator, 'GET', `${base}/streamingLocators`, { headers })).json).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });

    const fmp4 = await call(emulator, 'PUT', `${base}/liveEvents/fmp4?api-version=2022-08-01`, { headers, body: { location: 'westeurope', properties: { input: { streamingProtocol: 'FragmentedMP4' } } } });
    expect(fmp4.status).toBe(400);
    expect(fmp4.json.error.message).toContain('streamingProtocol');

    expect((await call(emulator, 'GET', `${base}/streamingEndpoints/default?api-version=2022-08-01`, { headers })).status).toBe(200);
    const second = await call(emulator, 'PUT', `${base}/streamingEndpoints/second?api-version=2022-08-01`, { headers, body: { location: 'westeurope', properties: { scaleUnits: 0 } } });
    expect(second.status).toBe(400);
    expect(second.json.error.message).toMatch(/not supported/);
  });

  it('runs the same state machine: allocate, start, stop as ARM, transient states until their time', async () => {
    const headers = bearer(await tokenOf(emulator));
    const event = (name: string) => `${base}/liveEvents/${name}`;
    const state = async (name: string) => (await call(emulator, 'GET', `${event(name)}?api-version=2022-08-01`, { headers })).json.properties.resourceState as string;
    expect((await call(emulator, 'PUT', `${event('e1')}?api-version=2022-08-01`, { headers, body: rtmp })).status).toBe(201);
    clock.advance(1_000);
    expect((await call(emulator, 'POST', `${event('e1')}/allocate?api-version=2022-08-01`, { headers })).status).toBe(202);
    expect(await state('e1')).toBe('Allocating');
    clock.advance(1_000);
    expect(await state('e1')).toBe('StandBy');
    expect((await call(emulator, 'POST', `${event('e1')}/start?api-version=2022-08-01`, { headers })).status).toBe(202);
    clock.advance(1_000);
    expect(await state('e1')).toBe('Running');
    expect((await call(emulator, 'POST', `${event('e1')}/stop?api-version=2022-08-01`, { headers, body: { removeOutputsOnStop: true } })).status).toBe(202);
    clock.advance(1_000);
    expect(await state('e1')).toBe('Stopped');
  });
});

it('can be told that RMS has no allocate (an unverified quirk): allocate is refused, start from Stopped still works', async () => {
  const clock = new ManualClock();
  const emulator = await startEmulator({ dialect: 'ravnur', clock, timings: 'fast', dialectOptions: { allocate: false } });
  try {
    const headers = { authorization: `Bearer ${await tokenOf(emulator)}` };
    await call(emulator, 'PUT', `${base}/liveEvents/e1?api-version=2022-08-01`, { headers, body: rtmp });
    clock.advance(1_000);
    const allocate = await call(emulator, 'POST', `${base}/liveEvents/e1/allocate?api-version=2022-08-01`, { headers });
    expect(allocate.status).toBe(405);
    expect(allocate.json).toMatchObject({ error: { code: 'MethodNotAllowed' } });
    expect((await call(emulator, 'POST', `${base}/liveEvents/e1/start?api-version=2022-08-01`, { headers })).status).toBe(202);
    clock.advance(1_000);
    expect(emulator.liveEventStates()).toEqual({ e1: 'Running' });
  } finally {
    await emulator.close();
  }
});

describe('the unchanged @azure/arm-mediaservices client with a Ravnur token credential', () => {
  let emulator: AmsEmulator;
  let client: AzureMediaServices;
  let tokensIssued = 0;
  beforeAll(async () => {
    emulator = await startEmulator({ dialect: 'ravnur', timings: 'fast' });
    // What Ravnur documents: the SDK with only `endpoint` and a credential that fetches /auth/token.
    const credential: TokenCredential = {
      async getToken(): Promise<AccessToken> {
        tokensIssued += 1;
        const token = await tokenOf(emulator);
        return { token, expiresOnTimestamp: jwtClaims(token).exp * 1000 };
      },
    };
    client = new AzureMediaServices(credential, subscription, { endpoint: emulator.url, tlsOptions: { ca: emulator.caCertPem }, retryOptions: { maxRetries: 0 } } as never);
  });
  afterAll(() => emulator.close());

  it('creates, allocates, starts, records, publishes (HLS and DASH only), stops and deletes a live event', async () => {
    const created = await client.liveEvents.beginCreateAndWait(rg, account, 'sdk1', { location: 'westeurope', input: { streamingProtocol: 'RTMP' }, tags: { broadcastId: 'b1' } }, poll);
    expect(created).toMatchObject({ resourceState: 'Stopped', provisioningState: 'Succeeded', tags: { broadcastId: 'b1' } });
    await client.liveEvents.beginAllocateAndWait(rg, account, 'sdk1', poll);
    expect((await client.liveEvents.get(rg, account, 'sdk1')).resourceState).toBe('StandBy');
    await client.liveEvents.beginStartAndWait(rg, account, 'sdk1', poll);
    await client.assets.createOrUpdate(rg, account, 'sdk1-rec', { description: 'recording' });
    await client.liveOutputs.beginCreateAndWait(rg, account, 'sdk1', 'out', { assetName: 'sdk1-rec', archiveWindowLength: 'PT1H', manifestName: 'main' }, poll);
    await client.streamingLocators.create(rg, account, 'sdk1-loc', { assetName: 'sdk1-rec', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    const paths = await client.streamingLocators.listPaths(rg, account, 'sdk1-loc');
    expect(paths.streamingPaths?.map((p) => p.streamingProtocol)).toEqual(['Hls', 'Dash']);
    expect(paths.streamingPaths?.[0]?.paths?.[0]).toMatch(/^\/[0-9a-f-]{36}\/main\.ism\/manifest\(format=m3u8-aapl\)$/);
    await client.liveEvents.beginStopAndWait(rg, account, 'sdk1', { removeOutputsOnStop: true }, poll);
    await client.liveEvents.beginDeleteAndWait(rg, account, 'sdk1', poll);
    await expect(client.liveEvents.get(rg, account, 'sdk1')).rejects.toMatchObject({ statusCode: 404 });
    expect(tokensIssued).toBeGreaterThanOrEqual(1);
  });

  it('lists with paging and reads the streaming endpoint', async () => {
    emulator.pageSize.set(1);
    for (const name of ['p1', 'p2']) await client.liveEvents.beginCreateAndWait(rg, account, name, { location: 'westeurope', input: { streamingProtocol: 'RTMP' } }, poll);
    const names: string[] = [];
    for await (const e of client.liveEvents.list(rg, account)) names.push(e.name ?? '');
    expect(names).toEqual(['p1', 'p2']);
    expect((await client.streamingEndpoints.get(rg, account, 'default')).resourceState).toBe('Stopped');
  });
});
