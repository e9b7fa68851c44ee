/** Lifecycle notifications sent to webhook subscribers (Standard Webhooks payloads). */
export const LifecycleEventTypes = [
  'broadcast.scheduled',
  'broadcast.allocated',
  'broadcast.ready',
  'broadcast.live',
  'broadcast.recording_available',
  'broadcast.ended',
  'broadcast.failed',
  'broadcast.cancelled',
  'broadcast.at_risk', // not StandBy by the latest safe moment: the start may be late
] as const;
export type LifecycleEventType = (typeof LifecycleEventTypes)[number];

export interface LifecycleNotification {
  /** Unique and deterministic (from ctx.df.newGuid), so a replayed or retried publish is delivered once. */
  id: string;
  type: LifecycleEventType;
  broadcastId: string;
  /** ISO 8601, from ctx.df.currentUtcDateTime. */
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Activity name: hands a notification to delivery without waiting for receivers. */
export const publishNotificationActivity = 'publishNotification';
