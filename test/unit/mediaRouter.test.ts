// The media port over the pool: each account's calls go to its own provider's gateway with its configured reference;
// an account outside the configuration goes through the default account's gateway as given (as before providers).
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../adapters/media/capabilities.js';
import { accountCapabilities, createMediaRouter, MediaRouter } from '../../adapters/media/mediaRouter.js';
import type { MediaPort } from '../../adapters/media/port.js';
import type { MediaAccountRef } from '../../contracts/media.js';
import { loadConfig } from '../../app/config.js';

const ref = (accountName: string, resourceGroup = 'rg'): MediaAccountRef => ({ subscriptionId: 's', resourceGroup, accountName });

function recordingGateway(name: string, calls: string[]): MediaPort {
  const record = (method: string) => async (account: MediaAccountRef) => {
    calls.push(`${name}.${method}(${account.accountName}/${account.resourceGroup})`);
    return { exists: false, ingestUrls: [], previewUrls: [] } as never;
  };
  return new Proxy({} as MediaPort, { get: (_t, method: string) => record(method) });
}

describe('MediaRouter', () => {
  it('routes by account name to the account\'s gateway, with the configured reference', async () => {
    const calls: string[] = [];
    const router = new MediaRouter([
      { account: ref('ams1', 'rg-a'), capabilities: capabilitiesOf('ams'), gateway: recordingGateway('arm', calls) },
      { account: ref('mk1', 'default'), capabilities: capabilitiesOf('mkio'), gateway: recordingGateway('mkio', calls) },
    ]);
    await router.readLiveEvent(ref('mk1', 'stale-rg'), 'bc-1');
    await router.requestAction(ref('ams1'), 'bc-1', 'start');
    await router.readLiveEvent(ref('other'), 'bc-2');
    expect(calls).toEqual(['mkio.readLiveEvent(mk1/default)', 'arm.requestAction(ams1/rg-a)', 'arm.readLiveEvent(other/rg)']);
    expect(router.capabilities(ref('mk1')).standby).toBe(false);
    expect(router.capabilities(ref('other')).standby).toBe(true); // the default account's
  });

  it('builds the gateways from configuration: one per connection, MK.IO through its REST gateway', () => {
    const config = loadConfig({
      AMS_ACCOUNTS: JSON.stringify([{ accountName: 'mk1', provider: 'mkio', tokenSetting: 'T', location: 'westeurope' }, { accountName: 'ams2' }]),
      T: 'token',
    });
    const capabilities = accountCapabilities(config.media);
    expect(capabilities(ref('mk1'))?.stopRemovesOutputs).toBe(false);
    expect(capabilities(ref('ams2'))?.stopRemovesOutputs).toBe(true);
    expect(capabilities(ref('unknown'))?.standby).toBe(true);
    const router = createMediaRouter(config, {});
    expect(router.capabilities(ref('mk1')).operationStyle).toBe('state');
  });
});
