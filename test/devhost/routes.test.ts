// Route matching as the Functions host does it (unit level: no server).
import { describe, expect, it } from 'vitest';
import { compileRoutes, findRoute, MalformedPathError, pathSegments, routeReachability, type HttpFunctionInfo } from '../../devhost/worker/httpRoutes.js';

const route = (functions: HttpFunctionInfo[], method: string, path: string) => {
  const hit = findRoute(compileRoutes(functions), method, pathSegments(path));
  return hit && { name: hit.route.info.name, params: hit.params };
};

describe('route order', () => {
  const app: HttpFunctionInfo[] = [
    { name: 'registerWebhookSubscriber', route: 'webhooks/subscribers', methods: ['POST'] },
    { name: 'receiveWebhook', route: 'webhooks/{source}', methods: ['POST'] },
  ];

  it('orders functions by name (ordinal, case-insensitive) and the first match wins, literal or not', () => {
    expect(route(app, 'POST', '/webhooks/subscribers')).toEqual({ name: 'receiveWebhook', params: { source: 'subscribers' } });
    const renamed = [{ ...app[0]!, name: 'addWebhookSubscriber' }, app[1]!];
    expect(route(renamed, 'POST', '/webhooks/subscribers')?.name).toBe('addWebhookSubscriber');
    // OrdinalIgnoreCase compares upper-cased code units: "AB" < "A_B" ('B' 0x42 < '_' 0x5F), unlike locale order.
    const cased = [{ name: 'a_b', route: 'x/{id}' }, { name: 'aB', route: 'x/{key}' }];
    expect(route(cased, 'GET', '/x/1')?.name).toBe('aB');
    expect(['a_b', 'aB'].sort((a, b) => a.localeCompare(b))[0]).toBe('a_b');
  });

  it('lets a method mismatch fall through to later routes, and to 404 (no 405)', () => {
    const functions = [{ name: 'a', route: 'items/{id}', methods: ['GET'] }, { name: 'b', route: 'items/{id}', methods: ['DELETE'] }];
    expect(route(functions, 'DELETE', '/items/1')?.name).toBe('b');
    expect(route(functions, 'PUT', '/items/1')).toBeUndefined();
  });

  it('reports which functions Azure can never reach', () => {
    expect(routeReachability(app)).toEqual([
      { name: 'receiveWebhook', route: 'webhooks/{source}', methods: ['POST'], reachable: true, shadowedBy: [] },
      { name: 'registerWebhookSubscriber', route: 'webhooks/subscribers', methods: ['POST'], reachable: false, shadowedBy: ['receiveWebhook'] },
    ]);
    const constrained = routeReachability([{ name: 'a', route: 'items/{id:int}' }, { name: 'b', route: 'items/search', methods: ['GET'] }]);
    expect(constrained.map((r) => r.reachable)).toEqual([true, true]);
  });
});

describe('start-up validation', () => {
  it('rejects routes under the built-in admin and runtime routes', () => {
    expect(() => compileRoutes([{ name: 'x', route: 'admin/things' }])).toThrow(/built in routes/);
    expect(() => compileRoutes([{ name: 'x', route: 'Runtime/webhooks/x' }])).toThrow(/built in routes/);
  });

  it('rejects two functions with the same route and a shared method, allows disjoint methods', () => {
    expect(() => compileRoutes([{ name: 'a', route: 'x/{id}', methods: ['GET'] }, { name: 'b', route: 'X/{id}', methods: ['get', 'POST'] }])).toThrow(/conflicts with the route defined by function "a"/);
    expect(() => compileRoutes([{ name: 'a', route: 'x' }, { name: 'b', route: 'x', methods: ['POST'] }])).toThrow(/conflicts/);
    expect(compileRoutes([{ name: 'a', route: 'x', methods: ['GET'] }, { name: 'b', route: 'x', methods: ['POST'] }])).toHaveLength(2);
  });

  it('rejects unknown constraints and misplaced catch-all or optional parameters', () => {
    expect(() => compileRoutes([{ name: 'a', route: 'x/{id:nope}' }])).toThrow(/constraint/);
    expect(() => compileRoutes([{ name: 'a', route: 'x/{*rest}/y' }])).toThrow(/catch-all/);
    expect(() => compileRoutes([{ name: 'a', route: 'x/{id?}/y' }])).toThrow(/optional/);
  });
});

describe('templates', () => {
  it('honours constraints, optional parameters and catch-alls', () => {
    const functions = [
      { name: 'a', route: 'files/{id:int}/{name?}' },
      { name: 'b', route: 'files/{slug:alpha:minlength(2)}' },
      { name: 'c', route: 'files/{*rest}' },
    ];
    expect(route(functions, 'GET', '/files/7')).toEqual({ name: 'a', params: { id: '7' } });
    expect(route(functions, 'GET', '/files/7/a.txt')).toEqual({ name: 'a', params: { id: '7', name: 'a.txt' } });
    expect(route(functions, 'GET', '/files/abc')).toEqual({ name: 'b', params: { slug: 'abc' } });
    expect(route(functions, 'GET', '/files/a')).toEqual({ name: 'c', params: { rest: 'a' } });
    expect(route(functions, 'GET', '/files/x1/y/z')).toEqual({ name: 'c', params: { rest: 'x1/y/z' } });
    expect(route(functions, 'GET', '/files')).toEqual({ name: 'c', params: {} });
  });

  it('never turns %2F into a separator, decodes other escapes per segment', () => {
    const functions = [{ name: 'a', route: 'items/{id}' }];
    expect(route(functions, 'GET', '/items/a%2Fb')).toEqual({ name: 'a', params: { id: 'a%2Fb' } });
    expect(route(functions, 'GET', '/items/a%20b')).toEqual({ name: 'a', params: { id: 'a b' } });
  });

  it('refuses malformed %-escapes', () => {
    expect(() => pathSegments('/items/%E0%A4%A')).toThrow(MalformedPathError);
    expect(() => pathSegments('/items/100%')).toThrow(MalformedPathError);
    expect(() => pathSegments('/items/a%00b')).toThrow(MalformedPathError);
    expect(() => pathSegments('/items/%C0%AF')).toThrow(MalformedPathError); // overlong UTF-8
  });
});
