// Settings an account's media service cannot take, from its capabilities: each named by its field and its accounts.
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../adapters/media/capabilities.js';
import type { LiveEventSettings } from '../../contracts/broadcast.js';
import { refusedWithoutUpdate, unsupportedOnAccounts, unsupportedSettings } from '../../domain/mediaSupport.js';

const liveEvent: LiveEventSettings = { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughBasic' }, useStaticHostname: false, streamOptions: [] };
const spec = { liveEvent, recording: { archiveWindow: 'PT1H' } };

describe('unsupportedSettings', () => {
  it('accepts what every provider takes, and what AMS alone takes on AMS', () => {
    for (const p of ['ams', 'ravnur', 'mkio'] as const) expect(unsupportedSettings(capabilitiesOf(p), spec)).toEqual([]);
    const amsOnly = { ...spec, liveEvent: { ...liveEvent, protocol: 'FragmentedMP4' as const, streamOptions: ['LowLatencyV2' as const] }, startOn: 'encoder' as const, idleStop: { reconnectWindowSeconds: 60 } };
    expect(unsupportedSettings(capabilitiesOf('ams'), amsOnly)).toEqual([]);
    expect(unsupportedSettings(capabilitiesOf('mkio'), amsOnly).map((e) => e.field)).toEqual(['/liveEvent/protocol', '/liveEvent/streamOptions', '/startOn', '/idleStop']);
  });

  it('refuses an archive window over the provider limit', () => {
    const c = { ...capabilitiesOf('mkio'), maxArchiveWindowMs: 8 * 3_600_000 };
    expect(unsupportedSettings(c, { ...spec, recording: { archiveWindow: 'PT9H' } })).toEqual([{ field: '/recording/archiveWindow', message: 'at most PT8H on this account' }]);
  });
});

describe('unsupportedOnAccounts', () => {
  const capabilities = { ams1: capabilitiesOf('ams'), mk1: capabilitiesOf('mkio'), mk2: capabilitiesOf('mkio') };
  const fmp4 = { ...spec, liveEvent: { ...liveEvent, protocol: 'FragmentedMP4' as const } };
  it('names the accounts that cannot take a setting; a pinned account alone is judged alone', () => {
    expect(unsupportedOnAccounts(capabilities, fmp4, ['ams1'])).toEqual([]);
    const [error] = unsupportedOnAccounts(capabilities, fmp4, ['ams1', 'mk1', 'mk2']);
    expect(error?.field).toBe('/liveEvent/protocol');
    expect(error?.message).toMatch(/account mk1, mk2; pin an account/);
    expect(unsupportedOnAccounts(undefined, fmp4, ['mk1'])).toEqual([]);
  });
});

describe('refusedWithoutUpdate', () => {
  const change = { inputIpAllow: ['10.0.0.0/8'] };
  it('refuses a change of an existing live event where the service cannot update one, naming the setting', () => {
    expect(refusedWithoutUpdate(capabilitiesOf('mkio'), liveEvent, change, { name: 'bc-x', state: 'Stopped' })).toMatch(/liveEvent\.inputIpAllow/);
    expect(refusedWithoutUpdate(capabilitiesOf('mkio'), liveEvent, change, undefined)).toBeUndefined(); // not created yet
    expect(refusedWithoutUpdate(capabilitiesOf('ams'), liveEvent, change, { name: 'bc-x', state: 'StandBy' })).toBeUndefined();
    expect(refusedWithoutUpdate(capabilitiesOf('mkio'), liveEvent, undefined, { name: 'bc-x', state: 'Running' })).toBeUndefined();
  });
});
