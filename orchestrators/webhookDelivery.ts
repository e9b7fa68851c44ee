/**
 * Delivers one notification to one subscriber on the Standard Webhooks retry schedule. Each attempt's
 * record (status, latency, first bytes of the answer) is the activity's own result, kept in history and in
 * the output; the custom status only says where the delivery stands, so it stays small whatever happens.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { deliverWebhookActivity, type AttemptInput, type DeliveryAttempt, type DeliveryInput, type DeliveryResult } from '../contracts/webhooks.js';
import { delayBeforeAttempt, deliveryStatus, isFinalOutcome, maxAttemptsLimit, summarizeError } from '../domain/webhooks.js';

export function* webhookDelivery(ctx: OrchestrationContext): Generator<Task, DeliveryResult, unknown> {
  const input = ctx.df.getInput() as DeliveryInput;
  // Inputs can also come from the management API: never more attempts than the settings allow.
  const maxAttempts = Math.min(Math.max(Math.trunc(Number(input.maxAttempts)) || 1, 1), maxAttemptsLimit);
  const attempts: DeliveryAttempt[] = [];
  ctx.df.setCustomStatus(deliveryStatus('delivering', attempts));
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const delay = delayBeforeAttempt(attempt);
    if (delay > 0) {
      const next = new Date(ctx.df.currentUtcDateTime.getTime() + delay);
      ctx.df.setCustomStatus(deliveryStatus('retrying', attempts, next.toISOString()));
      yield ctx.df.createTimer(next);
    }
    const at = ctx.df.currentUtcDateTime.toISOString();
    const attemptInput: AttemptInput = { subscriberId: input.subscriberId, notification: input.notification, attempt, at };
    let record: DeliveryAttempt;
    try {
      record = (yield ctx.df.callActivity(deliverWebhookActivity, attemptInput)) as DeliveryAttempt;
    } catch (error) {
      record = { attempt, at, outcome: 'error', error: summarizeError(error) };
    }
    attempts.push(record);
    if (isFinalOutcome(record.outcome)) {
      const state = record.outcome === 'delivered' ? 'delivered' : 'stopped';
      ctx.df.setCustomStatus(deliveryStatus(state, attempts));
      return { delivered: state === 'delivered', state, attempts };
    }
    ctx.df.setCustomStatus(deliveryStatus('retrying', attempts));
  }
  ctx.df.setCustomStatus(deliveryStatus('failed', attempts));
  return { delivered: false, state: 'failed', attempts };
}
