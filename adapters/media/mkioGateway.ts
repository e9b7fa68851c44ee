/**
 * The media port over MK.IO's REST API: ARM-shaped bodies under `/api/ams/{project}` (or the newer
 * `/api/v1/projects/{project}/media`), a bearer token, no api-version (../shared/media-successors.md §1–§5).
 * Only the dozen calls the product makes. What differs from ARM AMS, handled here:
 * - no allocate (the capability table says so; the orchestration starts from Stopped);
 * - start and stop answer at once: the orchestration confirms them by polling the state, as for ARM;
 * - stop cannot remove live outputs, so they are deleted (and waited out) before the stop;
 * - the error body is `{error:{code,detail}}` and "already exists" may come as 400 (domain/mediaErrors.ts);
 * - PUTs may answer 200 or 201; list pages carry a relative `@odata.nextLink`.
 * Refusals are judged from the re-read live event, as for ARM (adapters/media/refusals.ts).
 */
import type { LiveEventSettings, RecordingSettings } from '../../contracts/broadcast.js';
import type { JanitorOutcome, LiveEventSummary, MediaAccountRef } from '../../contracts/media.js';
import type { LiveEventAction, LiveEventActionResult, LiveEventSnapshot } from '../../contracts/mediaActivities.js';
import { classifyError } from '../../domain/errors.js';
import { mkioErrorShape } from '../../domain/mediaErrors.js';
import type { HttpAnswer, HttpRequest, HttpSend } from './http.js';
import type { MediaPort } from './port.js';
import { deleteForJanitor, ensureCreated, GATEWAY_WAIT_DEFAULTS, requestJudged, StillBusy, stopForJanitor, untilFinished, whileBusy } from './refusals.js';

export interface MkioSettings {
  /** `https://api.mk.io` (the legacy AMS API) or `https://app.mk.io` (the current docs). */
  baseUrl: string;
  /** `ams`: `/api/ams/{project}`; `v1`: `/api/v1/projects/{project}/media`. */
  pathStyle: 'ams' | 'v1';
  project: string;
  /** A personal API token (JWT), sent as `Authorization: Bearer`. */
  token: string;
  /** Also send the token as `x-mkio-token` (the older header some clients still use). */
  legacyHeader?: boolean;
  /** The project's location (MK.IO has no `mediaservices` resource to read it from). */
  location: string;
  /** A storage account registered in the MK.IO project: assets need it. */
  storageAccountName?: string;
}

export interface MkioGatewayOptions extends Partial<typeof GATEWAY_WAIT_DEFAULTS> {
  /** Retries of a throttled (429), 5xx or network-failed request. */
  maxRetries?: number;
  now?: () => number;
}

/** An answer MK.IO gave that is not a success, in the shape classifyError reads. */
export class MkioError extends Error {
  constructor(readonly statusCode: number, readonly code: string | undefined, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'MkioError';
  }
}

type Json = Record<string, unknown>;
interface Resource { name?: string; tags?: Record<string, string>; properties?: Json }

const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED'];

export class MkioGateway implements MediaPort {
  readonly #options: Required<MkioGatewayOptions>;

