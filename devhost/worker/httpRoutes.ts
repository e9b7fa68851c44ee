/**
 * HTTP route templates and their matching, as the Functions host does it: every HTTP function's route
 * goes into one route collection in function-name order (ordinal, case-insensitive) and the FIRST
 * template that matches path and method wins; there is no "literal beats parameter" rule
 * (azure-functions-host FunctionMetadataManager orders by name, WebJobsRouteBuilder adds in that order).
 * Templates follow ASP.NET routing: `{id}`, `{id?}`, `{id:int}`, `{id:alpha:minlength(2)}`, `{*rest}`.
 */

/** What the router needs to know about one HTTP function. */
export interface HttpFunctionInfo {
  name: string;
  /** Route template without the route prefix; defaults to the function name. */
  route?: string;
  /** Allowed methods; undefined or empty = every method. */
  methods?: string[];
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; catchAll: boolean; constraints: Array<(value: string) => boolean> };

export interface CompiledRoute {
  info: HttpFunctionInfo;
  template: string;
  segments: Segment[];
  methods: string[] | undefined;
}

export class RouteConfigurationError extends Error {}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'];

/** The constraints ASP.NET routing knows; an unknown one is a start-up error there too. */
function constraint(spec: string, template: string): (value: string) => boolean {
  const m = /^(\w+)(?:\((.*)\))?$/s.exec(spec);
  const name = m?.[1]?.toLowerCase();
  const args = (m?.[2] ?? '').split(',').map((a) => a.trim());
  const num = (i: number) => Number(args[i]);
  const isNumber = (v: string) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v);
  switch (name) {
    case 'int':
      return (v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31;
    case 'long':
      return (v) => /^[+-]?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return isNumber;
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'min':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) >= num(0);
    case 'max':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) <= num(0);
    case 'range':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) >= num(0) && Number(v) <= num(1);
    case 'minlength':
      return (v) => v.length >= num(0);
    case 'maxlength':
      return (v) => v.length <= num(0);
    case 'length':
      return args.length > 1 ? (v) => v.length >= num(0) && v.length <= num(1) : (v) => v.length === num(0);
    case 'regex': {
      const pattern = new RegExp(m?.[2] ?? '', 'i');
      return (v) => pattern.test(v);
    }
    default:
      throw new RouteConfigurationError(`Route "${template}": the constraint "${spec}" is not known to ASP.NET routing.`);
  }
}

/** Parses a route template; throws RouteConfigurationError for templates ASP.NET would refuse. */
export function parseTemplate(template: string): Segment[] {
  const parts = template.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  return parts.map((part, index) => {
    const param = /^\{(\*{1,2})?([A-Za-z_][\w]*)((?::[^:}?=]+(?:\([^)]*\))?)*)(\?)?(?:=[^}]*)?\}$/.exec(part);
    if (!param) {
      if (/[{}]/.test(part)) throw new RouteConfigurationError(`Route "${template}": the segment "${part}" is not supported by the local host.`);
      return { kind: 'literal', text: part };
    }
    const catchAll = param[1] !== undefined;
    const optional = param[4] !== undefined;
    if (catchAll && index !== parts.length - 1) throw new RouteConfigurationError(`Route "${template}": a catch-all parameter must be the last segment.`);
    if (optional && index !== parts.length - 1) throw new RouteConfigurationError(`Route "${template}": an optional parameter must be the last segment.`);
    const specs = (param[3] ?? '').match(/:[^:(]+(?:\([^)]*\))?/g) ?? [];
    return { kind: 'param', name: param[2] as string, optional: optional || catchAll, catchAll, constraints: specs.map((s) => constraint(s.slice(1), template)) };
  });
}

