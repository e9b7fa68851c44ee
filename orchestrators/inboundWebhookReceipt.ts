/**
 * The record of one processed inbound webhook message: its instance id is derived from the message id,
 * its input is the answer given, so a replay finds it and gets the same answer.
 */
import type { OrchestrationContext, Task } from 'durable-functions';

export const inboundReceiptOrchestrator = 'inboundWebhookReceipt';

// Completes at once: there is nothing to wait for.
// eslint-disable-next-line require-yield
export function* inboundWebhookReceipt(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  return ctx.df.getInput();
}
