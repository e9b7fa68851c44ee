/** Registers the broadcast HTTP API under /api/broadcasts and its OpenAPI document (issue 4). */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createBroadcastHandlers } from '../functions/broadcastsApi.js';
import { openApiHandler } from '../functions/openApi.js';
import { loadConfig } from './config.js';

export function registerBroadcastApiFunctions(): void {
  const config = loadConfig();
  const handlers = createBroadcastHandlers({ defaultAccount: config.account, policy: config.broadcast });
  const client = [df.input.durableClient()];
  const route = (name: string, handler: keyof typeof handlers, methods: Array<'GET' | 'POST' | 'PATCH' | 'DELETE'>, path: string) =>
    app.http(name, { route: path, methods, authLevel: 'anonymous', extraInputs: client, handler: handlers[handler] });

  route('createBroadcast', 'createBroadcast', ['POST'], 'broadcasts');
  route('listBroadcasts', 'listBroadcasts', ['GET'], 'broadcasts');
  route('getBroadcast', 'getBroadcast', ['GET'], 'broadcasts/{id}');
  route('changeBroadcast', 'changeBroadcast', ['PATCH'], 'broadcasts/{id}');
  route('deleteBroadcast', 'cancelBroadcast', ['DELETE'], 'broadcasts/{id}');
  route('extendBroadcast', 'extendBroadcast', ['POST'], 'broadcasts/{id}/extend');
  route('stopBroadcast', 'stopBroadcast', ['POST'], 'broadcasts/{id}/stop');
  route('cancelBroadcast', 'cancelBroadcast', ['POST'], 'broadcasts/{id}/cancel');
  app.http('openApiDocument', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApiHandler });
}
