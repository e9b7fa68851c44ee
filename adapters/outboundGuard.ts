/**
 * The only way the app calls URLs that users or settings supply (webhook subscribers, calendar feeds):
 * https only, to hosts whose every resolved address is public, redirects followed by hand and re-checked at
 * each hop, and the connection made to the very address that was checked (a DNS answer that changes between
 * check and connect cannot redirect us inward). OUTBOUND_ALLOWED_HOSTS lists hosts exempt from both rules
 * (e.g. a local receiver `127.0.0.1:8080`). Errors never carry anything from a fetched body.
 */
import { promises as dns } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface OutboundPolicy {
  /** `host` (any port) or `host:port`, lower case; IPv6 in brackets: `[::1]:8443`. */
  allowedHosts: readonly string[];
}

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export class OutboundBlockedError extends Error {
  override readonly name = 'OutboundBlockedError';
}

/** Special-purpose ranges (RFC 6890 and successors): loopback, private, link-local (cloud metadata), CGNAT, … */
const notPublicV4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublicV4.addSubnet(net, bits, 'ipv4');
// A separate list: Node checks IPv4 addresses against IPv6 rules as ::ffff:a.b.c.d, so ::ffff:0:0/96 would match them all.
const notPublicV6 = new BlockList();
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20], ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) notPublicV6.addSubnet(net, bits, 'ipv6');
/** IPv6 outside global unicast (2000::/3) is never public. */
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/** True only for an address that routes on the public internet. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return !notPublicV4.check(bare, 'ipv4');
  if (family === 6) return globalUnicast.check(bare, 'ipv6') && !notPublicV6.check(bare, 'ipv6');
  return false;
}

export function isAllowedHost(url: URL, policy: OutboundPolicy): boolean {
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  return policy.allowedHosts.some((entry) => entry === host || entry === hostname);
}

/** Checks that need no DNS: a URL, https (unless allowed), no credentials, and no private literal address. */
export function checkUrlShape(raw: string | URL, policy: OutboundPolicy): { ok: true; url: URL; allowed: boolean } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  const allowed = isAllowedHost(url, policy);
  if (allowed) return url.protocol === 'https:' || url.protocol === 'http:' ? { ok: true, url, allowed } : { ok: false, reason: 'must be an http(s) URL' };
  if (url.protocol !== 'https:') return { ok: false, reason: 'must be an https URL' };
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !isPublicAddress(literal)) return { ok: false, reason: 'must not point at a loopback, private, link-local or other non-public address' };
  return { ok: true, url, allowed };
}

/** The full check before a URL is accepted (registration): shape, then every address the name resolves to. */
export async function checkOutboundUrl(raw: string, policy: OutboundPolicy, resolver: Resolver = systemResolver): Promise<string | undefined> {
  const shape = checkUrlShape(raw, policy);
  if (!shape.ok) return shape.reason;
  if (shape.allowed || isIP(shape.url.hostname.replace(/^\[|\]$/g, ''))) return undefined;
  try {
    await publicAddresses(shape.url.hostname, resolver);
    return undefined;
  } catch (error) {
    return error instanceof OutboundBlockedError ? error.message : 'its host name does not resolve';
  }
}

async function publicAddresses(hostname: string, resolver: Resolver): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(hostname);
  } catch {
    throw new OutboundBlockedError('its host name does not resolve');
  }
  if (addresses.length === 0) throw new OutboundBlockedError('its host name does not resolve');
  // All or nothing: a name with one internal address is not trusted with any.
  if (!addresses.every((a) => isPublicAddress(a.address))) throw new OutboundBlockedError('its host name resolves to a non-public address');
  return addresses;
}

/** A `lookup` for http(s).request that only ever hands out checked addresses: the socket connects to those. */
function pinnedLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    publicAddresses(hostname, resolver).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const first = wanted[0];
        if (!first) return callback(Object.assign(new OutboundBlockedError('no address of the requested family'), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, wanted);
        callback(null, first.address, first.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'ENOTFOUND' }), '', 0),
    );
  };
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most `maxBodyBytes`. */
  body: Buffer;
  truncated: boolean;
  url: string;
}

export interface GuardOptions {
  policy: OutboundPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Bytes of the answer kept; beyond that the answer is cut (`truncate`) or refused. */
  maxBodyBytes?: number;
  truncate?: boolean;
  /** Follow only redirects that keep method and body (307/308); others are returned as they are. */
  keepMethod?: boolean;
}

/** One request through the guard, redirects included. Throws OutboundBlockedError for a refused destination. */
export async function guardedRequest(raw: string, init: GuardedRequest, options: GuardOptions): Promise<GuardedResponse> {
  const maxRedirects = options.maxRedirects ?? 5;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let current = raw;
  let { method = 'GET', body } = init;
  for (let hop = 0; ; hop++) {
    const shape = checkUrlShape(current, options.policy);
    if (!shape.ok) throw new OutboundBlockedError(hop === 0 ? `the URL ${shape.reason}` : `a redirect target ${shape.reason}`);
    const response = await once(shape.url, { method, headers: init.headers, body }, shape.allowed, options, deadline);
    const location = response.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(response.status) && typeof location === 'string';
    if (!redirect) return response;
    const keeps = response.status === 307 || response.status === 308;
    if (!keeps && options.keepMethod) return response;
    if (hop >= maxRedirects) throw new OutboundBlockedError(`more than ${maxRedirects} redirects`);
    current = new URL(location, shape.url).href;
    if (!keeps && method !== 'GET' && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
    }
  }
}

function once(url: URL, init: GuardedRequest, allowed: boolean, options: GuardOptions, deadline: number): Promise<GuardedResponse> {
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new Error('timed out'));
    const req = request(
      url,
      {
        method: init.method,
        headers: init.headers,
        // Allowed hosts use the system resolver as they are; everything else connects only to checked addresses.
        ...(allowed ? {} : { lookup: pinnedLookup(options.resolver ?? systemResolver) }),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, url: url.href });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > maxBody) {
            if (!options.truncate) {
              req.destroy();
              return reject(new Error(`the answer is larger than ${maxBody} bytes`));
            }
            chunks.push(chunk.subarray(0, maxBody - size));
            size = maxBody;
            truncated = true;
            finish();
            return void res.destroy();
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', finish);
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error('timed out')), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof OutboundBlockedError ? error : new Error(describeNetworkError(error))));
    req.end(init.body);
  });
}

/** A network failure without anything the other side sent: the code and a few words. */
function describeNetworkError(error: NodeJS.ErrnoException): string {
  if (error.message === 'timed out') return 'timed out';
  return error.code ? `connection failed (${error.code})` : 'connection failed';
}

/** A `fetch`-shaped function over the guard, for adapters that take an injected fetch (calendar feeds). */
export function createGuardedFetch(options: GuardOptions) {
  return async (input: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> => {
    const res = await guardedRequest(String(input), init, options);
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const nullBody = [101, 204, 205, 304].includes(res.status);
    const response = new Response(nullBody ? null : new Uint8Array(res.body), { status: res.status, headers });
    Object.defineProperty(response, 'url', { value: res.url });
    return response;
  };
}
