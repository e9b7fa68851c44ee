/** Registers calendar sync, webhooks in and out, and the leak reaper (issue 5). */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createCalendarSyncHandlers } from '../functions/calendarSync.js';
import { createInboundWebhookHandler } from '../functions/inboundWebhooks.js';
import { createSubscriberHandlers } from '../functions/webhookSubscribers.js';
import { webhookSubscriber, webhookSubscriberOrchestrator } from '../orchestrators/webhookSubscriber.js';
import { inboundReceiptOrchestrator, inboundWebhookReceipt } from '../orchestrators/inboundWebhookReceipt.js';
import { createReaperHandlers } from '../functions/reaper.js';
import { loadConfig } from './config.js';
import { mediaGateway } from './registerBroadcasts.js';
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
  df.app.activity(deliverWebhookActivity, { extraInputs: client, handler: notifications.deliverWebhook });
  df.app.orchestration(webhookSubscriberOrchestrator, webhookSubscriber);
  const subscribers = createSubscriberHandlers();
  app.http('registerWebhookSubscriber', { route: 'webhooks/subscribers', methods: ['POST'], authLevel: 'function', extraInputs: client, handler: subscribers.registerSubscriber });
  app.http('listWebhookSubscribers', { route: 'webhooks/subscribers', methods: ['GET'], authLevel: 'function', extraInputs: client, handler: subscribers.listSubscribers });
  app.http('removeWebhookSubscriber', { route: 'webhooks/subscribers/{id}', methods: ['DELETE'], authLevel: 'function', extraInputs: client, handler: subscribers.removeSubscriber });
  df.app.orchestration(webhookDeliveryOrchestrator, webhookDelivery);

  const appConfig = loadConfig();
  const policy = appConfig.broadcast;
  app.http('receiveWebhook', {
    route: 'webhooks/{source}',
    methods: ['POST'],
    authLevel: 'anonymous', // authenticated by the Standard Webhooks signature
    extraInputs: client,
    handler: createInboundWebhookHandler({ secrets: () => config.inboundSecrets, policy, defaultAccount: appConfig.account, api: appConfig.api }),
  });
  df.app.orchestration(inboundReceiptOrchestrator, inboundWebhookReceipt);

  const calendar = createCalendarSyncHandlers({ feeds: config.calendar.feeds, lookaheadMs: config.calendar.lookaheadMs, policy, defaultAccount: appConfig.account });
  if (config.calendar.feeds.length > 0) {
    app.timer('syncCalendars', { schedule: config.calendar.schedule, runOnStartup: true, extraInputs: client, handler: calendar.syncCalendarsTimer });
  }
  app.http('syncCalendarsNow', { route: 'calendar/sync', methods: ['POST'], authLevel: 'function', extraInputs: client, handler: calendar.syncCalendarsHttp });

  const reaper = createReaperHandlers({ janitor: mediaGateway, accounts: appConfig.api.accounts, managedBy: appConfig.deploymentId, graceMs: config.reaper.graceMs, deleteOrphans: config.reaper.deleteOrphans });
  app.timer('reapLeakedLiveEvents', { schedule: config.reaper.schedule, extraInputs: client, handler: reaper.reapLeakedLiveEventsTimer });
  app.http('runLeakReaper', { route: 'reaper/run', methods: ['POST'], authLevel: 'function', extraInputs: client, handler: reaper.reapLeakedLiveEventsHttp });
}
