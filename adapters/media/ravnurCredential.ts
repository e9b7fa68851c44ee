/**
 * The credential Ravnur Media Services documents for `@azure/arm-mediaservices`: `POST {endpoint}/auth/token` with
 * `{ subscriptionId, apiKey }` gives a bearer token valid for one hour (a JWT). The token is kept and renewed
 * before it expires; concurrent callers share one request. The API key never leaves this object.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { HttpSend } from './http.js';

/** Renew this long before the token expires (the SDK's requests then never carry a token about to lapse). */
export const RENEW_BEFORE_MS = 5 * 60_000;
/** When the answer says nothing about expiry: Ravnur documents one hour. */
const DEFAULT_LIFETIME_MS = 3_600_000;

export class RavnurTokenCredential implements TokenCredential {
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly subscriptionId: string,
    private readonly apiKey: string,
    private readonly send: HttpSend,
    private readonly now: () => number = Date.now,
  ) {}

  async getToken(): Promise<AccessToken> {
    const current = this.#current;
    if (current && current.expiresOnTimestamp - RENEW_BEFORE_MS > this.now()) return current;
    this.#pending ??= this.#fetch().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Drops `token` if it is still the one kept (it was refused: expired early, revoked, or the clocks disagree). */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #fetch(): Promise<AccessToken> {
    const url = `${this.endpoint.replace(/\/+$/, '')}/auth/token`;
    const answer = await this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscriptionId: this.subscriptionId, apiKey: this.apiKey }),
    });
    if (answer.status < 200 || answer.status >= 300) {
      // The status only: the answer might echo the request, and the key must not reach logs or statuses.
      throw Object.assign(new Error(`Ravnur token request to ${url} answered ${answer.status}`), { statusCode: answer.status });
    }
    const token = parseTokenAnswer(answer.body, this.now());
    this.#current = token;
    return token;
  }
}

/**
 * Reads a token answer: the JWT as text, or JSON `{ accessToken | token | access_token, expiresOn | expiresIn }`.
 * The expiry is the JWT's `exp` when it has one, else what the answer says, else one hour.
 */
export function parseTokenAnswer(body: string, nowMs: number): AccessToken {
  const text = body.trim();
  let token: string | undefined;
  let stated: number | undefined;
  if (text.startsWith('{')) {
    const json = JSON.parse(text) as Record<string, unknown>;
    const value = json.accessToken ?? json.token ?? json.access_token;
    if (typeof value === 'string') token = value;
    if (typeof json.expiresOn === 'string') stated = Date.parse(json.expiresOn);
    else if (typeof json.expiresOn === 'number') stated = json.expiresOn < 1e12 ? json.expiresOn * 1000 : json.expiresOn;
    else if (typeof json.expiresIn === 'number') stated = nowMs + json.expiresIn * 1000;
    else if (typeof json.expires_in === 'number') stated = nowMs + json.expires_in * 1000;
  } else {
    token = text.replace(/^"|"$/g, '');
  }
  if (!token) throw new Error('Ravnur token answer carried no token');
  const exp = jwtExpiry(token);
  const expiresOnTimestamp = exp ?? (stated !== undefined && Number.isFinite(stated) ? stated : nowMs + DEFAULT_LIFETIME_MS);
  return { token, expiresOnTimestamp };
}

/** The `exp` claim of a JWT in ms, or undefined when the token is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Name of the ARM client's own bearer policy, which this one replaces. */
export const SDK_BEARER_POLICY = 'bearerTokenAuthenticationPolicy';

/**
 * Signs every ARM client request with the Ravnur token, and when the service answers 401 (the token expired before
 * its stated time, was revoked, or the clocks disagree) gets a fresh one and sends the request once more. The SDK's
 * bearer policy would keep the refused token until its own notion of expiry.
 */
export function ravnurAuthPolicy(credential: RavnurTokenCredential): PipelinePolicy {
  return {
    name: 'ravnurTokenPolicy',
    async sendRequest(request, next) {
      const first = (await credential.getToken()).token;
      request.headers.set('authorization', `Bearer ${first}`);
      const response = await next(request);
      if (response.status !== 401) return response;
      credential.invalidate(first);
      request.headers.set('authorization', `Bearer ${(await credential.getToken()).token}`);
      return next(request);
    },
  };
}
