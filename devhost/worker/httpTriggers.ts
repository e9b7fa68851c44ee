/**
 * Serves the app's HTTP triggers the way the Functions host does: route templates under the route
 * prefix in Azure's order (function name, first match wins, method mismatch → 404), auth levels with
 * function keys, a request body limit, and RPC request/response data.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeTypedData, type HostedApp, type RegisteredFunction } from './functionApp.js';
import type { RpcHttpData, RpcTypedData } from './functionsCore.js';
import { compileRoutes, findRoute, MalformedPathError, pathSegments, routeReachability, type HttpFunctionInfo, type Reachability } from './httpRoutes.js';

export interface HttpTriggerOptions {
  /** host.json extensions.http.routePrefix (default "api"). */
  routePrefix: string;
  /** Keys accepted for authLevel "function" (any of them), e.g. from the FUNCTION_KEYS setting. */
  functionKeys: string[];
  /** Key accepted for every auth level, including "admin". */
  masterKey?: string;
  /** Largest request body accepted (bytes); FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 100 MB by default as in Azure. */
  maxBodyBytes?: number;
}

/** Azure's default request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = 104857600). */
export const DEFAULT_MAX_BODY_BYTES = 104_857_600;

/** The app's HTTP functions as the router sees them. */
export function httpFunctions(app: HostedApp): HttpFunctionInfo[] {
  return app.functions
    .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
    .map((fn) => ({
      name: fn.name,
      route: typeof fn.trigger.route === 'string' ? fn.trigger.route : undefined,
      methods: Array.isArray(fn.trigger.methods) ? (fn.trigger.methods as string[]) : undefined,
    }));
}

/** Whether each HTTP function of a loaded app is reachable under Azure's route order. */
export function appRouteReachability(app: HostedApp): Reachability[] {
  return routeReachability(httpFunctions(app));
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** An RFC 9457 problem answered by the host itself (never by the app). */
export function sendProblem(res: ServerResponse, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}

/** Path and query of the raw request target, without WHATWG URL normalisation (no `\` → `/`). */
export function splitTarget(target: string | undefined): { path: string; query: string } {
  const raw = (target ?? '/').split('#')[0] as string;
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

export function createHttpTriggerRouter(app: HostedApp, options: HttpTriggerOptions): RequestHandler {
  const functions = new Map(app.functions.map((fn) => [fn.name, fn]));
  const routes = compileRoutes(httpFunctions(app));
  const prefix = pathSegments(options.routePrefix);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async (req, res) => {
    const target = splitTarget(req.url);
    let segments: string[];
    try {
      segments = pathSegments(target.path);
    } catch (error) {
      if (!(error instanceof MalformedPathError)) throw error;
      sendProblem(res, 400, 'Bad Request', error.message, { field: 'path' });
      return true;
    }
    if (!prefix.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase())) return false;
    const hit = findRoute(routes, req.method ?? 'GET', segments.slice(prefix.length));
    if (!hit) return false;
    const fn = functions.get(hit.route.info.name) as RegisteredFunction;
    const url = requestUrl(req.headers.host, target);
    if (!authorized(String(fn.trigger.authLevel ?? 'function').toLowerCase(), req, url, options)) {
      res.writeHead(401).end();
      return true;
    }
    const body = await readBody(req, maxBody);
    if (body === undefined) {
      sendTooLarge(res, maxBody);
      return true;
    }
    await invokeHttp(app, fn, { req, url, params: hit.params, body }, res);
    return true;
  };
}

/** The request's URL as the function sees it; a Host header that is not a host falls back to localhost. */
function requestUrl(host: string | undefined, target: { path: string; query: string }): URL {
  const rest = `${target.path}${target.query ? '?' + target.query : ''}`;
  try {
    return new URL(`http://${host ?? 'localhost'}${rest}`);
  } catch {
    return new URL(`http://localhost${rest}`);
  }
}

export function sendTooLarge(res: ServerResponse, maxBody: number): void {
  sendProblem(res, 413, 'Payload Too Large', `The request body is larger than ${maxBody} bytes.`, { field: 'body' });
}

function authorized(level: string, req: IncomingMessage, url: URL, options: HttpTriggerOptions): boolean {
  if (level === 'anonymous') return true;
  const header = req.headers['x-functions-key'];
  const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
  if (key === undefined) return false;
  if (options.masterKey !== undefined && key === options.masterKey) return true;
  return level === 'function' && options.functionKeys.includes(key);
}

/**
 * The whole request body, or undefined when it exceeds `maxBytes` (Kestrel's MaxRequestBodySize):
 * refused from Content-Length before reading, or as soon as the stream passes the limit.
 */
export function readBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    req.resume(); // drain without buffering so the 413 reaches the client
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => !over && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function invokeHttp(
  app: HostedApp,
  fn: RegisteredFunction,
  request: { req: IncomingMessage; url: URL; params: Record<string, string>; body: Buffer },
  res: ServerResponse,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const http: RpcHttpData = {
    method: request.req.method ?? 'GET',
    url: request.url.toString(),
    headers,
    query: Object.fromEntries(request.url.searchParams),
    params: request.params,
    body: request.body.length > 0 ? { bytes: request.body } : undefined,
  };
  const triggerMetadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(http.query) },
    Headers: { json: JSON.stringify(headers) },
    ...Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, { string: v }])),
  };
  try {
    const result = await app.invoke(fn.name, { trigger: { http }, triggerMetadata });
    const returned = result.returnData?.http ? result.returnData : Object.values(result.outputs).find((o) => o.http);
    writeResponse(res, returned?.http);
  } catch (error) {
    console.error(`Function "${fn.name}" failed:`, error);
    if (!res.headersSent) res.writeHead(500).end();
  }
}

function writeResponse(res: ServerResponse, http: RpcHttpData | undefined): void {
  if (!http) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? '200');
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = decodeBody(http.body);
  res.writeHead(status, headers).end(body);
}

function decodeBody(body: RpcTypedData | null | undefined): Buffer | string | undefined {
  if (!body) return undefined;
  if (body.bytes !== undefined) return Buffer.from(body.bytes);
  if (body.string !== undefined) return body.string;
  const decoded = decodeTypedData(body);
  return decoded === undefined ? undefined : JSON.stringify(decoded);
}

function formatCookie(cookie: Record<string, unknown>): string {
  const parts = [`${String(cookie.name)}=${String(cookie.value)}`];
  const text = (v: unknown) => (v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v);
  if (cookie.path) parts.push(`Path=${String(cookie.path)}`);
  if (cookie.domain) parts.push(`Domain=${String(cookie.domain)}`);
  const maxAge = text(cookie.maxAge);
  if (maxAge !== undefined && maxAge !== null) parts.push(`Max-Age=${String(maxAge)}`);
  if (text(cookie.secure)) parts.push('Secure');
  if (text(cookie.httpOnly)) parts.push('HttpOnly');
  return parts.join('; ');
}
