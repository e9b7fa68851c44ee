/**
 * publishNotification hands a notification to one durable delivery per subscriber and returns at once;
 * deliverWebhook makes one signed attempt and returns its record as a value. A failing receiver never
 * reaches the broadcast. Work per call is bounded by the number of subscribers (one prefix query) for a
 * publish, and constant (one status read) for an attempt.
 */
import type { InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { durableClientOf } from '../adapters/durableClient.js';
import type { OutboundPolicy } from '../adapters/outboundGuard.js';
import type { SecretBox } from '../adapters/secretBox.js';
import { sendWebhook } from '../adapters/webhookSender.js';
import { subscriberEntries, subscriberEntry } from '../adapters/webhookStore.js';
import { SubscriberDisabledEvent, type LifecycleNotification, type NotificationType } from '../contracts/notifications.js';
import {
  deliveryId,
  deliveryInstanceId,
  subscriberCommandEvent,
  subscriberInstanceId,
  webhookDeliveryOrchestrator,
  webhookSubscriberOrchestrator,
  type AttemptInput,
  type ConfiguredSubscriber,
  type DeliveryAttempt,
  type DeliveryInput,
  type SubscriberCommand,
  type SubscriberHealth,
  type SubscriberRecord,
} from '../contracts/webhooks.js';
import { healthCommandAfter, subscribersFor, summarizeError } from '../domain/webhooks.js';

export interface NotificationDeps {
  subscribers: () => ConfiguredSubscriber[];
  maxAttempts: () => number;
  disableAfterMs: () => number;
  policy: () => OutboundPolicy;
  /** Undefined when WEBHOOK_SECRET_KEY is not set: registered subscribers cannot be signed for. */
  secretBox: () => SecretBox | undefined;
}

const isDuplicateStart = (error: unknown) => /409|already exists/i.test(String(error));

export function createNotificationActivities(deps: NotificationDeps) {
  /** Hands a command to a subscriber instance; a configured subscriber gets its health instance on first need. */
  async function command(client: df.DurableClient, subscriberId: string, configured: boolean, cmd: SubscriberCommand): Promise<void> {
    const instanceId = subscriberInstanceId(subscriberId);
    if (configured && !(await subscriberEntry(client, subscriberId))) {
      const record: SubscriberRecord = { id: subscriberId, origin: 'settings' };
      try {
        await client.startNew(webhookSubscriberOrchestrator, { instanceId, input: record });
      } catch (error) {
        if (!isDuplicateStart(error)) throw error;
      }
    }
    await client.raiseEvent(instanceId, subscriberCommandEvent, cmd);
  }

  return {
    async publishNotification(notification: LifecycleNotification, context: InvocationContext): Promise<{ deliveries: number }> {
      const client = durableClientOf(context);
      const entries = await subscriberEntries(context);
      const health = new Map(entries.map((e) => [e.record.id, e.health]));
      const configured = deps.subscribers();
      const candidates: Array<{ id: string; events?: NotificationType[]; health: SubscriberHealth }> = [
        ...configured.map((s) => ({ id: s.id, events: s.events, health: health.get(s.id) ?? { state: 'active' as const } })),
        ...entries.flatMap((e) => (e.record.origin === 'api' && !configured.some((c) => c.id === e.record.id) ? [{ id: e.record.id, events: e.record.events, health: e.health }] : [])),
      ];
      const about = notification.type === SubscriberDisabledEvent ? notification.data.subscriberId : undefined;
      const targets = subscribersFor(candidates, notification.type).filter((s) => s.health.state !== 'disabled' && s.id !== about);
      for (const subscriber of targets) {
        const id = deliveryId(Date.parse(notification.occurredAt), notification.id);
        const input: DeliveryInput = { subscriberId: subscriber.id, deliveryId: id, notification, maxAttempts: deps.maxAttempts() };
        try {
          await client.startNew(webhookDeliveryOrchestrator, { instanceId: deliveryInstanceId(subscriber.id, id), input });
        } catch (error) {
          // Already started by an earlier attempt of this activity: the notification is delivered once.
          if (!isDuplicateStart(error)) throw error;
        }
      }
      return { deliveries: targets.length };
    },

    async deliverWebhook(input: AttemptInput, context: InvocationContext): Promise<DeliveryAttempt> {
      const { attempt, at, subscriberId } = input;
      const client = durableClientOf(context);
      const configured = deps.subscribers().find((s) => s.id === subscriberId);
      const entry = await subscriberEntry(client, subscriberId);
      const health: SubscriberHealth = entry?.health ?? { state: 'active' };
      let target: { url: string; secret: string };
      if (configured) {
        target = configured;
      } else if (entry?.record.origin === 'api') {
        const box = deps.secretBox();
        if (!box) return { attempt, at, outcome: 'error', error: 'WEBHOOK_SECRET_KEY is not set: the signing secret cannot be opened' };
        try {
          target = { url: entry.record.url, secret: box.open(entry.record.sealedSecret, subscriberId) };
        } catch (error) {
          return { attempt, at, outcome: 'error', error: `the signing secret cannot be opened (${summarizeError(error)}); was WEBHOOK_SECRET_KEY changed?` };
        }
      } else {
        return { attempt, at, outcome: 'skipped', error: 'the subscriber is no longer registered' };
      }
      if (health.state === 'disabled') return { attempt, at, outcome: 'skipped', error: `the subscriber is disabled (${health.reason})` };

      const sent = await sendWebhook(target.url, target.secret, input.notification, { policy: deps.policy() });
      const next = healthCommandAfter(sent.outcome, health, at, deps.disableAfterMs());
      if (next) await command(client, subscriberId, configured !== undefined, next);
      return { attempt, at, ...sent };
    },
  };
}
