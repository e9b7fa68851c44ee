/** Registers the broadcast lifecycle orchestration and its media activities (issue 4). */
import * as df from 'durable-functions';
import { capacityLedgerOrchestrator } from '../contracts/capacity.js';
import { capacityLedger } from '../orchestrators/capacityLedger.js';
import { createMediaActivities, createReadStartupProfile } from '../activities/mediaActivities.js';
import { planningCapabilities } from '../adapters/media/capabilities.js';
import { accountCapabilities, createMediaRouter, type MediaRouter } from '../adapters/media/mediaRouter.js';
import { broadcastOrchestrator } from '../contracts/broadcast.js';
import { ManagedByTag } from '../contracts/settings.js';
import { MediaActivities } from '../contracts/mediaActivities.js';
import { broadcastLifecycle } from '../orchestrators/broadcastLifecycle.js';
import { loadConfig } from './config.js';

let gateway: MediaRouter | undefined;
/** One media port per worker over every configured account, created on first use (configuration is read once). */
export const mediaGateway = (): MediaRouter => {
  if (!gateway) {
    const config = loadConfig();
    // Every live event carries the deployment's mark: the reaper touches nothing else.
    gateway = createMediaRouter(config, { [ManagedByTag]: config.deploymentId });
  }
  return gateway;
};

export function registerBroadcastFunctions(): void {
  df.app.orchestration(broadcastOrchestrator, broadcastLifecycle);
  df.app.orchestration(capacityLedgerOrchestrator, capacityLedger);
  const activities = createMediaActivities(mediaGateway);
  for (const [name, handler] of Object.entries(activities)) df.app.activity(name, { handler: handler as (input: unknown) => Promise<unknown> });
  const capabilities = accountCapabilities(loadConfig().media);
  const readStartupProfile = createReadStartupProfile((accountName) => {
    const found = capabilities({ subscriptionId: '', resourceGroup: '', accountName });
    return found ? planningCapabilities(found) : undefined;
  });
  df.app.activity(MediaActivities.readStartupProfile, { extraInputs: [df.input.durableClient()], handler: readStartupProfile });
}
