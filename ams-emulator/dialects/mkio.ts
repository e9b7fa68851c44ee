/**
 * MK.IO (MediaKind): ARM-shaped bodies under its own paths (`/api/ams/{project}/…`, newer
 * `/api/v1/projects/{project}/media/…`), a personal JWT as Bearer (or the legacy `x-mkio-token`), no api-version, no
 * ARM long-running-operation protocol (start/stop answer at once; clients poll the resource), no allocate/reset/PATCH,
 * no `removeOutputsOnStop` (a stop with live outputs is refused), its own error body and host names. Each request is
 * translated to the ARM form the account's router serves, and its answer back. Section numbers (§) refer to
 * /work/shared/media-successors.md; every behaviour it marks unverified is an option here, defaulting to its best guess.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ArmRequest, ArmResponse, Throttle } from '../armRouter.js';
import { armAccountRules, type AccountIdentity, type MediaAccount } from '../mediaAccount.js';
import type { LiveEventRecord } from '../model.js';
import { accountPath } from '../representation.js';
import { TokenBuckets } from '../timingProfiles.js';
import { json, parseBody, type DialectHost, type DialectRequest, type DialectResponse, type ServedDialect } from './dialect.js';
import { signJwt, verifyJwt } from './jwt.js';

export interface MkioOptions {
  /** The project (ARM's account name in ids; "subscription" in older MK.IO terms, §1.1). Default: the emulator's accountName. */
  project?: string;
  /** The storage account registered in the project; asset bodies must name it (§3.4). Default `{project}storage`. */
  storageAccountName?: string;
  /** Lifetime of the personal API token the emulator hands out (§2: "expires at most 1 year out"). Default 365 days. */
  tokenLifetimeSeconds?: number;
  /** Accept the token in the legacy `x-mkio-token` header too: §2 "still functional, no longer recommended" (read). Default true. */
  legacyTokenHeader?: boolean;
  /**
   * Path prefixes served: `ams` = `/api/ams/{project}/…` (every client in code), `v1` = `/api/v1/projects/{project}/media/…`
   * (current docs). Whether both reach the same backend is (unverified) §1.1 ("make both … profile settings"). Default both.
   */
  pathStyles?: Array<'ams' | 'v1'>;
  /** An `?api-version=` on a request: MK.IO ignores or rejects it, (unverified) §1.1, §9.5. Default 'reject' (400). */
  apiVersionParameter?: 'reject' | 'ignore';
  /** Whether `POST …/allocate` exists and StandBy appears: "NOT IMPLEMENTED" in the SDK, newer docs hint yes (unverified) §0.2, §9.1. Default false. */
  allocate?: boolean;
  /** The answer to allocate/reset/PATCH of a live event, not implemented: (unverified) §4, §9.2; the SDK maps 405. Default 405. */
  missingOperationStatus?: 404 | 405;
  /** PUT status when a resource is created: 200 or 201, (unverified) §4, §9.3. Default 200 (the one the ARM SDK's locator create rejects). */
  createdStatus?: 200 | 201;
  /** Status of POST start/stop (no body, no operation headers): "2xx", (unverified) §4; docs: 202 "continues asynchronously". Default 202. */
  actionStatus?: 200 | 202 | 204;
  /** Status of a DELETE that found the resource: "200 or 204", (unverified) §4 (204 when not found, read). Default 200. */
  deleteStatus?: 200 | 202 | 204;
  /** Creating a live event that exists: 409 "or 400", detail containing " already exists." (read, HMCTS) §5, §9.2. Default 400. */
  alreadyExistsStatus?: 400 | 409;
  /** `detail` of the 400 refusing a stop while live outputs exist; the status is read, the text (unverified) §5. */
  stopWithOutputsDetail?: string;
  /** Whether a `{removeOutputsOnStop: true}` stop body is honoured: (unverified) §9.4; the probe assumed ignored (§7.1). Default false. */
  honourRemoveOutputsOnStop?: boolean;
  /** Whether a Running live event (with outputs) can be deleted directly: "expected to work (unverified)" §7.2, §9.7. Default true. */
  deleteRunning?: boolean;
  /** Live event names "cannot be reused within a project after deletion" (read) §0.7, §6. Default false. */
  reuseDeletedNames?: boolean;
  /** Whether an asset must name the project's storage account; the SDK requires it, the server's default is (unverified) §3.4. Default true. */
  assetRequiresStorageAccount?: boolean;
  /** listPaths for live archives: `/{locatorId}/index.qfm/manifest(format=…)` (read, HMCTS) or ARM's `{manifest}.ism`; (unverified) §3.5, §9.9. Default 'qfm'. */
  livePathStyle?: 'qfm' | 'ism';
  /** Per-project request limits: GET 2,000/min, writes 1,000/min (read) §6. `null` = unlimited. */
  rateLimits?: { readsPerMinute: number; writesPerMinute: number } | null;
}

