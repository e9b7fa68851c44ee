/**
 * Webhook subscribers through the API, all under `webhooks/subscribers` so no route of the app overlaps:
 * register (POST), list (GET), remove (DELETE …/{id}), re-enable (POST …/{id}/enable), the delivery log
 * (GET …/{id}/deliveries) and replay (POST …/{id}/deliveries/{deliveryId}/replay). Signing secrets are sealed before they reach durable state
 * and never answered.
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { checkOutboundUrl, type OutboundPolicy, type Resolver } from '../adapters/outboundGuard.js';
import type { SecretBox } from '../adapters/secretBox.js';
import { queryInstances, readInstanceHistory, subscriberEntries, subscriberEntry, type InstanceStatus } from '../adapters/webhookStore.js';
import { NotificationTypes } from '../contracts/notifications.js';
import {
  deliveryId as newDeliveryId,
  deliveryIdPattern,
  deliveryInstanceId,
  deliveryInstancePrefix,
  subscriberCommandEvent,
  subscriberIdPattern,
  subscriberInstanceId,
  webhookDeliveryOrchestrator,
  webhookSubscriberOrchestrator,
  type ConfiguredSubscriber,
  type DeliveryAttempt,
  type DeliveryInput,
  type DeliveryResult,
  type DeliveryStatus,
  type SubscriberCommand,
  type SubscriberRecord,
} from '../contracts/webhooks.js';
import { conflictProblem, notFoundProblem, unavailableProblem, validationProblem } from '../domain/problem.js';
import { json, problemResponse, readJson } from './http.js';

export const subscriberSchema = z
  .object({
    id: z.string().regex(subscriberIdPattern, '1-40 letters, digits, hyphens or underscores'),
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be a Standard Webhooks secret: whsec_ followed by base64'),
    events: z.array(z.enum(NotificationTypes)).optional(),
  })
  .strict();

export interface SubscriberApiDeps {
  subscribers: () => ConfiguredSubscriber[];
  maxAttempts: () => number;
  policy: () => OutboundPolicy;
  secretBox: () => SecretBox | undefined;
  resolver?: Resolver;
}

const badField = (field: string, message: string) => problemResponse(validationProblem([{ field, message }]));
const running = (status: string) => status === 'Running' || status === 'Pending';

/** The attempts of a delivery: its output once finished, otherwise the activity results in its history. */
function attemptsOf(status: InstanceStatus): DeliveryAttempt[] {
  const output = status.output as DeliveryResult | null | undefined;
  if (output && Array.isArray(output.attempts)) return output.attempts;
  return (status.historyEvents ?? []).flatMap((event) => {
    let result = event.Result;
    if (typeof result === 'string') {
      try {
        result = JSON.parse(result) as unknown;
      } catch {
        return [];
      }
    }
    const attempt = result as DeliveryAttempt | undefined;
    return attempt && typeof attempt === 'object' && typeof attempt.attempt === 'number' && typeof attempt.outcome === 'string' ? [attempt] : [];
  });
}

function deliveryView(status: InstanceStatus, prefix: string) {
  const input = (status.input ?? {}) as Partial<DeliveryInput>;
  const custom = (status.customStatus ?? undefined) as DeliveryStatus | undefined;
  const notification = input.notification;
  const state = status.runtimeStatus === 'Completed' ? ((status.output as DeliveryResult | null)?.state ?? 'delivered') : running(status.runtimeStatus) ? (custom?.state ?? 'delivering') : status.runtimeStatus.toLowerCase();
  return {
    id: status.instanceId.slice(prefix.length),
    notification: notification && { id: notification.id, type: notification.type, ...(notification.broadcastId !== undefined && { broadcastId: notification.broadcastId }), occurredAt: notification.occurredAt },
    ...(input.replayOf && { replayOf: input.replayOf }),
    state,
    createdAt: status.createdTime,
    ...(running(status.runtimeStatus) && custom?.nextAttemptAt && { nextAttemptAt: custom.nextAttemptAt }),
    attempts: attemptsOf(status).map((a) => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, status: a.status ?? null, latencyMs: a.latencyMs ?? null, responseStart: a.responseStart ?? null, ...(a.error && { error: a.error }) })),
  };
}

