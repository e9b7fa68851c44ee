// The MK.IO gateway on a stub of MK.IO's REST API (paths, bearer token, no api-version, ARM-shaped bodies, MK.IO's
// error body): start and stop requested and confirmed by state, outputs deleted before a stop, "already exists" as
// 400 taken as a concurrent create, 429 waited out, relative next links followed, 200 on a locator PUT accepted.
import { describe, expect, it } from 'vitest';
import type { HttpAnswer, HttpSend } from '../../adapters/media/http.js';
import { MkioGateway, type MkioSettings } from '../../adapters/media/mkioGateway.js';
import type { LiveEventSettings } from '../../contracts/broadcast.js';

const settings: MkioSettings = { baseUrl: 'https://api.mk.example', pathStyle: 'ams', project: 'proj', token: 'pat-jwt', legacyHeader: false, location: 'westeurope', storageAccountName: 'store1' };
const account = { subscriptionId: '', resourceGroup: '', accountName: 'pool1' };
const liveEvent: LiveEventSettings = { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughBasic' }, useStaticHostname: false, streamOptions: [] };

interface Resource { name: string; tags?: Record<string, string>; properties: Record<string, unknown> }

/** A small MK.IO: one project, state changes at once except start (Starting until the next read). */
function fakeMkio(options: { prefix?: string; throttleFirst?: number } = {}) {
  const prefix = options.prefix ?? '/api/ams/proj';
  const events = new Map<string, Resource>();
  const outputs = new Map<string, Resource>();
  const locators = new Map<string, Resource>();
  const log: string[] = [];
  let throttle = options.throttleFirst ?? 0;
  const answer = (status: number, body?: unknown, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers, body: body === undefined ? '' : JSON.stringify(body) });
  const error = (status: number, code: string, detail: string) => answer(status, { error: { code, detail }, status, ref: 'r1' });
  const send: HttpSend = async (raw, req) => {
    const url = new URL(raw);
    log.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers?.authorization !== 'Bearer pat-jwt') return error(401, 'Unauthorized', 'missing token');
    if (url.searchParams.has('api-version')) return error(400, 'BadRequest', 'unexpected api-version');
    if (throttle > 0) return (throttle--, error(429, 'TooManyRequests', 'slow down'));
    if (!url.pathname.startsWith(prefix)) return error(404, 'NotFound', 'no such route');
    const [kind, name, sub, subName] = url.pathname.slice(prefix.length + 1).split('/');
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (kind === 'liveEvents' && !name && req.method === 'GET') {
      const all = [...events.values()];
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
      return answer(200, { value: all.slice(skip, skip + 1), ...(skip + 1 < all.length ? { '@odata.nextLink': `${prefix}/liveEvents?$skiptoken=${skip + 1}` } : {}) });
    }
    if (kind === 'liveEvents' && name && !sub) {
      const event = events.get(name);
      if (req.method === 'GET') {
        if (!event) return error(404, 'NotFound', 'not found');
        const shown = structuredClone(event);
        if (event.properties.resourceState === 'Starting') event.properties.resourceState = 'Running';
        return answer(200, shown);
      }
      if (req.method === 'PUT') {
        if (event) return error(400, 'BadRequest', `Live event ${name} already exists.`);
        const props = body.properties as Record<string, unknown>;
        events.set(name, { name, tags: body.tags as Record<string, string>, properties: { ...props, location: body.location, resourceState: 'Stopped', provisioningState: 'Succeeded', lastModified: '2030-01-01T00:00:00.123456Z', input: { ...(props.input as object), endpoints: [{ protocol: 'RTMP', url: 'rtmp://in-1.westeurope.streaming.mediakind.com:1935/x' }] } } });
        return answer(200, events.get(name));
      }
      if (req.method === 'DELETE') return events.delete(name) ? answer(200) : error(404, 'NotFound', 'not found');
    }
    if (kind === 'liveEvents' && name && sub && ['start', 'stop', 'allocate'].includes(sub) && req.method === 'POST') {
      const event = events.get(name);
      if (!event) return error(404, 'NotFound', 'not found');
      if (sub === 'allocate') return error(405, 'MethodNotAllowed', 'not implemented');
      if (sub === 'start') event.properties.resourceState = 'Starting';
      if (sub === 'stop') {
        if ([...outputs.keys()].some((k) => k.startsWith(`${name}/`))) return error(400, 'BadRequest', 'live output still exists');
        event.properties.resourceState = 'Stopped';
      }
      return answer(202);
    }
    if (kind === 'liveEvents' && sub === 'liveOutputs') {
      if (!subName && req.method === 'GET') return answer(200, { value: [...outputs.entries()].filter(([k]) => k.startsWith(`${name}/`)).map(([, v]) => v) });
      const key = `${name}/${subName}`;
      if (req.method === 'GET') return outputs.has(key) ? answer(200, outputs.get(key)) : error(404, 'NotFound', 'not found');
      if (req.method === 'PUT') return (outputs.set(key, { name: subName!, properties: { ...(body.properties as object), provisioningState: 'Succeeded', resourceState: 'Running' } }), answer(201, outputs.get(key)));
      if (req.method === 'DELETE') return outputs.delete(key) ? answer(200) : error(404, 'NotFound', 'not found');
    }
    if (kind === 'assets' && req.method === 'PUT') return answer(200, { name, properties: body.properties });
    if (kind === 'streamingLocators') {
      if (sub === 'listPaths') return answer(200, { streamingPaths: [{ streamingProtocol: 'Hls', paths: [`/${name}/index.qfm/manifest(format=m3u8-cmaf)`] }] });
      if (req.method === 'GET') return locators.has(name!) ? answer(200, locators.get(name!)) : error(404, 'NotFound', 'not found');
      if (req.method === 'PUT') return (locators.set(name!, { name: name!, properties: body.properties as Record<string, unknown> }), answer(200, locators.get(name!)));
    }
    return error(404, 'NotFound', `no route ${req.method} ${url.pathname}`);
  };
  return { send, events, outputs, log };
}

