/**
 * The media port over the whole account pool: each call goes to the gateway of the account's provider, built from
 * configuration alone (AMS and Ravnur through the ARM client, MK.IO through its REST gateway).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { LiveEventSettings, RecordingSettings } from '../../contracts/broadcast.js';
import type { MediaAccountRef, MediaCapabilities } from '../../contracts/media.js';
import type { LiveEventAction } from '../../contracts/mediaActivities.js';
import type { MediaAccountSettings, MediaClientSettings } from '../../contracts/settings.js';
import { createArmClient, entraCredential, tlsOptionsFor } from '../ams/mediaClient.js';
import { MediaGateway } from '../ams/mediaGateway.js';
import { capabilitiesOf } from './capabilities.js';
import { createHttpSend } from './http.js';
import { MkioGateway } from './mkioGateway.js';
import type { MediaPort, MediaPortRouter } from './port.js';
import { ravnurAuthPolicy, RavnurTokenCredential, SDK_BEARER_POLICY } from './ravnurCredential.js';

export interface RoutedAccount {
  account: MediaAccountRef;
  capabilities: MediaCapabilities;
  gateway: MediaPort;
}

export class MediaRouter implements MediaPortRouter {
  readonly #byName = new Map<string, RoutedAccount>();
  readonly #default: RoutedAccount | undefined;

  /** The first account is the default one. */
  constructor(accounts: readonly RoutedAccount[]) {
    for (const a of accounts) if (!this.#byName.has(a.account.accountName)) this.#byName.set(a.account.accountName, a);
    this.#default = accounts[0];
  }

  /**
   * A configured account with its configured reference; any other (an input written before the account left the
   * configuration, a further account of the default's subscription) through the default account's gateway, as given.
   */
  #route(account: MediaAccountRef): RoutedAccount {
    const routed = this.#byName.get(account.accountName) ?? (this.#default && { ...this.#default, account });
    if (!routed) throw new Error(`no media account named ${account.accountName} is configured`);
    return routed;
  }

  /** The configured reference (subscription, resource group) wins over what an old input carried. */
  #call<T>(account: MediaAccountRef, use: (gateway: MediaPort, ref: MediaAccountRef) => Promise<T>): Promise<T> {
    const routed = this.#route(account);
    return use(routed.gateway, routed.account);
  }

  capabilities(account: MediaAccountRef): MediaCapabilities {
    return this.#route(account).capabilities;
  }

  readLiveEvent(account: MediaAccountRef, name: string) {
    return this.#call(account, (g, a) => g.readLiveEvent(a, name));
  }
  ensureLiveEvent(account: MediaAccountRef, name: string, broadcastId: string, settings: LiveEventSettings) {
    return this.#call(account, (g, a) => g.ensureLiveEvent(a, name, broadcastId, settings));
  }
  requestAction(account: MediaAccountRef, name: string, action: LiveEventAction) {
    return this.#call(account, (g, a) => g.requestAction(a, name, action));
  }
  updateLiveEvent(account: MediaAccountRef, name: string, settings: LiveEventSettings) {
    return this.#call(account, (g, a) => g.updateLiveEvent(a, name, settings));
  }
  ensureRecording(account: MediaAccountRef, liveEventName: string, liveOutputName: string, assetName: string, recording: RecordingSettings) {
    return this.#call(account, (g, a) => g.ensureRecording(a, liveEventName, liveOutputName, assetName, recording));
  }
  removeLiveOutput(account: MediaAccountRef, liveEventName: string, liveOutputName: string) {
    return this.#call(account, (g, a) => g.removeLiveOutput(a, liveEventName, liveOutputName));
  }
  publishRecording(account: MediaAccountRef, assetName: string, locatorName: string, streamingPolicyName: string) {
    return this.#call(account, (g, a) => g.publishRecording(a, assetName, locatorName, streamingPolicyName));
  }
  listLiveEvents(account: MediaAccountRef) {
    return this.#call(account, (g, a) => g.listLiveEvents(a));
  }
  getLiveEvent(account: MediaAccountRef, liveEventName: string) {
    return this.#call(account, (g, a) => g.getLiveEvent(a, liveEventName));
  }
  stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }) {
    return this.#call(account, (g, a) => g.stopLiveEvent(a, liveEventName, options));
  }
  deleteLiveEvent(account: MediaAccountRef, liveEventName: string) {
    return this.#call(account, (g, a) => g.deleteLiveEvent(a, liveEventName));
  }
}

/** The capabilities of each configured account (what the activities hand the orchestration). */
export function accountCapabilities(media: readonly MediaAccountSettings[]): (account: MediaAccountRef) => MediaCapabilities | undefined {
  const byName = new Map(media.map((m) => [m.account.accountName, capabilitiesOf(m.connection.provider, m.standby === undefined ? {} : { standby: m.standby })]));
  const fallback = media[0] ? byName.get(media[0].account.accountName) : undefined;
  return (account) => byName.get(account.accountName) ?? fallback;
}

/** Builds the router from configuration; gateways (and their clients and token caches) are shared per connection. */
export function createMediaRouter(config: MediaClientSettings, tags: Record<string, string>): MediaRouter {
  const tlsOptions = tlsOptionsFor(config.caCertFile);
  const send = createHttpSend({ ca: tlsOptions?.ca });
  const capabilities = accountCapabilities(config.media);
  let entra: TokenCredential | undefined;
  const gateways = new Map<string, MediaPort>();
  const routed = config.media.map((m): RoutedAccount => {
    const c = m.connection;
    const key = JSON.stringify(c);
    let gateway = gateways.get(key);
    if (!gateway) {
      switch (c.provider) {
        case 'ams':
          entra ??= entraCredential(config.credentials, tlsOptions);
          gateway = new MediaGateway(createArmClient({ endpoint: c.endpoint, subscriptionId: c.subscriptionId, credential: entra, tlsOptions }), tags);
          break;
        case 'ravnur': {
          const credential = new RavnurTokenCredential(c.endpoint, c.subscriptionId, c.apiKey, send);
          const client = createArmClient({ endpoint: c.endpoint, subscriptionId: c.subscriptionId, credential, tlsOptions, scope: `${c.endpoint}/.default` });
          client.pipeline.removePolicy({ name: SDK_BEARER_POLICY });
          client.pipeline.addPolicy(ravnurAuthPolicy(credential), { phase: 'Sign' });
          gateway = new MediaGateway(client, tags, c.location ? { location: c.location } : {});
          break;
        }
        case 'mkio':
          gateway = new MkioGateway(c, send, tags);
          break;
      }
      gateways.set(key, gateway);
    }
    return { account: m.account, capabilities: capabilities(m.account)!, gateway };
  });
  return new MediaRouter(routed);
}
