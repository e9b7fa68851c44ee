/**
 * Serves the app's HTTP triggers the way the Functions host does: route templates under the route
 * prefix, allowed methods (404 / 405), auth levels with function keys, and RPC request/response data.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeTypedData, type FunctionApp, type RegisteredFunction } from './functionApp.js';
import type { RpcHttpData, RpcTypedData } from './functionsCore.js';

export interface HttpTriggerOptions {
  /** host.json extensions.http.routePrefix (default "api"). */
  routePrefix: string;
  /** Keys accepted for authLevel "function" (any of them), e.g. from the FUNCTION_KEYS setting. */
  functionKeys: string[];
  /** Key accepted for every auth level, including "admin". */
  masterKey?: string;
}

interface CompiledRoute {
  fn: RegisteredFunction;
  pattern: RegExp;
  params: string[];
  methods: string[] | undefined;
  authLevel: string;
}

/** `broadcasts/{id}` → a regex capturing `id`; supports `{name?}` and ignores `:constraint` suffixes. */
export function compileRoute(template: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const parts = template.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  let source = '';
  for (const part of parts) {
    const match = /^\{\*?([A-Za-z_][\w]*)(?::[^}?]+)?(\?)?\}$/.exec(part);
    if (match) {
      params.push(match[1] as string);
      source += match[2] ? '(?:/([^/]+))?' : '/([^/]+)';
    } else {
      source += '/' + part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return { pattern: new RegExp(`^${source || ''}/?$`, 'i'), params };
}

function compileRoutes(app: FunctionApp): CompiledRoute[] {
  return app.functions
    .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
    .map((fn) => {
      const { pattern, params } = compileRoute(String(fn.trigger.route ?? fn.name));
      const methods = Array.isArray(fn.trigger.methods)
        ? (fn.trigger.methods as string[]).map((m) => m.toUpperCase())
        : undefined;
      return { fn, pattern, params, methods, authLevel: String(fn.trigger.authLevel ?? 'function').toLowerCase() };
    })
    // Literal segments win over parameters, as in ASP.NET routing: fewer parameters first.
    .sort((a, b) => a.params.length - b.params.length);
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createHttpTriggerRouter(app: FunctionApp, options: HttpTriggerOptions): RequestHandler {
  const routes = compileRoutes(app);
  const prefix = '/' + options.routePrefix.replace(/^\/+|\/+$/g, '');

  return async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const path = decodeURIComponent(url.pathname);
    if (prefix !== '/' && !(path.toLowerCase() === prefix || path.toLowerCase().startsWith(prefix + '/'))) return false;
    const routePath = prefix === '/' ? path : path.slice(prefix.length);

    const matches = routes
      .map((route) => ({ route, match: route.pattern.exec(routePath) }))
      .filter((m): m is { route: CompiledRoute; match: RegExpExecArray } => m.match !== null);
    if (matches.length === 0) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const hit = matches.find((m) => !m.route.methods || m.route.methods.includes(method));
    if (!hit) {
      const allow = [...new Set(matches.flatMap((m) => m.route.methods ?? []))].join(', ');
      res.writeHead(405, { allow, 'content-type': 'text/plain' }).end(`Method ${method} not allowed.`);
      return true;
    }
    if (!authorized(hit.route.authLevel, req, url, options)) {
      res.writeHead(401).end();
      return true;
    }

    const params: Record<string, string> = {};
    hit.route.params.forEach((name, i) => {
      const value = hit.match[i + 1];
      if (value !== undefined) params[name] = value;
    });
    const body = await readBody(req);
    await invokeHttp(app, hit.route.fn, { req, url, params, body }, res);
    return true;
  };
}

function authorized(level: string, req: IncomingMessage, url: URL, options: HttpTriggerOptions): boolean {
  if (level === 'anonymous') return true;
  const header = req.headers['x-functions-key'];
  const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
  if (key === undefined) return false;
  if (options.masterKey !== undefined && key === options.masterKey) return true;
  return level === 'function' && options.functionKeys.includes(key);
}

/** The whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function invokeHttp(
  app: FunctionApp,
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
