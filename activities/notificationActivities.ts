/**
 * publishNotification hands a lifecycle notification to one durable delivery per subscriber and
 * returns at once; deliverWebhook makes one signed attempt. A failing receiver never reaches the broadcast.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { sendWebhook, type SendResult } from '../adapters/webhookSender.js';
import type { Subscriber } from '../app/integrationsConfig.js';
import type { LifecycleNotification } from '../contracts/notifications.js';
import { deliveryInstanceId, webhookDeliveryOrchestrator, type DeliveryInput } from '../contracts/webhooks.js';
import { subscribersFor } from '../domain/notificationRouting.js';
import { registeredSubscribers } from '../functions/webhookSubscribers.js';

export function createNotificationActivities(deps: { subscribers: () => Subscriber[]; maxAttempts: () => number }) {
  /** Configured subscribers and those registered through the API (configuration wins on the same id). */
  const allSubscribers = async (client: df.DurableClient): Promise<Subscriber[]> => {
    const configured = deps.subscribers();
    const registered = (await registeredSubscribers(client)).filter((r) => !configured.some((c) => c.id === r.id));
    return [...configured, ...registered];
  };

  return {
    async publishNotification(notification: LifecycleNotification, context: InvocationContext): Promise<{ deliveries: number }> {
      const client = df.getClient(context);
      const targets = subscribersFor(await allSubscribers(client), notification.type);
      for (const subscriber of targets) {
        const input: DeliveryInput = { subscriberId: subscriber.id, notification, maxAttempts: deps.maxAttempts() };
        try {
          await client.startNew(webhookDeliveryOrchestrator, { instanceId: deliveryInstanceId(notification.id, subscriber.id), input });
        } catch (error) {
          // Already started by an earlier attempt of this activity: the notification is delivered once.
          if (!/409|already exists/i.test(String(error))) throw error;
        }
      }
      return { deliveries: targets.length };
    },

    async deliverWebhook(input: DeliveryInput, context: InvocationContext): Promise<SendResult> {
      const subscriber = (await allSubscribers(df.getClient(context))).find((s) => s.id === input.subscriberId);
      if (!subscriber) throw new Error(`subscriber '${input.subscriberId}' is no longer configured`);
      return sendWebhook(subscriber.url, subscriber.secret, input.notification);
    },
  };
}
