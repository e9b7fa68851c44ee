/** Which subscribers get a notification, and how long to wait between delivery attempts. Pure. */
import type { Subscriber } from '../app/integrationsConfig.js';
import type { LifecycleEventType } from '../contracts/notifications.js';

export const subscribersFor = (subscribers: Subscriber[], type: LifecycleEventType): Subscriber[] =>
  subscribers.filter((s) => !s.events || s.events.includes(type));

/** Exponential backoff from 1 s, doubling, capped at 5 minutes. */
export function deliveryBackoffMs(attempt: number): number {
  return Math.min(1_000 * 2 ** (attempt - 1), 5 * 60_000);
}
