// Encoder-driven broadcasts: AMS live event events from the emulator's simulated encoders, delivered by its Event Grid
// subscription to the app's Event Grid trigger on the local host (fast clock).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => (stack = await startStack({ speed: 100 })));
afterAll(() => stack.close());

type Timeline = Array<{ at: string; phase: string; note?: string }>;
type Encoder = { connected: boolean; connectionChangedAt?: string; disconnectedAt?: string; lastHeartbeatAt?: string; incomingBitrate?: number; healthy?: boolean; events: number; foreign?: number };
type View = { phase: string; timeline: Timeline; encoder?: Encoder; recording: { assetName?: string }; liveEvent: { state?: string }; idleBeforeRecordingMs?: number; endAt: string };

async function create(body: Record<string, unknown>) {
  const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
}
const get = async (id: string) => (await (await stack.api(`/api/broadcasts/${id}`)).json()) as View;
const waitFor = (id: string, predicate: (b: View) => boolean, timeoutMs = 30_000) => waitForBroadcast(stack, id, (b) => predicate(b as unknown as View), timeoutMs) as unknown as Promise<View>;
const encoder = (id: string, action: 'connect' | 'disconnect' | 'heartbeat', body: Record<string, unknown> = {}) => stack.emulator.encoders[action](`bc-${id}`, body);
const webhook = () => new URL(stack.host.eventGridWebhookUrl('receiveMediaEvent'));
const sleepClock = (ms: number) => new Promise((r) => setTimeout(r, ms / 100));
const topic = () => stack.emulator.eventGrid.topic;

describe('the Event Grid webhook of the local host', () => {
  it('refuses requests without the eventgrid_extension key, for unknown functions and without aeg-event-type', async () => {
    const url = webhook();
    const event = JSON.stringify([{ id: '1', topic: topic(), subject: 'liveEvent/bc-x', eventType: 'Microsoft.Media.LiveEventEncoderConnected', eventTime: new Date().toISOString(), data: {}, dataVersion: '1.0' }]);
    const post = (u: URL, headers: Record<string, string> = { 'aeg-event-type': 'Notification' }, body = event) => fetch(u, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const noKey = new URL(url);
    noKey.searchParams.delete('code');
    expect((await post(noKey)).status).toBe(401);
    const wrongKey = new URL(url);
    wrongKey.searchParams.set('code', stack.host.systemKey); // the durabletask_extension key is not this extension's
    expect((await post(wrongKey)).status).toBe(401);
    const unknown = new URL(url);
    unknown.searchParams.set('functionName', 'nosuchfunction');
    const missing = await post(unknown);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("cannot find function: 'nosuchfunction'");
    const notEventGrid = new URL(url);
    notEventGrid.searchParams.set('functionName', 'listBroadcasts');
    expect((await post(notEventGrid)).status).toBe(404);
    expect((await post(url, {})).status).toBe(400); // not sent by Event Grid: no aeg-event-type
    expect((await post(url, { 'aeg-event-type': 'Notification' }, '{not json')).status).toBe(400);
    expect((await post(url, { 'aeg-event-type': 'Notification' }, '42')).status).toBe(400);
    expect((await post(url, { 'aeg-event-type': 'Unsubscribe' })).status).toBe(202);
  });

  it('answers both validation handshakes', async () => {
    const url = webhook();
    const validation = await fetch(url, {
      method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'v', topic: topic(), subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: new Date().toISOString(), data: { validationCode: 'abc-123' }, dataVersion: '2' }]),
    });
    expect(validation.status).toBe(200);
    expect(await validation.json()).toEqual({ validationResponse: 'abc-123' });
    const options = await fetch(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const stranger = await fetch(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'evil.example' } });
    expect(stranger.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net'); // never echoes an unknown origin
    const unsigned = new URL(url);
    unsigned.searchParams.delete('code');
    expect((await fetch(unsigned, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } })).status).toBe(401);
  });

  it('the emulator refuses a subscription whose endpoint fails the handshake', async () => {
    const bad = new URL(webhook());
    bad.searchParams.set('code', 'wrong');
    const refused = await stack.emulator.eventGrid.subscribe({ url: bad.toString(), schema: 'EventGridSchema' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('handshake');
  });
});

