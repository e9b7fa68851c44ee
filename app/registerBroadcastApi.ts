/** Registers the broadcast HTTP API under /api/broadcasts, its OpenAPI document and the retention purge. */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createBroadcastHandlers } from '../functions/broadcastsApi.js';
import { createRetentionHandlers } from '../functions/broadcastRetention.js';
import { openApiHandler } from '../functions/openApi.js';
import { loadConfig } from './config.js';

export function registerBroadcastApiFunctions(): void {
  const config = loadConfig();
  const handlers = createBroadcastHandlers({ defaultAccount: config.account, policy: config.broadcast, api: config.api });
  const client = [df.input.durableClient()];
  // Key auth: the host refuses calls without a function key before the app runs. Entra auth: App Service
  // Authentication refuses unauthenticated calls before the host, and the handlers check the app roles.
  const authLevel = config.api.auth === 'entra' ? 'anonymous' : 'function';
  const route = (name: string, handler: keyof typeof handlers, methods: Array<'GET' | 'POST' | 'PATCH' | 'DELETE'>, path: string) =>
    app.http(name, { route: path, methods, authLevel, extraInputs: client, handler: handlers[handler] });

  route('createBroadcast', 'createBroadcast', ['POST'], 'broadcasts');
  route('listBroadcasts', 'listBroadcasts', ['GET'], 'broadcasts');
  route('getBroadcast', 'getBroadcast', ['GET'], 'broadcasts/{id}');
  route('changeBroadcast', 'changeBroadcast', ['PATCH'], 'broadcasts/{id}');
  route('deleteBroadcast', 'cancelBroadcast', ['DELETE'], 'broadcasts/{id}');
  route('extendBroadcast', 'extendBroadcast', ['POST'], 'broadcasts/{id}/extend');
  route('stopBroadcast', 'stopBroadcast', ['POST'], 'broadcasts/{id}/stop');
  route('cancelBroadcast', 'cancelBroadcast', ['POST'], 'broadcasts/{id}/cancel');
  // The API description is public: it holds no data.
  app.http('openApiDocument', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApiHandler });

  const retention = createRetentionHandlers({ retentionMs: config.retention.retentionMs });
  app.timer('purgeFinishedInstances', { schedule: config.retention.schedule, extraInputs: client, handler: retention.purgeTimer });
}
