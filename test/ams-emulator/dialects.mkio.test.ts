// The MK.IO dialect over raw HTTPS (media-successors.md §1–§6): its paths, token, status codes and bodies, the missing
// allocate, a stop refused while live outputs exist, and the same state machine confirmed by polling the resource.
import { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { startEmulator, type AmsEmulator, type MkioOptions } from '../../ams-emulator/index.js';
import { call, jwtClaims, type RawResponse } from './dialectsSupport.js';
import { poll } from './support.js';

const clock = new ManualClock();
let emulator: AmsEmulator;
beforeAll(async () => (emulator = await startEmulator({ dialect: 'mkio', clock, timings: 'fast', pageSize: 1 })));
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** A client of one MK.IO emulator: `/api/ams/{project}` paths with the Bearer token. */
function clientOf(target: () => AmsEmulator, style: 'ams' | 'v1' = 'ams') {
  const prefix = () => (style === 'ams' ? `/api/ams/${target().dialect.project}` : `/api/v1/projects/${target().dialect.project}/media`);
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${target().dialect.token}` }) =>
    call(target(), method, `${prefix()}${path}`, { body, headers });
  return {
    send,
    get: (path: string) => send('GET', path),
    put: (path: string, body: unknown) => send('PUT', path, body),
    post: (path: string, body?: unknown) => send('POST', path, body),
    del: (path: string) => send('DELETE', path),
  };
}
const mk = clientOf(() => emulator);
const rtmp = { location: 'westeurope', properties: { input: { streamingProtocol: 'RTMP' }, encoding: { encodingType: 'PassthroughStandard' } } };
const storage = () => emulator.dialect.storageAccountName;
const state = async (api: ReturnType<typeof clientOf>, name: string) => ((await api.get(`/liveEvents/${name}`)).json as { properties: { resourceState: string } }).properties.resourceState;
/** MK.IO's error body (§5): `{ error: { code, detail, extraDetail }, status, ref }`. */
const mkError = (status: number, code: string, detail?: RegExp | string) => ({
  status,
  json: {
    error: { code, detail: detail === undefined ? expect.any(String) : typeof detail === 'string' ? detail : expect.stringMatching(detail), extraDetail: {} },
    status, ref: expect.stringMatching(/^[0-9a-f-]{36}$/),
  },
});
const noArmHeaders = (res: RawResponse) => {
  for (const header of ['azure-asyncoperation', 'location', 'retry-after', 'x-ms-request-id']) expect(res.headers[header]).toBeUndefined();
};

describe('auth and paths', () => {
  it('exposes a personal API token (a JWT valid for a year), the project and its storage account', () => {
    expect(emulator.dialect).toMatchObject({ name: 'mkio', project: 'broadcastams', storageAccountName: 'broadcastamsstorage', location: 'westeurope' });
    expect(jwtClaims(emulator.dialect.token ?? '').exp).toBe(Math.floor(clock.now() / 1000) + 365 * 86_400);
  });

  it('takes the token as Bearer or in x-mkio-token, and refuses a missing, forged or foreign one with 401 in its error body', async () => {
    expect((await mk.get('/liveEvents')).status).toBe(200);
    expect((await mk.send('GET', '/liveEvents', undefined, { 'x-mkio-token': emulator.dialect.token ?? '' })).status).toBe(200);
    expect(await mk.send('GET', '/liveEvents', undefined, {})).toMatchObject(mkError(401, 'Unauthorized'));
    const token = emulator.dialect.token ?? '';
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...jwtClaims(token), sub: 'someone-else' })).toString('base64url')}.${signature}`;
    expect((await mk.send('GET', '/liveEvents', undefined, { authorization: `Bearer ${forged}` })).status).toBe(401);
    expect((await mk.send('GET', '/liveEvents', undefined, { authorization: `Bearer ${emulator.token().slice(0, -2)}xx` })).status).toBe(401);
    const ravnur = await startEmulator({ dialect: 'ravnur', clock });
    try {
      expect((await mk.send('GET', '/liveEvents', undefined, { authorization: `Bearer ${ravnur.token()}` })).status).toBe(401);
    } finally {
      await ravnur.close();
    }
  });

  it('expires the token on the emulator clock, and can refuse the legacy header', async () => {
    const short = await startEmulator({ dialect: 'mkio', clock, dialectOptions: { tokenLifetimeSeconds: 60, legacyTokenHeader: false } });
    try {
      const api = clientOf(() => short);
      expect((await api.get('/liveEvents')).status).toBe(200);
      expect((await api.send('GET', '/liveEvents', undefined, { 'x-mkio-token': short.dialect.token ?? '' })).status).toBe(401);
      clock.advance(60_000);
      expect((await api.get('/liveEvents')).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('serves /api/ams/{project} and /api/v1/projects/{project}/media, not ARM paths, and no api-version', async () => {
    expect((await mk.put('/liveEvents/one', rtmp)).status).toBe(200);
    const v1 = await clientOf(() => emulator, 'v1').get('/liveEvents/one');
    expect(v1.status).toBe(200);
    expect(v1.json.name).toBe('one');
    const headers = { authorization: `Bearer ${emulator.dialect.token}` };
    expect((await call(emulator, 'GET', '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/default/providers/Microsoft.Media/mediaservices/broadcastams/liveEvents?api-version=2022-08-01', { headers })).status).toBe(404);
    expect(await call(emulator, 'GET', '/api/ams/otherproject/liveEvents', { headers })).toMatchObject(mkError(404, 'NotFound', /otherproject/));
    expect(await mk.get('/liveEvents?api-version=2022-08-01')).toMatchObject(mkError(400, 'BadRequest', /api-version/));
    expect((await mk.get('/liveEventOperations/x')).status).toBe(404);
    expect((await mk.post('/liveEvents/one/liveOutputs')).status).toBe(405);
    expect(await call(emulator, 'GET', '/auth/token', { headers })).toMatchObject({ status: 404 });
  });

  it('can serve only one path style and tolerate an api-version (settings for the unverified §1.1)', async () => {
    const other = await startEmulator({ dialect: 'mkio', clock, dialectOptions: { pathStyles: ['v1'], apiVersionParameter: 'ignore' } });
    try {
      expect((await clientOf(() => other).get('/liveEvents')).status).toBe(404);
      expect((await clientOf(() => other, 'v1').get('/liveEvents?api-version=2022-08-01')).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('live events', () => {
  it('creates with 200 and an MK.IO body: ingest and preview on its hosts (even while Stopped), project location, µs dates, supplemental', async () => {
    const created = await mk.put('/liveEvents/ev1', rtmp);
    expect(created.status).toBe(200);
    noArmHeaders(created);
    expect(created.json).toMatchObject({
      name: 'ev1', type: 'Microsoft.Media/mediaservices/liveevents', location: 'westeurope',
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/default/providers/Microsoft.Media/mediaservices/broadcastams/liveEvents/ev1',
      properties: { resourceState: 'Stopped', created: expect.stringMatching(/\.\d{6}Z$/) },
      supplemental: { operation: 'create', subscription: { name: 'broadcastams' } },
    });
    const read = (await mk.get('/liveEvents/ev1')).json;
    const token = read.properties.input.accessToken as string;
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/); // a UUID, as in MK.IO's fixtures
    expect(read.properties.input.endpoints).toEqual([{ protocol: 'RTMP', url: expect.stringMatching(new RegExp(`^rtmp://in-[0-9a-f-]{36}\\.westeurope\\.streaming\\.mediakind\\.com:1935/${token}$`)) }]);
    expect(read.properties.preview.endpoints[0].url).toMatch(/^https:\/\/ev1-broadcastams-preview\.westeurope\.streaming\.mediakind\.com\/[0-9a-f-]{36}\/manifest\.mpd$/);
    expect(read.supplemental.operation).toBe('get');
    expect(await mk.get('/liveEvents/none')).toMatchObject(mkError(404, 'NotFound'));
  });

  it('refuses what MK.IO refuses: an existing name (400 … already exists.), a deleted name, its protocols and stream options', async () => {
    await mk.put('/liveEvents/dup', rtmp);
    expect(await mk.put('/liveEvents/dup', rtmp)).toMatchObject(mkError(400, 'BadRequest', "Live event 'dup' already exists."));
    clock.advance(1_000);
    expect((await mk.del('/liveEvents/dup')).status).toBe(200);
    clock.advance(1_000);
    expect((await mk.get('/liveEvents/dup')).status).toBe(404);
    expect(await mk.put('/liveEvents/dup', rtmp)).toMatchObject(mkError(400, 'BadRequest', /cannot be reused/));
    expect((await mk.del('/liveEvents/dup')).status).toBe(204);

    const withInput = (streamingProtocol: string, encodingType = 'PassthroughStandard', streamOptions?: string[]) => ({ location: 'westeurope', properties: { input: { streamingProtocol }, encoding: { encodingType }, streamOptions } });
    expect((await mk.put('/liveEvents/fmp4', withInput('FragmentedMP4'))).status).toBe(400);
    expect(await mk.put('/liveEvents/srtpass', withInput('SRT'))).toMatchObject(mkError(400, 'BadRequest', /SRT/));
    expect((await mk.put('/liveEvents/ll2', withInput('RTMP', 'PassthroughStandard', ['LowLatencyV2']))).status).toBe(400);
    expect((await mk.put('/liveEvents/rtmps', withInput('RTMPS'))).status).toBe(200);
    const srt = await mk.put('/liveEvents/srtenc', withInput('SRT', 'Standard', ['LowLatency']));
    expect(srt.status).toBe(200);
    expect(srt.json.properties.input.endpoints[0].url).toMatch(/^srt:\/\/in-[0-9a-f-]{36}\.westeurope\.streaming\.mediakind\.com:6000\?passphrase=\w{10,79}&pkbkeylen=16$/);
    // An SRT passphrase is 10–79 characters, not a GUID (§3.2).
    const passphrase = (accessToken: string) => ({ location: 'westeurope', properties: { input: { streamingProtocol: 'SRT', accessToken }, encoding: { encodingType: 'Standard' } } });
    expect((await mk.put('/liveEvents/srtpass1', passphrase('abcdgdhfqsfh45gdsqsdksdfn'))).status).toBe(200);
    expect(await mk.put('/liveEvents/srtpass2', passphrase('short'))).toMatchObject(mkError(400, 'BadRequest', /10 to 79/));
    expect((await mk.put('/liveEvents/rtmptok', { location: 'westeurope', properties: { input: { streamingProtocol: 'RTMP', accessToken: 'abcdgdhfqsfh45gdsqsdksdfn' } } })).status).toBe(400);
  });

  it('has no allocate, reset or update (405), and start/stop answer 202 at once: the state is polled', async () => {
    await mk.put('/liveEvents/ev2', rtmp);
    clock.advance(1_000);
    expect(await mk.post('/liveEvents/ev2/allocate')).toMatchObject(mkError(405, 'MethodNotAllowed'));
    expect((await mk.post('/liveEvents/ev2/reset')).status).toBe(405);
    expect((await mk.send('PATCH', '/liveEvents/ev2', { properties: { description: 'x' } })).status).toBe(405);
    const start = await mk.post('/liveEvents/ev2/start');
    expect(start).toMatchObject({ status: 202, text: '' });
    noArmHeaders(start);
    expect(await state(mk, 'ev2')).toBe('Starting');
    expect((await mk.get('/liveEvents/ev2/state')).json).toEqual({ status: { state: 'Starting' } });
    clock.advance(1_000);
    expect(await state(mk, 'ev2')).toBe('Running');
    expect((await mk.post('/liveEvents/ev2/start')).status).toBe(400); // already running, in the wrong-state shape
    expect(await mk.post('/liveEvents/ev2/stop')).toMatchObject({ status: 202, text: '' });
    expect(await state(mk, 'ev2')).toBe('Stopping');
    clock.advance(1_000);
    expect(await state(mk, 'ev2')).toBe('Stopped');
    expect(emulator.billing('ev2').history.map((h) => h.state)).toEqual(['Stopped', 'Starting', 'Running', 'Stopping', 'Stopped']);
  });

  it('refuses a stop while live outputs exist (removeOutputsOnStop ignored), stops once they are deleted', async () => {
    await mk.put('/liveEvents/rec', rtmp);
    expect(await mk.put('/assets/rec-a', { properties: { description: 'no storage' } })).toMatchObject(mkError(400, 'BadRequest', /storageAccountName/));
    expect((await mk.put('/assets/rec-a', { properties: { storageAccountName: 'elsewhere' } })).status).toBe(400);
    expect((await mk.put('/assets/rec-a', { properties: { storageAccountName: storage(), container: 'rec-a' } })).status).toBe(200);
    clock.advance(1_000);
    // A live output may be created on the Stopped event, before start (§3.3).
    expect((await mk.put('/liveEvents/rec/liveOutputs/out', { properties: { assetName: 'rec-a', archiveWindowLength: 'PT1H' } })).status).toBe(200);
    await mk.post('/liveEvents/rec/start');
    clock.advance(1_000);
    expect(await state(mk, 'rec')).toBe('Running');
    expect(await mk.post('/liveEvents/rec/stop')).toMatchObject(mkError(400, 'BadRequest', /live outputs/));
    expect((await mk.post('/liveEvents/rec/stop', { removeOutputsOnStop: true })).status).toBe(400);
    expect(await state(mk, 'rec')).toBe('Running');
    expect((await mk.del('/liveEvents/rec/liveOutputs/out')).status).toBe(200);
    expect((await mk.get('/liveEvents/rec/liveOutputs/out')).json.properties.resourceState).toBe('Deleting');
    clock.advance(1_000);
    expect((await mk.get('/liveEvents/rec/liveOutputs/out')).status).toBe(404);
    expect((await mk.del('/liveEvents/rec/liveOutputs/out')).status).toBe(204);
    expect((await mk.post('/liveEvents/rec/stop')).status).toBe(202);
  });

  it('deletes a Running live event with its outputs directly (an unverified quirk, on by default; off refuses)', async () => {
    const running = async (api: ReturnType<typeof clientOf>) => {
      await api.put('/liveEvents/run', rtmp);
      await api.put('/assets/run-a', { properties: { storageAccountName: 'broadcastamsstorage' } });
      clock.advance(1_000);
      await api.put('/liveEvents/run/liveOutputs/out', { properties: { assetName: 'run-a', archiveWindowLength: 'PT1H' } });
      await api.post('/liveEvents/run/start');
      clock.advance(1_000);
    };
    await running(mk);
    expect((await mk.del('/liveEvents/run')).status).toBe(200);
    expect(await state(mk, 'run')).toBe('Deleting');
    clock.advance(1_000);
    expect((await mk.get('/liveEvents/run')).status).toBe(404);

    const strict = await startEmulator({ dialect: 'mkio', clock, timings: 'fast', dialectOptions: { deleteRunning: false } });
    try {
      const api = clientOf(() => strict);
      await running(api);
      expect((await api.del('/liveEvents/run')).status).toBe(400);
      expect(await state(api, 'run')).toBe('Running');
    } finally {
      await strict.close();
    }
  });

  it('pages lists with a relative nextLink, a numeric $skiptoken and supplemental.pagination', async () => {
    for (const name of ['pa', 'pb', 'pc']) await mk.put(`/liveEvents/${name}`, rtmp);
    const first = await mk.get('/liveEvents');
    expect(first.json).toMatchObject({ value: [{ name: 'pa', supplemental: { operation: 'list' } }], supplemental: { pagination: { start: 0, end: 1, records: 1, total: 3 } } });
    expect(first.json['@odata.nextLink']).toBe('/api/ams/broadcastams/liveEvents?$skiptoken=1');
    const names: string[] = [];
    let next: string | undefined = '/api/ams/broadcastams/liveEvents';
    while (next) {
      const page = await call(emulator, 'GET', next, { headers: { authorization: `Bearer ${emulator.dialect.token}` } });
      names.push(...(page.json.value as Array<{ name: string }>).map((e) => e.name));
      next = page.json['@odata.nextLink'];
    }
    expect(names).toEqual(['pa', 'pb', 'pc']);
    expect((await mk.get('/liveEvents?$skiptoken=2')).json.value.map((e: { name: string }) => e.name)).toEqual(['pc']);
    expect((await mk.get('/liveEvents?$skiptoken=abc')).status).toBe(400);
  });
});

describe('publishing and the streaming endpoint', () => {
  it('creates a locator with 200 and lists index.qfm paths the streaming endpoint serves', async () => {
    await mk.put('/liveEvents/pub', rtmp);
    await mk.put('/assets/pub-a', { properties: { storageAccountName: storage() } });
    clock.advance(1_000);
    await mk.post('/liveEvents/pub/start');
    clock.advance(1_000);
    expect((await mk.put('/liveEvents/pub/liveOutputs/out', { properties: { assetName: 'pub-a', archiveWindowLength: 'PT1H', manifestName: 'main' } })).status).toBe(200);
    clock.advance(1_000);
    const locator = await mk.put('/streamingLocators/pub-l', { properties: { assetName: 'pub-a', streamingPolicyName: 'Predefined_ClearStreamingOnly' } });
    expect(locator.status).toBe(200);
    const paths = await mk.post('/streamingLocators/pub-l/listPaths');
    const hls = (paths.json.streamingPaths as Array<{ streamingProtocol: string; paths: string[] }>).find((p) => p.streamingProtocol === 'Hls');
    const cmaf = hls?.paths.find((p) => p.includes('m3u8-cmaf')) ?? '';
    expect(cmaf).toBe(`/${locator.json.properties.streamingLocatorId}/index.qfm/manifest(format=m3u8-cmaf)`);
    expect(emulator.resolvePlayback(cmaf)).toMatchObject({ locator: 'pub-l', asset: 'pub-a', manifestName: 'main' });
    expect(emulator.resolvePlayback('/00000000-0000-4000-a000-000000000000/index.qfm/manifest(format=m3u8-cmaf)')).toBeUndefined();
    const endpoint = await mk.get('/streamingEndpoints/default');
    expect(endpoint.json.properties.hostName).toBe('ep-default-broadcastams.westeurope.streaming.mediakind.com');
    expect((await mk.post('/streamingEndpoints/default/start')).status).toBe(202);
    expect((await mk.get('/streamingEndpoints/default/state')).json).toEqual({ status: { state: 'Starting' } });
  });
});

describe('settings for the unverified quirks', () => {
  const withOptions = async (dialectOptions: MkioOptions, test: (api: ReturnType<typeof clientOf>, target: AmsEmulator) => Promise<void>) => {
    const target = await startEmulator({ dialect: 'mkio', clock, timings: 'fast', dialectOptions });
    try {
      await test(clientOf(() => target), target);
    } finally {
      await target.close();
    }
  };

  it('allocate and StandBy when the service has them', () =>
    withOptions({ allocate: true }, async (api) => {
      await api.put('/liveEvents/al', rtmp);
      clock.advance(1_000);
      expect((await api.post('/liveEvents/al/allocate')).status).toBe(202);
      clock.advance(1_000);
      expect(await state(api, 'al')).toBe('StandBy');
    }));

  it('other status codes: 201 on create, 409 for an existing name, 404 for a missing operation, 204 on delete', () =>
    withOptions({ createdStatus: 201, alreadyExistsStatus: 409, missingOperationStatus: 404, deleteStatus: 204, actionStatus: 200 }, async (api) => {
      expect((await api.put('/liveEvents/st', rtmp)).status).toBe(201);
      expect(await api.put('/liveEvents/st', rtmp)).toMatchObject(mkError(409, 'Conflict', /already exists\.$/));
      clock.advance(1_000);
      expect((await api.post('/liveEvents/st/allocate')).status).toBe(404);
      expect((await api.post('/liveEvents/st/start')).status).toBe(200);
      clock.advance(1_000);
      expect((await api.post('/liveEvents/st/stop')).status).toBe(200);
      clock.advance(1_000);
      expect((await api.del('/liveEvents/st')).status).toBe(204);
    }));

  it('a stop body honoured, ARM manifest paths, another stop refusal text', () =>
    withOptions({ honourRemoveOutputsOnStop: true, livePathStyle: 'ism', stopWithOutputsDetail: 'Live output still exists.' }, async (api, target) => {
      await api.put('/liveEvents/h', rtmp);
      await api.put('/assets/h-a', { properties: { storageAccountName: target.dialect.storageAccountName } });
      clock.advance(1_000);
      await api.put('/liveEvents/h/liveOutputs/out', { properties: { assetName: 'h-a', archiveWindowLength: 'PT1H', manifestName: 'main' } });
      await api.post('/liveEvents/h/start');
      clock.advance(1_000);
      await api.put('/streamingLocators/h-l', { properties: { assetName: 'h-a', streamingPolicyName: 'Predefined_ClearStreamingOnly' } });
      expect(JSON.stringify((await api.post('/streamingLocators/h-l/listPaths')).json)).toContain('/main.ism/manifest');
      expect(await api.post('/liveEvents/h/stop')).toMatchObject(mkError(400, 'BadRequest', 'Live output still exists.'));
      expect((await api.post('/liveEvents/h/stop', { removeOutputsOnStop: true })).status).toBe(202);
    }));

  it('per-project rate limits: 429 with Retry-After in the MK.IO body', () =>
    withOptions({ rateLimits: { readsPerMinute: 2, writesPerMinute: 1 } }, async (api) => {
      expect((await api.get('/liveEvents')).status).toBe(200);
      expect((await api.get('/liveEvents')).status).toBe(200);
      const limited = await api.get('/liveEvents');
      expect(limited).toMatchObject(mkError(429, 'TooManyRequests'));
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      clock.advance(30_000);
      expect((await api.get('/liveEvents')).status).toBe(200);
    }));
});

describe('the ARM SDK pointed at the MK.IO dialect (the §7.1 probe): what it hides and where it breaks', () => {
  let target: AmsEmulator;
  let client: AzureMediaServices;
  beforeAll(async () => {
    target = await startEmulator({ dialect: 'mkio', timings: 'fast' });
    const token = target.dialect.token ?? '';
    client = new AzureMediaServices({ getToken: async () => ({ token, expiresOnTimestamp: jwtClaims(token).exp * 1000 }) }, 'unused', {
      endpoint: target.url, credentialScopes: ['mkio/.default'], tlsOptions: { ca: target.caCertPem }, retryOptions: { maxRetries: 0 },
    } as never);
    // ARM paths → /api/ams/{project}/…, without api-version.
    client.pipeline.addPolicy({
      name: 'mkioPathRewrite',
      async sendRequest(request, next) {
        const url = new URL(request.url);
        const match = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Media\/mediaservices\/([^/]+)\/(.*)$/i.exec(url.pathname);
        if (match) {
          url.pathname = `/api/ams/${match[1]}/${match[2]}`;
          url.searchParams.delete('api-version');
          request.url = url.toString();
        }
        return next(request);
      },
    });
  });
  afterAll(() => target.close());
  const project = () => target.dialect.project ?? '';

  it('creates and starts (the poller ends at once; the state must be polled), refuses allocate and a 200 locator create', async () => {
    const created = await client.liveEvents.beginCreateAndWait('rg', project(), 'sdk', { location: 'westeurope', input: { streamingProtocol: 'RTMPS' } }, poll);
    expect(created).toMatchObject({ name: 'sdk', provisioningState: 'Succeeded', input: { streamingProtocol: 'RTMPS' } });
    await expect(client.liveEvents.beginCreateAndWait('rg', project(), 'sdk', { location: 'westeurope', input: { streamingProtocol: 'RTMP' } }, poll)).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
    await expect(client.liveEvents.beginAllocateAndWait('rg', project(), 'sdk', poll)).rejects.toMatchObject({ statusCode: 405 });
    await client.liveEvents.beginStartAndWait('rg', project(), 'sdk', poll);
    expect((await client.liveEvents.get('rg', project(), 'sdk')).resourceState).toBe('Starting');
    await client.assets.createOrUpdate('rg', project(), 'sdk-a', { storageAccountName: target.dialect.storageAccountName });
    await expect(client.streamingLocators.create('rg', project(), 'sdk-l', { assetName: 'sdk-a', streamingPolicyName: 'Predefined_ClearStreamingOnly' })).rejects.toMatchObject({ statusCode: 200 });
    await expect(client.mediaservices.get('rg', project())).rejects.toMatchObject({ statusCode: 404 });
  });
});
