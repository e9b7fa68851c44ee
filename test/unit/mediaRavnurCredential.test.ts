// Ravnur's token credential on a stub token endpoint: one request per token, renewed before the hour is up, one
// request for concurrent callers, a refused token replaced once, and the API key never in an error.
import { describe, expect, it } from 'vitest';
import type { HttpSend } from '../../adapters/media/http.js';
import { jwtExpiry, parseTokenAnswer, ravnurAuthPolicy, RavnurTokenCredential, RENEW_BEFORE_MS } from '../../adapters/media/ravnurCredential.js';

const HOUR = 3_600_000;
const jwt = (claims: Record<string, unknown>) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

function tokenEndpoint(nowMs: () => number) {
  const calls: Array<{ url: string; body: unknown }> = [];
  const send: HttpSend = async (url, req) => {
    calls.push({ url, body: JSON.parse(req.body ?? 'null') });
    return { status: 200, headers: {}, body: jwt({ exp: Math.floor(nowMs() / 1000) + 3600, n: calls.length }) };
  };
  return { calls, send };
}

describe('RavnurTokenCredential', () => {
  it('posts {subscriptionId, apiKey} to {endpoint}/auth/token and keeps the token until shortly before it expires', async () => {
    let now = Date.UTC(2030, 0, 1);
    const endpoint = tokenEndpoint(() => now);
    const credential = new RavnurTokenCredential('https://rms.example/', 'sub-1', 'key-1', endpoint.send, () => now);
    const first = await credential.getToken();
    expect(endpoint.calls).toEqual([{ url: 'https://rms.example/auth/token', body: { subscriptionId: 'sub-1', apiKey: 'key-1' } }]);
    expect(first.expiresOnTimestamp).toBe(now + HOUR);
    now += HOUR - RENEW_BEFORE_MS - 1_000;
    expect((await credential.getToken()).token).toBe(first.token); // still well within its hour
    now += 2_000; // inside the renewal window
    const renewed = await credential.getToken();
    expect(renewed.token).not.toBe(first.token);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('makes one request for concurrent callers', async () => {
    const endpoint = tokenEndpoint(() => Date.now());
    const credential = new RavnurTokenCredential('https://rms.example', 's', 'k', endpoint.send);
    const tokens = await Promise.all([credential.getToken(), credential.getToken(), credential.getToken()]);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('reports a refused key by status only, never echoing the key', async () => {
    const send: HttpSend = async (_url, req) => ({ status: 401, headers: {}, body: `bad key ${JSON.parse(req.body ?? '{}').apiKey}` });
    const credential = new RavnurTokenCredential('https://rms.example', 's', 'super-secret-key', send);
    const error = await credential.getToken().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/answered 401/);
    expect((error as Error).message).not.toContain('super-secret-key');
  });
});

describe('token answers', () => {
  it('reads the JWT as text or JSON, its exp first, else the stated expiry, else one hour', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(parseTokenAnswer(jwt({ exp: now / 1000 + 60 }), now)).toEqual({ token: jwt({ exp: now / 1000 + 60 }), expiresOnTimestamp: now + 60_000 });
    expect(parseTokenAnswer(JSON.stringify({ accessToken: 'opaque', expiresIn: 120 }), now)).toEqual({ token: 'opaque', expiresOnTimestamp: now + 120_000 });
    expect(parseTokenAnswer(JSON.stringify({ token: 'opaque', expiresOn: new Date(now + 5_000).toISOString() }), now).expiresOnTimestamp).toBe(now + 5_000);
    expect(parseTokenAnswer('"opaque"', now)).toEqual({ token: 'opaque', expiresOnTimestamp: now + HOUR });
    expect(() => parseTokenAnswer('{}', now)).toThrow(/no token/);
    expect(jwtExpiry('not-a-jwt')).toBeUndefined();
  });
});

describe('ravnurAuthPolicy', () => {
  it('signs with the token, and on a 401 gets a fresh token and sends once more', async () => {
    const endpoint = tokenEndpoint(() => Date.now());
    const credential = new RavnurTokenCredential('https://rms.example', 's', 'k', endpoint.send);
    const policy = ravnurAuthPolicy(credential);
    const seen: string[] = [];
    const headers = new Map<string, string>();
    const request = { headers: { set: (k: string, v: string) => headers.set(k, v), get: (k: string) => headers.get(k) } } as never;
    const next = async () => {
      seen.push(headers.get('authorization') ?? '');
      return { status: seen.length === 1 ? 401 : 200 } as never;
    };
    const response = (await policy.sendRequest(request, next)) as unknown as { status: number };
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/^Bearer h\./);
    expect(seen[1]).not.toBe(seen[0]); // a new token, not the refused one again
    expect(endpoint.calls).toHaveLength(2);
  });
});
