/** Sends one signed lifecycle notification (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). */
import { Webhook } from 'standardwebhooks';
import type { LifecycleNotification } from '../contracts/notifications.js';

export interface SendResult {
  status: number;
}

export class WebhookRejectedError extends Error {
  constructor(readonly status: number, body: string) {
    super(`receiver answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

export async function sendWebhook(url: string, secret: string, notification: LifecycleNotification, timeoutMs = 10_000): Promise<SendResult> {
  const payload = JSON.stringify({ type: notification.type, timestamp: notification.occurredAt, data: { broadcastId: notification.broadcastId, ...notification.data } });
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(notification.id, timestamp, payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': notification.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body: payload,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new WebhookRejectedError(response.status, await response.text());
  return { status: response.status };
}
