/**
 * The media operations a broadcast needs, over the real AMS client. Every method is idempotent:
 * creating what exists returns it, deleting what is gone succeeds, and long operations are only
 * started here (the orchestration polls with durable timers instead of blocking an activity).
 */
import type { AzureMediaServices, LiveEvent } from '@azure/arm-mediaservices';
import type { LiveEventSettings, RecordingSettings } from '../../contracts/broadcast.js';
import type { JanitorOutcome, LiveEventJanitor, LiveEventSummary, MediaAccountRef } from '../../contracts/media.js';
import type { LiveEventAction, LiveEventActionResult, LiveEventSnapshot } from '../../contracts/mediaActivities.js';
import { classifyError } from '../../domain/errors.js';

const POLL = { updateIntervalInMs: 1_000 };

export class MediaGateway implements LiveEventJanitor {
  readonly #locations = new Map<string, string>();

  /** `tags`: written on every live event this gateway creates (the deployment's managedBy mark for the reaper). */
  constructor(private readonly client: AzureMediaServices, private readonly tags: Record<string, string> = {}) {}

  async readLiveEvent(account: MediaAccountRef, name: string): Promise<LiveEventSnapshot> {
    try {
      return snapshot(await this.client.liveEvents.get(account.resourceGroup, account.accountName, name));
    } catch (error) {
      if (classifyError(error).class === 'notFound') return { exists: false, ingestUrls: [], previewUrls: [] };
      throw error;
    }
  }

  async ensureLiveEvent(account: MediaAccountRef, name: string, broadcastId: string, settings: LiveEventSettings): Promise<LiveEventSnapshot> {
    const existing = await this.readLiveEvent(account, name);
    if (existing.exists) return existing;
    const location = await this.locationOf(account);
    try {
      await this.client.liveEvents.beginCreate(account.resourceGroup, account.accountName, name, liveEventBody(location, { ...this.tags, broadcastId }, settings), POLL);
    } catch (error) {
      if (classifyError(error).class !== 'busy') throw error; // a concurrent create of the same event is fine
    }
    return this.readLiveEvent(account, name);
  }

  async requestAction(account: MediaAccountRef, name: string, action: LiveEventAction): Promise<LiveEventActionResult> {
    const { resourceGroup: rg, accountName: acct } = account;
    try {
      if (action === 'allocate') await this.client.liveEvents.beginAllocate(rg, acct, name, POLL);
      if (action === 'start') await this.client.liveEvents.beginStart(rg, acct, name, POLL);
      if (action === 'stop') await this.client.liveEvents.beginStop(rg, acct, name, { removeOutputsOnStop: true }, POLL);
      if (action === 'delete') await this.client.liveEvents.beginDelete(rg, acct, name, POLL);
      return { outcome: 'requested' };
    } catch (error) {
      const classified = classifyError(error);
      if (classified.class === 'notFound') return { outcome: action === 'delete' || action === 'stop' ? 'alreadyDone' : 'refused', message: classified.message };
      if (classified.class === 'busy') return { outcome: 'busy', message: classified.message };
      if (classified.class === 'wrongState') {
        const current = await this.readLiveEvent(account, name);
        return { outcome: 'refused', resourceState: current.resourceState, message: classified.message };
      }
      throw error;
    }
  }

  /** Creates the asset and the live output recording into it (both idempotent). */
  async ensureRecording(account: MediaAccountRef, liveEventName: string, liveOutputName: string, assetName: string, recording: RecordingSettings): Promise<void> {
    const { resourceGroup: rg, accountName: acct } = account;
    await this.client.assets.createOrUpdate(rg, acct, assetName, { description: `Recording of live event ${liveEventName}` });
    try {
      await this.client.liveOutputs.get(rg, acct, liveEventName, liveOutputName);
      return;
    } catch (error) {
      if (classifyError(error).class !== 'notFound') throw error;
    }
    await this.client.liveOutputs.beginCreate(rg, acct, liveEventName, liveOutputName, {
      assetName,
      archiveWindowLength: recording.archiveWindow,
      manifestName: recording.manifestName,
      hls: recording.hlsFragmentsPerTsSegment === undefined ? undefined : { fragmentsPerTsSegment: recording.hlsFragmentsPerTsSegment },
    }, POLL);
  }

  async removeLiveOutput(account: MediaAccountRef, liveEventName: string, liveOutputName: string): Promise<void> {
    try {
      await this.client.liveOutputs.beginDelete(account.resourceGroup, account.accountName, liveEventName, liveOutputName, POLL);
    } catch (error) {
      if (classifyError(error).class !== 'notFound') throw error;
    }
  }

