/**
 * HS256 JSON Web Tokens for the successor dialects: real JWTs (a client may decode `exp`), signed with the
 * emulator's persisted secret so forged ones are refused, and judged against the emulator's clock so an
 * accelerated clock expires them as it would in production.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  sub: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = encode({ alg: 'HS256', typ: 'JWT' });

export function signJwt(secret: string, claims: JwtClaims): string {
  const unsigned = `${HEADER}.${encode(claims)}`;
  return `${unsigned}.${signature(secret, unsigned)}`;
}

/** The claims when the token was signed with `secret` and has not expired at `nowMs`; otherwise undefined. */
export function verifyJwt(secret: string, token: string, nowMs: number): JwtClaims | undefined {
  const [header, payload, given, ...extra] = token.split('.');
  if (!header || !payload || !given || extra.length > 0 || header !== HEADER) return undefined;
  const expected = Buffer.from(signature(secret, `${header}.${payload}`));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  let claims: JwtClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return undefined;
  }
  return typeof claims.exp === 'number' && claims.exp * 1000 > nowMs ? claims : undefined;
}

function signature(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}
