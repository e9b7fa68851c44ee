/**
 * The local Functions + Durable host: loads the unchanged app, serves its HTTP triggers and the
 * Durable management API on one HTTP server, fires its timers and runs its orchestrations.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock/clock.js';
import { DurableEngine } from './engine/engine.js';
import { azureStorageDelivery, instantDelivery, type DeliveryModel } from './engine/delivery.js';
import { clientBindingData, createManagementApi, RPC_PREFIX } from './engine/managementApi.js';
import { parseTimeSpan } from './timeSpan.js';
import { DurableStore } from './engine/store.js';
import { loadFunctionApp, type HostedApp } from './worker/functionApp.js';
import { installFunctionsCore } from './worker/functionsCore.js';
import { createEventGridWebhook } from './worker/eventGridTriggers.js';
import { createHttpTriggerRouter, DEFAULT_MAX_BODY_BYTES, sendProblem } from './worker/httpTriggers.js';
import { startTimerTriggers } from './worker/timerTriggers.js';
import { startThreadedApp } from './worker/threadedApp.js';
import { wantsColour } from './log.js';

export interface HostOptions {
  /** Folder with package.json and host.json. */
  appRoot: string;
  /** Module to load instead of package.json#main (e.g. TypeScript source under vitest). */
  entry?: string;
  clock?: Clock;
  /** SQLite file for durable state; created if missing. */
  dbFile: string;
  /** 0 (default) = any free port. */
  port?: number;
  /**
   * App settings, published to process.env before the app loads. Host settings read here:
   * DEVHOST_FUNCTION_KEY, DEVHOST_MASTER_KEY, DEVHOST_SYSTEM_KEY (durabletask_extension key; random
   * and kept in the database when unset), DEVHOST_EVENTGRID_KEY (eventgrid_extension key; likewise), DEVHOST_RPC_PORT, DEVHOST_DELIVERY (instant | azure-storage), DEVHOST_DELIVERY_SEED,
   * FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (bytes, default 100 MB as in Azure), DEVHOST_WORKER (inline | thread).
   */
  settings?: Record<string, string>;
  /** Overrides DEVHOST_DELIVERY. */
  delivery?: DeliveryModel;
  /**
   * Where the app runs (overrides DEVHOST_WORKER): `inline`, in the host's thread (default: any clock, and
   * TypeScript entries under vitest), or `thread`, in a thread of its own as Azure runs it in a separate worker
   * process (compiled JavaScript; the system clock or a scaled one).
   */
  worker?: WorkerMode;
  /** With the `thread` worker: the app's thread prints every function execution (`npm start`). */
  logExecutions?: boolean;
}

export type WorkerMode = 'inline' | 'thread';

export interface LocalHost {
  url: string;
  app: HostedApp;
  engine: DurableEngine;
  /** Key accepted by HTTP triggers with authLevel "function". */
  functionKey: string;
  /** The `durabletask_extension` system key the /runtime/webhooks/durabletask routes require. */
  systemKey: string;
  /** The `eventgrid_extension` system key `/runtime/webhooks/eventgrid` requires. */
  eventGridKey: string;
  /** The webhook URL (with key) an Event Grid subscription would use for one Event Grid trigger. */
  eventGridWebhookUrl(functionName: string): string;
  /** Base URL of the loopback RPC listener DurableClient uses (ends in /durabletask/). */
  rpcBaseUrl: string;
  close(): Promise<void>;
}

// The worker provides @azure/functions-core before the app loads; so must we.
installFunctionsCore();

interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
      storageProvider?: { maxQueuePollingInterval?: string; partitionCount?: number };
    };
  };
}

