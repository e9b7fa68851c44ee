/** Commands inbound webhooks may carry, validated. Pure. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BROADCAST_ID_RULE, broadcastIdPattern } from './broadcastRequest.js';
import type { FieldError } from './problem.js';

const id = z.string().regex(broadcastIdPattern, BROADCAST_ID_RULE);

const command = z.discriminatedUnion('type', [
  z.object({ type: z.literal('broadcast.create'), data: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('broadcast.change'), data: z.object({ id }).catchall(z.unknown()) }),
  z.object({ type: z.literal('broadcast.extend'), data: z.object({ id, endAt: z.string() }) }),
  z.object({ type: z.literal('broadcast.stop'), data: z.object({ id }) }),
  z.object({ type: z.literal('broadcast.cancel'), data: z.object({ id }) }),
]);

export type InboundCommand = z.infer<typeof command>;

export function parseInboundCommand(body: unknown): { ok: true; value: InboundCommand } | { ok: false; errors: FieldError[] } {
  const parsed = command.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ field: '/' + i.path.map(String).join('/'), message: i.message })) };
}

/**
 * A broadcast created by a webhook gets an id from the whole `source:messageId` unless it names one, so
 * replays map to the same broadcast and different messages never do: SHA-256, 28 hex digits (112 bits;
 * a collision among a billion messages has probability ~1e-16), `w` + 28 = 29, the id length limit.
 */
export const webhookBroadcastId = (source: string, messageId: string) =>
  `w${createHash('sha256').update(`${source}:${messageId}`).digest('hex').slice(0, 28)}`;
