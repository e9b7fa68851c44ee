/**
 * AMS IP access control (`input.accessControl.ip.allow[]`, `preview.accessControl.ip.allow[]`): a list of
 * `{ address, subnetPrefixLength }` ranges. `0.0.0.0/0` allows every client; an empty list allows none; no access
 * control at all (the API's `null`) allows every client.
 */
import { BlockList, isIP } from 'node:net';

interface IpRange {
  address?: unknown;
  subnetPrefixLength?: unknown;
}

/** The `accessControl` object of a live event's input or preview, as the client sent it. */
export function ipAllowed(accessControl: unknown, clientAddress: string | undefined): boolean {
  const ip = (accessControl as { ip?: { allow?: unknown } } | null | undefined)?.ip;
  if (!ip || !Array.isArray(ip.allow)) return true;
  const client = normalize(clientAddress ?? '');
  const family = isIP(client);
  if (family === 0) return false;
  const list = new BlockList();
  for (const range of ip.allow as IpRange[]) {
    const address = typeof range.address === 'string' ? normalize(range.address) : '';
    const rangeFamily = isIP(address);
    if (rangeFamily === 0) continue;
    const max = rangeFamily === 4 ? 32 : 128;
    const prefix = typeof range.subnetPrefixLength === 'number' ? range.subnetPrefixLength : max;
    list.addSubnet(address, Math.max(0, Math.min(max, prefix)), rangeFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(client, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is the IPv4 address. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