/** Every option, so a misspelt one is refused rather than silently ignored. */
export const mkioOptionKeys: Record<keyof MkioOptions, true> = {
  project: true, storageAccountName: true, tokenLifetimeSeconds: true, legacyTokenHeader: true, pathStyles: true, apiVersionParameter: true,
  allocate: true, missingOperationStatus: true, createdStatus: true, actionStatus: true, deleteStatus: true, alreadyExistsStatus: true,
  stopWithOutputsDetail: true, honourRemoveOutputsOnStop: true, deleteRunning: true, reuseDeletedNames: true, assetRequiresStorageAccount: true,
  livePathStyle: true, rateLimits: true,
};

type Style = 'ams' | 'v1';
const ARM_API_VERSION = '2022-08-01';
/** §3.2: "For Live passthrough MK.IO supports RTMP and RTMPS … for Live encoding … SRT" (read). */
const PASSTHROUGH = ['None', 'PassthroughBasic', 'PassthroughStandard'];
const ERROR_CODES: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
  429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable',
};

export function mkioDialect(base: AccountIdentity, options: MkioOptions, host: Pick<DialectHost, 'clock' | 'secret'>): ServedDialect & { identity: AccountIdentity } {
  const project = options.project ?? base.accountName;
  // MK.IO answers ARM-style ids under resource group `default` (read: §1.1 fixture) with the project as the account.
  const identity: AccountIdentity = { ...base, resourceGroup: 'default', accountName: project };
  const storageAccountName = options.storageAccountName ?? `${project.toLowerCase()}storage`;
  const styles = options.pathStyles ?? ['ams', 'v1'];
  if (styles.length === 0 || styles.some((style) => style !== 'ams' && style !== 'v1')) throw new Error("dialectOptions.pathStyles must list 'ams' and/or 'v1'");
  const opt = {
    legacyTokenHeader: options.legacyTokenHeader ?? true,
    apiVersionParameter: options.apiVersionParameter ?? 'reject',
    allocate: options.allocate ?? false,
    missingOperationStatus: options.missingOperationStatus ?? 405,
    createdStatus: options.createdStatus ?? 200,
    actionStatus: options.actionStatus ?? 202,
    deleteStatus: options.deleteStatus ?? 200,
    alreadyExistsStatus: options.alreadyExistsStatus ?? 400,
    stopWithOutputsDetail: options.stopWithOutputsDetail ?? 'Cannot stop the live event while it has live outputs; delete the live outputs first.',
    honourRemoveOutputsOnStop: options.honourRemoveOutputsOnStop ?? false,
    deleteRunning: options.deleteRunning ?? true,
    reuseDeletedNames: options.reuseDeletedNames ?? false,
    assetRequiresStorageAccount: options.assetRequiresStorageAccount ?? true,
    livePathStyle: options.livePathStyle ?? 'qfm',
    rateLimits: options.rateLimits === undefined ? { readsPerMinute: 2000, writesPerMinute: 1000 } : options.rateLimits,
  };
  // Tokens of this dialect only (not the ARM or Ravnur ones signed with the same secret).
  const secret = () => `mkio:${host.secret()}`;
  const issuedAt = Math.floor(host.clock.now() / 1000);
  const token = signJwt(secret(), { sub: 'local-user@example.com', type: 'full-access', iat: issuedAt, exp: issuedAt + (options.tokenLifetimeSeconds ?? 365 * 86_400) });
  const location = base.location.toLowerCase().replace(/\s+/g, '');
  const buckets = new TokenBuckets();

  return {
    identity,
    info: { name: 'mkio', token, project, storageAccountName, location },
    rules: {
      ...armAccountRules,
      inputProtocols: ['RTMP', 'RTMPS', 'SRT'],
      deleteFrom: opt.deleteRunning ? ['Stopped', 'StandBy', 'Running'] : ['Stopped'],
      // §3.2 (read): "RTMP: a UUID string; SRT: 10–79-char passphrase"; the fixture's RTMP tokens are hyphenated UUIDs.
      accessToken: (protocol) =>
        protocol === 'SRT'
          ? { pattern: /^.{10,79}$/, description: 'a passphrase of 10 to 79 characters', generate: () => randomBytes(18).toString('base64url').replace(/[-_]/g, 'x') }
          : { ...armAccountRules.accessToken(protocol), generate: () => randomUUID() },
    },
    token: () => token,
    throttle(projectName: string): Throttle | undefined {
      const limits = opt.rateLimits;
      if (!limits) return undefined;
      return (method) => {
        const read = method === 'GET';
        const perMinute = read ? limits.readsPerMinute : limits.writesPerMinute;
        const taken = buckets.take(`${projectName.toLowerCase()}/${read ? 'reads' : 'writes'}`, { bucket: perMinute, refillPerSecond: perMinute / 60 }, host.clock.now());
        return taken.ok ? undefined : taken.retryAfterSeconds;
      };
    },
    playbackPath(path, served) {
      // A `index.qfm` path names no manifest: the locator's asset knows the one its archive was written under.
      const match = /^\/([0-9a-f-]{36})\/index\.qfm\/manifest(\(format=[^)]+\))?$/i.exec(path);
      if (!match) return undefined;
      const id = (match[1] ?? '').toLowerCase();
      const account = served.account(project);
      const locator = account?.listStreamingLocators().find((l) => l.streamingLocatorId === id);
      const manifest = locator ? account?.state.assets[locator.assetName.toLowerCase()]?.manifestName : undefined;
      return manifest ? `/${id}/${manifest}.ism/manifest${match[2] ?? ''}` : undefined;
    },
    handle,
  };

  function handle(request: DialectRequest, served: DialectHost): DialectResponse {
    const parsed = parsePath(request.url.pathname);
    if (!parsed || !styles.includes(parsed.style)) return mkError(404, `No such endpoint: ${request.url.pathname}`);
    const presented = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? (opt.legacyTokenHeader ? headerValue(request.headers['x-mkio-token']) : undefined);
    if (!presented || !verifyJwt(secret(), presented, served.clock.now())) {
      return mkError(401, 'The API token is missing, invalid or expired. Send a personal API token as Authorization: Bearer <token>.');
    }
    const account = served.account(parsed.project);
    if (!account) return mkError(404, `Project '${parsed.project}' not found.`);
    if (request.url.searchParams.has('api-version') && opt.apiVersionParameter === 'reject') {
      return mkError(400, "Unknown query parameter 'api-version'; this API is not versioned by query parameter.");
    }
    const body = parseBody(request.text);
    if (!body) return mkError(400, 'The request body is not valid JSON.');
    const method = request.method.toUpperCase();
    const raw = parsed.rest;
    const r = raw.map((s) => s.toLowerCase());
    const route = classify(method, r);
    if (route === 'unknown') return mkError(404, `No such endpoint: ${request.url.pathname}`);
    if (route === 'method') return mkError(405, `${method} is not allowed on ${request.url.pathname}.`);
    if (route === 'missing') return mkError(opt.missingOperationStatus, `${method} ${r.slice(2).join('/') || 'update'} of a live event is not implemented.`);

    const refusal = precheck(method, r, raw, body, account);
    if (refusal) return refusal;
    const prefix = parsed.prefix;
    if (route === 'state') {
      const answer = served.route(account.identity.accountName, armRequest(request, account, 'GET', raw.slice(0, -1), {}, new URLSearchParams()));
      if (answer.status !== 200) return toMkio(answer, method, r, raw, account, prefix);
      const state = (answer.body as { properties?: { resourceState?: string } }).properties?.resourceState;
      return json(200, { status: { state } }, { 'content-type': 'application/json' });
    }
    const query = new URLSearchParams();
    let offset = 0;
    if (route === 'list') {
      const listed = listQuery(request.url.searchParams, r, account, query);
      if (typeof listed !== 'number') return listed;
      offset = listed;
    }
    const autoStart = request.url.searchParams.get('autoStart');
    if (r[0] === 'streamingendpoints' && method === 'PUT' && autoStart !== null) query.set('autoStart', autoStart);
    const forwarded = r[0] === 'liveevents' && r[2] === 'stop' && !opt.honourRemoveOutputsOnStop ? {} : body;
    const answer = served.route(account.identity.accountName, armRequest(request, account, method, raw, forwarded, query));
    if (answer.drop) return { status: 0, drop: true };
    return toMkio(answer, method, r, raw, account, prefix, route === 'list' ? offset : undefined, request.url.searchParams.get('$top'));
  }

  /** What the path is: a served operation, one MK.IO does not implement, a wrong method, or nothing. */
  function classify(method: string, r: string[]): 'ok' | 'list' | 'state' | 'missing' | 'method' | 'unknown' {
    const [c0, , c2, , c4] = r;
    const allow = (...methods: string[]) => (methods.includes(method) ? 'ok' : 'method');
    if (r.length === 1 && ['liveevents', 'assets', 'streaminglocators', 'streamingendpoints'].includes(c0 ?? '')) return method === 'GET' ? 'list' : 'method';
    if (c0 === 'liveevents') {
      if (r.length === 2) return method === 'PATCH' ? 'missing' : allow('GET', 'PUT', 'DELETE');
      if (r.length === 3 && (c2 === 'start' || c2 === 'stop')) return allow('POST');
      if (r.length === 3 && c2 === 'allocate') return opt.allocate ? allow('POST') : 'missing';
      if (r.length === 3 && c2 === 'reset') return 'missing';
      if (r.length === 3 && c2 === 'state') return allow('GET') === 'ok' ? 'state' : 'method';
      if (r.length === 3 && c2 === 'liveoutputs') return method === 'GET' ? 'list' : 'method';
      if (r.length === 4 && c2 === 'liveoutputs') return allow('GET', 'PUT', 'DELETE');
      if (r.length === 5 && c2 === 'liveoutputs' && c4 === 'state') return method === 'GET' ? 'state' : 'method';
      return 'unknown';
    }
    if (c0 === 'assets') {
      if (r.length === 2) return allow('GET', 'PUT', 'DELETE');
      if (r.length === 3 && c2 === 'liststreaminglocators') return allow('POST');
      return 'unknown';
    }
    if (c0 === 'streaminglocators') {
      if (r.length === 2) return allow('GET', 'PUT', 'DELETE');
      if (r.length === 3 && c2 === 'listpaths') return allow('POST');
      return 'unknown';
    }
    if (c0 === 'streamingendpoints') {
      if (r.length === 2) return allow('GET', 'PUT', 'PATCH', 'DELETE');
      if (r.length === 3 && ['start', 'stop', 'scale'].includes(c2 ?? '')) return allow('POST');
      if (r.length === 3 && c2 === 'state') return method === 'GET' ? 'state' : 'method';
      return 'unknown';
    }
    return 'unknown';
  }

  /** MK.IO's own refusals, decided before the account sees the request. */
  function precheck(method: string, r: string[], raw: string[], body: Record<string, unknown>, account: MediaAccount): DialectResponse | undefined {
    const name = raw[1] ?? '';
    if (r[0] === 'liveevents' && r.length === 2 && method === 'PUT') {
      if (account.state.liveEvents[name.toLowerCase()]) return mkError(opt.alreadyExistsStatus, `Live event '${name}' already exists.`);
      if (!opt.reuseDeletedNames && account.state.stateHistory[name.toLowerCase()]) {
        return mkError(400, `The live event name '${name}' was used by a deleted live event; names cannot be reused within a project.`);
      }
      const props = (body.properties ?? {}) as Record<string, unknown>;
      const protocol = ((props.input ?? {}) as Record<string, unknown>).streamingProtocol;
      const encodingType = String(((props.encoding ?? {}) as Record<string, unknown>).encodingType ?? 'None');
      if (protocol === 'SRT' && PASSTHROUGH.includes(encodingType)) return mkError(400, 'SRT input is only supported for live encoding (Standard, Premium1080p) live events.');
      const streamOptions = props.streamOptions ?? [];
      if (!Array.isArray(streamOptions) || streamOptions.length > 1 || streamOptions.some((o) => o !== 'Default' && o !== 'LowLatency')) {
        return mkError(400, "streamOptions must be one of 'Default' or 'LowLatency'; only one value is permitted.");
      }
    }
    if (r[0] === 'liveevents' && r[2] === 'stop') {
      const event = account.state.liveEvents[name.toLowerCase()];
      const outputs = event ? account.listLiveOutputs(name) : [];
      const removes = opt.honourRemoveOutputsOnStop && body.removeOutputsOnStop === true;
      if (event && (event.resourceState === 'Running' || event.resourceState === 'StandBy') && outputs.length > 0 && !removes) return mkError(400, opt.stopWithOutputsDetail);
    }
    if (r[0] === 'assets' && r.length === 2 && method === 'PUT' && opt.assetRequiresStorageAccount && !account.state.assets[name.toLowerCase()]) {
      const given = ((body.properties ?? {}) as Record<string, unknown>).storageAccountName;
      if (typeof given !== 'string' || given === '') return mkError(400, 'properties.storageAccountName is required.');
      if (given.toLowerCase() !== storageAccountName.toLowerCase()) return mkError(400, `Storage account '${given}' is not registered in project '${account.identity.accountName}'.`);
    }
    return undefined;
  }

  /**
   * MK.IO pages with `$skiptoken` = the offset where the next page begins (HMCTS sends `supplemental.pagination.end`, §3.1);
   * the ARM router pages after a name: the offset becomes that name. Answers the offset, or a refusal.
   */
  function listQuery(params: URLSearchParams, r: string[], account: MediaAccount, query: URLSearchParams): number | DialectResponse {
    const top = params.get('$top');
    const skip = params.get('$skiptoken');
    if (skip !== null && !/^\d+$/.test(skip)) return mkError(400, `Invalid $skiptoken '${skip}'.`);
    if (top !== null && !/^\d+$/.test(top)) return mkError(400, `Invalid $top '${top}'.`);
    const offset = skip === null ? 0 : Number(skip);
    if (offset === 0) {
      if (top !== null) query.set('$top', top);
      return 0;
    }
    const keys = listKeys(account, r);
    if (keys === undefined) return 0;
    const left = top === null ? null : Math.max(0, Number(top) - offset);
    query.set('$skiptoken', Buffer.from(JSON.stringify({ after: keys[offset - 1] ?? keys.at(-1) ?? '', left })).toString('base64url'));
    return offset;
  }

  function listKeys(account: MediaAccount, r: string[]): string[] | undefined {
    const names = (items: Array<{ name: string }>) => items.map((i) => i.name.toLowerCase()).sort();
    try {
      if (r[0] === 'liveevents' && r.length === 1) return names(account.listLiveEvents());
      if (r[0] === 'liveevents') return names(account.listLiveOutputs(r[1] ?? ''));
      if (r[0] === 'assets') return names(account.listAssets());
      if (r[0] === 'streaminglocators') return names(account.listStreamingLocators());
      if (r[0] === 'streamingendpoints') return names(account.listStreamingEndpoints());
    } catch {
      return undefined; // the live event is missing: the router answers 404
    }
    return undefined;
  }

  function armRequest(request: DialectRequest, account: MediaAccount, method: string, raw: string[], body: Record<string, unknown>, query: URLSearchParams): ArmRequest {
    const url = new URL(`${accountPath(account.identity)}/${raw.map(encodeURIComponent).join('/')}`, request.origin);
    url.searchParams.set('api-version', ARM_API_VERSION);
    for (const [k, v] of query) url.searchParams.set(k, v);
    return { method, url, body, origin: request.origin, headers: {} };
  }

  /** The router's ARM answer in MK.IO's form: statuses, no LRO or ARM headers, MK.IO error body, bodies with its additions. */
  function toMkio(answer: ArmResponse, method: string, r: string[], raw: string[], account: MediaAccount, prefix: string, offset?: number, top?: string | null): DialectResponse {
    if (answer.status >= 400) {
      const armBody = answer.body as { error?: { message?: string } } | undefined;
      const retryAfter = answer.headers['retry-after'];
      return mkError(answer.status, armBody?.error?.message ?? 'The request failed.', retryAfter && answer.status === 429 ? { 'retry-after': retryAfter } : {});
    }
    const headers = { 'content-type': 'application/json' };
    // Start/stop (and scale) answer at once, without a body or operation headers: clients poll the resource (§0.3, §4).
    if (method === 'POST' && r.length === 3 && ['start', 'stop', 'allocate', 'scale'].includes(r[2] ?? '')) return { status: opt.actionStatus, headers };
    if (method === 'DELETE') return answer.status === 204 ? { status: 204, headers } : { status: opt.deleteStatus, headers };
    const status = method === 'PUT' && answer.status === 201 ? opt.createdStatus : answer.status;
    const body = answer.body as Record<string, unknown> | undefined;
    if (!body) return { status, headers };
    if (r[2] === 'listpaths') return json(status, opt.livePathStyle === 'qfm' ? qfmPaths(body) : body, headers);
    if (offset !== undefined) {
      const value = ((body.value ?? []) as Array<Record<string, unknown>>).map((item) => resource(item, 'list', account));
      const total = listKeys(account, r)?.length ?? value.length;
      const end = offset + value.length;
      const page: Record<string, unknown> = { value, supplemental: { pagination: { start: offset, end, records: value.length, total } } };
      if (body['@odata.nextLink']) {
        const next = new URLSearchParams({ $skiptoken: String(end) });
        if (top) next.set('$top', top);
        page['@odata.nextLink'] = `${prefix}/${raw.map(encodeURIComponent).join('/')}?${next.toString().replace(/%24/g, '$')}`;
      }
      return json(status, page, headers);
    }
    if (body.properties !== undefined && typeof body.type === 'string') return json(status, resource(body, method === 'GET' ? 'get' : method === 'PUT' ? 'create' : 'update', account), headers);
    return json(status, microseconds(body), headers);
  }

  /** A resource as MK.IO answers it: its host names, the project location, µs dates and `supplemental` (§1.3, §3.1 fixture). */
  function resource(item: Record<string, unknown>, operation: string, account: MediaAccount): Record<string, unknown> {
    const out = microseconds(item) as Record<string, unknown>;
    const properties = out.properties as Record<string, unknown>;
    const type = String(out.type).toLowerCase();
    const projectName = account.identity.accountName;
    if (out.location !== undefined) out.location = location;
    if (type.endsWith('/liveevents')) {
      out.id = String(out.id).replace(/\/liveevents\//, '/liveEvents/');
      const record = account.state.liveEvents[String(out.name).toLowerCase()];
      if (record) {
        (properties.input as Record<string, unknown>).endpoints = ingestEndpoints(projectName, record);
        (properties.preview as Record<string, unknown>).endpoints = [{ protocol: 'FragmentedMP4', url: `https://${record.name.toLowerCase()}-${projectName.toLowerCase()}-preview.${location}.streaming.mediakind.com/${record.previewLocator}/manifest.mpd` }];
      }
    }
    if (type.endsWith('/streamingendpoints')) properties.hostName = `ep-${String(out.name).toLowerCase()}-${projectName.toLowerCase()}.${location}.streaming.mediakind.com`;
    out.supplemental = { operation, subscription: { id: uuidFrom(`project/${projectName}`), name: projectName } };
    return out;
  }

  /**
   * Ingest URLs from the fixture (§1.3, read), shown whatever the state (the captured GET of a Stopped event has them):
   * `rtmp://in-{guid}.{location}.streaming.mediakind.com:1935/{accessToken}`, SRT on 6000 with the passphrase. The RTMPS
   * port is not in any fixture (unverified): 2935 as on AMS.
   */
  function ingestEndpoints(projectName: string, record: LiveEventRecord): Array<{ protocol: string; url: string }> {
    const host = `in-${uuidFrom(`ingest/${projectName}/${record.name}/${record.created}`)}.${location}.streaming.mediakind.com`;
    const protocol = String(((record.properties.input ?? {}) as Record<string, unknown>).streamingProtocol);
    if (protocol === 'SRT') return [{ protocol: 'SRT', url: `srt://${host}:6000?passphrase=${record.accessToken}&pkbkeylen=16` }];
    if (protocol === 'RTMPS') return [{ protocol: 'RTMPS', url: `rtmps://${host}:2935/${record.accessToken}` }];
    return [{ protocol: 'RTMP', url: `rtmp://${host}:1935/${record.accessToken}` }];
  }
}