const gatewayOn = (fake: { send: HttpSend }, over: Partial<MkioSettings> = {}) =>
  new MkioGateway({ ...settings, ...over }, fake.send, { managedBy: 'test' }, { sleep: async () => undefined, busyWaitMs: 50, busyBackoffMs: 1 });

describe('MkioGateway', () => {
  it('creates a live event with an ARM-shaped body under the project path, with tags and the configured location', async () => {
    const fake = fakeMkio();
    const snap = await gatewayOn(fake).ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    expect(snap).toMatchObject({ exists: true, resourceState: 'Stopped', busy: false, ingestUrls: ['rtmp://in-1.westeurope.streaming.mediakind.com:1935/x'], stateSince: '2030-01-01T00:00:00.123Z' });
    expect(fake.log).toEqual(['GET /api/ams/proj/liveEvents/bc-1', 'PUT /api/ams/proj/liveEvents/bc-1', 'GET /api/ams/proj/liveEvents/bc-1']);
    const stored = fake.events.get('bc-1')!;
    expect(stored.tags).toEqual({ managedBy: 'test', broadcastId: 'b1' });
    expect(stored.properties).toMatchObject({ location: 'westeurope', input: { streamingProtocol: 'RTMP' } });
  });

  it('uses the v1 path style when configured', async () => {
    const fake = fakeMkio({ prefix: '/api/v1/projects/proj/media' });
    await gatewayOn(fake, { pathStyle: 'v1' }).ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    expect(fake.events.has('bc-1')).toBe(true);
  });

  it('takes "already exists" answered as 400 for a concurrent create, and returns the event', async () => {
    const fake = fakeMkio();
    const gateway = gatewayOn(fake);
    await gateway.ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    // Another worker created it between our read and our PUT: simulate by reading "missing" once.
    const send: HttpSend = async (url, req) => (req.method === 'GET' && fake.log.length === 3 ? (fake.log.push('GET (stale)'), { status: 404, headers: {}, body: '{"error":{"code":"NotFound","detail":"x"}}' }) : fake.send(url, req));
    const snap = await new MkioGateway(settings, send, {}, { sleep: async () => undefined }).ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    expect(snap.exists).toBe(true);
    expect(fake.log.filter((l) => l.startsWith('PUT'))).toHaveLength(2);
  });

  it('requests start and stop without waiting (the state confirms them), deleting outputs before the stop', async () => {
    const fake = fakeMkio();
    const gateway = gatewayOn(fake);
    await gateway.ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    expect(await gateway.requestAction(account, 'bc-1', 'start')).toEqual({ outcome: 'requested' });
    expect((await gateway.readLiveEvent(account, 'bc-1')).resourceState).toBe('Starting');
    expect((await gateway.readLiveEvent(account, 'bc-1')).resourceState).toBe('Running');
    await gateway.ensureRecording(account, 'bc-1', 'rec', 'asset-1', { archiveWindow: 'PT1H' });
    expect(fake.outputs.has('bc-1/rec')).toBe(true);
    fake.log.length = 0;
    expect(await gateway.requestAction(account, 'bc-1', 'stop')).toEqual({ outcome: 'requested' });
    const order = fake.log.filter((l) => !l.startsWith('GET'));
    expect(order).toEqual(['DELETE /api/ams/proj/liveEvents/bc-1/liveOutputs/rec', 'POST /api/ams/proj/liveEvents/bc-1/stop']);
    expect(fake.events.get('bc-1')!.properties.resourceState).toBe('Stopped');
    expect(await gateway.requestAction(account, 'bc-1', 'delete')).toEqual({ outcome: 'requested' });
    expect(await gateway.requestAction(account, 'bc-1', 'delete')).toMatchObject({ outcome: 'alreadyDone' });
  });

  it('never sends allocate (the provider has none) and never an api-version', async () => {
    const fake = fakeMkio();
    const gateway = gatewayOn(fake);
    await gateway.ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    expect(await gateway.requestAction(account, 'bc-1', 'allocate')).toMatchObject({ outcome: 'refused', resourceState: 'Stopped' });
    expect(fake.log.some((l) => l.includes('allocate') || l.includes('api-version'))).toBe(false);
  });

  it('stop on a live event that still has an output (reaper without removeOutputs) is refused, not hidden', async () => {
    const fake = fakeMkio();
    const gateway = gatewayOn(fake);
    await gateway.ensureLiveEvent(account, 'bc-1', 'b1', liveEvent);
    await gateway.requestAction(account, 'bc-1', 'start');
    await gateway.ensureRecording(account, 'bc-1', 'rec', 'asset-1', { archiveWindow: 'PT1H' });
    await expect(gateway.stopLiveEvent(account, 'bc-1', { removeOutputs: false })).rejects.toMatchObject({ statusCode: 400 });
    expect(await gateway.stopLiveEvent(account, 'bc-1', { removeOutputs: true })).toBe('done');
    expect(await gateway.deleteLiveEvent(account, 'bc-1')).toBe('done');
    expect(await gateway.deleteLiveEvent(account, 'bc-1')).toBe('gone');
  });

  it('waits out 429s, follows relative next links, and accepts 200 on a locator PUT', async () => {
    const fake = fakeMkio({ throttleFirst: 2 });
    const gateway = gatewayOn(fake);
    for (const n of ['a', 'b', 'c']) await gateway.ensureLiveEvent(account, `bc-${n}`, n, liveEvent);
    expect(fake.log.slice(0, 3)).toEqual(Array(3).fill('GET /api/ams/proj/liveEvents/bc-a'));
    expect((await gateway.listLiveEvents(account)).map((e) => e.name)).toEqual(['bc-a', 'bc-b', 'bc-c']);
    expect(await gateway.publishRecording(account, 'asset-1', 'loc-1', 'Predefined_ClearStreamingOnly')).toEqual(['/loc-1/index.qfm/manifest(format=m3u8-cmaf)']);
  });

  it('gives up on throttling after its retries, with the status for the orchestration to retry', async () => {
    const fake = fakeMkio({ throttleFirst: 100 });
    await expect(gatewayOn(fake).readLiveEvent(account, 'bc-1')).rejects.toMatchObject({ statusCode: 429 });
    expect(fake.log).toHaveLength(5); // one request and 4 retries
  });

  it('sends the legacy x-mkio-token header only when configured', async () => {
    const seen: Array<Record<string, string> | undefined> = [];
    const fake = fakeMkio();
    const send: HttpSend = (url, req) => (seen.push(req.headers), fake.send(url, req));
    await new MkioGateway({ ...settings, legacyHeader: true }, send).readLiveEvent(account, 'x');
    await new MkioGateway(settings, send).readLiveEvent(account, 'x');
    expect(seen[0]).toMatchObject({ authorization: 'Bearer pat-jwt', 'x-mkio-token': 'pat-jwt' });
    expect(seen[1]?.['x-mkio-token']).toBeUndefined();
  });
});