/** Ordinal, case-insensitive comparison (.NET StringComparer.OrdinalIgnoreCase). */
export function compareOrdinalIgnoreCase(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compiles the functions' routes in the host's order and refuses what the host refuses at start-up:
 * routes under `admin`/`runtime` (built-in routes) and two functions with one route and a shared method.
 */
export function compileRoutes(functions: readonly HttpFunctionInfo[]): CompiledRoute[] {
  const sorted = [...functions].sort((a, b) => compareOrdinalIgnoreCase(a.name, b.name));
  const routes: CompiledRoute[] = [];
  for (const info of sorted) {
    const template = (info.route ?? info.name).replace(/^\/+/, '');
    if (/^(admin|runtime)/i.test(template)) {
      throw new RouteConfigurationError(`Function "${info.name}": the route "${template}" conflicts with one or more built in routes (admin, runtime).`);
    }
    const methods = info.methods && info.methods.length > 0 ? info.methods.map((m) => m.toUpperCase()) : undefined;
    for (const other of routes) {
      const sameRoute = compareOrdinalIgnoreCase(other.template, template) === 0;
      const overlap = !methods || !other.methods || methods.some((m) => other.methods?.includes(m));
      if (sameRoute && overlap) {
        throw new RouteConfigurationError(`Function "${info.name}": the route "${template}" conflicts with the route defined by function "${other.info.name}".`);
      }
    }
    routes.push({ info, template, segments: parseTemplate(template), methods });
  }
  return routes;
}

export class MalformedPathError extends Error {}

/**
 * Splits a raw request path into decoded segments. Each segment is decoded on its own and `%2F` stays
 * `%2F` (Kestrel never turns an encoded slash into a separator); malformed `%`-escapes and NUL throw.
 */
export function pathSegments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((s) => s.length > 0)
    .map((segment) => {
      let decoded: string;
      try {
        decoded = segment.split(/%2F/i).map((piece) => decodeURIComponent(piece)).join('%2F');
      } catch {
        throw new MalformedPathError(`The request path contains a malformed %-escape: "${segment}".`);
      }
      // Kestrel refuses a NUL in the decoded path.
      if (decoded.includes('\u0000')) throw new MalformedPathError(`The request path contains an encoded NUL: "${segment}".`);
      return decoded;
    });
}

/** Route values when `segments` match the template, else undefined. */
export function matchRoute(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i] as Segment;
    const value = segments[i];
    if (seg.kind === 'literal') {
      if (value === undefined || compareOrdinalIgnoreCase(value, seg.text) !== 0) return undefined;
      continue;
    }
    if (seg.catchAll) {
      const rest = segments.slice(i).join('/');
      if (rest !== '' && !seg.constraints.every((c) => c(rest))) return undefined;
      if (rest !== '') values[seg.name] = rest;
      return values;
    }
    if (value === undefined) return seg.optional ? values : undefined;
    if (!seg.constraints.every((c) => c(value))) return undefined;
    values[seg.name] = value;
  }
  return segments.length === route.segments.length ? values : undefined;
}

/** The first route (in host order) matching path and method; a method mismatch falls through (→ 404). */
export function findRoute(routes: readonly CompiledRoute[], method: string, segments: readonly string[]): { route: CompiledRoute; params: Record<string, string> } | undefined {
  const upper = method.toUpperCase();
  for (const route of routes) {
    if (route.methods && !route.methods.includes(upper)) continue;
    const params = matchRoute(route, segments);
    if (params) return { route, params };
  }
  return undefined;
}

export interface Reachability {
  name: string;
  route: string;
  methods: string[];
  /** Some request reaches this function under Azure's order. */
  reachable: boolean;
  /** For an unreachable function: the functions that take its requests. */
  shadowedBy: string[];
}

/**
 * For each HTTP function, whether any request reaches it under Azure's route order. Tries, per allowed
 * method, paths built from the function's own template with parameter values that satisfy its
 * constraints and match no other function's literal segments; a function none of whose probes reaches
 * it is reported with the functions that took them. Throws like the host for routes it refuses.
 */
export function routeReachability(functions: readonly HttpFunctionInfo[]): Reachability[] {
  const routes = compileRoutes(functions);
  const literals = new Set(routes.flatMap((r) => r.segments.flatMap((s) => (s.kind === 'literal' ? [s.text.toLowerCase()] : []))));
  return routes.map((route) => {
    const methods = route.methods ?? ALL_METHODS;
    const shadowedBy = new Set<string>();
    let reachable = false;
    for (const path of probePaths(route, literals)) {
      for (const method of methods) {
        const hit = findRoute(routes, method, path);
        if (hit?.route === route) reachable = true;
        else if (hit) shadowedBy.add(hit.route.info.name);
      }
    }
    return { name: route.info.name, route: route.template, methods, reachable, shadowedBy: reachable ? [] : [...shadowedBy] };
  });
}

const PROBE_VALUES = ['zq7', '7', 'true', '00000000-0000-0000-0000-000000000007', '2030-01-01', 'zqzqzqzqzq'];

function probePaths(route: CompiledRoute, literals: Set<string>): string[][] {
  let paths: string[][] = [[]];
  for (const seg of route.segments) {
    if (seg.kind === 'literal') {
      paths = paths.map((p) => [...p, seg.text]);
      continue;
    }
    const values = PROBE_VALUES.filter((v) => !literals.has(v) && seg.constraints.every((c) => c(v)));
    const next: string[][] = [];
    for (const p of paths) {
      if (seg.optional) next.push(p);
      for (const v of values) next.push([...p, v]);
    }
    paths = next;
  }
  return paths;
}