/** `/{locatorId}/{manifest}.ism/manifest(format=x)` → `/{locatorId}/index.qfm/manifest(format=x)` (§3.5, read: HMCTS fixtures). */
function qfmPaths(body: Record<string, unknown>): Record<string, unknown> {
  const streamingPaths = ((body.streamingPaths ?? []) as Array<{ paths?: string[] }>).map((p) => ({
    ...p,
    paths: (p.paths ?? []).map((path) => path.replace(/^(\/[^/]+)\/[^/]+\.ism\/manifest/, '$1/index.qfm/manifest')),
  }));
  return { ...body, streamingPaths };
}

function parsePath(pathname: string): { style: Style; project: string; rest: string[]; prefix: string } | undefined {
  const segments = pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === 'api' && lower[1] === 'ams' && segments[2]) return { style: 'ams', project: segments[2], rest: segments.slice(3), prefix: `/api/ams/${encodeURIComponent(segments[2])}` };
  if (lower[0] === 'api' && lower[1] === 'v1' && lower[2] === 'projects' && segments[3] && lower[4] === 'media') {
    return { style: 'v1', project: segments[3], rest: segments.slice(5), prefix: `/api/v1/projects/${encodeURIComponent(segments[3])}/media` };
  }
  return undefined;
}

/** §5 (read): `{"error":{"code","detail","extraDetail"},"status","ref"}`. */
function mkError(status: number, detail: string, headers: Record<string, string> = {}): DialectResponse {
  return json(status, { error: { code: ERROR_CODES[status] ?? 'Error', detail, extraDetail: {} }, status, ref: randomUUID() }, { 'content-type': 'application/json', ...headers });
}

/** MK.IO's dates carry microseconds ("2024-06-26T20:37:45.398939Z", §3.1 read). */
function microseconds(value: unknown): unknown {
  if (typeof value === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value) ? `${value.slice(0, -1)}000Z` : value;
  if (Array.isArray(value)) return value.map(microseconds);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, microseconds(v)]));
  return value;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
