/**
 * Routes ARM requests for the account to the MediaAccount: case-insensitive paths, api-version
 * checks, request faults, and the long-running-operation headers real AMS sends.
 */
import { randomUUID } from 'node:crypto';
import { ArmError, badRequest } from './armError.js';
import { requestFaultKinds, type FaultController } from './faults.js';
import type { MediaAccount, Reply } from './mediaAccount.js';
import type { Operation } from './model.js';
import {
  assetJson,
  liveEventJson,
  liveOutputJson,
  accountPath,
  mediaServiceJson,
  streamingEndpointJson,
  streamingEndpointSkusJson,
  streamingLocatorJson,
} from './representation.js';

export interface ArmRequest {
  method: string;
  url: URL;
  body: Record<string, unknown>;
  /** https origin the client used, for absolute LRO URLs. */
  origin: string;
  /** Request headers (lower-case names), for the ids ARM echoes. */
  headers?: Record<string, string | string[] | undefined>;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** Destroy the connection without answering (dropped-connection fault). */
  drop?: boolean;
}

/** The api-versions ARM AMS accepts on the account and on the resources below it. */
export const armApiVersions: ApiVersions = {
  account: ['2021-11-01', '2021-06-01', '2023-01-01'],
  streaming: ['2022-08-01', '2022-11-01', '2023-01-01', '2021-11-01', '2021-06-01'],
};
export interface ApiVersions {
  account: readonly string[];
  streaming: readonly string[];
}
const JSON_TYPE = 'application/json; odata.metadata=minimal';
/** ARM's default page for these lists; tests set a small one to exercise nextLink. */
export const DEFAULT_PAGE_SIZE = 1000;

/** Decides whether a request is throttled (ARM 429); answers the Retry-After seconds, or undefined to let it through. */
export type Throttle = (method: string, operation: string) => number | undefined;

export interface RouterOptions {
  retryAfterSeconds: () => number;
  pageSize: () => number;
  /** ARM write throttling (timing profiles); absent = never throttled. */
  throttle?: Throttle;
  /** api-versions accepted on the account itself and below it (a dialect may accept others; default ARM's). */
  apiVersions?: ApiVersions;
}

