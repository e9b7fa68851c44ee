/**
 * The caller as App Service Authentication (Easy Auth) passes it: `x-ms-client-principal` is base64 of
 * `{"auth_typ":"aad","claims":[{"typ":"...","val":"..."}],"name_typ":"...","role_typ":"..."}`; app roles
 * are the claims whose `typ` is `role_typ` (Entra also emits them as `roles`). Pure.
 */
import { z } from 'zod';
import { BroadcastRoles, type BroadcastRole } from '../contracts/settings.js';

const principalSchema = z.object({
  auth_typ: z.string(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(500),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
});

export interface Principal {
  name?: string;
  roles: BroadcastRole[];
}

const DEFAULT_ROLE_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const DEFAULT_NAME_TYPE = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
const known = Object.values(BroadcastRoles) as string[];

/** The principal, or undefined when the header is absent or not a well-formed Easy Auth principal. */
export function parseClientPrincipal(header: string | null | undefined): Principal | undefined {
  if (!header || header.length > 16_384 || !/^[A-Za-z0-9+/=_-]+$/.test(header)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = principalSchema.safeParse(decoded);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const roleType = p.role_typ ?? DEFAULT_ROLE_TYPE;
  const roles = p.claims.filter((c) => c.typ === roleType || c.typ === 'roles').map((c) => c.val).filter((r): r is BroadcastRole => known.includes(r));
  const name = p.claims.find((c) => c.typ === (p.name_typ ?? DEFAULT_NAME_TYPE))?.val;
  return { name, roles: [...new Set(roles)] };
}

/** Admin implies write, write implies read. */
export function hasRole(principal: Principal, needed: BroadcastRole): boolean {
  const rank = (role: BroadcastRole) => [BroadcastRoles.read, BroadcastRoles.write, BroadcastRoles.admin].indexOf(role);
  return principal.roles.some((role) => rank(role) >= rank(needed));
}

/** A function-key caller: the key is the whole credential and grants everything. */
export const keyHolder: Principal = { name: 'function key', roles: [BroadcastRoles.admin] };
