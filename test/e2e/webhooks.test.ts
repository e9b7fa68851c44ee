// Signed lifecycle notifications out (with a receiver that is down, then up) and signed commands in.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../support/webhookReceiver.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

const outSecret = `whsec_${Buffer.from('outbound-secret-for-tests-0123456789').toString('base64')}`;
const inSecret = `whsec_${Buffer.from('inbound-secret-for-tests-9876543210').toString('base64')}`;
let stack: Stack;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver(outSecret);
  stack = await startStack({
    speed: 100,
    settings: {
      WEBHOOK_SUBSCRIBERS: JSON.stringify([{ id: 'ops', url: receiver.url, secret: outSecret }]),
      INBOUND_WEBHOOK_SECRETS: JSON.stringify({ crm: inSecret }),
      OUTBOUND_ALLOWED_HOSTS: receiver.host, // a local receiver: neither https nor a public address
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
    },
  });
});
afterAll(async () => {
  await stack.close();
  await receiver.close();
});

function signed(body: unknown, id: string, secret = inSecret, at = new Date()) {
  const payload = JSON.stringify(body);
  return {
    method: 'POST',
    body: payload,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, payload) },
  };
}

describe('outbound notifications', () => {
  it('delivers every lifecycle notification signed, retrying while the receiver is down', async () => {
    receiver.setFailing(true);
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: 'notified', startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 14) }) });
    expect(res.status).toBe(201);
    await waitForBroadcast(stack, 'notified', (b) => b.phase === 'live'); // a failing receiver does not hold the broadcast
    expect(receiver.received).toHaveLength(0);
    receiver.setFailing(false);
    await waitForBroadcast(stack, 'notified', (b) => b.phase === 'ended', 30_000);
    // The Standard Webhooks schedule retries the earliest notifications 35 min (clock) after their first attempt.
    const all = ['broadcast.scheduled', 'broadcast.allocated', 'broadcast.ready', 'broadcast.live', 'broadcast.recording_available', 'broadcast.ended'];
    const typesFor = () => receiver.received.filter((r) => r.data.broadcastId === 'notified').map((r) => r.type);
    const deadline = Date.now() + 30_000;
    while (new Set(typesFor()).size < all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const types = typesFor();
    expect(new Set(types)).toEqual(new Set(all));
    expect(types.length).toBe(new Set(types).size); // each delivered once
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.received.find((r) => r.type === 'broadcast.ready')?.data.ingestUrls).toEqual(expect.arrayContaining([expect.stringMatching(/^rtmp/)]));
    expect(receiver.attempts()).toBeGreaterThan(receiver.received.length); // the down period cost attempts
  });
});

describe('subscribers registered through the API', () => {
  it('registers, receives signed notifications, lists without secrets, and is removed', async () => {
    const key = `?code=${stack.host.functionKey}`;
    const bad = await stack.api(`/api/webhooks/subscribers${key}`, { method: 'POST', body: JSON.stringify({ id: 'x', url: 'not a url', secret: 'plain' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['/url', '/secret']);
    const registered = await stack.api(`/api/webhooks/subscribers${key}`, { method: 'POST', body: JSON.stringify({ id: 'api-sub', url: receiver.url, secret: outSecret, events: ['broadcast.cancelled'] }) });
    expect(registered.status).toBe(201);
    const listed = (await (await stack.api(`/api/webhooks/subscribers${key}`)).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items).toEqual([
      { id: 'ops', url: receiver.url, events: 'all', origin: 'settings', health: { state: 'active' } },
      { id: 'api-sub', url: receiver.url, events: ['broadcast.cancelled'], origin: 'api', health: { state: 'active' } },
    ]);

    await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: 'api-notified', startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 70) }) });
    await stack.api('/api/broadcasts/api-notified/cancel', { method: 'POST' });
    const deadline = Date.now() + 10_000;
    const cancelledFor = () => receiver.received.filter((r) => r.data.broadcastId === 'api-notified' && r.type === 'broadcast.cancelled');
    while (cancelledFor().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(cancelledFor()).toHaveLength(2); // once for the configured subscriber, once for the registered one
    expect(receiver.received.filter((r) => r.data.broadcastId === 'api-notified' && r.type === 'broadcast.scheduled')).toHaveLength(1);

    expect((await stack.api(`/api/webhooks/subscribers/api-sub${key}`, { method: 'DELETE' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 200));
    expect(((await (await stack.api(`/api/webhooks/subscribers${key}`)).json()) as { items: Array<{ id: string }> }).items.map((s) => s.id)).toEqual(['ops']);
    // The id can be registered again once removed.
    const again = await stack.api(`/api/webhooks/subscribers${key}`, { method: 'POST', body: JSON.stringify({ id: 'api-sub', url: receiver.url, secret: outSecret }) });
    expect(again.status).toBe(201);
  });
});

describe('inbound commands', () => {
  it('creates a broadcast from a signed request, and a replay is idempotent', async () => {
    const command = { type: 'broadcast.create', data: { id: 'from-crm', startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 90) } };
    const first = await stack.api('/api/webhooks/in/crm', signed(command, 'msg_1'));
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ action: 'created', broadcastId: 'from-crm' });
    const replay = await stack.api('/api/webhooks/in/crm', signed(command, 'msg_1'));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ action: 'created', broadcastId: 'from-crm', duplicate: true });
    const cancel = await stack.api('/api/webhooks/in/crm', signed({ type: 'broadcast.cancel', data: { id: 'from-crm' } }, 'msg_2'));
    expect(cancel.status).toBe(202);
    await waitForBroadcast(stack, 'from-crm', (b) => b.phase === 'cancelled');
  });

  it('rejects a bad signature, a stale timestamp and an unknown source', async () => {
    const command = { type: 'broadcast.stop', data: { id: 'whatever' } };
    const forged = await stack.api('/api/webhooks/in/crm', signed(command, 'msg_3', `whsec_${Buffer.from('someone-else-entirely-000000').toString('base64')}`));
    expect(forged.status).toBe(401);
    expect((await forged.json()) as { type: string }).toMatchObject({ status: 401 });
    const stale = await stack.api('/api/webhooks/in/crm', signed(command, 'msg_4', inSecret, new Date(Date.now() - 3600_000)));
    expect(stale.status).toBe(401);
    expect((await stack.api('/api/webhooks/in/nobody', signed(command, 'msg_5'))).status).toBe(404);
  });

  it('answers 400 naming the field for a bad command and 404 for an unknown broadcast', async () => {
    const bad = await stack.api('/api/webhooks/in/crm', signed({ type: 'broadcast.create', data: { startAt: 'soon' } }, 'msg_6'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(expect.arrayContaining(['/data/startAt']));
    expect((await stack.api('/api/webhooks/in/crm', signed({ type: 'broadcast.stop', data: { id: 'missing' } }, 'msg_7'))).status).toBe(404);
  });
});