export function createArmRouter(account: MediaAccount, faults: FaultController, options: RouterOptions) {
  const id = account.identity;
  const retryAfterSeconds = options.retryAfterSeconds;

  return (request: ArmRequest): ArmResponse => {
    const response = routeRequest(request);
    return { ...response, headers: { ...armHeaders(request), ...response.headers } };
  };

  function routeRequest(request: ArmRequest): ArmResponse {
    try {
      const segments = request.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const lower = segments.map((s) => s.toLowerCase());
      const matchesAccount =
        lower[0] === 'subscriptions' && lower[1] === id.subscriptionId.toLowerCase() && lower[2] === 'resourcegroups' &&
        lower[3] === id.resourceGroup.toLowerCase() && lower[4] === 'providers' && lower[5] === 'microsoft.media' &&
        lower[6] === 'mediaservices' && lower[7] === id.accountName.toLowerCase();
      if (!matchesAccount) {
        throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Media/mediaservices/${segments[7] ?? ''}' under resource group '${segments[3] ?? ''}' was not found.`);
      }
      const rest = segments.slice(8);
      const restLower = lower.slice(8);
      const apiVersion = request.url.searchParams.get('api-version');
      if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const versions = options.apiVersions ?? armApiVersions;
      const supported = rest.length === 0 ? versions.account : versions.streaming;
      if (!supported.includes(apiVersion)) {
        throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`);
      }

      const route = resolveRoute(request.method, restLower, rest);
      const fault = faults.take(route.operation, route.name, requestFaultKinds);
      if (fault?.kind === 'drop') return { status: 0, headers: {}, drop: true };
      if (fault?.kind === 'throttle') {
        return error(new ArmError(429, 'TooManyRequests', 'The request was throttled; retry after the indicated delay.'), { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
      }
      if (fault?.kind === 'error') {
        const status = fault.status ?? 500;
        return error(new ArmError(status, status === 503 ? 'ServiceUnavailable' : 'InternalServerError', `Injected ${status} for ${route.operation}.`));
      }

      const waitSeconds = options.throttle?.(request.method.toUpperCase(), route.operation);
      if (waitSeconds !== undefined) {
        return error(new ArmError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Write.'), { 'retry-after': String(waitSeconds) });
      }

      account.settle();
      const reply = route.handle(request, apiVersion);
      return toResponse(reply, request, apiVersion);
    } catch (thrown) {
      if (thrown instanceof ArmError) return error(thrown);
      throw thrown;
    }
  }

  function resolveRoute(method: string, r: string[], raw: string[]): { operation: string; name?: string; handle: (req: ArmRequest, v: string) => Reply } {
    const [c0, , c2, , c4] = r;
    const n1 = raw[1] ?? '';
    const n3 = raw[3] ?? '';
    const ok = (body: unknown, status = 200): Reply => ({ status, body });
    const m = method.toUpperCase();
    const event = (name: string) => eventJson(account.getLiveEvent(name));

    if (r.length === 0 && m === 'GET') return { operation: 'mediaservices.get', handle: () => ok(mediaServiceJson(id)) };
    if (c0 === 'liveevents') {
      if (r.length === 1 && m === 'GET') return { operation: 'liveEvents.list', handle: (q) => page(q, account.listLiveEvents(), (e) => e.name, eventJson) };
      if (r.length === 2) {
        if (m === 'GET') return { operation: 'liveEvents.get', name: n1, handle: () => ok(event(n1)) };
        if (m === 'PUT') return { operation: 'liveEvents.create', name: n1, handle: (q, v) => withEvent(account.createLiveEvent(n1, q.body, q.url.searchParams.get('autoStart') === 'true', v)) };
        if (m === 'PATCH') return { operation: 'liveEvents.update', name: n1, handle: (q, v) => withEvent(account.updateLiveEvent(n1, q.body, v), 202) };
        if (m === 'DELETE') return { operation: 'liveEvents.delete', name: n1, handle: (_, v) => account.liveEventAction(n1, 'delete', v) };
      }
      if (r.length === 3 && m === 'POST' && ['allocate', 'start', 'stop', 'reset'].includes(c2 ?? '')) {
        const action = c2 as 'allocate' | 'start' | 'stop' | 'reset';
        return { operation: `liveEvents.${action}`, name: n1, handle: (q, v) => account.liveEventAction(n1, action, v, q.body.removeOutputsOnStop === true) };
      }
      if (r.length === 4 && c2 === 'operationlocations' && m === 'GET') {
        // Recorded quirk: the resource answered here carries the operationlocations path as its id.
        return { operation: 'liveEvents.operationLocation', name: n1, handle: () => operationLocation(account.getOperation('liveEvent', n3), () => {
          const e = account.getLiveEvent(n1);
          return liveEventJson(id, e, { provisioningState: account.displayedProvisioningState(e), id: `${accountPath(id)}/liveevents/${e.name}/operationlocations/${n3}` });
        }) };
      }
      if (c2 === 'liveoutputs') {
        const o = raw[3] ?? '';
        if (r.length === 3 && m === 'GET') return { operation: 'liveOutputs.list', name: n1, handle: (q) => page(q, account.listLiveOutputs(n1), (x) => x.name, (x) => liveOutputJson(id, x)) };
        if (r.length === 4 && m === 'GET') return { operation: 'liveOutputs.get', name: o, handle: () => ok(liveOutputJson(id, account.getLiveOutput(n1, o))) };
        if (r.length === 4 && m === 'PUT') return { operation: 'liveOutputs.create', name: o, handle: (q, v) => withOutput(account.createLiveOutput(n1, o, q.body, v)) };
        if (r.length === 4 && m === 'DELETE') return { operation: 'liveOutputs.delete', name: o, handle: (_, v) => account.deleteLiveOutput(n1, o, v) };
        if (r.length === 6 && c4 === 'operationlocations' && m === 'GET') {
          return { operation: 'liveOutputs.operationLocation', name: o, handle: () => operationLocation(account.getOperation('liveOutput', raw[5] ?? ''), () => liveOutputJson(id, account.getLiveOutput(n1, o))) };
        }
      }
    }
    if (r.length === 2 && m === 'GET' && c0 === 'liveeventoperations') return { operation: 'liveEvents.asyncOperation', handle: () => asyncOperation(account.getOperation('liveEvent', n1)) };
    if (r.length === 2 && m === 'GET' && c0 === 'liveoutputoperations') return { operation: 'liveOutputs.asyncOperation', handle: () => asyncOperation(account.getOperation('liveOutput', n1)) };
    if (r.length === 2 && m === 'GET' && c0 === 'streamingendpointoperations') return { operation: 'streamingEndpoints.asyncOperation', handle: () => asyncOperation(account.getOperation('streamingEndpoint', n1)) };
    if (c0 === 'assets') {
      if (r.length === 1 && m === 'GET') return { operation: 'assets.list', handle: (q) => page(q, account.listAssets(), (a) => a.name, (a) => assetJson(id, a)) };
      if (r.length === 2 && m === 'GET') return { operation: 'assets.get', name: n1, handle: () => ok(assetJson(id, account.getAsset(n1))) };
      if (r.length === 2 && m === 'PUT') return { operation: 'assets.createOrUpdate', name: n1, handle: (q) => withAsset(account.putAsset(n1, q.body)) };
      if (r.length === 2 && m === 'PATCH') return { operation: 'assets.update', name: n1, handle: (q) => (account.getAsset(n1), withAsset(account.putAsset(n1, q.body))) };
      if (r.length === 2 && m === 'DELETE') return { operation: 'assets.delete', name: n1, handle: () => account.deleteAsset(n1) };
      if (r.length === 3 && m === 'POST' && c2 === 'liststreaminglocators') {
        return { operation: 'assets.listStreamingLocators', name: n1, handle: () => (account.getAsset(n1), ok({ streamingLocators: account.listStreamingLocators().filter((l) => l.assetName.toLowerCase() === n1.toLowerCase()).map((l) => ({ name: l.name, assetName: l.assetName, created: new Date(l.created).toISOString(), ...(l.startTime ? { startTime: l.startTime } : {}), endTime: l.endTime, streamingLocatorId: l.streamingLocatorId, streamingPolicyName: l.streamingPolicyName, ...(l.defaultContentKeyPolicyName ? { defaultContentKeyPolicyName: l.defaultContentKeyPolicyName } : {}) })) })) };
      }
      if (r.length === 3 && m === 'POST' && c2 === 'listcontainersas') return { operation: 'assets.listContainerSas', name: n1, handle: (q) => account.listContainerSas(n1, q.body) };
      if (r.length === 3 && m === 'POST' && c2 === 'getencryptionkey') return { operation: 'assets.getEncryptionKey', name: n1, handle: () => account.getEncryptionKey(n1) };
    }
    if (c0 === 'streaminglocators') {
      if (r.length === 1 && m === 'GET') return { operation: 'streamingLocators.list', handle: (q) => page(q, account.listStreamingLocators(), (l) => l.name, (l) => streamingLocatorJson(id, l)) };
      if (r.length === 2 && m === 'GET') return { operation: 'streamingLocators.get', name: n1, handle: () => ok(streamingLocatorJson(id, account.getStreamingLocator(n1))) };
      if (r.length === 2 && m === 'PUT') return { operation: 'streamingLocators.create', name: n1, handle: (q) => { const reply = account.createStreamingLocator(n1, q.body); return { ...reply, body: streamingLocatorJson(id, account.getStreamingLocator(n1)) }; } };
      if (r.length === 2 && m === 'DELETE') return { operation: 'streamingLocators.delete', name: n1, handle: () => account.deleteStreamingLocator(n1) };
      if (r.length === 3 && m === 'POST' && c2 === 'listpaths') return { operation: 'streamingLocators.listPaths', name: n1, handle: () => account.listPaths(n1) };
      if (r.length === 3 && m === 'POST' && c2 === 'listcontentkeys') return { operation: 'streamingLocators.listContentKeys', name: n1, handle: () => account.listContentKeys(n1) };
    }
    if (c0 === 'streamingendpoints') {
      const endpoint = (reply: Reply): Reply => ({ ...reply, body: reply.body ? streamingEndpointJson(id, reply.body as Parameters<typeof streamingEndpointJson>[1]) : undefined });
      if (r.length === 1 && m === 'GET') return { operation: 'streamingEndpoints.list', handle: (q) => page(q, account.listStreamingEndpoints(), (x) => x.name, (x) => streamingEndpointJson(id, x)) };
      if (r.length === 2 && m === 'GET') return { operation: 'streamingEndpoints.get', name: n1, handle: () => ok(streamingEndpointJson(id, account.getStreamingEndpoint(n1))) };
      if (r.length === 2 && m === 'PUT') return { operation: 'streamingEndpoints.create', name: n1, handle: (q, v) => endpoint(account.createStreamingEndpoint(n1, q.body, q.url.searchParams.get('autoStart') === 'true', v)) };
      if (r.length === 2 && m === 'PATCH') return { operation: 'streamingEndpoints.update', name: n1, handle: (q, v) => endpoint(account.updateStreamingEndpoint(n1, q.body, v)) };
      if (r.length === 2 && m === 'DELETE') return { operation: 'streamingEndpoints.delete', name: n1, handle: (_, v) => account.deleteStreamingEndpoint(n1, v) };
      if (r.length === 3 && m === 'GET' && c2 === 'skus') return { operation: 'streamingEndpoints.skus', name: n1, handle: () => (account.getStreamingEndpoint(n1), ok(streamingEndpointSkusJson())) };
      if (r.length === 3 && m === 'POST' && (c2 === 'start' || c2 === 'stop' || c2 === 'scale')) {
        const action = c2;
        return { operation: `streamingEndpoints.${action}`, name: n1, handle: (q, v) => account.streamingEndpointAction(n1, action, v, q.body) };
      }
      if (r.length === 4 && m === 'GET' && c2 === 'operationlocations') {
        return { operation: 'streamingEndpoints.operationLocation', name: n1, handle: () => operationLocation(account.getOperation('streamingEndpoint', n3), () => streamingEndpointJson(id, account.getStreamingEndpoint(n1))) };
      }
    }
    throw badRequest(`No route for ${method} ${raw.join('/')} in the emulated Microsoft.Media API.`);
  }

  function eventJson(e: Parameters<typeof liveEventJson>[1]) {
    return liveEventJson(id, e, { provisioningState: account.displayedProvisioningState(e) });
  }

  /**
   * One page of a list, in name order, with `@odata.nextLink` carrying a `$skiptoken` (the last name
   * served) when more remain, as ARM pages. `$top` caps the whole listing.
   */
  function page<T>(request: ArmRequest, items: T[], nameOf: (item: T) => string, json: (item: T) => unknown): Reply {
    const params = request.url.searchParams;
    let after = '';
    let left = Number.POSITIVE_INFINITY;
    const top = params.get('$top');
    if (top !== null) {
      if (!/^\d+$/.test(top)) throw badRequest(`The query parameter '$top' must be a non-negative integer; got '${top}'.`);
      left = Number(top);
    }
    const token = params.get('$skiptoken');
    if (token !== null) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after: string; left: number | null };
        after = parsed.after;
        left = parsed.left ?? Number.POSITIVE_INFINITY;
      } catch {
        throw badRequest(`The $skiptoken '${token}' is not valid.`);
      }
    }
    const sorted = items.map((item) => ({ item, key: nameOf(item).toLowerCase() })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rest = sorted.filter((x) => x.key > after);
    const size = Math.min(Math.max(1, options.pageSize()), left);
    const served = rest.slice(0, size);
    const body: Record<string, unknown> = { value: served.map((x) => json(x.item)) };
    const remaining = left - served.length;
    if (rest.length > served.length && remaining > 0) {
      const next = new URL(request.url.pathname, request.origin);
      for (const [k, v] of params) if (k !== '$skiptoken' && k !== '$top') next.searchParams.append(k, v);
      const skiptoken = Buffer.from(JSON.stringify({ after: served.at(-1)?.key ?? after, left: Number.isFinite(remaining) ? remaining : null })).toString('base64url');
      body['@odata.nextLink'] = `${next.toString()}&$skiptoken=${skiptoken}`;
    }
    return { status: 200, body };
  }

  function withEvent(reply: Reply, status?: number): Reply {
    const record = reply.body as Parameters<typeof liveEventJson>[1];
    return { ...reply, status: status ?? reply.status, body: eventJson(record) };
  }
  function withOutput(reply: Reply): Reply {
    return { ...reply, body: liveOutputJson(id, reply.body as Parameters<typeof liveOutputJson>[1]) };
  }
  function withAsset(reply: Reply): Reply {
    return { ...reply, body: assetJson(id, reply.body as Parameters<typeof assetJson>[1]) };
  }

  function asyncOperation(op: Operation): Reply {
    // Real AMS sends an error object even on success, and repeats the LRO headers while running.
    const body = { name: op.id, status: op.status, error: op.error ?? { code: 'None', message: null, target: op.id } };
    return { status: 200, body, polling: op.status === 'InProgress' ? op : undefined };
  }

  function operationLocation(op: Operation, resource: () => unknown): Reply {
    if (op.status === 'InProgress') return { status: 202, polling: op };
    return { status: 200, body: resource() };
  }

  function lroHeaders(op: Operation, request: ArmRequest, apiVersion: string): Record<string, string> {
    const base = `${request.origin}/subscriptions/${id.subscriptionId}/resourcegroups/${id.resourceGroup}/providers/Microsoft.Media/mediaservices/${id.accountName}`;
    const [le, lo] = op.resource.split('/');
    const q = `?api-version=${apiVersion}`;
    return {
      'azure-asyncoperation': `${base}/${op.kind.toLowerCase()}operations/${op.id}${q}`,
      location:
        op.kind === 'liveOutput'
          ? `${base}/liveevents/${le}/liveoutputs/${lo}/operationlocations/${op.id}${q}`
          : `${base}/${op.kind === 'liveEvent' ? 'liveevents' : 'streamingendpoints'}/${op.resource}/operationlocations/${op.id}${q}`,
    };
  }

  function toResponse(reply: Reply, request: ArmRequest, apiVersion: string): ArmResponse {
    const read = request.method.toUpperCase() === 'GET';
    const headers: Record<string, string> = { 'content-type': read ? `${JSON_TYPE}; odata.streaming=true` : JSON_TYPE };
    const op = reply.operation ?? reply.polling;
    if (op) Object.assign(headers, lroHeaders(op, request, apiVersion));
    const pollable = op || (reply.body as { provisioningState?: string; properties?: { provisioningState?: string } } | undefined)?.properties?.provisioningState === 'InProgress';
    if (pollable && retryAfterSeconds() > 0) headers['retry-after'] = String(retryAfterSeconds());
    return { status: reply.status, headers, body: reply.body };
  }
}

/** Headers every ARM response carries (request ids, no caching, HSTS). */
function armHeaders(request: ArmRequest): Record<string, string> {
  const requestId = randomUUID();
  const clientRequestId = request.headers?.['x-ms-client-request-id'];
  const write = request.method.toUpperCase() !== 'GET';
  return {
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': randomUUID(),
    ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    [`x-ms-ratelimit-remaining-subscription-${write ? 'writes' : 'reads'}`]: write ? '1199' : '11999',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    server: 'Microsoft-IIS/10.0',
  };
}

function error(err: ArmError, extra: Record<string, string> = {}): ArmResponse {
  return { status: err.status, headers: { 'content-type': 'application/json; charset=utf-8', 'content-language': 'en-US', ...extra }, body: err.body() };
}

