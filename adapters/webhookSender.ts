/**
 * Sends one signed notification (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)
 * through the outbound guard and reports the attempt as a value: status, latency and the first bytes of
 * the answer. Only network-level words go into `error`, nothing the receiver sent.
 */
import { Webhook } from 'standardwebhooks';
import type { LifecycleNotification } from '../contracts/notifications.js';
import type { AttemptOutcome } from '../contracts/webhooks.js';
import { cap } from '../domain/errorSummary.js';
import { RESPONSE_START_MAX } from '../domain/webhooks.js';
import { guardedRequest, OutboundBlockedError, type OutboundPolicy, type Resolver } from './outboundGuard.js';

export interface SendOutcome {
  outcome: Exclude<AttemptOutcome, 'skipped' | 'error'>;
  status?: number;
  latencyMs: number;
  responseStart?: string;
  error?: string;
}

export interface SenderOptions {
  policy: OutboundPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
}

export const webhookPayload = (notification: LifecycleNotification) =>
  JSON.stringify({
    type: notification.type,
    timestamp: notification.occurredAt,
    data: { ...(notification.broadcastId !== undefined && { broadcastId: notification.broadcastId }), ...notification.data },
  });

export async function sendWebhook(url: string, secret: string, notification: LifecycleNotification, options: SenderOptions): Promise<SendOutcome> {
  const payload = webhookPayload(notification);
  const timestamp = new Date(); // the receiver checks it against its own (real) clock
  const signature = new Webhook(secret).sign(notification.id, timestamp, payload);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await guardedRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': notification.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: payload,
      },
      { policy: options.policy, resolver: options.resolver, timeoutMs: options.timeoutMs ?? 15_000, maxBodyBytes: RESPONSE_START_MAX, truncate: true, keepMethod: true },
    );
    const status = response.status;
    const responseStart = cap(response.body.toString('utf8').replace(/\uFFFD+$/, ''), RESPONSE_START_MAX);
    const outcome = status >= 200 && status < 300 ? 'delivered' : status === 410 ? 'gone' : 'rejected';
    return { outcome, status, latencyMs: latency(), ...(responseStart !== '' && { responseStart }) };
  } catch (error) {
    if (error instanceof OutboundBlockedError) return { outcome: 'blocked', latencyMs: latency(), error: `refused: ${error.message}` };
    return { outcome: 'unreachable', latencyMs: latency(), error: error instanceof Error ? error.message : 'connection failed' };
  }
}
