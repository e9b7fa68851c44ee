/**
 * How the Azure Functions host picks the function for a request: HTTP functions ordered by name (ordinal,
 * case-insensitive), the first whose route template and methods match wins; no "literal beats parameter" rule.
 * (A small pure stand-in until the local host exports its own; the lead reconciles them.)
 */
export interface HttpRoute {
  name: string;
  /** Route template without the prefix, e.g. `broadcasts/{id}`. */
  route: string;
  /** Upper-case methods; undefined = every method. */
  methods?: string[];
}

const segments = (template: string) => template.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
const isParameter = (segment: string) => /^\{[^}]+\}$/.test(segment);
const allows = (route: HttpRoute, method: string) => !route.methods || route.methods.includes(method.toUpperCase());

/** .NET StringComparer.OrdinalIgnoreCase: compare the upper-cased UTF-16 code units. */
export const byAzureOrder = (a: HttpRoute, b: HttpRoute) => {
  const x = a.name.toUpperCase();
  const y = b.name.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Whether `template` matches the concrete `path` (no prefix), segment by segment, case-insensitively. */
export function templateMatches(template: string, path: string): boolean {
  const t = segments(template);
  const p = segments(path);
  return t.length === p.length && t.every((s, i) => isParameter(s) || s.toLowerCase() === (p[i] as string).toLowerCase());
}

/** The function Azure runs for `method path`, or undefined (404). */
export function azureRouteFor(routes: readonly HttpRoute[], method: string, path: string): HttpRoute | undefined {
  return [...routes].sort(byAzureOrder).find((r) => allows(r, method) && templateMatches(r.route, path));
}

/** A concrete path for a template: each parameter gets a value no literal segment uses. */
export const samplePath = (template: string) => segments(template).map((s) => (isParameter(s) ? `sample-${s.slice(1, -1).split(':')[0]}` : s)).join('/');

/** Each method of each function, with the function Azure would run for a sample request to it instead (if any). */
export function unreachable(routes: readonly HttpRoute[]): Array<{ name: string; method: string; path: string; shadowedBy?: string }> {
  const misses: Array<{ name: string; method: string; path: string; shadowedBy?: string }> = [];
  for (const route of routes) {
    for (const method of route.methods ?? ['GET']) {
      const path = samplePath(route.route);
      const winner = azureRouteFor(routes, method, path);
      if (winner?.name !== route.name) misses.push({ name: route.name, method, path, shadowedBy: winner?.name });
    }
  }
  return misses;
}

/** Pairs of functions some request could match both of (so only the name order decides between them). */
export function overlapping(routes: readonly HttpRoute[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  routes.forEach((a, i) =>
    routes.slice(i + 1).forEach((b) => {
      const methods = !a.methods || !b.methods || a.methods.some((m) => b.methods?.includes(m));
      const sa = segments(a.route);
      const sb = segments(b.route);
      const same = sa.length === sb.length && sa.every((s, k) => isParameter(s) || isParameter(sb[k] as string) || s.toLowerCase() === (sb[k] as string).toLowerCase());
      if (methods && same) pairs.push([a.name, b.name]);
    }),
  );
  return pairs;
}
