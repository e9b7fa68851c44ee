/**
 * A local Entra ID look-alike: the OpenID discovery document and the client-credentials token
 * endpoint MSAL calls, so a real ClientSecretCredential works offline. Tokens are HMAC-signed with
 * a persisted secret, so they stay valid across emulator restarts and forged ones are refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function issueToken(secret: string, clientId: string, nowMs: number, lifetimeSeconds = 3600): string {
  const claims = Buffer.from(JSON.stringify({ sub: clientId, exp: Math.floor(nowMs / 1000) + lifetimeSeconds })).toString('base64url');
  return `emu.${claims}.${sign(secret, claims)}`;
}

/** True when the bearer token was issued by this emulator and has not expired. */
export function verifyToken(secret: string, token: string, nowMs: number): boolean {
  const [prefix, claims, signature] = token.split('.');
  if (prefix !== 'emu' || !claims || !signature) return false;
  const expected = Buffer.from(sign(secret, claims));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const { exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { exp: number };
  return exp * 1000 > nowMs;
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

export function openIdConfiguration(origin: string, tenant: string) {
  const base = `${origin}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}
