// Webhook delivery log, replay, disabling (410 and long failure), the SSRF guard at registration, and
// secrets kept out of every management-API answer; against real local receivers on the accelerated clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../support/webhookReceiver.js';
import { inMinutes, startStack, type Stack } from '../support/stack.js';

const secret = (seed: string) => `whsec_${Buffer.from(`${seed}-signing-secret-0123456789`).toString('base64')}`;
const configuredSecret = secret('configured');
const registeredSecret = secret('registered');
type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

let stack: Stack;
let flaky: Receiver; // registered 'log-sub': 503 with a body, then 204
let gone: Receiver; // registered 'gone-sub': 410
let dead: Receiver; // configured 'dead-cfg': 500 for ever
let watcher: Receiver; // registered 'watcher': only webhook.subscriber_disabled
let key: string;

interface Attempt { attempt: number; at: string; outcome: string; status: number | null; latencyMs: number | null; responseStart: string | null }
interface Delivery { id: string; state: string; replayOf?: string; notification: { id: string; type: string; broadcastId?: string }; attempts: Attempt[] }
interface Subscriber { id: string; origin: string; health: { state: string; reason?: string; failingSince?: string } }

beforeAll(async () => {
  [flaky, gone, dead, watcher] = await Promise.all([startWebhookReceiver(registeredSecret), startWebhookReceiver(registeredSecret), startWebhookReceiver(configuredSecret), startWebhookReceiver(registeredSecret)]);
  dead.answerWith({ status: 500, body: 'stack trace of the receiver' });
  gone.answerWith({ status: 410, body: '' });
  stack = await startStack({
    speed: 100,
    settings: {
      WEBHOOK_SUBSCRIBERS: JSON.stringify([{ id: 'dead-cfg', url: dead.url, secret: configuredSecret, events: ['broadcast.scheduled'] }]),
      OUTBOUND_ALLOWED_HOSTS: [flaky, gone, dead, watcher].map((r) => r.host).join(','),
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      WEBHOOK_DISABLE_AFTER: 'PT10M',
    },
  });
  key = `code=${stack.host.functionKey}`;
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([flaky, gone, dead, watcher].map((r) => r?.close()));
});

const api = (path: string, init?: RequestInit) => stack.api(`${path}${path.includes('?') ? '&' : '?'}${key}`, init);
const register = (id: string, receiver: Receiver, events: string[]) =>
  api('/api/webhooks/subscribers', { method: 'POST', body: JSON.stringify({ id, url: receiver.url, secret: registeredSecret, events }) });
const deliveries = async (id: string, query = '') => (await (await api(`/api/webhooks/subscribers/${id}/deliveries${query}`)).json()) as { items: Delivery[]; continuationToken?: string };
const subscribers = async () => ((await (await api('/api/webhooks/subscribers')).json()) as { items: Subscriber[] }).items;
const schedule = (id: string) => stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id, startAt: inMinutes(stack.clock, 600), endAt: inMinutes(stack.clock, 620) }) });

async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  return last;
}

/** Whether some request path could match both route templates (parameters match any segment). */
function templatesOverlap(a: string, b: string): boolean {
  const sa = a.toLowerCase().split('/');
  const sb = b.toLowerCase().split('/');
  const catchAll = (s: string | undefined) => s?.startsWith('{*') ?? false;
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i];
    const y = sb[i];
    if (catchAll(x) || catchAll(y)) return true;
    if (x === undefined || y === undefined) return false;
    if (!x.startsWith('{') && !y.startsWith('{') && x !== y) return false;
  }
  return true;
}

