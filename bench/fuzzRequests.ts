/**
 * Seeded fuzz requests over every app route (broadcasts API, inbound webhooks, subscribers, calendar sync,
 * reaper, OpenAPI), and the check that every answer is a non-5xx and every error problem+json. Used by the
 * security e2e test (a few thousand requests) and `bench/fuzz.ts` (10,000). Paths are valid URLs: malformed
 * %-encoding and `%2F` are the host's concern (it answers them before any function runs).
 */
import { seededRandom } from '../ams-emulator/timings.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzFinding {
  request: FuzzRequest;
  status: number;
  contentType: string;
  body: string;
}

/** Where inbound webhooks are served (app/registerIntegrations.ts); the one place tests and fuzz take it from. */
export const INBOUND_WEBHOOK_PATH = '/api/webhooks/in/';

const HOSTILE_IDS = ['%', '\\', '?', '#', '..', '.', 'a?b=c', 'a#frag', 'x'.repeat(300), 'A', '-a', 'a-', ' ', 'é', '😀', '%00', 'a\u0000b', '<script>', "' OR 1=1", 'broadcast-x', 'nul', 'con', '$id', '{id}'];
const HOSTILE_STRINGS = ['', ' ', 'null', 'true', '0', '-1', '1e309', 'NaN', '9'.repeat(400), '2030-13-45T99:99:99Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'P9999Y', '\u0000', '../../etc/passwd', '%', '\\', 'a'.repeat(5000)];
const FIELD_NAMES = ['id', 'title', 'startAt', 'endAt', 'account', 'liveEvent', 'recording', 'keepLiveEvent', '__proto__', 'constructor', 'type', 'data', 'url', 'secret', 'events'];

export function fuzzRequests(seed: number, count: number): FuzzRequest[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const id = () => (random() < 0.2 ? `fz${Math.floor(random() * 1000)}` : pick(HOSTILE_IDS));
  // Dot segments are resolved by every URL parser before sending (the e2e suite covers them on their own).
  const segment = (text: string) => (/^\.+$/.test(text) ? `x${text}` : encodeURIComponent(text).replace(/%2F/gi, '_'));
  const iso = (offsetMin: number) => new Date(Date.now() + offsetMin * 60_000).toISOString();
  const value = (depth: number): unknown => {
    const r = random();
    if (r < 0.25) return pick(HOSTILE_STRINGS);
    if (r < 0.35) return Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1);
    if (r < 0.4) return random() < 0.5;
    if (r < 0.45) return null;
    if (r < 0.6) return iso(Math.floor(random() * 100_000) - 1_000);
    if (depth > 3) return 'deep';
    if (r < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return object(depth + 1);
  };
  const object = (depth: number): Record<string, unknown> =>
    Object.fromEntries(Array.from({ length: Math.floor(random() * 6) }, () => [pick(FIELD_NAMES), value(depth)]));
  const body = (): string | undefined => {
    const r = random();
    if (r < 0.1) return undefined;
    if (r < 0.2) return '{"unterminated": ';
    if (r < 0.25) return pick(HOSTILE_STRINGS);
    if (r < 0.45) return JSON.stringify({ startAt: iso(10 + random() * 100), endAt: iso(20 + random() * 2_000), ...object(1) });
    if (r < 0.55) return JSON.stringify({ type: pick(['broadcast.create', 'broadcast.change', 'broadcast.stop', 'broadcast.extend', 'x']), data: object(1) });
    return JSON.stringify(random() < 0.8 ? object(0) : value(0));
  };
  const query = () => {
    const params = new URLSearchParams();
    for (const name of ['phase', 'from', 'to', 'top', 'continuationToken']) {
      if (random() < 0.3) params.set(name, random() < 0.5 ? pick(HOSTILE_STRINGS) : pick(['live', 'ended', '5', '200', '201', iso(0), 'Zm9v', 'AAAA', '____']));
    }
    const text = params.toString();
    return text ? `?${text}` : '';
  };

  const routes: Array<() => { method: string; path: string }> = [
    () => ({ method: 'POST', path: '/api/broadcasts' }),
    () => ({ method: 'GET', path: `/api/broadcasts${query()}` }),
    () => ({ method: 'GET', path: `/api/broadcasts/${segment(id())}` }),
    () => ({ method: 'PATCH', path: `/api/broadcasts/${segment(id())}` }),
    () => ({ method: 'DELETE', path: `/api/broadcasts/${segment(id())}` }),
    () => ({ method: 'POST', path: `/api/broadcasts/${segment(id())}/extend` }),
    () => ({ method: 'POST', path: `/api/broadcasts/${segment(id())}/stop` }),
    () => ({ method: 'POST', path: `/api/broadcasts/${segment(id())}/cancel` }),
    () => ({ method: 'POST', path: `${INBOUND_WEBHOOK_PATH}${segment(pick(['crm', 'nobody', ...HOSTILE_IDS]))}` }),
    () => ({ method: 'GET', path: '/api/openapi.json' }),
  ];
  return Array.from({ length: count }, () => {
    const { method, path } = pick(routes)();
    const headers: Record<string, string> = { 'content-type': pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']) };
    if (random() < 0.3) headers['idempotency-key'] = pick(['k1', '', 'x'.repeat(300), '%', 'é'].map((k) => encodeURIComponent(k)));
    if (path.startsWith(INBOUND_WEBHOOK_PATH)) {
      headers['webhook-id'] = pick(['msg_1', '', 'x'.repeat(300), '%']);
      headers['webhook-timestamp'] = pick([String(Math.floor(Date.now() / 1000)), '0', 'abc', '']);
      headers['webhook-signature'] = pick(['v1,AAAA', '', 'v1,' + 'A'.repeat(44)]);
    }
    return { method, path, headers, body: method === 'GET' || method === 'DELETE' ? undefined : body() };
  });
}

/** Sends the requests (a few at a time) and returns every answer that breaks the rules: a 5xx, or an error that is not problem+json. */
export async function runFuzz(baseUrl: string, key: string, requests: readonly FuzzRequest[], concurrency = 8): Promise<{ sent: number; findings: FuzzFinding[]; statuses: Record<number, number> }> {
  const findings: FuzzFinding[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest;
      const res = await fetch(baseUrl + request.path, { method: request.method, headers: { ...request.headers, 'x-functions-key': key }, body: request.body });
      const body = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500 || (res.status >= 400 && !contentType.startsWith('application/problem+json'))) {
        findings.push({ request, status: res.status, contentType, body: body.slice(0, 300) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent: requests.length, findings, statuses };
}
