/**
 * The media operations a broadcast needs, over the real AMS client. Every method is idempotent:
 * creating what exists returns it, deleting what is gone succeeds, and live event transitions are only
 * started here (the orchestration polls with durable timers instead of blocking an activity).
 *
 * Refusals are judged from the live event's re-read state, never from the error's wording: a busy
 * event (an operation in progress, whatever shape the service gives that) is waited out here, with
 * backoff and a bound, before the orchestration sees anything.
 */
import type { AzureMediaServices, LiveEvent } from '@azure/arm-mediaservices';
import type { LiveEventSettings, RecordingSettings } from '../../contracts/broadcast.js';
import type { JanitorOutcome, LiveEventSummary, MediaAccountRef } from '../../contracts/media.js';
import type { LiveEventAction, LiveEventActionResult, LiveEventSnapshot } from '../../contracts/mediaActivities.js';
import { classifyError, type RefusedAction } from '../../domain/errors.js';
import type { MediaPort } from '../media/port.js';
import { deleteForJanitor, ensureCreated, GATEWAY_WAIT_DEFAULTS, requestJudged, StillBusy, stopForJanitor, untilFinished, whileBusy, type Judged } from '../media/refusals.js';

const POLL = { updateIntervalInMs: 1_000 };

export interface MediaGatewayOptions extends Partial<typeof GATEWAY_WAIT_DEFAULTS> {
  /** Where live events are created; read from the account (`mediaservices.get`) when absent. */
  location?: string;
}

export class MediaGateway implements MediaPort {
  readonly #locations = new Map<string, string>();
  readonly #options: Required<Omit<MediaGatewayOptions, 'location'>>;
  readonly #fixedLocation: string | undefined;

  /** `tags`: written on every live event this gateway creates (the deployment's managedBy mark for the reaper). */
  constructor(
    private readonly client: AzureMediaServices,
    private readonly tags: Record<string, string> = {},
    options: MediaGatewayOptions = {},
  ) {
    this.#options = { ...GATEWAY_WAIT_DEFAULTS, ...options };
    this.#fixedLocation = options.location;
  }

