// Pointing accounts at providers is configuration: AMS_PROVIDER… for the default account, `provider` and friends in
// AMS_ACCOUNTS entries (secrets by setting name). A missing or wrong field fails at start-up naming it; secrets stay
// out of what orchestrations carry.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { estimateForWindow } from '../../domain/cost.js';
import type { LiveEventSettings } from '../../contracts/broadcast.js';

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return 'loaded';
};

describe('media provider configuration', () => {
  it('defaults to AMS over ARM with no planning differences', () => {
    const config = loadConfig({});
    expect(config.media).toEqual([{ account: config.account, connection: { provider: 'ams', endpoint: 'https://management.azure.com', subscriptionId: config.account.subscriptionId } }]);
    expect(config.broadcast.planning).toBeUndefined();
  });

  it('points the default account at Ravnur or MK.IO with its settings; empty settings count as unset', () => {
    const ravnur = loadConfig({ AMS_PROVIDER: 'ravnur', AMS_PROVIDER_ENDPOINT: 'https://rms.example/', RAVNUR_API_KEY: 'k1', AMS_LOCATION: '' });
    expect(ravnur.media[0]!.connection).toEqual({ provider: 'ravnur', endpoint: 'https://rms.example', subscriptionId: '00000000-0000-0000-0000-000000000000', apiKey: 'k1' });
    const mkio = loadConfig({ AMS_PROVIDER: 'mkio', MKIO_TOKEN: 't1', MKIO_PROJECT: 'proj', AMS_LOCATION: 'westeurope', MKIO_STORAGE_ACCOUNT: '' });
    expect(mkio.media[0]!.connection).toEqual({ provider: 'mkio', baseUrl: 'https://api.mk.io', pathStyle: 'ams', project: 'proj', token: 't1', legacyHeader: false, location: 'westeurope' });
    // No StandBy on MK.IO: the estimate of a broadcast on that account counts no StandBy.
    expect(mkio.broadcast.planning).toEqual({ broadcastams: { standby: false } });
  });

  it('names the missing setting of the default account', () => {
    expect(failure({ AMS_PROVIDER: 'ravnur', RAVNUR_API_KEY: 'k' })).toMatch(/AMS_PROVIDER_ENDPOINT: required for provider ravnur/);
    expect(failure({ AMS_PROVIDER: 'ravnur', AMS_PROVIDER_ENDPOINT: 'https://rms.example' })).toMatch(/RAVNUR_API_KEY: required/);
    expect(failure({ AMS_PROVIDER: 'mkio', AMS_LOCATION: 'westeurope' })).toMatch(/MKIO_TOKEN: required/);
    expect(failure({ AMS_PROVIDER: 'mkio', MKIO_TOKEN: 't' })).toMatch(/AMS_LOCATION: required/);
    expect(failure({ AMS_PROVIDER: 'wowza' })).toMatch(/AMS_PROVIDER/);
    expect(failure({ AMS_PROVIDER: 'ams', AMS_PROVIDER_STANDBY: 'maybe' })).toMatch(/AMS_PROVIDER_STANDBY/);
  });

  it('reads AMS_ACCOUNTS entries per provider, secrets from the settings they name, and names a bad field by index', () => {
    const accounts = [
      { accountName: 'rms1', provider: 'ravnur', endpoint: 'https://rms.example', subscriptionId: 'rsub', apiKeySetting: 'RMS1_KEY', standby: false },
      { accountName: 'mk1', provider: 'mkio', endpoint: 'https://app.mk.example', pathStyle: 'v1', project: 'p1', tokenSetting: 'MK1_TOKEN', location: 'francecentral', storageAccountName: 'st1' },
    ];
    const config = loadConfig({ AMS_ACCOUNTS: JSON.stringify(accounts), RMS1_KEY: 'secret-rms', MK1_TOKEN: 'secret-mk' });
    expect(config.media.map((m) => m.connection.provider)).toEqual(['ams', 'ravnur', 'mkio']);
    expect(config.media[1]).toMatchObject({ account: { accountName: 'rms1', subscriptionId: 'rsub' }, connection: { apiKey: 'secret-rms' }, standby: false });
    expect(config.media[2]!.connection).toMatchObject({ baseUrl: 'https://app.mk.example', pathStyle: 'v1', project: 'p1', token: 'secret-mk', location: 'francecentral', storageAccountName: 'st1' });
    expect(config.broadcast.planning).toEqual({ rms1: { standby: false }, mk1: { standby: false } });
    // What orchestrations carry (the policy, the account references) holds no secret.
    const carried = JSON.stringify({ policy: config.broadcast, accounts: config.api.accounts });
    expect(carried).not.toMatch(/secret-rms|secret-mk/);

    expect(failure({ AMS_ACCOUNTS: JSON.stringify([accounts[0]]) })).toMatch(/AMS_ACCOUNTS: 0\.apiKeySetting: the app setting RMS1_KEY is not set/);
    expect(failure({ AMS_ACCOUNTS: JSON.stringify([{ ...accounts[1], location: undefined }]), MK1_TOKEN: 'x' })).toMatch(/AMS_ACCOUNTS: 0\.location: required for provider mkio/);
    expect(failure({ AMS_ACCOUNTS: JSON.stringify([{ accountName: 'rms2', provider: 'ravnur', apiKeySetting: 'K' }]), K: 'x' })).toMatch(/AMS_ACCOUNTS: 0\.endpoint: required/);
    expect(failure({ AMS_ACCOUNTS: JSON.stringify([{ accountName: 'mk2', provider: 'mkio', location: 'x' }]) })).toMatch(/AMS_ACCOUNTS: 0\.tokenSetting: required/);
    expect(failure({ AMS_ACCOUNTS: JSON.stringify([{ accountName: 'mk2', provider: 'mkio', token: 'inline' }]) })).toMatch(/AMS_ACCOUNTS: 0 Unrecognized key/);
  });
});

describe('cost estimate without StandBy', () => {
  const liveEvent: LiveEventSettings = { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughStandard' }, useStaticHostname: false, streamOptions: [] };
  const window = { startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-01T11:00:00Z', liveEvent, account: { subscriptionId: 's', resourceGroup: 'rg', accountName: 'mk1' } };
  it('counts the pre-roll as Running, not StandBy, for an account that cannot allocate', () => {
    const policy = { graceMs: 0, pollIntervalMs: 2_000, preRollMarginMs: 2_000 };
    const ams = estimateForWindow(window, policy).estimate;
    const none = estimateForWindow(window, { ...policy, planning: { mk1: { standby: false } } }).estimate;
    expect(ams.standbyMinutes).toBeGreaterThan(0);
    expect(none.standbyMinutes).toBe(0);
    expect(none.runningMinutes).toBe(ams.runningMinutes); // the same planned start request, Running from there
    expect(none.cost).toBeLessThan(ams.cost);
  });
});