describe('webhook routes', () => {
  it('overlap no other route of the app, so Azure\'s order (by function name, first match) cannot shadow them', () => {
    const http = stack.host.app.functions
      .filter((f) => f.trigger.type === 'httpTrigger')
      .map((f) => ({ name: f.name, route: String(f.trigger.route ?? f.name), methods: ((f.trigger.methods as string[] | undefined) ?? ['*']).map((m) => m.toUpperCase()) }));
    const ours = http.filter((f) => f.route.toLowerCase().startsWith('webhooks/subscribers'));
    expect(ours.map((f) => f.route).sort()).toEqual([
      'webhooks/subscribers', 'webhooks/subscribers', 'webhooks/subscribers/{id}', 'webhooks/subscribers/{id}/deliveries',
      'webhooks/subscribers/{id}/deliveries/{deliveryId}/replay', 'webhooks/subscribers/{id}/enable',
    ]);
    const clashes = ours.flatMap((a) =>
      http
        .filter((b) => b.name !== a.name && templatesOverlap(a.route, b.route) && (a.methods.includes('*') || b.methods.includes('*') || a.methods.some((m) => b.methods.includes(m))))
        .map((b) => `${a.name} ${a.route} <> ${b.name} ${b.route}`),
    );
    expect(clashes).toEqual([]);
  });
});

