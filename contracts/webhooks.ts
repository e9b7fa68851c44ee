/**
 * Outbound webhooks: subscribers (one durable instance each) and deliveries (one durable instance per
 * notification and subscriber). Instance ids are laid out so that prefix queries find a subscriber's
 * deliveries, newest first, without scanning anything else.
 */
import type { LifecycleNotification, NotificationType } from './notifications.js';

export const webhookDeliveryOrchestrator = 'webhookDelivery';
export const webhookSubscriberOrchestrator = 'webhookSubscriber';
export const deliverWebhookActivity = 'deliverWebhook';
/** The one event name a subscriber instance waits for (one waiter at a time, so no event is lost). */
export const subscriberCommandEvent = 'command';

/** Subscriber ids: what the API and the settings accept (no `.`: it separates ids in delivery instance ids). */
export const subscriberIdPattern = /^[a-zA-Z0-9_-]{1,40}$/;
/** Delivery ids: 13 digits (inverted time, so the newest sorts first) and a GUID or random UUID. */
export const deliveryIdPattern = /^\d{13}-[0-9a-f-]{36}$/;

export const subscriberInstancePrefix = 'webhook-subscriber-';
export const subscriberInstanceId = (subscriberId: string) => `${subscriberInstancePrefix}${subscriberId}`;
export const deliveryInstancePrefix = (subscriberId: string) => `webhook-delivery-${subscriberId}.`;
export const deliveryInstanceId = (subscriberId: string, deliveryId: string) => `${deliveryInstancePrefix(subscriberId)}${deliveryId}`;

const LATEST_MS = 9_999_999_999_999;
/** A delivery id that sorts newest first under the subscriber's prefix; deterministic for the first delivery. */
export const deliveryId = (atMs: number, uuid: string) => `${String(LATEST_MS - atMs).padStart(13, '0')}-${uuid.toLowerCase()}`;

/** A subscriber from the WEBHOOK_SUBSCRIBERS setting (its secret stays in settings, never in durable state). */
export interface ConfiguredSubscriber {
  id: string;
  url: string;
  secret: string;
  events?: NotificationType[];
}

export type SubscriberHealth =
  | { state: 'active' }
  | { state: 'failing'; failingSince: string }
  | { state: 'disabled'; disabledAt: string; reason: 'gone' | 'failing'; failingSince?: string };

/**
 * Input of a subscriber instance. Registered through the API: url, events and the signing secret sealed
 * with WEBHOOK_SECRET_KEY (AES-256-GCM); configured in settings: only the health is kept here.
 */
export type SubscriberRecord =
  | { id: string; origin: 'api'; url: string; events?: NotificationType[]; sealedSecret: string; registeredAt: string }
  | { id: string; origin: 'settings'; health?: SubscriberHealth };

/** What activities and the API send to a subscriber instance (validated by the orchestration). */
export type SubscriberCommand =
  | { type: 'failing'; at: string }
  | { type: 'recovered'; at: string }
  | { type: 'disable'; at: string; reason: 'gone' | 'failing' }
  /** An operator re-enables a disabled subscriber (the next failure starts a new failing period). */
  | { type: 'enable'; at: string }
  | { type: 'remove' };

/** No secret in here: inputs are stored in history; the activity looks the secret up. */
export interface DeliveryInput {
  subscriberId: string;
  deliveryId: string;
  notification: LifecycleNotification;
  maxAttempts: number;
  /** Set when an operator replays an earlier delivery. */
  replayOf?: string;
}

export interface AttemptInput {
  subscriberId: string;
  notification: LifecycleNotification;
  attempt: number;
  /** From the orchestration's clock, so health decisions use the same time as the schedule. */
  at: string;
}

/**
 * delivered: 2xx; rejected: another status; unreachable: no answer (network, timeout); blocked: the URL is
 * not allowed (SSRF guard); gone: 410, the subscriber is disabled; skipped: the subscriber is disabled or
 * removed; error: the attempt itself failed (summary only).
 */
export type AttemptOutcome = 'delivered' | 'rejected' | 'unreachable' | 'blocked' | 'gone' | 'skipped' | 'error';

/** One attempt, as the delivery log shows it: kept in activity results and the output, never in custom status. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: AttemptOutcome;
  status?: number;
  latencyMs?: number;
  /** The first bytes of the answer (bounded), for the delivery log only. */
  responseStart?: string;
  /** A short summary (bounded). */
  error?: string;
}

export type DeliveryState = 'delivering' | 'retrying' | 'delivered' | 'failed' | 'stopped';

/** Custom status of a delivery: bounded, whatever happened (Azure fails an orchestration above 16 KB UTF-16). */
export interface DeliveryStatus {
  state: DeliveryState;
  attempts: number;
  last?: { at: string; outcome: AttemptOutcome; status?: number; latencyMs?: number; error?: string };
  nextAttemptAt?: string;
}

export interface DeliveryResult {
  delivered: boolean;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
}