  /** `tags`: written on every live event this gateway creates (the deployment's managedBy mark for the reaper). */
  constructor(
    private readonly settings: MkioSettings,
    private readonly send: HttpSend,
    private readonly tags: Record<string, string> = {},
    options: MkioGatewayOptions = {},
  ) {
    this.#options = {
      ...GATEWAY_WAIT_DEFAULTS,
      maxRetries: 4,
      now: Date.now,
      ...options,
    };
  }

  #url(path: string): string {
    const base = this.settings.baseUrl.replace(/\/+$/, '');
    const project = encodeURIComponent(this.settings.project);
    return this.settings.pathStyle === 'v1' ? `${base}/api/v1/projects/${project}/media${path}` : `${base}/api/ams/${project}${path}`;
  }

  /** One call with bounded retries (429 with Retry-After, 5xx, network failures); other failures throw MkioError. */
  async #call(method: HttpRequest['method'], pathOrUrl: string, body?: unknown): Promise<HttpAnswer> {
    const url = pathOrUrl.startsWith('https://') || pathOrUrl.startsWith('http://') ? pathOrUrl : this.#url(pathOrUrl);
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.token}` };
    if (this.settings.legacyHeader) headers['x-mkio-token'] = this.settings.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { maxRetries, sleep, now } = this.#options;
    for (let attempt = 0; ; attempt++) {
      let answer: HttpAnswer;
      try {
        answer = await this.send(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (attempt < maxRetries && NETWORK_CODES.includes(code)) {
          await sleep(backoff(attempt));
          continue;
        }
        throw error;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const shape = mkioErrorShape(answer.status, answer.body, answer.headers['retry-after'], now());
      if (attempt < maxRetries && (answer.status === 429 || answer.status === 408 || answer.status >= 500)) {
        await sleep(Math.min(shape.retryAfterMs ?? backoff(attempt), 30_000));
        continue;
      }
      throw new MkioError(shape.statusCode, shape.code, `${method} ${new URL(url).pathname}: ${shape.statusCode} ${shape.code ?? ''} ${shape.message}`.replace(/\s+/g, ' ').trim(), shape.retryAfterMs);
    }
  }

  async #get<T>(path: string): Promise<T | undefined> {
    try {
      return parse<T>(await this.#call('GET', path));
    } catch (error) {
      if (classifyError(error).class === 'notFound') return undefined;
      throw error;
    }
  }

  async readLiveEvent(_account: MediaAccountRef, name: string): Promise<LiveEventSnapshot> {
    const event = await this.#get<Resource>(`/liveEvents/${encodeURIComponent(name)}`);
    return event ? snapshot(event) : { exists: false, ingestUrls: [], previewUrls: [] };
  }

  async ensureLiveEvent(account: MediaAccountRef, name: string, broadcastId: string, settings: LiveEventSettings): Promise<LiveEventSnapshot> {
    return ensureCreated(
      () => this.readLiveEvent(account, name),
      () => this.#call('PUT', `/liveEvents/${encodeURIComponent(name)}`, liveEventBody(this.settings.location, { ...this.tags, broadcastId }, settings)),
    );
  }

  async requestAction(account: MediaAccountRef, name: string, action: LiveEventAction): Promise<LiveEventActionResult> {
    if (action === 'allocate') {
      // Not offered by this provider: the orchestration plans without StandBy and never asks; anyone else is told so.
      const now = await this.readLiveEvent(account, name);
      return { outcome: 'refused', resourceState: now.resourceState, message: 'allocate is not available for this account (no StandBy)' };
    }
    const path = `/liveEvents/${encodeURIComponent(name)}`;
    if (action === 'stop') await this.#removeOutputs(account, name);
    return requestJudged(() => this.readLiveEvent(account, name), action, async () => {
      if (action === 'start') await this.#call('POST', `${path}/start`);
      if (action === 'stop') await this.#call('POST', `${path}/stop`);
      if (action === 'delete') await this.#call('DELETE', path);
    }, this.#options);
  }

  async updateLiveEvent(): Promise<void> {
    throw new Error('this account cannot change an existing live event (no update on its provider)');
  }

  async ensureRecording(account: MediaAccountRef, liveEventName: string, liveOutputName: string, assetName: string, recording: RecordingSettings): Promise<void> {
    const { storageAccountName } = this.settings;
    await this.#call('PUT', `/assets/${encodeURIComponent(assetName)}`, {
      properties: { description: `Recording of live event ${liveEventName}`, ...(storageAccountName ? { storageAccountName, container: `asset-${assetName}`.slice(0, 63).toLowerCase(), containerDeletionPolicy: 'Retain' } : {}) },
    });
    const outputPath = `/liveEvents/${encodeURIComponent(liveEventName)}/liveOutputs/${encodeURIComponent(liveOutputName)}`;
    if (await this.#get<Resource>(outputPath)) return this.#untilOutput(outputPath, 'created');
    const result = await whileBusy(() => this.readLiveEvent(account, liveEventName), 'liveOutput', async () => {
      await this.#call('PUT', outputPath, {
        properties: {
          assetName,
          archiveWindowLength: recording.archiveWindow,
          ...(recording.manifestName ? { manifestName: recording.manifestName } : {}),
          ...(recording.hlsFragmentsPerTsSegment === undefined ? {} : { hls: { fragmentsPerTsSegment: recording.hlsFragmentsPerTsSegment } }),
        },
      });
      await this.#untilOutput(outputPath, 'created');
    }, this.#options).catch((error: unknown) => {
      throw error instanceof StillBusy ? new Error(`live event ${liveEventName} stayed busy; the live output ${liveOutputName} was not created yet`) : error;
    });
    if ('verdict' in result) throw new Error(`live output ${liveOutputName} cannot be created on live event ${liveEventName} (${result.snapshot.resourceState ?? 'gone'}): ${result.message}`);
  }

  async removeLiveOutput(account: MediaAccountRef, liveEventName: string, liveOutputName: string): Promise<void> {
    const outputPath = `/liveEvents/${encodeURIComponent(liveEventName)}/liveOutputs/${encodeURIComponent(liveOutputName)}`;
    try {
      const result = await whileBusy(() => this.readLiveEvent(account, liveEventName), 'liveOutput', async () => {
        await this.#call('DELETE', outputPath);
        await this.#untilOutput(outputPath, 'deleted');
      }, this.#options);
      if ('verdict' in result && result.verdict === 'refused') throw new Error(`live output ${liveOutputName} cannot be deleted: ${result.message}`);
    } catch (error) {
      if (error instanceof StillBusy) throw new Error(`live event ${liveEventName} stayed busy; the live output ${liveOutputName} was not deleted yet`);
      if (classifyError(error).class !== 'notFound') throw error;
    }
  }

  /** Stop cannot remove outputs on this provider: delete every output first (and wait until each is gone). */
  async #removeOutputs(account: MediaAccountRef, liveEventName: string): Promise<void> {
    const outputs = await this.#list<Resource>(`/liveEvents/${encodeURIComponent(liveEventName)}/liveOutputs`).catch((error: unknown) => {
      if (classifyError(error).class === 'notFound') return [];
      throw error;
    });
    for (const output of outputs) if (output.name) await this.removeLiveOutput(account, liveEventName, output.name);
  }

  /** Polls a live output until its create or delete has finished (quickly at first, then every 2 s), bounded. */
  async #untilOutput(path: string, until: 'created' | 'deleted'): Promise<void> {
    const { outputOperationTimeoutMs: timeoutMs, sleep } = this.#options;
    const finished = async () => {
      const output = await this.#get<Resource>(path);
      if (until === 'deleted') return !output;
      if (!output) throw new Error(`live output ${path} disappeared while being created`);
      if (output.properties?.provisioningState === 'Failed') throw new Error(`live output ${path} failed to be created`);
      return output.properties?.provisioningState !== 'InProgress' && output.properties?.resourceState !== 'Creating';
    };
    await untilFinished(finished, { timeoutMs, sleep }, `live output ${path} was not ${until}`);
  }

  async publishRecording(_account: MediaAccountRef, assetName: string, locatorName: string, streamingPolicyName: string): Promise<string[]> {
    const path = `/streamingLocators/${encodeURIComponent(locatorName)}`;
    if (!(await this.#get<Resource>(path))) {
      try {
        await this.#call('PUT', path, { properties: { assetName, streamingPolicyName } }); // 200 or 201
      } catch (error) {
        if (classifyError(error).class !== 'refused' || !(await this.#get<Resource>(path))) throw error; // a concurrent create
      }
    }
    const paths = parse<{ streamingPaths?: Array<{ paths?: string[] }> }>(await this.#call('POST', `${path}/listPaths`));
    // Taken verbatim: MK.IO's live paths look like /{locatorId}/index.qfm/manifest(format=m3u8-cmaf).
    return (paths?.streamingPaths ?? []).flatMap((p) => p.paths ?? []);
  }

  async listLiveEvents(_account: MediaAccountRef): Promise<LiveEventSummary[]> {
    return (await this.#list<Resource>('/liveEvents')).map(summary);
  }

  async getLiveEvent(_account: MediaAccountRef, liveEventName: string): Promise<LiveEventSummary | undefined> {
    const event = await this.#get<Resource>(`/liveEvents/${encodeURIComponent(liveEventName)}`);
    return event ? summary(event) : undefined;
  }

  async stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }): Promise<JanitorOutcome> {
    return stopForJanitor(
      () => this.readLiveEvent(account, liveEventName),
      async () => {
        // MK.IO's stop cannot remove outputs: they are deleted first.
        if (options.removeOutputs) await this.#removeOutputs(account, liveEventName);
        await this.#call('POST', `/liveEvents/${encodeURIComponent(liveEventName)}/stop`);
      },
    );
  }

  async deleteLiveEvent(_account: MediaAccountRef, liveEventName: string): Promise<JanitorOutcome> {
    return deleteForJanitor(() => this.#call('DELETE', `/liveEvents/${encodeURIComponent(liveEventName)}`));
  }

  /** Every item of a list, following `@odata.nextLink` (MK.IO gives a path relative to the API origin). */
  async #list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let pages = 0; next && pages < 1_000; pages++) {
      const page: { value?: T[]; '@odata.nextLink'?: string } | undefined = parse(await this.#call('GET', next));
      items.push(...(page?.value ?? []));
      const link: string | undefined = page?.['@odata.nextLink'];
      next = !link ? undefined : /^https?:\/\//.test(link) ? link : link.startsWith('/') ? `${new URL(this.settings.baseUrl).origin}${link}` : this.#url(`/${link}`);
    }
    return items;
  }
}

const backoff = (attempt: number) => Math.min(500 * 2 ** attempt, 8_000);

function parse<T>(answer: HttpAnswer): T | undefined {
  if (!answer.body.trim()) return undefined;
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    throw new Error(`the media service answered ${answer.status} with a body that is not JSON`);
  }
}

/** An ISO instant from MK.IO's microsecond timestamps, or undefined. */
function instant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const urls = (endpoints: unknown): string[] =>
  Array.isArray(endpoints) ? endpoints.map((e) => (e as { url?: unknown }).url).filter((u): u is string => typeof u === 'string' && u !== '') : [];

function snapshot(event: Resource): LiveEventSnapshot {
  const p = event.properties ?? {};
  const stateSince = instant(p.lastModified);
  return {
    exists: true,
    resourceState: typeof p.resourceState === 'string' ? p.resourceState : undefined,
    busy: p.provisioningState === 'InProgress',
    ingestUrls: urls((p.input as Json | undefined)?.endpoints),
    previewUrls: urls((p.preview as Json | undefined)?.endpoints),
    ...(stateSince ? { stateSince } : {}),
  };
}

function summary(event: Resource): LiveEventSummary {
  const p = event.properties ?? {};
  return {
    name: event.name ?? '',
    resourceState: typeof p.resourceState === 'string' ? p.resourceState : 'Unknown',
    tags: event.tags ?? {},
    createdAt: instant(p.created),
    lastModifiedAt: instant(p.lastModified),
  };
}

function ipRanges(cidrs: string[]) {
  // An empty list means "allow all" in our API; as on AMS, an explicit 0.0.0.0/0 rule says so.
  const list = cidrs.length === 0 ? ['0.0.0.0/0'] : cidrs;
  return {
    allow: list.map((cidr, i) => {
      const [address, prefix] = cidr.split('/');
      return { name: `range${i + 1}`, address, ...(prefix === undefined ? {} : { subnetPrefixLength: Number(prefix) }) };
    }),
  };
}

function liveEventBody(location: string, tags: Record<string, string>, s: LiveEventSettings): Json {
  return {
    location,
    tags,
    properties: {
      ...(s.description ? { description: s.description } : {}),
      useStaticHostname: s.useStaticHostname,
      ...(s.hostnamePrefix ? { hostnamePrefix: s.hostnamePrefix } : {}),
      streamOptions: s.streamOptions,
      input: {
        streamingProtocol: s.protocol,
        ...(s.accessToken ? { accessToken: s.accessToken } : {}),
        ...(s.keyFrameIntervalDuration ? { keyFrameIntervalDuration: s.keyFrameIntervalDuration } : {}),
        accessControl: { ip: ipRanges(s.inputIpAllow) },
      },
      preview: { accessControl: { ip: ipRanges(s.previewIpAllow) } },
      encoding: { encodingType: s.encoding.type, ...(s.encoding.presetName ? { presetName: s.encoding.presetName } : {}), ...(s.encoding.keyFrameInterval ? { keyFrameInterval: s.encoding.keyFrameInterval } : {}) },
    },
  };
}
