/**
 * What each media provider can do (sources: ../shared/media-successors.md; "unverified" there means an account may
 * override it in configuration). Orchestration, validation and planning read these, never the provider's name.
 */
import type { MediaCapabilities, MediaProvider, PlanningCapabilities } from '../../contracts/media.js';

const HOUR = 3_600_000;

export const providerCapabilities: Readonly<Record<MediaProvider, MediaCapabilities>> = {
  // ARM AMS 2022-08-01.
  ams: {
    standby: true,
    stopRemovesOutputs: true,
    operationStyle: 'arm',
    inputProtocols: ['RTMP', 'FragmentedMP4'],
    streamOptions: ['Default', 'LowLatency', 'LowLatencyV2'],
    maxArchiveWindowMs: 25 * HOUR,
    errorShape: 'arm',
    liveEventNameReusable: true,
    updateLiveEvent: true,
    encoderEvents: true,
  },
  // Ravnur RMS: the ARM shape verbatim (§8). Allocate/StandBy is unverified: kept, and an account may turn it off.
  ravnur: {
    standby: true,
    stopRemovesOutputs: true,
    operationStyle: 'arm',
    inputProtocols: ['RTMP'],
    streamOptions: ['Default', 'LowLatency'],
    maxArchiveWindowMs: 25 * HOUR,
    errorShape: 'arm',
    liveEventNameReusable: true,
    updateLiveEvent: true,
    // No Event Grid system topic is documented for RMS.
    encoderEvents: false,
  },
  // MK.IO: allocate, reset and PATCH not implemented; no removeOutputsOnStop; start/stop confirmed by polling (§0, §4).
  mkio: {
    standby: false,
    stopRemovesOutputs: false,
    operationStyle: 'state',
    inputProtocols: ['RTMP'],
    streamOptions: ['Default', 'LowLatency'],
    maxArchiveWindowMs: 25 * HOUR,
    errorShape: 'mkio',
    liveEventNameReusable: false,
    updateLiveEvent: false,
    // MK.IO has CloudEvents webhooks (ChannelInstance…), unverified for live events and not wired to the app.
    encoderEvents: false,
  },
};

/** The provider's capabilities with an account's overrides of the unverified ones. */
export function capabilitiesOf(provider: MediaProvider, overrides: Partial<Pick<MediaCapabilities, 'standby'>> = {}): MediaCapabilities {
  return { ...providerCapabilities[provider], ...overrides };
}

export const planningCapabilities = (c: MediaCapabilities): PlanningCapabilities => ({ standby: c.standby });
