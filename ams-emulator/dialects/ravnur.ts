/**
 * Ravnur Media Services: the ARM paths and bodies verbatim on the customer's own endpoint (§8 "The shape is ARM
 * verbatim"), authenticated by a 1-hour JWT from `POST {endpoint}/auth/token {subscriptionId, apiKey}` sent as
 * Bearer on every call (§8 Auth). Section numbers refer to /work/shared/media-successors.md.
 */
import { armApiVersions, type ArmRequest, type ArmResponse } from '../armRouter.js';
import { armAccountRules, type AccountIdentity } from '../mediaAccount.js';
import { signJwt, verifyJwt } from './jwt.js';
import { json, parseBody, type DialectHost, type DialectRequest, type DialectResponse, type ServedDialect } from './dialect.js';

export interface RavnurOptions {
  /** The API key the RMS Console issues (§8 Auth). Default: a fixed local key. */
  apiKey?: string;
  /** Lifetime of a token from `/auth/token` (§8: "The token lasts 1 hour (the JWT exp)", read). */
  tokenLifetimeSeconds?: number;
  /**
   * Whether RMS implements allocate/StandBy: (unverified) §8 last bullet. Default true, the best guess of the capability
   * sketch §7.4 ("arm/ravnur true (ravnur unverified)"). When false, `POST …/allocate` is answered `missingOperationStatus`.
   */
  allocate?: boolean;
  /** Status for an operation RMS does not implement (only with `allocate: false`); unverified, as MK.IO's (§4). Default 405. */
  missingOperationStatus?: 404 | 405;
  /**
   * api-versions accepted: (unverified) §8 "the mixed versions suggest tolerance". Default ARM's plus the ones Ravnur's
   * own demo sends (2023-01-01 live events, 2022-08-01 outputs and assets, 2022-07-01 locators; read).
   */
  apiVersions?: string[];
  /**
   * Encoding types: Ravnur's demo spells `Premium1080P` where ARM spells `Premium1080p`; case-sensitivity is (unverified) §8.
   * Default accepts both spellings (and ARM's other four).
   */
  encodingTypes?: string[];
  /** Ingest protocols (§8, read from Ravnur's demo: RTMP, SRT, RTSPPull, RTSPPush); whether FragmentedMP4 works is not known. */
  inputProtocols?: string[];
}

/** Every option, so a misspelt one is refused rather than silently ignored. */
export const ravnurOptionKeys: Record<keyof RavnurOptions, true> = {
  apiKey: true, tokenLifetimeSeconds: true, allocate: true, missingOperationStatus: true, apiVersions: true, encodingTypes: true, inputProtocols: true,
};

export const RAVNUR_TEST_API_KEY = 'rms-local-api-key';
const RAVNUR_API_VERSIONS = ['2022-07-01'];

