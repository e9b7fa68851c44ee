/** Commands inbound webhooks may carry, validated. Pure. */
import { z } from 'zod';
import type { FieldError } from './problem.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,27}[a-z0-9]$|^[a-z0-9]$/, '1-29 lower-case letters, digits and hyphens');

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

/** A broadcast created by a webhook gets an id from the source and message id unless it names one: replays map to the same broadcast. */
export const webhookBroadcastId = (source: string, messageId: string) =>
  `w${Buffer.from(`${source}:${messageId}`).toString('hex').slice(0, 24)}`.toLowerCase();
