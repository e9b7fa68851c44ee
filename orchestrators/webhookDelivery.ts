/** Delivers one notification to one subscriber: bounded attempts with backoff, each attempt recorded. */
import type { OrchestrationContext, Task } from 'durable-functions';
import { deliverWebhookActivity, type DeliveryAttempt, type DeliveryInput, type DeliveryResult } from '../contracts/webhooks.js';
import { deliveryBackoffMs } from '../domain/notificationRouting.js';

export function* webhookDelivery(ctx: OrchestrationContext): Generator<Task, DeliveryResult, unknown> {
  const input = ctx.df.getInput() as DeliveryInput;
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; attempt <= input.maxAttempts; attempt++) {
    const at = ctx.df.currentUtcDateTime.toISOString();
    try {
      const result = (yield ctx.df.callActivity(deliverWebhookActivity, input)) as { status: number };
      attempts.push({ attempt, at, ok: true, status: result.status });
      ctx.df.setCustomStatus({ attempts });
      return { delivered: true, attempts };
    } catch (error) {
      attempts.push({ attempt, at, ok: false, error: error instanceof Error ? error.message : String(error) });
      ctx.df.setCustomStatus({ attempts });
    }
    if (attempt < input.maxAttempts) {
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + deliveryBackoffMs(attempt)));
    }
  }
  return { delivered: false, attempts };
}
