/**
 * Outbound webhooks: notification activities, the delivery and subscriber orchestrations, and the subscriber
 * API. Every route sits under `webhooks/subscribers` with distinct literal segments, so none overlaps another
 * route of the app whatever order the host tries them in (Azure: by function name, first match wins).
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createNotificationActivities } from '../activities/notificationActivities.js';
import { publishNotificationActivity } from '../contracts/notifications.js';
import { deliverWebhookActivity, webhookDeliveryOrchestrator, webhookSubscriberOrchestrator } from '../contracts/webhooks.js';
import { createSubscriberHandlers } from '../functions/webhookSubscribers.js';
import { webhookDelivery } from '../orchestrators/webhookDelivery.js';
import { webhookSubscriber } from '../orchestrators/webhookSubscriber.js';
import type { IntegrationsConfig } from './integrationsConfig.js';

/** Returns the publisher other triggers use to hand a notice to delivery (the same fan-out as the activity). */
export function registerWebhookFunctions(config: IntegrationsConfig): Pick<ReturnType<typeof createNotificationActivities>, 'publishNotification'> {
  const client = [df.input.durableClient()];
  const deps = {
    subscribers: () => config.subscribers,
    maxAttempts: () => config.webhookMaxAttempts,
    disableAfterMs: () => config.webhookDisableAfterMs,
    policy: () => config.outbound,
    secretBox: () => config.webhookSecretBox,
  };

  const notifications = createNotificationActivities(deps);
  df.app.activity(publishNotificationActivity, { extraInputs: client, handler: notifications.publishNotification });
  df.app.activity(deliverWebhookActivity, { extraInputs: client, handler: notifications.deliverWebhook });
  df.app.orchestration(webhookDeliveryOrchestrator, webhookDelivery);
  df.app.orchestration(webhookSubscriberOrchestrator, webhookSubscriber);

  const api = createSubscriberHandlers(deps);
  const route = (name: string, path: string, method: 'GET' | 'POST' | 'DELETE', handler: typeof api.listSubscribers) =>
    app.http(name, { route: path, methods: [method], authLevel: 'function', extraInputs: client, handler });
  route('registerWebhookSubscriber', 'webhooks/subscribers', 'POST', api.registerSubscriber);
  route('listWebhookSubscribers', 'webhooks/subscribers', 'GET', api.listSubscribers);
  route('removeWebhookSubscriber', 'webhooks/subscribers/{id}', 'DELETE', api.removeSubscriber);
  route('enableWebhookSubscriber', 'webhooks/subscribers/{id}/enable', 'POST', api.enableSubscriber);
  route('listWebhookDeliveries', 'webhooks/subscribers/{id}/deliveries', 'GET', api.listDeliveries);
  route('replayWebhookDelivery', 'webhooks/subscribers/{id}/deliveries/{deliveryId}/replay', 'POST', api.replayDelivery);
  return { publishNotification: notifications.publishNotification };
}