describe('webhook delivery', () => {
  it('refuses subscriber URLs that are not public https endpoints (400 naming url)', async () => {
    for (const url of ['https://127.0.0.1/hooks', 'https://169.254.169.254/latest/meta-data', 'http://example.com/hooks', 'https://[::ffff:127.0.0.1]/hooks', 'https://localhost/hooks', 'https://10.0.0.8/hooks']) {
      const res = await api('/api/webhooks/subscribers', { method: 'POST', body: JSON.stringify({ id: 'evil', url, secret: registeredSecret }) });
      expect(res.status, url).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors: Array<{ field: string; message: string }> };
      expect(problem.errors.map((e) => e.field), url).toEqual(['/url']);
    }
    expect((await subscribers()).map((s) => s.id)).not.toContain('evil');
  });

  it('logs each attempt (time, status, latency, first bytes), pages the log, and replays a delivery', async () => {
    flaky.answerWith({ status: 503, body: `down for maintenance; ${'x'.repeat(2_000)}` });
    expect((await register('log-sub', flaky, ['broadcast.scheduled'])).status).toBe(201);
    expect((await schedule('logged')).status).toBe(201);

    // While it retries, the failed attempts are already in the log (read from the activity results).
    const retrying = await until('two failed attempts', () => deliveries('log-sub'), (d) => (d.items[0]?.attempts.length ?? 0) >= 2);
    expect(retrying.items[0]).toMatchObject({ state: 'retrying', notification: { type: 'broadcast.scheduled', broadcastId: 'logged' } });
    flaky.answerWith(undefined);
    const done = await until('delivered', () => deliveries('log-sub'), (d) => d.items[0]?.state === 'delivered');
    const [first] = done.items;
    expect(first!.attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([[1, 'rejected', 503], [2, 'rejected', 503], [3, 'delivered', 204]]);
    for (const a of first!.attempts) {
      expect(Date.parse(a.at)).not.toBeNaN();
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(first!.attempts[0]!.responseStart).toMatch(/^down for maintenance; x+…?$/);
    expect(first!.attempts[0]!.responseStart!.length).toBeLessThanOrEqual(256);
    // 5 s then 5 min between attempts (clock time), as the Standard Webhooks schedule says.
    const gaps = first!.attempts.slice(1).map((a, i) => (Date.parse(a.at) - Date.parse(first!.attempts[i]!.at)) / 1000);
    expect(gaps[0]).toBeGreaterThanOrEqual(5);
    expect(gaps[0]).toBeLessThan(120); // queueing on a loaded machine stretches clock time
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    expect(gaps[1]).toBeLessThan(420);
    const original = flaky.received.filter((r) => r.data.broadcastId === 'logged');
    expect(original).toHaveLength(1);

    const replay = await api(`/api/webhooks/subscribers/log-sub/deliveries/${first!.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    const replayed = (await replay.json()) as { id: string; replayOf: string };
    expect(replayed.replayOf).toBe(first!.id);
    await until('replayed delivery', () => flaky.received.filter((r) => r.data.broadcastId === 'logged').length, (n) => n === 2);
    const [again, firstAgain] = flaky.received.filter((r) => r.data.broadcastId === 'logged');
    expect(firstAgain!.id).toBe(again!.id); // the same webhook-id: receivers can deduplicate
    expect(firstAgain!.verified).toBe(true);

    const log = await until('both deliveries delivered', () => deliveries('log-sub'), (d) => d.items.length === 2 && d.items.every((i) => i.state === 'delivered'));
    expect(log.items.map((i) => i.id)).toEqual([replayed.id, first!.id]); // newest first
    expect(log.items[0]).toMatchObject({ replayOf: first!.id, attempts: [{ attempt: 1, outcome: 'delivered', status: 204 }] });

    const page1 = await deliveries('log-sub', '?top=1');
    expect(page1.items.map((i) => i.id)).toEqual([replayed.id]);
    expect(page1.continuationToken).toBeTruthy();
    const page2 = await deliveries('log-sub', `?top=1&continuationToken=${page1.continuationToken}`);
    expect(page2.items.map((i) => i.id)).toEqual([first!.id]);
    expect(page2.continuationToken).toBeUndefined();

    expect((await api('/api/webhooks/subscribers/log-sub/deliveries?top=0')).status).toBe(400);
    expect((await api('/api/webhooks/subscribers/log-sub/deliveries?continuationToken=%25%25')).status).toBe(400);
    expect((await api('/api/webhooks/subscribers/log-sub/deliveries/not-a-delivery/replay', { method: 'POST' })).status).toBe(400);
    expect((await api('/api/webhooks/subscribers/nobody/deliveries')).status).toBe(404);
    expect((await api(`/api/webhooks/subscribers/log-sub/deliveries/${'9'.repeat(13)}-00000000-0000-0000-0000-000000000000/replay`, { method: 'POST' })).status).toBe(404);
  });

  it('disables a subscriber that answers 410 at once, and tells the others', async () => {
    expect((await register('watcher', watcher, ['webhook.subscriber_disabled'])).status).toBe(201);
    expect((await register('gone-sub', gone, ['broadcast.scheduled'])).status).toBe(201);
    expect((await schedule('gone-1')).status).toBe(201);
    const notice = await until('disabled notice', () => watcher.received.filter((r) => r.data.subscriberId === 'gone-sub'), (n) => n.length > 0);
    expect(notice[0]).toMatchObject({ type: 'webhook.subscriber_disabled', verified: true, data: { subscriberId: 'gone-sub', reason: 'gone' } });
    expect((await subscribers()).find((s) => s.id === 'gone-sub')?.health).toMatchObject({ state: 'disabled', reason: 'gone' });
    expect(gone.requests).toHaveLength(1); // no retries after 410
    const log = await deliveries('gone-sub');
    expect(log.items[0]).toMatchObject({ state: 'stopped', attempts: [{ attempt: 1, outcome: 'gone', status: 410 }] });
    expect((await api(`/api/webhooks/subscribers/gone-sub/deliveries/${log.items[0]!.id}/replay`, { method: 'POST' })).status).toBe(409);

    expect((await schedule('gone-2')).status).toBe(201);
    await until('log-sub got gone-2', () => flaky.received.some((r) => r.data.broadcastId === 'gone-2'), Boolean);
    expect(gone.requests).toHaveLength(1); // a disabled subscriber gets nothing new
    expect(watcher.received.filter((r) => r.data.subscriberId === 'gone-sub')).toHaveLength(1);

    // An operator re-enables it once the receiver is back.
    gone.answerWith(undefined);
    expect((await api('/api/webhooks/subscribers/gone-sub/enable', { method: 'POST' })).status).toBe(202);
    await until('gone-sub active', subscribers, (s) => s.find((x) => x.id === 'gone-sub')?.health.state === 'active');
    expect((await schedule('gone-3')).status).toBe(201);
    await until('gone-sub got gone-3', () => gone.received.some((r) => r.data.broadcastId === 'gone-3'), Boolean);
  });

  it('disables a subscriber failing for longer than WEBHOOK_DISABLE_AFTER, with a notice', async () => {
    // dead-cfg (from settings) has failed every attempt since the first broadcast of this file.
    const failing = await until('dead-cfg failing', subscribers, (s) => s.find((x) => x.id === 'dead-cfg')?.health.state === 'failing');
    const since = Date.parse(failing.find((x) => x.id === 'dead-cfg')!.health.failingSince!);
    await until('10 clock minutes of failure', () => stack.clock.now(), (now) => now - since > 11 * 60_000, 20_000);
    expect((await schedule('after-ten-minutes')).status).toBe(201);
    const notice = await until('disabled notice', () => watcher.received.filter((r) => r.data.subscriberId === 'dead-cfg'), (n) => n.length > 0);
    expect(notice[0]).toMatchObject({ type: 'webhook.subscriber_disabled', data: { subscriberId: 'dead-cfg', reason: 'failing' } });
    expect((await subscribers()).find((s) => s.id === 'dead-cfg')?.health).toMatchObject({ state: 'disabled', reason: 'failing' });
    expect(dead.requests.every((r) => r.verified && r.status === 500)).toBe(true);
  });

  it('never shows a signing secret in a management-API or subscriber-API answer', async () => {
    const code = (stack.host as unknown as { systemKey?: string }).systemKey;
    const sys = code ? `&code=${code}` : '';
    const texts: string[] = [];
    // The public route may need the system key; the RPC route (loopback in Azure) does not.
    let list = await fetch(`${stack.host.url}/runtime/webhooks/durabletask/instances?showInput=true${sys}`);
    texts.push(await list.clone().text());
    if (list.status !== 200) list = await fetch(`${stack.host.url}/durabletask/instances/?showInput=true`);
    expect(list.status).toBe(200);
    const instances = (await list.json()) as Array<{ instanceId: string }>;
    expect(instances.some((i) => i.instanceId.startsWith('webhook-subscriber-'))).toBe(true);
    texts.push(JSON.stringify(instances));
    for (const { instanceId } of instances.filter((i) => i.instanceId.startsWith('webhook-'))) {
      for (const base of ['/runtime/webhooks/durabletask', '/durabletask']) {
        const res = await fetch(`${stack.host.url}${base}/instances/${encodeURIComponent(instanceId)}?showHistory=true&showHistoryOutput=true&showInput=true${sys}`);
        texts.push(await res.text());
      }
    }
    texts.push(JSON.stringify(await subscribers()));
    for (const id of ['log-sub', 'gone-sub', 'dead-cfg', 'watcher']) texts.push(JSON.stringify(await deliveries(id)));
    const all = texts.join('\n');
    expect(all).toContain('sealedSecret'); // the registration is there, sealed
    for (const s of [registeredSecret, configuredSecret]) {
      expect(all).not.toContain(s);
      expect(all).not.toContain(s.slice('whsec_'.length, 'whsec_'.length + 16));
    }
    // What a receiver answers appears only as the bounded first bytes of the log, never in errors or statuses.
    const statuses = instances.filter((i) => i.instanceId.startsWith('webhook-delivery-dead-cfg.')).map((i) => JSON.stringify((i as { customStatus?: unknown }).customStatus));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.join()).not.toContain('stack trace');
    const deadLog = await deliveries('dead-cfg');
    const attempts = deadLog.items.flatMap((d) => d.attempts as Array<Attempt & { error?: string }>);
    expect(attempts.filter((a) => a.status === 500).length).toBeGreaterThan(0);
    for (const a of attempts.filter((x) => x.status === 500)) expect(a.responseStart).toBe('stack trace of the receiver');
    expect(attempts.some((a) => a.error?.includes('stack trace'))).toBe(false);
  });
});
