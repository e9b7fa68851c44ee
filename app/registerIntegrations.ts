/** Registers calendar sync, webhooks in and out, and the leak reaper (issue 5). */
import * as df from 'durable-functions';
import { createNotificationActivities } from '../activities/notificationActivities.js';
import { publishNotificationActivity } from '../contracts/notifications.js';
import { deliverWebhookActivity, webhookDeliveryOrchestrator } from '../contracts/webhooks.js';
import { webhookDelivery } from '../orchestrators/webhookDelivery.js';
import { loadIntegrationsConfig } from './integrationsConfig.js';

export function registerIntegrationFunctions(): void {
  const config = loadIntegrationsConfig();
  const client = [df.input.durableClient()];

  const notifications = createNotificationActivities({ subscribers: () => config.subscribers, maxAttempts: () => config.webhookMaxAttempts });
  df.app.activity(publishNotificationActivity, { extraInputs: client, handler: notifications.publishNotification });
  df.app.activity(deliverWebhookActivity, { handler: notifications.deliverWebhook });
  df.app.orchestration(webhookDeliveryOrchestrator, webhookDelivery);
}
