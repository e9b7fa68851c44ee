/**
 * A local HTTPS emulator of the Azure Media Services ARM REST API (live events, live outputs, assets,
 * streaming locators, streaming endpoints, async operations) with a local token endpoint, so the real
 * @azure/arm-mediaservices client and @azure/identity credentials run against it unchanged.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock/clock.js';
import { createArmRouter, DEFAULT_PAGE_SIZE, type ArmRequest } from './armRouter.js';
import { createDialect, type DialectInfo, type DialectName, type DialectOptions } from './dialects/index.js';
import { EncoderSimulator, type ControlResult, type DeliveryRecord, type EventSubscription } from './encoders.js';
import { liveEventJson } from './representation.js';
import { loadOrCreateCertificate } from './certificate.js';
import { parseErrorShapes, type ErrorShapes } from './errorShapes.js';
import { FaultController, type FaultRule } from './faults.js';
import { MediaAccount } from './mediaAccount.js';
import type { EmulatorState } from './model.js';
import { resolveTimings, seededRandom, type TimingsOption } from './timings.js';
import { TokenBuckets } from './timingProfiles.js';
import { issueToken, openIdConfiguration, verifyToken } from './tokens.js';

export type { FaultRule, FaultKind } from './faults.js';
export type { DeliveryOptions, DeliveryRecord, EventSchema, EventSubscription } from './encoders.js';
export type { Timings } from './timings.js';
export type { BusyShape, ErrorShapes, WrongStateShape } from './errorShapes.js';
export { busyShapes, wrongStateShapes } from './errorShapes.js';
export { fastTimings, realisticTimings } from './timings.js';
export { timingProfiles, withOverrides, type TimingProfile, type TimingProfileName } from './timingProfiles.js';
export type { DialectInfo, DialectName, DialectOptions, MkioOptions, RavnurOptions } from './dialects/index.js';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  /** Persist state and the certificate here; omitted = in memory. */
  dataDir?: string;
  /** 'realistic', 'fast', a named timing profile ('warm-pool', 'production-tail'), a profile object, or raw timings. */
  timings?: TimingsOption;
  subscriptionId?: string;
  resourceGroup?: string;
  accountName?: string;
  location?: string;
  maxLiveEvents?: number;
  /** Seed for jittered durations and fault probabilities. */
  seed?: number;
  /** More media accounts in the same subscription and resource group (in memory only, not persisted). */
  extraAccounts?: string[];
  /** How invalid transitions and operations on a busy live event are refused (real AMS's shapes are unpublished). */
  errorShapes?: Partial<ErrorShapes>;
  /** Items per page of every list before `@odata.nextLink` (default 1000; small in tests). */
  pageSize?: number;
  /**
   * Whose API the emulator speaks: ARM AMS ('arm', default), Ravnur Media Services ('ravnur') or MK.IO ('mkio'); one
   * dialect per emulator, one state machine for all (`ams-emulator/dialects/`).
   */
  dialect?: DialectName;
  /** The dialect's settings, chiefly the behaviours the successor notes mark unverified (see each option's comment). */
  dialectOptions?: DialectOptions;
}

export interface AmsEmulator {
  /** https origin: the ARM endpoint and the Entra authority host ('arm'), or the provider's base URL. */
  url: string;
  /** The dialect served and what a client needs to reach it (Ravnur API key, MK.IO token and project). */
  dialect: DialectInfo;
  caCertPem: string;
  caCertFile?: string;
  faults: { add(rule: FaultRule): void; clear(): void; list(): FaultRule[]; hits: Record<string, number> };
  billing(liveEventName: string): ReturnType<MediaAccount['billing']>;
  /** When the live event's first live output started recording (clock ms), if it did. */
  recordingStartedAt(liveEventName: string): number | undefined;
  /** Current refusal shapes; `set` changes them at once (also `PUT /_emulator/error-shapes`). */
  errorShapes: { get(): ErrorShapes; set(shapes: Partial<ErrorShapes>): ErrorShapes };
  /** Items per list page (also `PUT /_emulator/page-size`). */
  pageSize: { get(): number; set(size: number): void };
  /**
   * What a streaming endpoint would serve for a playback path (`/{locatorId}/{manifest}.ism/manifest(...)`):
   * the locator and asset it resolves to, or undefined (404). Also `GET /_emulator/streaming/{path}`.
   */
  resolvePlayback(path: string): ReturnType<MediaAccount['resolvePlayback']>;
  liveEventStates(): Record<string, string>;
  /**
   * The account's Event Grid system topic: one event subscription (validated by handshake on `subscribe`; also
   * `PUT|DELETE /_emulator/event-subscription`) and its delivery log (`GET /_emulator/event-deliveries`).
   */
  eventGrid: { subscribe(subscription: EventSubscription): Promise<ControlResult>; unsubscribe(): void; deliveries(): DeliveryRecord[]; topic: string };
  /**
   * Simulated encoders (`POST /_emulator/encoders/{liveEventName}/connect|disconnect|heartbeat`): accepted only while
   * the live event is Running; each publishes the AMS events to the subscription. Answers `{ status, body }`.
   */
  encoders: {
    connect(name: string, body?: Parameters<EncoderSimulator['connect']>[1]): ControlResult;
    disconnect(name: string, body?: Parameters<EncoderSimulator['disconnect']>[1]): ControlResult;
    heartbeat(name: string, body?: Parameters<EncoderSimulator['heartbeat']>[1]): ControlResult;
  };
  /** Issues a token as the dialect's token endpoint would (MK.IO: the personal API token), for static credentials. */
  token(): string;
  reset(): void;
  close(): Promise<void>;
}