export async function startHost(options: HostOptions): Promise<LocalHost> {
  const clock = options.clock ?? systemClock;
  const settings = options.settings ?? {};
  const setting = (name: string) => settings[name] ?? process.env[name];
  const hostJson = resolveAppSettings(readHostJson(options.appRoot), setting);
  const durable = hostJson.extensions?.durableTask ?? {};
  const functionKey = setting('DEVHOST_FUNCTION_KEY') ?? 'local-function-key';
  const maxBodyBytes = Number(setting('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT') ?? DEFAULT_MAX_BODY_BYTES);
  if (!(maxBodyBytes > 0)) throw new Error(`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a positive number of bytes.`);
  const delivery = options.delivery ?? deliveryFrom(setting, durable.storageProvider ?? {}, clock.now());

  const app = await loadApp(options, clock, settings, setting('DEVHOST_WORKER'));
  mkdirSync(dirname(resolve(options.dbFile)), { recursive: true });
  const store = new DurableStore(options.dbFile);
  // Kept with the durable state, as Azure keeps host keys in storage: links survive a restart.
  const systemKey = setting('DEVHOST_SYSTEM_KEY') ?? store.secret('durabletask_extension', () => randomBytes(32).toString('base64url'));
  const eventGridKey = setting('DEVHOST_EVENTGRID_KEY') ?? store.secret('eventgrid_extension', () => randomBytes(32).toString('base64url'));
  const engine = new DurableEngine({
    store,
    app,
    clock,
    maxConcurrentActivities: durable.maxConcurrentActivityFunctions,
    maxConcurrentOrchestrations: durable.maxConcurrentOrchestratorFunctions,
    delivery,
  });

  let baseUrl = '';
  let rpcBaseUrl = '';
  const api = {
    engine,
    taskHubName: durable.hubName ?? 'TestHubName',
    baseUrl: () => baseUrl,
    rpcBaseUrl: () => rpcBaseUrl,
    systemKey,
    masterKey: setting('DEVHOST_MASTER_KEY'),
    maxBodyBytes,
  };
  // The same for every invocation once both listeners have their ports: serialized once, not per call.
  let bindingJson: string | undefined;
  app.setInputBindingProvider('durableClient', () => {
    const json = bindingJson ?? JSON.stringify(clientBindingData(api));
    if (baseUrl !== '' && rpcBaseUrl !== '') bindingJson = json;
    return { string: json };
  });
  const webhooks = createManagementApi(api, { rpc: false });
  const rpc = createManagementApi(api, { rpc: true });
  const triggers = createHttpTriggerRouter(app, {
    routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
    functionKeys: [functionKey],
    masterKey: api.masterKey,
    maxBodyBytes,
  });

  const eventGrid = createEventGridWebhook(app, { systemKey: eventGridKey, masterKey: api.masterKey, maxBodyBytes });

  // The public port: HTTP triggers and the key-protected webhook routes.
  const server = await listen(options.port ?? 0, clock, async (req, res) => (await webhooks(req, res)) || (await eventGrid(req, res)) || (await triggers(req, res)));
  // The extension's loopback RPC listener (LocalHttpListener, 127.0.0.1:17071 in Azure): DurableClient only.
  const rpcServer = await listen(Number(setting('DEVHOST_RPC_PORT') ?? '0'), clock, rpc);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rpcBaseUrl = `http://127.0.0.1:${(rpcServer.address() as AddressInfo).port}${RPC_PREFIX}/`;

  engine.start();
  const timers = startTimerTriggers(app, { clock, settings, store });

  return {
    url: baseUrl,
    app,
    engine,
    functionKey,
    systemKey,
    eventGridKey,
    eventGridWebhookUrl: (functionName) => `${baseUrl}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(functionName)}&code=${encodeURIComponent(eventGridKey)}`,
    rpcBaseUrl,
    async close() {
      timers.stop();
      for (const s of [server, rpcServer]) {
        s.closeAllConnections();
        await new Promise<void>((done) => s.close(() => done()));
      }
      await engine.close();
      store.close();
      await app.runHooks('appTerminate', {});
    },
  };
}

