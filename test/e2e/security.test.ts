// Each attack from issue 10, tried against the whole product, and refused.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRequests, INBOUND_WEBHOOK_PATH, runFuzz } from '../../bench/fuzzRequests.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

const inSecret = `whsec_${Buffer.from('inbound-secret-for-security-tests').toString('base64')}`;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    speed: 100,
    settings: { INBOUND_WEBHOOK_SECRETS: JSON.stringify({ crm: inSecret }), AMS_ACCOUNTS: JSON.stringify([{ accountName: 'secondams' }]), API_MAX_BODY_BYTES: '65536' },
  });
});
afterAll(() => stack.close());

const anonymous = (path: string, init?: RequestInit) => fetch(`${stack.host.url}${path}`, init);
/** The Durable management API, with the system key when the host requires one (Azure does). */
const management = (path: string, init?: RequestInit) => {
  const systemKey = (stack.host as { systemKey?: string }).systemKey;
  const url = new URL(`${stack.host.url}/runtime/webhooks/durabletask${path}`);
  if (systemKey) url.searchParams.set('code', systemKey);
  return fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
};
const isProblem = (res: Response) => (res.headers.get('content-type') ?? '').startsWith('application/problem+json');
const create = (id: string, extra: Record<string, unknown> = {}) =>
  stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id, startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 120), ...extra }) });

describe('authentication', () => {
  const routes: Array<[string, string]> = [
    ['POST', '/api/broadcasts'], ['GET', '/api/broadcasts'], ['GET', '/api/broadcasts/x'], ['PATCH', '/api/broadcasts/x'], ['DELETE', '/api/broadcasts/x'],
    ['POST', '/api/broadcasts/x/extend'], ['POST', '/api/broadcasts/x/stop'], ['POST', '/api/broadcasts/x/cancel'],
  ];

  it('answers 401 to every broadcast route called without a key, or with a wrong one', async () => {
    for (const [method, path] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      expect((await anonymous(path, { method, body })).status, `${method} ${path}`).toBe(401);
      expect((await anonymous(`${path}?code=wrong`, { method, body })).status, `${method} ${path} wrong key`).toBe(401);
      expect((await anonymous(path, { method, body, headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    }
    // A forged Easy Auth principal is no key.
    const forged = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'Broadcasts.Admin' }] })).toString('base64');
    expect((await anonymous('/api/broadcasts', { headers: { 'x-ms-client-principal': forged } })).status).toBe(401);
  });

  it('accepts the key as x-functions-key or ?code=, and keeps the OpenAPI document public', async () => {
    expect((await anonymous(`/api/broadcasts?code=${encodeURIComponent(stack.host.functionKey)}`)).status).toBe(200);
    expect((await stack.api('/api/broadcasts')).status).toBe(200);
    const doc = (await (await anonymous('/api/openapi.json')).json()) as { components: { securitySchemes: Record<string, unknown> }; security: unknown[] };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['easyAuth', 'functionKeyHeader', 'functionKeyQuery']);
    expect(doc.security.length).toBeGreaterThan(0);
  });
});

describe('accounts', () => {
  it('takes accounts from the configured pool only', async () => {
    const unknown = await create('acct-unknown', { account: 'someoneelse' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['/account']);
    const freeForm = await create('acct-free', { account: { subscriptionId: 'x', resourceGroup: 'y', accountName: 'broadcastams' } });
    expect(freeForm.status).toBe(400);
    const pooled = await create('acct-pooled', { account: 'secondams' });
    expect(pooled.status).toBe(201);
    expect(((await pooled.json()) as { account: { accountName: string } }).account.accountName).toBe('secondams');
  });
});

describe('hostile ids', () => {
  it('refuses ids outside the charset before they reach a Durable URL', async () => {
    expect((await create('victim')).status).toBe(201);
    // Each of these used to reach getStatus/raiseEvent URLs; `?` and `#` aliased the victim.
    for (const id of ['victim%3Fx', 'victim%23x', 'victim%25', '%5Cvictim', 'VICTIM', 'victim-', 'x'.repeat(30), 'x'.repeat(5000), '%C3%A9']) {
      for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['POST', '/stop'], ['POST', '/cancel'], ['PATCH', ''], ['POST', '/extend']] as const) {
        const res = await stack.api(`/api/broadcasts/${id}${suffix}`, { method, body: method === 'PATCH' || suffix === '/extend' ? JSON.stringify({ endAt: inMinutes(stack.clock, 90) }) : undefined });
        expect(res.status, `${method} ${id}${suffix}`).toBe(400);
        expect(isProblem(res)).toBe(true);
        expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('id');
      }
    }
    for (const id of ['victim%3Fx', 'victim%23x']) expect((await stack.api(`/api/broadcasts/${id}`, { method: 'GET' })).status).toBe(400);
    // The victim is untouched.
    expect(((await (await stack.api('/api/broadcasts/victim')).json()) as { phase: string }).phase).toBe('scheduled');
    // Dot segments never name a broadcast: the URL parser resolves them first (to the list, or to no route).
    for (const path of ['/api/broadcasts/..', '/api/broadcasts/.', '/api/broadcasts/%2E%2E/stop']) {
      const res = await stack.api(path, { method: 'GET' });
      expect([200, 404]).toContain(res.status);
      if (res.status === 200) expect(await res.json()).toHaveProperty('items');
    }
  });

  it('refuses hostile ids in bodies and in inbound webhook commands', async () => {
    const res = await create('a?b');
    expect(res.status).toBe(400);
    for (const id of ['a?b', '../x', 'x'.repeat(40)]) {
      const hook = await stack.api(`${INBOUND_WEBHOOK_PATH}crm`, signed({ type: 'broadcast.stop', data: { id } }, `msg_hostile_${id.length}_${id.charCodeAt(1)}`));
      expect(hook.status, id).toBe(400);
      expect(isProblem(hook)).toBe(true);
    }
  });
});