export function ravnurDialect(identity: AccountIdentity, options: RavnurOptions, host: Pick<DialectHost, 'clock' | 'secret'>): ServedDialect {
  const apiKey = options.apiKey ?? RAVNUR_TEST_API_KEY;
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const allocate = options.allocate ?? true;
  const versions = options.apiVersions ?? [...new Set([...armApiVersions.streaming, ...RAVNUR_API_VERSIONS])];
  // Tokens of this dialect only: an ARM (Entra) token or an MK.IO token signed with the same secret is not one.
  const secret = () => `ravnur:${host.secret()}`;
  const issue = () => {
    const now = Math.floor(host.clock.now() / 1000);
    return signJwt(secret(), { sub: identity.subscriptionId, subscriptionId: identity.subscriptionId, iat: now, exp: now + lifetime });
  };

  return {
    info: { name: 'ravnur', apiKey, subscriptionId: identity.subscriptionId },
    rules: {
      ...armAccountRules,
      inputProtocols: options.inputProtocols ?? ['RTMP', 'SRT', 'RTSPPull', 'RTSPPush'],
      encodingTypes: options.encodingTypes ?? [...armAccountRules.encodingTypes, 'Premium1080P'],
    },
    apiVersions: { account: [...new Set([...armApiVersions.account, ...versions])], streaming: versions },
    token: issue,
    handle(request: DialectRequest, served: DialectHost): DialectResponse {
      const path = request.url.pathname.toLowerCase().replace(/\/+$/, '');
      if (path === '/auth/token') return request.method === 'POST' ? tokenEndpoint(request) : armError(405, 'MethodNotAllowed', 'Use POST /auth/token.');
      if (!path.startsWith('/subscriptions/')) return armError(404, 'NotFound', `No such endpoint: ${request.url.pathname}`);
      const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const claims = bearer ? verifyJwt(secret(), bearer, served.clock.now()) : undefined;
      if (!claims) {
        // No Entra authority behind RMS: the challenge names none. RFC 6750 §3.1: an error code only when a token was sent.
        const challenge = bearer ? 'Bearer error="invalid_token", error_description="The token is invalid or expired"' : 'Bearer';
        return armError(401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing or its bearer token is invalid or expired; get one from POST /auth/token.', { 'www-authenticate': challenge });
      }
      const segments = request.url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s).toLowerCase());
      // A token is issued for one subscription (its API key's).
      if (String(claims.subscriptionId).toLowerCase() !== segments[1]) {
        return armError(403, 'AuthorizationFailed', `The token does not grant access to subscription '${segments[1] ?? ''}'.`);
      }
      const body = parseBody(request.text);
      if (!body) return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      const accountName = segments[7] ?? '';
      const rest = segments.slice(8);
      const method = request.method.toUpperCase();
      if (!allocate && method === 'POST' && rest[0] === 'liveevents' && rest[2] === 'allocate' && rest.length === 3) {
        const status = options.missingOperationStatus ?? 405;
        return armError(status, status === 405 ? 'MethodNotAllowed' : 'NotFound', 'Allocate is not implemented by this service; start the live event instead.');
      }
      // §8: "exactly one streaming endpoint, named default: Creating additional endpoints is not supported" (read).
      if (method === 'PUT' && rest[0] === 'streamingendpoints' && rest.length === 2) {
        const exists = served.account(accountName)?.listStreamingEndpoints().some((e) => e.name.toLowerCase() === rest[1]);
        if (!exists) return armError(400, 'BadRequest', 'Creating additional streaming endpoints is not supported; the account has one, named default.');
      }
      const armRequest: ArmRequest = { method: request.method, url: request.url, body, origin: request.origin, headers: request.headers };
      const response = served.route(accountName, armRequest);
      if (method === 'POST' && rest[0] === 'streaminglocators' && rest[2] === 'listpaths' && response.status === 200) return withoutSmoothStreaming(response);
      return response;
    },
  };

  /** §8 Auth (read): JSON `{subscriptionId, apiKey}` in; the token as plain text out (Ravnur's demo reads `response.text()`). */
  function tokenEndpoint(request: DialectRequest): DialectResponse {
    const body = parseBody(request.text);
    if (!body || typeof body.subscriptionId !== 'string' || typeof body.apiKey !== 'string') {
      return armError(400, 'InvalidRequestContent', 'The body must be JSON {"subscriptionId": "...", "apiKey": "..."}.');
    }
    if (body.subscriptionId.toLowerCase() !== identity.subscriptionId.toLowerCase() || body.apiKey !== apiKey) {
      return armError(401, 'InvalidApiKey', 'The API key is not valid for this subscription, or it has expired.');
    }
    return { status: 200, text: issue(), headers: { 'content-type': 'text/plain; charset=utf-8' } };
  }
}

/** §8: "HLS and DASH only; smooth streaming 'in development'" (read). */
function withoutSmoothStreaming(response: ArmResponse): ArmResponse {
  const body = response.body as { streamingPaths?: Array<{ streamingProtocol: string }> };
  return { ...response, body: { ...body, streamingPaths: (body.streamingPaths ?? []).filter((p) => p.streamingProtocol !== 'SmoothStreaming') } };
}

function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): DialectResponse {
  return json(status, { error: { code, message } }, { 'content-type': 'application/json; charset=utf-8', ...headers });
}
