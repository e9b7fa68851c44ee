/** Notifications sent to webhook subscribers (Standard Webhooks payloads). */
export const LifecycleEventTypes = [
  'broadcast.scheduled',
  'broadcast.allocated',
  'broadcast.ready',
  'broadcast.live',
  'broadcast.starting_soon', // the lead time (BROADCAST_STARTING_SOON_LEAD) before the start
  'broadcast.ending_soon', // the lead time (BROADCAST_ENDING_SOON_LEAD) before the end
  'broadcast.encoder_connected', // data: encoderIp, at
  'broadcast.encoder_disconnected', // data: resultCode, at
  'broadcast.recording_available',
  'broadcast.ended',
  'broadcast.failed',
  'broadcast.cancelled',
  'calendar.event_invalid', // a calendar event that could not be read (data: feed, uid, message); broadcastId is empty
] as const;
export type LifecycleEventType = (typeof LifecycleEventTypes)[number];

/** About the webhook system itself: a subscriber was disabled (answered 410, or failed for too long). */
export const SubscriberDisabledEvent = 'webhook.subscriber_disabled';

/** Every type a subscriber can ask for in `events`. */
export const NotificationTypes = [...LifecycleEventTypes, SubscriberDisabledEvent] as const;
export type NotificationType = (typeof NotificationTypes)[number];

export interface LifecycleNotification {
  /** Unique and deterministic (from ctx.df.newGuid), so a replayed or retried publish is delivered once. */
  id: string;
  type: NotificationType;
  /** Set for broadcast.* notifications. */
  broadcastId?: string;
  /** ISO 8601, from ctx.df.currentUtcDateTime. */
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Activity name: hands a notification to delivery without waiting for receivers. */
export const publishNotificationActivity = 'publishNotification';