  /**
   * Polls a started operation to its end (untilFinished), bounded by `outputOperationTimeoutMs`. A failed operation throws.
   */
  async #untilDone(poller: { isDone(): boolean; poll(): Promise<void>; getResult(): unknown }, what: string): Promise<void> {
    const { outputOperationTimeoutMs: timeoutMs, sleep } = this.#options;
    const finished = async (pauses: number) => {
      if (pauses > 0) await poller.poll();
      return poller.isDone();
    };
    await untilFinished(finished, { timeoutMs, sleep }, `${what} did not finish`);
    poller.getResult();
  }

  #whileBusy<T>(account: MediaAccountRef, liveEventName: string, action: RefusedAction, attempt: () => Promise<T>): Promise<Judged<T>> {
    return whileBusy(() => this.readLiveEvent(account, liveEventName), action, attempt, this.#options);
  }

  async readLiveEvent(account: MediaAccountRef, name: string): Promise<LiveEventSnapshot> {
    try {
      return snapshot(await this.client.liveEvents.get(account.resourceGroup, account.accountName, name));
    } catch (error) {
      if (classifyError(error).class === 'notFound') return { exists: false, ingestUrls: [], previewUrls: [] };
      throw error;
    }
  }

  async ensureLiveEvent(account: MediaAccountRef, name: string, broadcastId: string, settings: LiveEventSettings): Promise<LiveEventSnapshot> {
    return ensureCreated(
      () => this.readLiveEvent(account, name),
      async () => {
        const location = await this.locationOf(account);
        await this.client.liveEvents.beginCreate(account.resourceGroup, account.accountName, name, liveEventBody(location, { ...this.tags, broadcastId }, settings), POLL);
      },
    );
  }

  async requestAction(account: MediaAccountRef, name: string, action: LiveEventAction): Promise<LiveEventActionResult> {
    const { resourceGroup: rg, accountName: acct } = account;
    return requestJudged(() => this.readLiveEvent(account, name), action, async () => {
      if (action === 'allocate') await this.client.liveEvents.beginAllocate(rg, acct, name, POLL);
      if (action === 'start') await this.client.liveEvents.beginStart(rg, acct, name, POLL);
      if (action === 'stop') await this.client.liveEvents.beginStop(rg, acct, name, { removeOutputsOnStop: true }, POLL);
      if (action === 'delete') await this.client.liveEvents.beginDelete(rg, acct, name, POLL);
    }, this.#options);
  }

  /** Starts an update of an existing live event's changeable settings (the orchestration polls until it is idle). */
  async updateLiveEvent(account: MediaAccountRef, name: string, settings: LiveEventSettings): Promise<void> {
    // Only what may change; the SDK requires location and input.streamingProtocol even for a PATCH.
    const body: LiveEvent = {
      location: await this.locationOf(account),
      description: settings.description,
      input: { streamingProtocol: settings.protocol, keyFrameIntervalDuration: settings.keyFrameIntervalDuration, accessControl: { ip: ipRanges(settings.inputIpAllow) } },
      preview: { accessControl: { ip: ipRanges(settings.previewIpAllow) } },
    };
    await this.client.liveEvents.beginUpdate(account.resourceGroup, account.accountName, name, body, POLL);
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
    // Waits for the create to finish: "live" means recording, and the live event takes its next operation only then.
    const result = await this.#whileBusy(account, liveEventName, 'liveOutput', async () => {
      const poller = await this.client.liveOutputs.beginCreate(rg, acct, liveEventName, liveOutputName, {
        assetName,
        archiveWindowLength: recording.archiveWindow,
        manifestName: recording.manifestName,
        hls: recording.hlsFragmentsPerTsSegment === undefined ? undefined : { fragmentsPerTsSegment: recording.hlsFragmentsPerTsSegment },
      }, POLL);
      await this.#untilDone(poller, `creating live output ${liveOutputName}`);
    }).catch((error: unknown) => {
      throw error instanceof StillBusy ? new Error(`live event ${liveEventName} stayed busy; the live output ${liveOutputName} was not created yet`) : error;
    });
    if ('verdict' in result) throw new Error(`live output ${liveOutputName} cannot be created on live event ${liveEventName} (${result.snapshot.resourceState ?? 'gone'}): ${result.message}`);
  }

  /**
   * Deletes the live output and waits until the delete has finished, so the stop that follows does
   * not meet it still running (the live event allows one operation at a time).
   */
  async removeLiveOutput(account: MediaAccountRef, liveEventName: string, liveOutputName: string): Promise<void> {
    const { resourceGroup: rg, accountName: acct } = account;
    try {
      const result = await this.#whileBusy(account, liveEventName, 'liveOutput', async () => {
        const poller = await this.client.liveOutputs.beginDelete(rg, acct, liveEventName, liveOutputName, POLL);
        await this.#untilDone(poller, `deleting live output ${liveOutputName}`);
      });
      if ('verdict' in result && result.verdict === 'refused') throw new Error(`live output ${liveOutputName} cannot be deleted: ${result.message}`);
    } catch (error) {
      if (error instanceof StillBusy) throw new Error(`live event ${liveEventName} stayed busy; the live output ${liveOutputName} was not deleted yet`);
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
    return stopForJanitor(
      () => this.readLiveEvent(account, liveEventName),
      () => this.client.liveEvents.beginStop(account.resourceGroup, account.accountName, liveEventName, { removeOutputsOnStop: options.removeOutputs }, POLL),
    );
  }

  async deleteLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<JanitorOutcome> {
    return deleteForJanitor(() => this.client.liveEvents.beginDelete(account.resourceGroup, account.accountName, liveEventName, POLL));
  }

  private async locationOf(account: MediaAccountRef): Promise<string> {
    if (this.#fixedLocation) return this.#fixedLocation;
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
    ...(event.lastModified ? { stateSince: event.lastModified.toISOString() } : {}),
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