async function loadApp(options: HostOptions, clock: Clock, settings: Record<string, string>, modeSetting: string | undefined): Promise<HostedApp> {
  const mode = options.worker ?? modeSetting ?? 'inline';
  if (mode === 'thread') {
    // As in Azure: FUNCTIONS_WORKER_PROCESS_COUNT language workers (1 to 10, default 1), invocations spread over them.
    const setting = settings.FUNCTIONS_WORKER_PROCESS_COUNT ?? process.env.FUNCTIONS_WORKER_PROCESS_COUNT ?? '1';
    const count = Number(setting);
    if (!Number.isInteger(count) || count < 1 || count > 10) throw new Error(`FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number from 1 to 10, got "${setting}".`);
    return startThreadedApp({ appRoot: options.appRoot, entry: options.entry, settings, clock, count, color: wantsColour(), logExecutions: options.logExecutions });
  }
  if (mode !== 'inline') throw new Error(`DEVHOST_WORKER must be "inline" or "thread", got "${mode}".`);
  const app = await loadFunctionApp({ appRoot: options.appRoot, entry: options.entry, settings });
  // The app's triggers read "now" from here when set (functions/triggerClock.ts); in Azure that is the real time.
  (globalThis as Record<symbol, unknown>)[Symbol.for('azure-functions.local-host.now')] = () => clock.now();
  return app;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const KEEP_ALIVE_MS = 65_000;
/** Pending connections the kernel queues for accept() (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 4_096;

/** A loopback HTTP server; requests no handler takes get the host's own 404 (problem+json). */
async function listen(port: number, clock: Clock, handle: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('date', new Date(clock.now()).toUTCString()); // the server's time is the host clock's
    void (async () => {
      try {
        if (await handle(req, res)) return;
        sendProblem(res, 404, 'Not Found', 'No function matches this route and method.');
      } catch (error) {
        console.error('devhost: request failed', error);
        sendProblem(res, 500, 'Internal Server Error', 'The local host failed to answer this request.');
      }
    })();
  });
  // Idle keep-alive sockets outlive the clients' own idle timeouts (Node's agent and undici: 4-5 s), so a
  // client never reuses a socket the server is closing at that moment (ECONNRESET under load).
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', LISTEN_BACKLOG, () => resolveListen());
  });
  return server;
}

/** DEVHOST_DELIVERY: `instant` (default) or `azure-storage` (queue polling back-off, history load time). */
function deliveryFrom(setting: (name: string) => string | undefined, storage: { maxQueuePollingInterval?: string; partitionCount?: number }, now: number): DeliveryModel {
  const mode = setting('DEVHOST_DELIVERY') ?? 'instant';
  if (mode === 'instant') return instantDelivery;
  if (mode !== 'azure-storage') throw new Error(`DEVHOST_DELIVERY must be "instant" or "azure-storage", got "${mode}".`);
  const interval = storage.maxQueuePollingInterval;
  const maxPollingIntervalMs = interval === undefined ? 30_000 : parseTimeSpan(interval);
  if (maxPollingIntervalMs === undefined || maxPollingIntervalMs <= 0) {
    throw new Error(`host.json extensions.durableTask.storageProvider.maxQueuePollingInterval must be a TimeSpan such as "00:00:30", got "${interval}".`);
  }
  const seed = Number(setting('DEVHOST_DELIVERY_SEED') ?? '1');
  return azureStorageDelivery({ maxPollingIntervalMs, partitionCount: storage.partitionCount, seed, startedAt: now });
}

/**
 * Resolves `%AppSetting%` in host.json's extension settings, as the extension's name resolver does
 * (e.g. `"hubName": "%DURABLE_TASK_HUB_NAME%"`); a setting that is not set is a start-up error.
 */
export function resolveAppSettings<T>(value: T, setting: (name: string) => string | undefined): T {
  if (typeof value === 'string') {
    return value.replace(/%([^%\s]+)%/g, (_, name: string) => {
      const resolved = setting(name);
      if (resolved === undefined) throw new Error(`host.json refers to the app setting "${name}", which is not set.`);
      return resolved;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => resolveAppSettings(v, setting)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAppSettings(v, setting)])) as T;
  }
  return value;
}

function readHostJson(appRoot: string): HostJson {
  const file = join(appRoot, 'host.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostJson) : {};
}
