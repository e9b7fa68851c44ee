/** Re-validation of the events the capacity ledger receives (anyone with the system key can raise any event). */
import { z } from 'zod';
import type { CapacityRequest } from '../contracts/capacity.js';
import { broadcastIdPattern } from './broadcastRequest.js';

const requestId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
const broadcastId = z.string().regex(broadcastIdPattern);
const instantMs = z.number().int().min(0).max(8.64e15);

const schema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reserve'), requestId, broadcastId, from: instantMs, to: instantMs, quota: z.number().int().min(0).max(10_000), dryRun: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('release'), requestId, broadcastId }).strict(),
]);

export function parseCapacityRequest(data: unknown): CapacityRequest | undefined {
  const parsed = schema.safeParse(data);
  if (!parsed.success) return undefined;
  if (parsed.data.kind === 'reserve' && parsed.data.to <= parsed.data.from) return undefined;
  return parsed.data;
}