const emptyState = (): EmulatorState => ({
  liveEvents: {}, liveOutputs: {}, assets: {}, streamingLocators: {}, streamingEndpoints: {}, operations: {}, stateHistory: {},
  tokenSecret: randomBytes(32).toString('hex'),
});

export async function startEmulator(options: EmulatorOptions = {}): Promise<AmsEmulator> {
  const clock = options.clock ?? systemClock;
  const timings = resolveTimings(options.timings, options.seed ?? 1);
  const random = seededRandom(options.seed ?? 1);
  const stateFile = options.dataDir ? join(options.dataDir, 'ams-state.json') : undefined;
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  let state = stateFile && existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as EmulatorState) : emptyState();
  const dialect = createDialect(options.dialect ?? 'arm', options.dialectOptions ?? {}, {
    subscriptionId: options.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
    resourceGroup: options.resourceGroup ?? 'broadcast-rg',
    accountName: options.accountName ?? 'broadcastams',
    location: options.location ?? 'westeurope',
    maxLiveEvents: options.maxLiveEvents ?? 5,
  }, { clock, secret: () => state.tokenSecret });
  const identity = dialect.identity;
  const faults = new FaultController(random);
  let shapes = parseErrorShapes(options.errorShapes ?? {});
  let pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('pageSize must be a positive integer');
  // ARM write throttling (timing profiles): per subscription (shared by the accounts) and per account.
  const buckets = new TokenBuckets();
  const throttleFor = (accountName: string) => (method: string, operation: string): number | undefined => {
    const limits = timings.profile?.throttle;
    if (!limits || method === 'GET') return undefined;
    const now = clock.now();
    const armScope = method === 'DELETE' ? 'deletes' : 'writes';
    const arm = buckets.take(`subscription/${armScope}`, method === 'DELETE' ? limits.subscriptionDeletes : limits.subscriptionWrites, now);
    if (!arm.ok) return arm.retryAfterSeconds;
    if (!/^(liveEvents|liveOutputs)\./.test(operation)) return undefined;
    const rp = buckets.take(`account/${accountName.toLowerCase()}`, limits.accountWrites, now);
    return rp.ok ? undefined : rp.retryAfterSeconds;
  };
  const routerOptions = (accountName: string) => ({
    retryAfterSeconds: () => timings.retryAfterSeconds, pageSize: () => pageSize,
    throttle: dialect.served ? dialect.served.throttle?.(accountName) : throttleFor(accountName), apiVersions: dialect.served?.apiVersions,
  });
  const rules = dialect.served?.rules;
  let account = new MediaAccount(identity, state, clock, timings, faults, random, () => shapes, rules);
  let route = createArmRouter(account, faults, routerOptions(identity.accountName));
  const encoders = new EncoderSimulator(() => identity, clock, (name) => {
    account.settle();
    const record = Object.values(state.liveEvents).find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!record) return undefined;
    const json = liveEventJson(identity, record) as { properties?: { input?: { endpoints?: Array<{ url?: string }> } } };
    return { state: record.resourceState, ingestUrl: json.properties?.input?.endpoints?.[0]?.url };
  });
  const newExtras = () => new Map((options.extraAccounts ?? []).map((name) => {
    const extraState = { ...emptyState(), tokenSecret: state.tokenSecret };
    const extra = new MediaAccount({ ...identity, accountName: name }, extraState, clock, timings, faults, random, () => shapes, rules);
    return [name.toLowerCase(), { state: extraState, account: extra, route: createArmRouter(extra, faults, routerOptions(name)) }];
  }));
  let extras = newExtras();
  const allAccounts = () => [{ state, account }, ...extras.values()];
  const dialectHost = {
    clock,
    secret: () => state.tokenSecret,
    route: (accountName: string, request: ArmRequest) => (extras.get(accountName.toLowerCase())?.route ?? route)(request),
    account(accountName: string) {
      const found = accountName.toLowerCase() === identity.accountName.toLowerCase() ? account : extras.get(accountName.toLowerCase())?.account;
      found?.settle();
      return found;
    },
  };
  const resolvePlayback = (path: string) => {
    account.settle();
    return account.resolvePlayback(dialect.served?.playbackPath?.(path, dialectHost) ?? path);
  };

  const persist = () => {
    if (!stateFile) return;
    writeFileSync(stateFile + '.tmp', JSON.stringify(state));
    renameSync(stateFile + '.tmp', stateFile);
  };

  const certificate = await loadOrCreateCertificate(options.dataDir);
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      console.error('ams-emulator: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `https://${req.headers.host ?? 'localhost'}`;
    const url = new URL(req.url ?? '/', origin);
    const text = await readBody(req);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}, text?: string) => {
      const payload = text ?? (body === undefined ? '' : JSON.stringify(body));
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers }).end(payload);
    };
    const path = url.pathname.toLowerCase();

    // The streaming endpoint's origin: a playback path resolves to a manifest or 404 (case kept: ids and manifest names).
    if (path.startsWith('/_emulator/streaming/') && req.method === 'GET') {
      const resolved = resolvePlayback(decodeURIComponent(url.pathname.slice('/_emulator/streaming'.length)));
      return resolved ? send(200, resolved) : send(404, { error: { code: 'NotFound', message: 'No manifest at this playback path.' } });
    }
    if (path.startsWith('/_emulator/')) return controlPlane(req.method ?? 'GET', url.pathname.slice('/_emulator/'.length), text, send);
    if (dialect.served) {
      const response = dialect.served.handle({ method: req.method ?? 'GET', url, text, headers: req.headers, origin }, dialectHost);
      if (response.drop) {
        req.socket.destroy();
        return;
      }
      if (req.method !== 'GET') persist();
      return send(response.status, response.body, response.headers, response.text);
    }
    const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (openId && req.method === 'GET') return send(200, openIdConfiguration(origin, openId[1] ?? 'common'));
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token && req.method === 'POST') {
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'client_credentials' || !form.get('client_id')) {
        return send(400, { error: 'invalid_request', error_description: 'Only client_credentials with a client_id is supported by the emulator.' });
      }
      return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issueToken(state.tokenSecret, form.get('client_id') ?? '', Date.now()) });
    }
    if (!path.startsWith('/subscriptions/')) return send(404, { error: { code: 'NotFound', message: `No such endpoint: ${url.pathname}` } });

    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !verifyToken(state.tokenSecret, bearer, Date.now())) {
      return send(401, { error: { code: 'AuthenticationFailed', message: 'Authentication failed. The Authorization header is missing or its bearer token is invalid or expired.' } }, { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common"' });
    }
    let body: Record<string, unknown> = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return send(400, { error: { code: 'InvalidRequestContent', message: 'The request content was invalid and could not be deserialized.' } });
      }
    }
    const target = extras.get(decodeURIComponent(url.pathname.split('/')[8] ?? '').toLowerCase())?.route ?? route;
    const response = target({ method: req.method ?? 'GET', url, body, origin, headers: req.headers });
    if (response.drop) {
      req.socket.destroy();
      return;
    }
    if (req.method !== 'GET') persist();
    send(response.status, response.body, response.headers);
  }

  async function controlPlane(method: string, rawPath: string, text: string, send: (status: number, body: unknown) => void): Promise<void> {
    const path = rawPath.toLowerCase();
    const encoder = /^encoders\/([^/]+)\/(connect|disconnect|heartbeat)$/i.exec(rawPath);
    if (encoder && method === 'POST') {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text || '{}') as Record<string, unknown>;
      } catch {
        return send(400, { error: { code: 'InvalidRequestContent', message: 'The body must be JSON.' } });
      }
      const name = decodeURIComponent(encoder[1] as string);
      const action = (encoder[2] as string).toLowerCase() as 'connect' | 'disconnect' | 'heartbeat';
      const result = encoders[action](name, body);
      return send(result.status, result.body);
    }
    if (path === 'event-subscription' && method === 'PUT') {
      let body: EventSubscription;
      try {
        body = JSON.parse(text || '{}') as EventSubscription;
      } catch {
        return send(400, { error: { code: 'InvalidRequestContent', message: 'The body must be JSON.' } });
      }
      const result = await encoders.subscribe({ url: String(body.url ?? ''), schema: body.schema ?? 'EventGridSchema', maxAttempts: body.maxAttempts });
      return send(result.status, result.body);
    }
    if (path === 'event-subscription' && method === 'DELETE') {
      encoders.unsubscribe();
      return send(200, { deleted: true });
    }
    if (path === 'event-deliveries' && method === 'GET') return send(200, encoders.deliveries());
    if (path === 'faults' && method === 'GET') return send(200, faults.list());
    if (path === 'error-shapes' && method === 'GET') return send(200, shapes);
    if (path === 'error-shapes' && method === 'PUT') {
      try {
        return send(200, emulator.errorShapes.set(JSON.parse(text || '{}') as Partial<ErrorShapes>));
      } catch (e) {
        return send(400, { error: { code: 'InvalidErrorShapes', message: e instanceof Error ? e.message : String(e) } });
      }
    }
    if (path === 'page-size' && method === 'GET') return send(200, { pageSize });
    if (path === 'page-size' && method === 'PUT') {
      const size = (JSON.parse(text || '{}') as { pageSize?: unknown }).pageSize;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return send(400, { error: { code: 'InvalidPageSize', message: 'pageSize must be a positive integer.' } });
      pageSize = size;
      return send(200, { pageSize });
    }
    if (path === 'faults' && method === 'PUT') {
      const rules = JSON.parse(text || '[]') as FaultRule[];
      faults.clear();
      account.unstick();
      rules.forEach((rule) => faults.add(rule));
      return send(200, faults.list());
    }
    if (path === 'faults' && method === 'DELETE') {
      faults.clear();
      account.unstick();
      return send(200, []);
    }
    // The emulator's clock is the host's: with an accelerated clock, broadcasts are scheduled against it.
    if (path === 'clock' && method === 'GET') return send(200, { now: new Date(clock.now()).toISOString() });
    // What a client needs to reach the dialect (Ravnur API key, MK.IO token and project), for out-of-process users.
    if (path === 'dialect' && method === 'GET') return send(200, dialect.info);
    if (path === 'live-events' && method === 'GET') return send(200, emulator.liveEventStates());
    if (path === 'billing' && method === 'GET') {
      return send(200, Object.fromEntries(allAccounts().flatMap((a) => Object.keys(a.state.stateHistory).map((name) => [name, a.account.billing(name)]))));
    }
    if (path.startsWith('billing/') && method === 'GET') return send(200, account.billing(decodeURIComponent(path.slice('billing/'.length))));
    if (path === 'reset' && method === 'POST') {
      emulator.reset();
      return send(200, { reset: true });
    }
    send(404, { error: { code: 'NotFound', message: `Unknown control-plane route ${method} /_emulator/${path}` } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const emulator: AmsEmulator = {
    url: `https://localhost:${port}`,
    dialect: dialect.info,
    caCertPem: certificate.cert,
    caCertFile: certificate.certFile,
    faults: {
      add: (rule) => faults.add(rule),
      clear: () => {
        faults.clear();
        account.unstick();
      },
      list: () => faults.list(),
      hits: faults.hits,
    },
    billing: (name) => (allAccounts().find((a) => a.state.stateHistory[name.toLowerCase()] !== undefined) ?? { account }).account.billing(name),
    recordingStartedAt: (name) => {
      for (const a of allAccounts()) {
        a.account.settle();
        const at = a.account.firstOutputRunningAt[name.toLowerCase()];
        if (at !== undefined) return at;
      }
      return undefined;
    },
    errorShapes: {
      get: () => shapes,
      set(partial) {
        shapes = parseErrorShapes(partial, shapes);
        return shapes;
      },
    },
    pageSize: {
      get: () => pageSize,
      set(size) {
        if (!Number.isInteger(size) || size < 1) throw new Error('pageSize must be a positive integer');
        pageSize = size;
      },
    },
    resolvePlayback,
    liveEventStates() {
      return Object.fromEntries(allAccounts().flatMap((a) => {
        a.account.settle();
        return Object.values(a.state.liveEvents).map((e) => [e.name, e.resourceState]);
      }));
    },
    eventGrid: {
      subscribe: (subscription) => encoders.subscribe(subscription),
      unsubscribe: () => encoders.unsubscribe(),
      deliveries: () => encoders.deliveries(),
      get topic() {
        return encoders.topic;
      },
    },
    encoders: {
      connect: (name, body = {}) => encoders.connect(name, body),
      disconnect: (name, body = {}) => encoders.disconnect(name, body),
      heartbeat: (name, body = {}) => encoders.heartbeat(name, body),
    },
    token: () => dialect.served?.token() ?? issueToken(state.tokenSecret, 'test', Date.now()),
    reset() {
      encoders.reset();
      const secret = state.tokenSecret;
      state = { ...emptyState(), tokenSecret: secret };
      account = new MediaAccount(identity, state, clock, timings, faults, random, () => shapes, rules);
      route = createArmRouter(account, faults, routerOptions(identity.accountName));
      extras = newExtras();
      persist();
    },
    async close() {
      encoders.close();
      account.settle();
      persist();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emulator;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
