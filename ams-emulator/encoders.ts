/**
 * Simulated encoders and the Event Grid system topic of the emulated account: a control endpoint connects,
 * disconnects and sends heartbeats for a live event's encoder, and the account publishes the AMS live event
 * events (`Microsoft.Media.LiveEvent…`) to one event subscription, as Event Grid delivers them:
 * - creating the subscription runs the validation handshake (Event Grid schema: a
 *   `Microsoft.EventGrid.SubscriptionValidationEvent` answered with `{validationResponse}`; CloudEvents: `OPTIONS`
 *   with `WebHook-Request-Origin` answered with `WebHook-Allowed-Origin`); a failed handshake refuses the subscription;
 * - every delivery carries `aeg-event-type: Notification`; 2xx delivers; 400/401/403/413 are not retried (Event Grid
 *   dead-letters them); other answers and network errors are retried on Event Grid's schedule (10 s, 30 s, 1 min,
 *   5 min, …; emulator clock) up to `maxAttempts`;
 * - tests may ask for a delivery to be duplicated or delayed (so a later event overtakes it): at-least-once, no order.
 * Ingest is accepted only while the live event is Running (AMS refuses a push to a StandBy or Stopped live event);
 * when the live event leaves Running, a connected encoder is disconnected with an event.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock/clock.js';

export type EventSchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';
export interface EventSubscription {
  url: string;
  schema: EventSchema;
  maxAttempts?: number;
}
export interface DeliveryOptions {
  /** Deliver this event this many extra times. */
  duplicates?: number;
  /** Hold the (first) delivery this long (emulator clock), so later events arrive first. */
  delayMs?: number;
}
export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  liveEventName: string;
  attempts: Array<{ at: string; status: number | 'network-error' }>;
  state: 'pending' | 'delivered' | 'dropped';
}
interface EncoderRecord {
  streamId: string;
  encoderIp: string;
  encoderPort: string;
  connectedAt: number;
}
export interface AccountIdentity {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}
export type ControlResult = { status: number; body: unknown };

const RETRY_SCHEDULE_MS = [10_000, 30_000, 60_000, 5 * 60_000, 10 * 60_000, 30 * 60_000, 3600_000];
const NOT_RETRIED = [400, 401, 403, 413];
const DELIVERY_LOG_LIMIT = 500;

export class EncoderSimulator {
  #subscription: EventSubscription | undefined;
  readonly #encoders = new Map<string, EncoderRecord>();
  readonly #deliveries: DeliveryRecord[] = [];
  readonly #pending = new Set<() => void>();
  readonly #watch: ReturnType<typeof setInterval>;

