// HTTP and timer triggers served through @azure/functions' own invocation model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock, ManualClock } from '../../clock/clock.js';
import type { LocalHost } from '../../devhost/host.js';
import { startTimerTriggers } from '../../devhost/worker/timerTriggers.js';
import { timerLog } from './app/index.js';
import { startTestHost } from './support.js';

let host: LocalHost;
let clock: ManualClock;
beforeAll(async () => ({ host, clock } = await startTestHost()));
afterAll(() => host.close());

describe('HTTP triggers', () => {
  it('routes {param} templates, converts request and response', async () => {
    const res = await fetch(`${host.url}/api/items/42?q=hello&code=${host.functionKey}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-item')).toBe('42');
    expect(await res.json()).toEqual({ id: '42', method: 'PUT', q: 'hello', body: { name: 'x' } });
  });

  it('routes in function-name order, first match wins: "items" shadows the literal "itemsSearch" (as in Azure)', async () => {
    const res = await fetch(`${host.url}/api/items/search?code=${host.functionKey}`);
    expect(await res.json()).toMatchObject({ id: 'search' });
  });

  it('enforces function keys from the query or the x-functions-key header', async () => {
    expect((await fetch(`${host.url}/api/items/1`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/items/1?code=wrong`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/items/1`, { headers: { 'x-functions-key': host.functionKey } })).status).toBe(200);
  });

  it('answers 404 (no 405) for a known route with another method, as the host does', async () => {
    const res = await fetch(`${host.url}/api/items/1?code=${host.functionKey}`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
    expect((await fetch(`${host.url}/api/nothing-here`)).status).toBe(404);
  });
});

describe('timer triggers', () => {
  it('runs on startup, then on the NCRONTAB schedule from an app setting', async () => {
    await new Promise((r) => setTimeout(r, 20));
    const runsAtStart = timerLog().length;
    expect(runsAtStart).toBe(1); // runOnStartup
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(timerLog().length).toBe(runsAtStart + 1);
    expect(timerLog().at(-1)?.isPastDue).toBe(false);
  });

  it('does not mark a late firing as past due while the host runs (only a missed occurrence at start-up is)', async () => {
    // A clock whose timers fire 5 s late, as when the host was busy or asleep.
    let now = Date.UTC(2030, 0, 1);
    const late: Clock = { now: () => now, at: (at, fn) => { const t = setTimeout(() => ((now = at + 5000), fn()), 1); return () => clearTimeout(t); } };
    const seen: boolean[] = [];
    const fakeApp = {
      functions: [{ name: 't', trigger: { type: 'timerTrigger', schedule: '*/10 * * * * *' } }],
      invoke: async (_: string, input: { trigger: { json?: string } }) => {
        seen.push((JSON.parse(input.trigger.json ?? '{}') as { IsPastDue: boolean }).IsPastDue);
        return { returnData: undefined, outputs: {} };
      },
    };
    const timers = startTimerTriggers(fakeApp as never, { clock: late });
    await new Promise((r) => setTimeout(r, 30));
    timers.stop();
    expect(seen[0]).toBe(false);
  });
});

describe('requests the host answers itself', () => {
  it('answers a malformed %-escape in the path with 400 problem+json, not a crash', async () => {
    const res = await fetch(`${host.url}/api/items/%E0%A4%A?code=${host.functionKey}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 400, field: 'path' });
    expect((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/%ZZ?code=${host.systemKey}`)).status).toBe(400);
  });

  it('passes %2F to the function as part of one route value', async () => {
    const res = await fetch(`${host.url}/api/items/a%2Fb?code=${host.functionKey}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe('a%2Fb');
  });

  it('refuses a body over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT with 413, declared or streamed', async () => {
    const small = await startTestHost(undefined, undefined, { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '1024' });
    try {
      const url = `${small.host.url}/api/items/1?code=${small.host.functionKey}`;
      const declared = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2000) }) });
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ status: 413, field: 'body' });
      const chunks = [new TextEncoder().encode('{"pad":"'), new TextEncoder().encode('y'.repeat(3000)), new TextEncoder().encode('"}')];
      const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()) : c.close()) });
      const streamed = await fetch(url, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
      const fits = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(900) }) });
      expect(fits.status).toBe(201);
    } finally {
      await small.host.close();
    }
  });

  it('resolves %AppSetting% in host.json (hubName) from the settings', async () => {
    const res = await fetch(`${host.url}/api/orchestrators/chain`, { method: 'POST', body: '1' });
    const links = (await res.json()) as { statusQueryGetUri: string };
    expect(new URL(links.statusQueryGetUri).searchParams.get('taskHub')).toBe('DevhostTests');
  });
});

describe('odd requests', () => {
  it('answers an encoded NUL with 400 and survives a Host header that is not a host', async () => {
    expect((await fetch(`${host.url}/api/items/a%00b?code=${host.functionKey}`)).status).toBe(400);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${host.url}/api/items/7?code=${host.functionKey}`, { headers: { host: 'not a host' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
