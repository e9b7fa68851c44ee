/**
 * A subscriber registered through the API lives as a durable instance (`subscriber-{id}`): its input is
 * the registration, and it waits until it is removed. No other storage is needed.
 */
import type { OrchestrationContext, Task } from 'durable-functions';

export const webhookSubscriberOrchestrator = 'webhookSubscriber';
export const removeSubscriberEvent = 'Remove';
export const subscriberInstanceId = (id: string) => `subscriber-${id}`;

export function* webhookSubscriber(ctx: OrchestrationContext): Generator<Task, string, unknown> {
  yield ctx.df.waitForExternalEvent(removeSubscriberEvent);
  return 'removed';
}