describe.concurrent('encoder-driven broadcasts', () => {
  it('startOn encoder: Running on schedule without recording, records within seconds of the encoder connecting', async () => {
    const id = 'enc-start';
    await create({ id, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 40), startOn: 'encoder' });
    const standby = await waitFor(id, (b) => b.phase === 'standby');
    expect(standby.phase).toBe('standby');
    const early = encoder(id, 'connect'); // AMS accepts no ingest before Running
    expect(early.status).toBe(409);
    const waiting = await waitFor(id, (b) => b.phase === 'awaiting_encoder' && b.liveEvent.state === 'Running');
    expect(waiting.recording.assetName).toBeUndefined();
    await sleepClock(60_000);
    expect((await get(id)).phase).toBe('awaiting_encoder');
    const connectedAt = stack.clock.now();
    expect(encoder(id, 'connect', { encoderIp: '198.51.100.7' }).status).toBe(200);
    const live = await waitFor(id, (b) => b.phase === 'live', 10_000);
    const liveAt = Date.parse(live.timeline.find((t) => t.phase === 'live')?.at ?? '');
    // Clock time at 100x: the live output's create (2 s) and polls, plus every real millisecond of host overhead x 100.
    expect(liveAt - connectedAt).toBeLessThan(60_000);
    expect(live.recording.assetName).toBeTruthy();
    expect(live.encoder).toMatchObject({ connected: true });
    expect(live.idleBeforeRecordingMs).toBeGreaterThanOrEqual(60_000);
    expect(encoder(id, 'heartbeat', { incomingBitrate: 1_234_000, healthy: false }).status).toBe(200);
    const beat = await waitFor(id, (b) => b.encoder?.incomingBitrate === 1_234_000, 10_000);
    expect(beat.encoder).toMatchObject({ healthy: false });
    expect(beat.encoder?.lastHeartbeatAt).toBeTruthy();
    expect((await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' })).status).toBeLessThan(300);
    await waitFor(id, (b) => b.phase === 'ended');
  });

  it('idle stop fires after the reconnect window from the last disconnect, and not before', async () => {
    const id = 'idle-stop';
    const endAt = inMinutes(stack.clock, 60);
    await create({ id, startAt: inMinutes(stack.clock, 10), endAt, idleStop: { reconnectWindowSeconds: 120 } });
    await waitFor(id, (b) => b.phase === 'live');
    expect(encoder(id, 'connect').status).toBe(200);
    await waitFor(id, (b) => b.encoder?.connected === true, 10_000);
    await sleepClock(240_000); // longer than the window: connected, so no idle stop
    expect((await get(id)).phase).toBe('live');
    expect(encoder(id, 'disconnect').status).toBe(200);
    const disconnected = await waitFor(id, (b) => b.encoder?.connected === false, 10_000);
    const disconnectedAt = Date.parse(disconnected.encoder?.disconnectedAt ?? '');
    await sleepClock(60_000);
    expect((await get(id)).phase).toBe('live'); // half the window: still live
    const ended = await waitFor(id, (b) => b.phase === 'ended', 30_000);
    const idleNote = ended.timeline.find((t) => t.note?.startsWith('idle stop'));
    expect(idleNote, JSON.stringify(ended.timeline)).toBeDefined();
    expect(Date.parse(idleNote!.at)).toBeGreaterThanOrEqual(disconnectedAt + 120_000);
    expect(Date.parse(idleNote!.at)).toBeLessThan(disconnectedAt + 120_000 + 30_000);
    expect(Date.parse(idleNote!.at)).toBeLessThan(Date.parse(endAt));
    expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined(); // cleaned up
  });

  it('repeated and out-of-order deliveries change nothing twice; events reach only their own broadcast', async () => {
    const [a, b] = ['ordered-a', 'ordered-b'];
    await create({ id: a, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 40) });
    await create({ id: b, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 40) });
    await waitFor(a, (x) => x.phase === 'live');
    await waitFor(b, (x) => x.phase === 'live');
    expect(encoder(a, 'connect', { delivery: { duplicates: 2 } }).status).toBe(200);
    await sleepClock(5_000);
    // The disconnect is held back 40 s (clock); the reconnect after it arrives first.
    expect(encoder(a, 'disconnect', { delivery: { delayMs: 40_000 } }).status).toBe(200);
    await sleepClock(5_000);
    const reconnect = encoder(a, 'connect');
    expect(reconnect.status).toBe(200);
    const reconnectId = (reconnect.body as { events: string[] }).events[0];
    await sleepClock(60_000); // the held disconnect has been delivered by now
    const deliveries = stack.emulator.eventGrid.deliveries().filter((d) => d.liveEventName === `bc-${a}`);
    expect(deliveries.filter((d) => d.eventType.endsWith('EncoderConnected') && d.state === 'delivered')).toHaveLength(4); // 1 + 2 duplicates + reconnect
    expect(deliveries.find((d) => d.eventType.endsWith('EncoderDisconnected'))?.state).toBe('delivered');
    const reconnectArrived = Date.parse(deliveries.find((d) => d.eventId === reconnectId)?.attempts[0]?.at ?? '');
    const disconnectArrived = Date.parse(deliveries.find((d) => d.eventType.endsWith('EncoderDisconnected'))?.attempts[0]?.at ?? '');
    expect(disconnectArrived).toBeGreaterThan(reconnectArrived); // really out of order
    const viewA = await get(a);
    expect(viewA.encoder?.connected).toBe(true); // the late, older disconnect did not win
    expect(viewA.timeline.filter((t) => t.note === 'encoder connected')).toHaveLength(1);
    expect(viewA.timeline.filter((t) => t.note === 'encoder disconnected')).toHaveLength(0);
    const viewB = await get(b);
    expect(viewB.encoder).toBeUndefined();

    // An event naming B's live event from an account that is not B's (nor configured) is ignored; a CloudEvent for B is applied.
    const url = webhook();
    const foreign = await fetch(url, {
      method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'f1', topic: topic().replace(/broadcastams$/, 'otheraccount'), subject: `liveEvent/bc-${b}`, eventType: 'Microsoft.Media.LiveEventEncoderConnected', eventTime: new Date(stack.clock.now()).toISOString(), data: {}, dataVersion: '1.0', metadataVersion: '1' }]),
    });
    expect(foreign.status).toBe(202);
    const cloud = await fetch(url, {
      method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify({ specversion: '1.0', id: 'c1', source: topic(), subject: `liveEvent/bc-${b}`, type: 'Microsoft.Media.LiveEventIngestHeartbeat', time: new Date(stack.clock.now()).toISOString(), data: { incomingBitrate: 777, healthy: true } }),
    });
    expect(cloud.status).toBe(202);
    const heard = await waitFor(b, (x) => x.encoder?.incomingBitrate === 777, 10_000);
    expect(heard.encoder?.connected).toBe(false);
    expect((await get(a)).encoder?.incomingBitrate).not.toBe(777);
    for (const id of [a, b]) await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
    await waitFor(a, (x) => x.phase === 'ended');
    await waitFor(b, (x) => x.phase === 'ended');
  });
});

