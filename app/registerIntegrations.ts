/** Registers calendar sync, webhooks in and out, and the leak reaper (issue 5). */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createCalendarSyncHandlers } from '../functions/calendarSync.js';
import { createInboundWebhookHandler } from '../functions/inboundWebhooks.js';
import { inboundReceiptOrchestrator, inboundWebhookReceipt } from '../orchestrators/inboundWebhookReceipt.js';
import { createReaperHandlers } from '../functions/reaper.js';
import { loadConfig } from './config.js';
import { mediaGateway } from './registerBroadcasts.js';
import { loadIntegrationsConfig } from './integrationsConfig.js';
import { registerWebhookFunctions } from './registerWebhooks.js';
import { createGuardedFetch } from '../adapters/outboundGuard.js';

export function registerIntegrationFunctions(): void {
  const config = loadIntegrationsConfig();
  const client = [df.input.durableClient()];

  const { publishNotification } = registerWebhookFunctions(config);

  const appConfig = loadConfig();
  const policy = appConfig.broadcast;
  app.http('receiveWebhook', {
    route: 'webhooks/in/{source}', // never overlaps webhooks/subscribers (Azure orders routes by function name only)
    methods: ['POST'],
    authLevel: 'anonymous', // authenticated by the Standard Webhooks signature
    extraInputs: client,
    handler: createInboundWebhookHandler({ secrets: () => config.inboundSecrets, policy, defaultAccount: appConfig.account, api: appConfig.api }),
  });
  df.app.orchestration(inboundReceiptOrchestrator, inboundWebhookReceipt);

  // Feeds are user-supplied URLs: only public https (or OUTBOUND_ALLOWED_HOSTS); the reader applies its own size cap and timeout.
  const feedFetch = createGuardedFetch({ policy: config.outbound, maxBodyBytes: 64 * 1024 * 1024, timeoutMs: 60_000 });
  const calendar = createCalendarSyncHandlers({ feeds: config.calendar.feeds, lookaheadMs: config.calendar.lookaheadMs, policy, defaultAccount: appConfig.account, capacity: appConfig.api.capacity ? { accounts: appConfig.api.capacity, pool: appConfig.api.accounts, maxDurationMs: appConfig.api.maxDurationMs } : undefined, fetch: feedFetch, publish: publishNotification });
  if (config.calendar.feeds.length > 0) {
    app.timer('syncCalendars', { schedule: config.calendar.schedule, runOnStartup: true, extraInputs: client, handler: calendar.syncCalendarsTimer });
  }
  app.http('syncCalendarsNow', { route: 'calendar/sync', methods: ['POST'], authLevel: 'function', extraInputs: client, handler: calendar.syncCalendarsHttp });

  const reaper = createReaperHandlers({ janitor: mediaGateway, accounts: appConfig.api.accounts, managedBy: appConfig.deploymentId, graceMs: config.reaper.graceMs, deleteOrphans: config.reaper.deleteOrphans });
  app.timer('reapLeakedLiveEvents', { schedule: config.reaper.schedule, extraInputs: client, handler: reaper.reapLeakedLiveEventsTimer });
  app.http('runLeakReaper', { route: 'reaper/run', methods: ['POST'], authLevel: 'function', extraInputs: client, handler: reaper.reapLeakedLiveEventsHttp });
}
