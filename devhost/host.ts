/**
 * The local Functions + Durable host: loads the unchanged app, serves its HTTP triggers and the
 * Durable management API on one HTTP server, fires its timers and runs its orchestrations.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock/clock.js';
import { DurableEngine } from './engine/engine.js';
import { clientBindingData, createManagementApi } from './engine/managementApi.js';
import { DurableStore } from './engine/store.js';
import { loadFunctionApp, type FunctionApp } from './worker/functionApp.js';
import { installFunctionsCore } from './worker/functionsCore.js';
import { createHttpTriggerRouter } from './worker/httpTriggers.js';
import { startTimerTriggers } from './worker/timerTriggers.js';

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
  /** App settings, published to process.env before the app loads. */
  settings?: Record<string, string>;
}

export interface LocalHost {
  url: string;
  app: FunctionApp;
  engine: DurableEngine;
  /** Key accepted by HTTP triggers with authLevel "function". */
  functionKey: string;
  close(): Promise<void>;
}

// The worker provides @azure/functions-core before the app loads; so must we.
installFunctionsCore();

interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number };
  };
}

export async function startHost(options: HostOptions): Promise<LocalHost> {
  const clock = options.clock ?? systemClock;
  const settings = options.settings ?? {};
  const hostJson = readHostJson(options.appRoot);
  const durable = hostJson.extensions?.durableTask ?? {};
  const functionKey = settings.DEVHOST_FUNCTION_KEY ?? process.env.DEVHOST_FUNCTION_KEY ?? 'local-function-key';

  const app = await loadFunctionApp({ appRoot: options.appRoot, entry: options.entry, settings });
  mkdirSync(dirname(resolve(options.dbFile)), { recursive: true });
  const store = new DurableStore(options.dbFile);
  const engine = new DurableEngine({
    store,
    app,
    clock,
    maxConcurrentActivities: durable.maxConcurrentActivityFunctions,
    maxConcurrentOrchestrations: durable.maxConcurrentOrchestratorFunctions,
  });

  let baseUrl = '';
  const api = { engine, taskHubName: durable.hubName ?? 'TestHubName', baseUrl: () => baseUrl };
  app.setInputBindingProvider('durableClient', () => ({ string: JSON.stringify(clientBindingData(api)) }));
  const management = createManagementApi(api);
  const triggers = createHttpTriggerRouter(app, {
    routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
    functionKeys: [functionKey],
    masterKey: settings.DEVHOST_MASTER_KEY,
  });

  const server: Server = createServer((req, res) => {
    res.setHeader('date', new Date(clock.now()).toUTCString()); // the server's time is the host clock's
    void (async () => {
      try {
        if (await management(req, res)) return;
        if (await triggers(req, res)) return;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('No function matches this route.');
      } catch (error) {
        console.error('devhost: request failed', error);
        if (!res.headersSent) res.writeHead(500).end();
      }
    })();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  engine.start();
  const timers = startTimerTriggers(app, { clock, settings });

  return {
    url: baseUrl,
    app,
    engine,
    functionKey,
    async close() {
      timers.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await engine.close();
      store.close();
      await app.runHooks('appTerminate', {});
    },
  };
}

function readHostJson(appRoot: string): HostJson {
  const file = join(appRoot, 'host.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostJson) : {};
}