// Its own group: the emulated account holds 5 live events at once (AMS's default), the group above uses 4.
describe('startOn encoder without an encoder', () => {
  it('startOn encoder without an encoder: an idle stop records nothing; a stop while waiting is accepted', async () => {
    const [idle, stopped] = ['enc-idle', 'enc-stopped'];
    await create({ id: idle, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 60), startOn: 'encoder', idleStop: { reconnectWindowSeconds: 90 } });
    await create({ id: stopped, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 60), startOn: 'encoder' });
    await waitFor(stopped, (b) => b.phase === 'awaiting_encoder');
    expect((await stack.api(`/api/broadcasts/${stopped}/stop`, { method: 'POST' })).status).toBe(202);
    const ended = await waitFor(idle, (b) => b.phase === 'ended', 25_000);
    expect(ended.timeline.some((t) => t.note === 'idle stop: no encoder for 90 s')).toBe(true);
    expect(ended.recording.assetName).toBeUndefined(); // no live output was ever created
    expect(ended.idleBeforeRecordingMs).toBeGreaterThanOrEqual(90_000);
    expect((await waitFor(stopped, (b) => b.phase === 'ended')).recording.assetName).toBeUndefined();
  }, 60_000);
});

describe('validation of the new fields', () => {
  it('refuses an idle window outside 0-1800 s and an unknown startOn with problem details naming the field', async () => {
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ startAt: inMinutes(stack.clock, 30), endAt: inMinutes(stack.clock, 60), idleStop: { reconnectWindowSeconds: 1801 }, startOn: 'whenever' }) });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['/idleStop/reconnectWindowSeconds', '/startOn']);
  });
});

