/** Outbound webhook delivery: one durable delivery per notification and subscriber. */
import type { LifecycleNotification } from './notifications.js';

export const webhookDeliveryOrchestrator = 'webhookDelivery';
export const deliverWebhookActivity = 'deliverWebhook';

/** No secret in here: inputs are stored in history; the activity looks the secret up. */
export interface DeliveryInput {
  subscriberId: string;
  notification: LifecycleNotification;
  maxAttempts: number;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

export const deliveryInstanceId = (notificationId: string, subscriberId: string) => `webhook-${notificationId}-${subscriberId}`;