export function createSubscriberHandlers(deps: SubscriberApiDeps) {
  const isConfigured = (id: string) => deps.subscribers().some((s) => s.id === id);
  /** 404 unless the subscriber is configured or has (or had) an instance. */
  async function known(client: df.DurableClient, id: string): Promise<boolean> {
    if (isConfigured(id)) return true;
    try {
      await client.getStatus(subscriberInstanceId(id), { showInput: false });
      return true;
    } catch (error) {
      if (/404/.test(String(error))) return false;
      throw error;
    }
  }

  return {
    registerSubscriber: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const parsed = subscriberSchema.safeParse(body.body);
      if (!parsed.success) {
        return problemResponse(validationProblem(parsed.error.issues.map((i) => ({ field: '/' + i.path.map(String).join('/'), message: i.message })), 'The subscriber is not valid.'));
      }
      const { id, url, secret, events } = parsed.data;
      const refused = await checkOutboundUrl(url, deps.policy(), deps.resolver);
      if (refused) return problemResponse(validationProblem([{ field: '/url', message: `${refused}; subscribers must be public https endpoints` }], 'The subscriber is not valid.'));
      const box = deps.secretBox();
      if (!box) return problemResponse(unavailableProblem('Registering subscribers needs WEBHOOK_SECRET_KEY (32 bytes, base64) to seal their signing secrets.'));
      if (isConfigured(id)) return problemResponse(conflictProblem(`A subscriber with id '${id}' is configured in WEBHOOK_SUBSCRIBERS.`));
      const client = df.getClient(context);
      if (await subscriberEntry(client, id)) return problemResponse(conflictProblem(`A subscriber with id '${id}' is already registered.`));
      const record: SubscriberRecord = { id, origin: 'api', url, ...(events && { events }), sealedSecret: box.seal(secret, id), registeredAt: new Date().toISOString() };
      try {
        await client.startNew(webhookSubscriberOrchestrator, { instanceId: subscriberInstanceId(id), input: record });
      } catch {
        return problemResponse(conflictProblem(`A subscriber with id '${id}' is already registered.`));
      }
      return json(201, { id, url, events: events ?? 'all', state: 'active' });
    },

    listSubscribers: async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const entries = await subscriberEntries(context);
      const health = new Map(entries.map((e) => [e.record.id, e.health]));
      const configured = deps.subscribers();
      const items = [
        ...configured.map((s) => ({ id: s.id, url: s.url, events: s.events ?? 'all', origin: 'settings', health: health.get(s.id) ?? { state: 'active' } })),
        ...entries.flatMap((e) =>
          e.record.origin === 'api' && !configured.some((c) => c.id === e.record.id) ? [{ id: e.record.id, url: e.record.url, events: e.record.events ?? 'all', origin: 'api', health: e.health }] : [],
        ),
      ];
      return json(200, { items });
    },

    removeSubscriber: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      if (!subscriberIdPattern.test(id)) return badField('/id', '1-40 letters, digits, hyphens or underscores');
      if (isConfigured(id)) return problemResponse(conflictProblem(`Subscriber '${id}' is configured in WEBHOOK_SUBSCRIBERS; remove it there.`));
      const client = df.getClient(context);
      if (!(await subscriberEntry(client, id))) return problemResponse(notFoundProblem(`No subscriber with id '${id}'.`));
      const remove: SubscriberCommand = { type: 'remove' };
      await client.raiseEvent(subscriberInstanceId(id), subscriberCommandEvent, remove);
      return { status: 204 };
    },

    enableSubscriber: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      if (!subscriberIdPattern.test(id)) return badField('/id', '1-40 letters, digits, hyphens or underscores');
      const client = df.getClient(context);
      const entry = await subscriberEntry(client, id);
      if (!entry && !isConfigured(id)) return problemResponse(notFoundProblem(`No subscriber with id '${id}'.`));
      if (entry?.health.state === 'disabled') {
        const enable: SubscriberCommand = { type: 'enable', at: new Date().toISOString() };
        await client.raiseEvent(subscriberInstanceId(id), subscriberCommandEvent, enable);
      }
      return json(202, { id, state: 'active' });
    },

    listDeliveries: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      if (!subscriberIdPattern.test(id)) return badField('/id', '1-40 letters, digits, hyphens or underscores');
      const topText = request.query.get('top') ?? '20';
      const top = Number(topText);
      if (!/^\d{1,3}$/.test(topText) || top < 1 || top > 100) return badField('/top', 'must be an integer from 1 to 100');
      const token = request.query.get('continuationToken') ?? undefined;
      let continuationToken: string | undefined;
      if (token !== undefined) {
        continuationToken = /^[A-Za-z0-9_-]{1,4000}$/.test(token) ? Buffer.from(token, 'base64url').toString() : undefined;
        if (!continuationToken) return badField('/continuationToken', 'is not a token this API gave out');
      }
      const client = df.getClient(context);
      if (!(await known(client, id))) return problemResponse(notFoundProblem(`No subscriber with id '${id}'.`));
      const prefix = deliveryInstancePrefix(id);
      const page = await queryInstances(context, { prefix, top, continuationToken });
      // Running deliveries keep their attempts in history (activity results), not in their status.
      const items = await Promise.all(
        page.items.map(async (status) => {
          if (status.runtimeStatus === 'Completed') return deliveryView(status, prefix);
          const full = await readInstanceHistory(context, status.instanceId);
          return deliveryView({ ...status, historyEvents: full?.historyEvents ?? [] }, prefix);
        }),
      );
      return json(200, { items, ...(page.continuationToken && { continuationToken: Buffer.from(page.continuationToken).toString('base64url') }) });
    },

    replayDelivery: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      const original = request.params.deliveryId ?? '';
      if (!subscriberIdPattern.test(id)) return badField('/id', '1-40 letters, digits, hyphens or underscores');
      if (!deliveryIdPattern.test(original)) return badField('/deliveryId', 'is not a delivery id');
      const client = df.getClient(context);
      let status: df.DurableOrchestrationStatus;
      try {
        status = await client.getStatus(deliveryInstanceId(id, original), { showInput: true });
      } catch (error) {
        if (/404/.test(String(error))) return problemResponse(notFoundProblem(`No delivery '${original}' for subscriber '${id}'.`));
        throw error;
      }
      if (running(String(status.runtimeStatus))) return problemResponse(conflictProblem(`Delivery '${original}' is still being attempted.`));
      const entry = await subscriberEntry(client, id);
      if (!isConfigured(id) && entry?.record.origin !== 'api') return problemResponse(notFoundProblem(`Subscriber '${id}' is no longer registered.`));
      if (entry?.health.state === 'disabled') return problemResponse(conflictProblem(`Subscriber '${id}' is disabled (${entry.health.reason}).`));
      const previous = status.input as DeliveryInput;
      // After the original in the log's order, whichever clock ran ahead.
      const at = Math.max(Date.now(), Date.parse(String(status.lastUpdatedTime)) + 1);
      const replay = newDeliveryId(at, randomUUID());
      const input: DeliveryInput = { subscriberId: id, deliveryId: replay, notification: previous.notification, maxAttempts: deps.maxAttempts(), replayOf: original };
      await client.startNew(webhookDeliveryOrchestrator, { instanceId: deliveryInstanceId(id, replay), input });
      return json(202, { id: replay, replayOf: original, notification: { id: previous.notification.id, type: previous.notification.type } }, { location: `/api/webhooks/subscribers/${id}/deliveries` });
    },
  };
}
