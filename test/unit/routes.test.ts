// Every HTTP function of the app is reachable under Azure's route order (by function name, first match wins),
// judged by the local host's own router, the one that serves the app in every end-to-end test.
import { describe, expect, it } from 'vitest';
import { loadFunctionApp } from '../../devhost/worker/functionApp.js';
import { appRouteReachability } from '../../devhost/worker/httpTriggers.js';
import { compileRoutes, findRoute, routeReachability } from '../../devhost/worker/httpRoutes.js';
import { repoRoot } from '../support/stack.js';

const loadApp = () =>
  loadFunctionApp({ appRoot: repoRoot, entry: 'app/index.ts', settings: { CALENDAR_FEEDS: '[]', INBOUND_WEBHOOK_SECRETS: '{}', WEBHOOK_SUBSCRIBERS: '[]' } });

describe('route order as in Azure', () => {
  it('the old inbound webhook route shadowed subscriber registration', () => {
    const old = [
      { name: 'receiveWebhook', route: 'webhooks/{source}', methods: ['POST'] },
      { name: 'registerWebhookSubscriber', route: 'webhooks/subscribers', methods: ['POST'] },
    ];
    expect(routeReachability(old).find((r) => r.name === 'registerWebhookSubscriber')).toMatchObject({ reachable: false, shadowedBy: ['receiveWebhook'] });
  });

  it('every HTTP function of the app is reachable', async () => {
    const reachability = appRouteReachability(await loadApp());
    expect(reachability.map((r) => r.name)).toEqual(expect.arrayContaining(['registerWebhookSubscriber', 'receiveWebhook', 'getBroadcast', 'createBroadcast']));
    expect(reachability.filter((r) => !r.reachable)).toEqual([]);
  });

  it('literal routes reach their own function, whatever the names', async () => {
    const app = await loadApp();
    const routes = compileRoutes(app.functions.filter((f) => f.trigger.type.toLowerCase() === 'httptrigger').map((f) => ({
      name: f.name,
      route: f.trigger.route === undefined ? undefined : String(f.trigger.route),
      methods: Array.isArray(f.trigger.methods) ? (f.trigger.methods as string[]) : undefined,
    })));
    const winner = (method: string, path: string) => findRoute(routes, method, path.split('/'))?.route.info.name;
    expect(winner('POST', 'webhooks/subscribers')).toBe('registerWebhookSubscriber');
    expect(winner('POST', 'webhooks/in/subscribers')).toBe('receiveWebhook');
  });
});