describe('Event Grid delivery by the emulator', () => {
  it('retries a failing endpoint with backoff, then delivers', async () => {
    const received: Array<{ type: string; at: number }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const events = JSON.parse(body) as Array<{ eventType: string; data: { validationCode?: string } }>;
        if (req.headers['aeg-event-type'] === 'SubscriptionValidation') return res.writeHead(200).end(JSON.stringify({ validationResponse: events[0]?.data.validationCode }));
        // The first attempt of each EncoderConnected fails (events of other live events may arrive too: not counted on).
        if (events[0]?.eventType.endsWith('EncoderConnected') && req.headers['aeg-delivery-count'] === '0') return res.writeHead(503).end();
        received.push({ type: events[0]?.eventType ?? '', at: stack.clock.now() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const original = stack.host.eventGridWebhookUrl('receiveMediaEvent');
    try {
      expect((await stack.emulator.eventGrid.subscribe({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, schema: 'EventGridSchema' })).status).toBe(200);
      const id = 'retried';
      await create({ id, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 30) });
      await waitFor(id, (b) => b.phase === 'live');
      const sentAt = stack.clock.now();
      expect(encoder(id, 'connect').status).toBe(200);
      const connectedDelivery = () => stack.emulator.eventGrid.deliveries().find((d) => d.liveEventName === `bc-${id}` && d.eventType.endsWith('EncoderConnected'));
      const deadline = Date.now() + 10_000;
      while (connectedDelivery()?.state !== 'delivered' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const connected = connectedDelivery();
      expect(connected?.attempts.map((a) => a.status)).toEqual([503, 200]);
      expect(received.find((r) => r.type.endsWith('EncoderConnected'))!.at - sentAt).toBeGreaterThanOrEqual(10_000); // Event Grid's first retry: 10 s
      await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
      await waitFor(id, (b) => b.phase === 'ended');
    } finally {
      expect((await stack.emulator.eventGrid.subscribe({ url: original, schema: 'EventGridSchema' })).status).toBe(200);
      server.close();
    }
  });

  it('delivers structured CloudEvents after the OPTIONS handshake', async () => {
    const original = stack.host.eventGridWebhookUrl('receiveMediaEvent');
    expect((await stack.emulator.eventGrid.subscribe({ url: original, schema: 'CloudEventSchemaV1_0' })).status).toBe(200);
    try {
      const id = 'cloud-events';
      await create({ id, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 30) });
      await waitFor(id, (b) => b.phase === 'live');
      expect(encoder(id, 'connect').status).toBe(200);
      await waitFor(id, (b) => b.encoder?.connected === true, 10_000);
      await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
      const ended = await waitFor(id, (b) => b.phase === 'ended');
      expect(ended.encoder?.connected).toBe(false); // the stop closed the ingest
    } finally {
      await stack.emulator.eventGrid.subscribe({ url: original, schema: 'EventGridSchema' });
    }
  });
});
