/** Re-validation of the events the capacity ledger receives (anyone with the system key can raise any event). */
import { z } from 'zod';
import type { CapacityRequest } from '../contracts/capacity.js';
import { broadcastIdPattern } from './broadcastRequest.js';

const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
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

/** Requests a function instance sends in one event. */
export const MAX_REQUESTS_PER_EVENT = 64;

/**
 * The valid requests of one event: a single request or `{ requests: [...] }` (at most MAX_REQUESTS_PER_EVENT);
 * invalid entries are dropped one by one, anything else gives none.
 */
export function parseCapacityRequests(data: unknown): CapacityRequest[] {
  if (data && typeof data === 'object' && !Array.isArray(data) && 'requests' in data) {
    const list = (data as { requests: unknown }).requests;
    if (!Array.isArray(list) || list.length > MAX_REQUESTS_PER_EVENT || Object.keys(data).length !== 1) return [];
    return list.map(parseCapacityRequest).filter((r): r is CapacityRequest => r !== undefined);
  }
  const single = parseCapacityRequest(data);
  return single ? [single] : [];
}

/** Real time a request may go unanswered before its requester presumes the event lost and raises it again. */
export const RAISE_AGAIN_AFTER_MS = 3_000;
/**
 * Statuses of the ledger read without the answer since the request was raised, also needed before raising it
 * again: a requester that was itself paused for seconds (a frozen instance, a stalled event loop) has not yet
 * seen the ledger pass its request by, and raising it again would only add an event.
 */
export const UNANSWERED_READS_BEFORE_RAISING_AGAIN = 10;

export interface RaisedRequest {
  raisedAt: number;
  /** The ledger generation known when it was raised (-1: none yet). */
  raisedInGeneration: number;
  /** Status reads since then that did not answer it. */
  unansweredReads: number;
  /** Raised to a ledger that is gone (purged, failed, terminated): raise it to the new one at once. */
  presumedLost?: boolean;
}

/**
 * Whether a waiting request goes out again (the ledger answers a request raised twice once): at once when the
 * ledger continued as new since (the event may have been dropped with the old execution) or is gone, otherwise
 * when it has gone unanswered for RAISE_AGAIN_AFTER_MS and UNANSWERED_READS_BEFORE_RAISING_AGAIN reads.
 */
export function shouldRaiseAgain(request: RaisedRequest, now: number, generation: number): boolean {
  if (request.presumedLost || generation > request.raisedInGeneration) return true;
  return now - request.raisedAt > RAISE_AGAIN_AFTER_MS && request.unansweredReads >= UNANSWERED_READS_BEFORE_RAISING_AGAIN;
}
