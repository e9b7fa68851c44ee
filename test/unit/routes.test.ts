// Every HTTP function of the app is reachable under Azure's route order (by function name, first match wins).
import { describe, expect, it } from 'vitest';
import { loadFunctionApp } from '../../devhost/worker/functionApp.js';
import { azureRouteFor, overlapping, unreachable, type HttpRoute } from '../support/azureRoutes.js';
import { repoRoot } from '../support/stack.js';

async function appRoutes(): Promise<HttpRoute[]> {
  const app = await loadFunctionApp({
    appRoot: repoRoot,
    entry: 'app/index.ts',
    settings: { CALENDAR_FEEDS: '[]', INBOUND_WEBHOOK_SECRETS: '{}', WEBHOOK_SUBSCRIBERS: '[]' },
  });
  return app.functions
    .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
    .map((fn) => ({
      name: fn.name,
      route: String(fn.trigger.route ?? fn.name),
      methods: Array.isArray(fn.trigger.methods) ? (fn.trigger.methods as string[]).map((m) => m.toUpperCase()) : undefined,
    }));
}

describe('route order as in Azure', () => {
  it('the helper reproduces the shadowing Azure showed (a parameter route sorting first wins)', () => {
    const routes = [
      { name: 'receiveWebhook', route: 'webhooks/{source}', methods: ['POST'] },
      { name: 'registerWebhookSubscriber', route: 'webhooks/subscribers', methods: ['POST'] },
    ];
    expect(azureRouteFor(routes, 'POST', 'webhooks/subscribers')?.name).toBe('receiveWebhook');
    expect(unreachable(routes)).toEqual([{ name: 'registerWebhookSubscriber', method: 'POST', path: 'webhooks/subscribers', shadowedBy: 'receiveWebhook' }]);
    expect(overlapping(routes)).toEqual([['receiveWebhook', 'registerWebhookSubscriber']]);
    expect(azureRouteFor(routes, 'GET', 'webhooks/crm')).toBeUndefined(); // method mismatch: no route, 404
  });

  it('every HTTP function of the app is reachable, and no two routes overlap', async () => {
    const routes = await appRoutes();
    expect(routes.map((r) => r.name)).toEqual(expect.arrayContaining(['registerWebhookSubscriber', 'receiveWebhook', 'getBroadcast', 'createBroadcast']));
    expect(unreachable(routes)).toEqual([]);
    expect(overlapping(routes)).toEqual([]);
    expect(azureRouteFor(routes, 'POST', 'webhooks/subscribers')?.name).toBe('registerWebhookSubscriber');
    expect(azureRouteFor(routes, 'POST', 'webhooks/in/subscribers')?.name).toBe('receiveWebhook');
  });
});