  constructor(
    private readonly identity: () => AccountIdentity,
    private readonly clock: Clock,
    /** The live event's current state (settled), or undefined when it does not exist; and its ingest URL. */
    private readonly liveEvent: (name: string) => { state: string; ingestUrl?: string } | undefined,
  ) {
    // A live event that leaves Running drops its encoder, as the ingest closes.
    this.#watch = setInterval(() => {
      for (const name of [...this.#encoders.keys()]) {
        if (this.liveEvent(name)?.state !== 'Running') this.#disconnect(name, 'MPE_INGEST_CHANNEL_STOPPED', {});
      }
    }, 100);
    this.#watch.unref();
  }

  get topic(): string {
    const { subscriptionId, resourceGroup, accountName } = this.identity();
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Media/mediaservices/${accountName}`;
  }

  subscription(): EventSubscription | undefined {
    return this.#subscription;
  }

  deliveries(): DeliveryRecord[] {
    return this.#deliveries.map((d) => ({ ...d, attempts: [...d.attempts] }));
  }

  /** Creates (or replaces) the event subscription after the endpoint passes the validation handshake. */
  async subscribe(subscription: EventSubscription): Promise<ControlResult> {
    let url: URL;
    try {
      url = new URL(subscription.url);
    } catch {
      return { status: 400, body: { error: { code: 'InvalidRequest', message: 'url must be an absolute URL.' } } };
    }
    if (subscription.schema !== 'EventGridSchema' && subscription.schema !== 'CloudEventSchemaV1_0') {
      return { status: 400, body: { error: { code: 'InvalidRequest', message: 'schema must be EventGridSchema or CloudEventSchemaV1_0.' } } };
    }
    const handshake = subscription.schema === 'CloudEventSchemaV1_0' ? await this.#cloudEventsHandshake(url) : await this.#eventGridHandshake(url);
    if (handshake) return { status: 400, body: { error: { code: 'WebhookValidationFailed', message: `Webhook validation handshake failed for ${url.origin}${url.pathname}: ${handshake}` } } };
    this.#subscription = { ...subscription };
    return { status: 200, body: { url: `${url.origin}${url.pathname}`, schema: subscription.schema, provisioningState: 'Succeeded' } };
  }

  unsubscribe(): void {
    this.#subscription = undefined;
  }

  /** `bitrate`: what IncomingStreamReceived reports (the media plane passes the rate measured on the connection). */
  connect(name: string, body: { encoderIp?: string; encoderPort?: string; bitrate?: number; delivery?: DeliveryOptions }): ControlResult {
    const live = this.liveEvent(name);
    if (!live) return { status: 404, body: { error: { code: 'NotFound', message: `Live event ${name} does not exist.` } } };
    // A real ingest refuses the push: nothing listens for a live event that is not Running.
    if (live.state !== 'Running') return { status: 409, body: { error: { code: 'IngestNotAccepted', message: `Live event ${name} is ${live.state}: ingest is accepted only while Running.` } } };
    if (this.#encoders.has(name)) return { status: 409, body: { error: { code: 'AlreadyConnected', message: `An encoder is already connected to ${name}.` } } };
    const encoder = { streamId: randomUUID().slice(0, 8), encoderIp: body.encoderIp ?? '203.0.113.10', encoderPort: body.encoderPort ?? '51000', connectedAt: this.clock.now() };
    this.#encoders.set(name, encoder);
    const events = [
      this.#publish(name, 'Microsoft.Media.LiveEventEncoderConnected', { ingestUrl: live.ingestUrl ?? '', streamId: encoder.streamId, encoderIp: encoder.encoderIp, encoderPort: encoder.encoderPort }, body.delivery),
      this.#publish(name, 'Microsoft.Media.LiveEventIncomingStreamReceived', {
        ingestUrl: live.ingestUrl ?? '', trackType: 'video', trackName: 'video', bitrate: body.bitrate ?? 3_000_000, encoderIp: encoder.encoderIp, encoderPort: encoder.encoderPort,
        timestamp: '0', duration: '2000', timescale: '1000',
      }, body.delivery),
    ];
    return { status: 200, body: { connected: true, events } };
  }

  disconnect(name: string, body: { resultCode?: string; delivery?: DeliveryOptions }): ControlResult {
    if (!this.#encoders.has(name)) return { status: 409, body: { error: { code: 'NotConnected', message: `No encoder is connected to ${name}.` } } };
    return { status: 200, body: { connected: false, events: [this.#disconnect(name, body.resultCode ?? 'S_OK', body.delivery ?? {})] } };
  }

  /** A heartbeat; the media plane passes what it measured on the real stream (discontinuities, media timestamp). */
  heartbeat(name: string, body: { incomingBitrate?: number; healthy?: boolean; discontinuityCount?: number; lastTimestampMs?: number; delivery?: DeliveryOptions }): ControlResult {
    const encoder = this.#encoders.get(name);
    if (!encoder) return { status: 409, body: { error: { code: 'NotConnected', message: `No encoder is connected to ${name}: no heartbeat without ingest.` } } };
    const incoming = body.incomingBitrate ?? 3_000_000;
    const elapsed = body.lastTimestampMs ?? this.clock.now() - encoder.connectedAt;
    const id = this.#publish(name, 'Microsoft.Media.LiveEventIngestHeartbeat', {
      trackType: 'video', trackName: 'video', bitrate: 3_000_000, incomingBitrate: incoming, lastTimestamp: String(elapsed), timescale: '1000',
      overlapCount: 0, discontinuityCount: body.discontinuityCount ?? 0, nonincreasingCount: 0, unexpectedBitrate: false, state: 'Running', healthy: body.healthy ?? true,
      lastFragmentArrivalTime: new Date(this.clock.now()).toISOString(), ingestDriftValue: '0', transcriptionState: '', transcriptionLanguage: '',
    }, body.delivery);
    return { status: 200, body: { events: [id] } };
  }

  /** Drops every encoder and pending delivery (emulator reset / close). */
  reset(): void {
    this.#encoders.clear();
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
  }

  close(): void {
    clearInterval(this.#watch);
    this.reset();
  }

  #disconnect(name: string, resultCode: string, delivery: DeliveryOptions): string {
    const encoder = this.#encoders.get(name);
    this.#encoders.delete(name);
    const ingestUrl = this.liveEvent(name)?.ingestUrl ?? '';
    return this.#publish(name, 'Microsoft.Media.LiveEventEncoderDisconnected', { ingestUrl, streamId: encoder?.streamId ?? '', encoderIp: encoder?.encoderIp ?? '', encoderPort: encoder?.encoderPort ?? '', resultCode }, delivery);
  }

  /** Builds the event (id and time fixed now) and schedules its deliveries; returns the event id. */
  #publish(name: string, eventType: string, data: Record<string, unknown>, options: DeliveryOptions = {}): string {
    const id = randomUUID();
    const time = new Date(this.clock.now()).toISOString();
    const subscription = this.#subscription;
    if (!subscription) return id;
    const event =
      subscription.schema === 'CloudEventSchemaV1_0'
        ? { specversion: '1.0', id, source: this.topic, subject: `liveEvent/${name}`, type: eventType, time, datacontenttype: 'application/json', data }
        : { id, topic: this.topic, subject: `liveEvent/${name}`, eventType, eventTime: time, data, dataVersion: '1.0', metadataVersion: '1' };
    const copies = 1 + Math.max(0, Math.min(5, options.duplicates ?? 0));
    for (let copy = 0; copy < copies; copy++) {
      const record: DeliveryRecord = { eventId: id, eventType, liveEventName: name, attempts: [], state: 'pending' };
      this.#deliveries.push(record);
      if (this.#deliveries.length > DELIVERY_LOG_LIMIT) this.#deliveries.shift();
      this.#schedule(copy === 0 ? (options.delayMs ?? 0) : 0, () => this.#attempt(subscription, event, record));
    }
    return id;
  }

  #schedule(delayMs: number, run: () => void): void {
    if (delayMs <= 0) {
      void Promise.resolve().then(run);
      return;
    }
    const cancel = this.clock.at(this.clock.now() + delayMs, () => {
      this.#pending.delete(cancel);
      run();
    });
    this.#pending.add(cancel);
  }

  async #attempt(subscription: EventSubscription, event: object, record: DeliveryRecord): Promise<void> {
    if (this.#subscription !== subscription) {
      record.state = 'dropped';
      return;
    }
    const cloud = subscription.schema === 'CloudEventSchemaV1_0';
    let status: number | 'network-error';
    try {
      const res = await fetch(subscription.url, {
        method: 'POST',
        headers: { 'content-type': cloud ? 'application/cloudevents+json; charset=utf-8' : 'application/json', 'aeg-event-type': 'Notification', 'aeg-delivery-count': String(record.attempts.length) },
        body: JSON.stringify(cloud ? event : [event]),
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 'network-error';
    }
    record.attempts.push({ at: new Date(this.clock.now()).toISOString(), status });
    if (typeof status === 'number' && status >= 200 && status < 300) {
      record.state = 'delivered';
      return;
    }
    const maxAttempts = subscription.maxAttempts ?? 5;
    if ((typeof status === 'number' && NOT_RETRIED.includes(status)) || record.attempts.length >= maxAttempts) {
      record.state = 'dropped';
      return;
    }
    this.#schedule(RETRY_SCHEDULE_MS[Math.min(record.attempts.length - 1, RETRY_SCHEDULE_MS.length - 1)] as number, () => void this.#attempt(subscription, event, record));
  }

  async #eventGridHandshake(url: URL): Promise<string | undefined> {
    const code = randomUUID();
    const event = {
      id: randomUUID(), topic: this.topic, subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: new Date(this.clock.now()).toISOString(),
      data: { validationCode: code, validationUrl: '' }, dataVersion: '2', metadataVersion: '1',
    };
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' }, body: JSON.stringify([event]), signal: AbortSignal.timeout(30_000) });
      if (!res.ok) return `the endpoint answered ${res.status}`;
      const answer = (await res.json().catch(() => undefined)) as { validationResponse?: unknown } | undefined;
      return answer?.validationResponse === code ? undefined : 'the endpoint did not echo the validation code';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async #cloudEventsHandshake(url: URL): Promise<string | undefined> {
    try {
      const res = await fetch(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' }, signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      if (!res.ok) return `the endpoint answered ${res.status}`;
      const allowed = res.headers.get('webhook-allowed-origin');
      return allowed === 'eventgrid.azure.net' || allowed === '*' ? undefined : 'the endpoint did not allow the origin eventgrid.azure.net';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