function signed(body: unknown, id: string, at = new Date()) {
  const payload = JSON.stringify(body);
  return { method: 'POST', body: payload, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(inSecret).sign(id, at, payload) } };
}

describe('inbound webhooks', () => {
  it('maps messages that share a long prefix to different broadcasts', async () => {
    const command = () => ({ type: 'broadcast.create', data: { startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 90) } });
    const first = await stack.api(`${INBOUND_WEBHOOK_PATH}crm`, signed(command(), 'msg_00000001'));
    const second = await stack.api(`${INBOUND_WEBHOOK_PATH}crm`, signed(command(), 'msg_00000002'));
    expect([first.status, second.status]).toEqual([202, 202]);
    const ids = [((await first.json()) as { broadcastId: string }).broadcastId, ((await second.json()) as { broadcastId: string }).broadcastId];
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect((await stack.api(`/api/broadcasts/${id}`)).status).toBe(200);
  });
});

describe('bodies', () => {
  it('answers 413 problem+json to a body over the limit, before parsing it', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(1024 * 1024) });
    for (const path of ['/api/broadcasts', '/api/broadcasts/victim/extend', `${INBOUND_WEBHOOK_PATH}crm`]) {
      const started = Date.now();
      const res = await stack.api(path, { method: 'POST', body: big });
      expect(res.status, path).toBe(413);
      expect(isProblem(res)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    const patch = await stack.api('/api/broadcasts/victim', { method: 'PATCH', body: big });
    expect(patch.status).toBe(413);
  });

  it('names the problem with a malformed body without echoing it', async () => {
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: '{"secret-looking-text": ' });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('secret-looking-text');
  });
});

describe('the Durable management API cannot bypass validation', () => {
  it('ignores a raw Reschedule event with a ten-year end and notes it in the timeline', async () => {
    expect((await create('raw-events')).status).toBe(201);
    await waitForBroadcast(stack, 'raw-events', (b) => b.phase === 'scheduled');
    const before = (await (await stack.api('/api/broadcasts/raw-events')).json()) as { endAt: string };
    const tenYears = new Date(stack.clock.now() + 10 * 365 * 86_400_000).toISOString();
    for (const data of [{ endAt: tenYears }, null, 'garbage', { startAt: 'never' }]) {
      const raised = await management('/instances/broadcast-raw-events/raiseEvent/Reschedule', { method: 'POST', body: JSON.stringify(data) });
      expect(raised.status).toBe(202);
    }
    const after = await waitForBroadcast(stack, 'raw-events', (b) => (b.timeline as Array<{ note?: string }>).filter((t) => t.note?.startsWith('ignored an invalid Reschedule')).length === 4);
    expect(after.endAt).toBe(before.endAt);
    expect(after.phase).toBe('scheduled');
  });

  it('lists and reads around an instance started by hand with input {}', async () => {
    const started = await management('/orchestrators/broadcastLifecycle/broadcast-handmade', { method: 'POST', body: '{}' });
    expect(started.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    const list = await stack.api('/api/broadcasts?top=200');
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: Array<{ id: string }>; skipped: Array<{ instanceId: string }> };
    expect(page.items.map((b) => b.id)).toContain('victim');
    expect(page.skipped.map((s) => s.instanceId)).toContain('broadcast-handmade');
    const one = await stack.api('/api/broadcasts/handmade');
    expect(one.status).toBe(404);
    expect(isProblem(one)).toBe(true);
    expect((await stack.api('/api/broadcasts/handmade/cancel', { method: 'POST' })).status).toBe(404);
    // Its id is taken: creating a broadcast with it is a conflict, not a 500.
    const clash = await create('handmade');
    expect(clash.status).toBe(409);
    expect(isProblem(clash)).toBe(true);
  });
});

describe('fuzz', () => {
  it('answers 2,000 fuzzed requests over every route without a 5xx, every error as problem+json', async () => {
    const result = await runFuzz(stack.host.url, stack.host.functionKey, fuzzRequests(10, 2_000), 4);
    expect(result.findings.slice(0, 5)).toEqual([]);
    expect(Object.keys(result.statuses).some((s) => Number(s) >= 400)).toBe(true); // it did probe errors
  }, 120_000);
});
