/**
 * One durable instance per subscriber (`webhook-subscriber-{id}`): its input is the registration (secret
 * sealed) or, for a subscriber from settings, only its health; its custom status is the current health.
 * It waits for one `command` event at a time (one waiter, so no command is lost) until it is removed.
 * Commands only arrive on changes (failing, recovered, disabled), so its history stays short.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { publishNotificationActivity, SubscriberDisabledEvent, type LifecycleNotification } from '../contracts/notifications.js';
import { subscriberCommandEvent, type SubscriberHealth, type SubscriberRecord } from '../contracts/webhooks.js';
import { applyHealthCommand, parseSubscriberCommand } from '../domain/webhooks.js';

export function* webhookSubscriber(ctx: OrchestrationContext): Generator<Task, string, unknown> {
  const record = ctx.df.getInput() as SubscriberRecord;
  let health: SubscriberHealth = (record.origin === 'settings' && record.health) || { state: 'active' };
  ctx.df.setCustomStatus(health);
  for (;;) {
    const command = parseSubscriberCommand(yield ctx.df.waitForExternalEvent(subscriberCommandEvent));
    if (!command) continue; // not one of ours: ignored
    if (command.type === 'remove') return 'removed';
    const next = applyHealthCommand(health, command);
    const disabledNow = next.state === 'disabled' && health.state !== 'disabled';
    health = next;
    ctx.df.setCustomStatus(health);
    if (health.state === 'disabled' && disabledNow) {
      const notice: LifecycleNotification = {
        id: ctx.df.newGuid(`${ctx.df.instanceId}:disabled`),
        type: SubscriberDisabledEvent,
        occurredAt: ctx.df.currentUtcDateTime.toISOString(),
        data: { subscriberId: record.id, reason: health.reason, disabledAt: health.disabledAt, ...(health.failingSince && { failingSince: health.failingSince }) },
      };
      try {
        yield ctx.df.callActivity(publishNotificationActivity, notice);
      } catch {
        // The notice is best effort; the subscriber stays disabled either way.
      }
    }
  }
}