  /** A streaming locator on the recording and its playback paths (empty until content was recorded). */
  async publishRecording(account: MediaAccountRef, assetName: string, locatorName: string, streamingPolicyName: string): Promise<string[]> {
    const { resourceGroup: rg, accountName: acct } = account;
    try {
      await this.client.streamingLocators.get(rg, acct, locatorName);
    } catch (error) {
      if (classifyError(error).class !== 'notFound') throw error;
      await this.client.streamingLocators.create(rg, acct, locatorName, { assetName, streamingPolicyName });
    }
    const paths = await this.client.streamingLocators.listPaths(rg, acct, locatorName);
    return (paths.streamingPaths ?? []).flatMap((p) => p.paths ?? []);
  }

  async listLiveEvents(account: MediaAccountRef): Promise<LiveEventSummary[]> {
    const events: LiveEventSummary[] = [];
    for await (const e of this.client.liveEvents.list(account.resourceGroup, account.accountName)) events.push(summary(e));
    return events;
  }

  async getLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<LiveEventSummary | undefined> {
    try {
      return summary(await this.client.liveEvents.get(account.resourceGroup, account.accountName, liveEventName));
    } catch (error) {
      if (classifyError(error).class === 'notFound') return undefined;
      throw error;
    }
  }

  async stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }): Promise<JanitorOutcome> {
    try {
      await this.client.liveEvents.beginStop(account.resourceGroup, account.accountName, liveEventName, { removeOutputsOnStop: options.removeOutputs }, POLL);
      return 'done';
    } catch (error) {
      const c = classifyError(error).class;
      if (c === 'notFound') return 'gone';
      if (c === 'wrongState') return 'done';
      throw error;
    }
  }

  async deleteLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<JanitorOutcome> {
    try {
      await this.client.liveEvents.beginDelete(account.resourceGroup, account.accountName, liveEventName, POLL);
      return 'done';
    } catch (error) {
      if (classifyError(error).class === 'notFound') return 'gone';
      throw error;
    }
  }

  private async locationOf(account: MediaAccountRef): Promise<string> {
    const key = `${account.subscriptionId}/${account.resourceGroup}/${account.accountName}`;
    let location = this.#locations.get(key);
    if (!location) {
      location = (await this.client.mediaservices.get(account.resourceGroup, account.accountName)).location;
      this.#locations.set(key, location);
    }
    return location;
  }
}

function summary(e: LiveEvent): LiveEventSummary {
  return { name: e.name ?? '', resourceState: e.resourceState ?? 'Unknown', tags: e.tags ?? {}, createdAt: e.created?.toISOString(), lastModifiedAt: e.lastModified?.toISOString() };
}

function snapshot(event: LiveEvent): LiveEventSnapshot {
  return {
    exists: true,
    resourceState: event.resourceState,
    busy: event.provisioningState === 'InProgress',
    ingestUrls: (event.input?.endpoints ?? []).map((e) => e.url ?? '').filter(Boolean),
    previewUrls: (event.preview?.endpoints ?? []).map((e) => e.url ?? '').filter(Boolean),
  };
}

function ipRanges(cidrs: string[]) {
  // An empty list means "allow all" in our API; AMS needs an explicit 0.0.0.0/0 rule for that.
  const list = cidrs.length === 0 ? ['0.0.0.0/0'] : cidrs;
  return {
    allow: list.map((cidr, i) => {
      const [address, prefix] = cidr.split('/');
      return { name: `range${i + 1}`, address, subnetPrefixLength: prefix === undefined ? undefined : Number(prefix) };
    }),
  };
}

function liveEventBody(location: string, tags: Record<string, string>, s: LiveEventSettings): LiveEvent {
  return {
    location,
    tags,
    description: s.description,
    useStaticHostname: s.useStaticHostname,
    hostnamePrefix: s.hostnamePrefix,
    streamOptions: s.streamOptions,
    input: {
      streamingProtocol: s.protocol,
      accessToken: s.accessToken,
      keyFrameIntervalDuration: s.keyFrameIntervalDuration,
      accessControl: { ip: ipRanges(s.inputIpAllow) },
    },
    preview: { accessControl: { ip: ipRanges(s.previewIpAllow) } },
    encoding: { encodingType: s.encoding.type, presetName: s.encoding.presetName, keyFrameInterval: s.encoding.keyFrameInterval },
  };
}
