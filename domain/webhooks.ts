/** Webhook delivery rules, pure: who gets a notification, the retry schedule, bounded summaries, subscriber health. */
import type { NotificationType } from '../contracts/notifications.js';
import type { AttemptOutcome, DeliveryAttempt, DeliveryState, DeliveryStatus, SubscriberCommand, SubscriberHealth } from '../contracts/webhooks.js';
import { cap, errorCause } from './errorSummary.js';

export const subscribersFor = <S extends { events?: readonly string[] }>(subscribers: S[], type: NotificationType): S[] =>
  subscribers.filter((s) => !s.events || s.events.includes(type));

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/**
 * The Standard Webhooks / Svix schedule: each wait starts after the previous attempt failed.
 * Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; attempts past the list wait 10 h each.
 */
export const retrySchedule = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;
export const maxAttemptsLimit = 12; // with the schedule above: at most 27 h 35 min 5 s + 4 × 10 h of waiting

/** How long to wait before attempt `attempt` (1-based). */
export function delayBeforeAttempt(attempt: number): number {
  return retrySchedule[attempt - 1] ?? 10 * HOUR;
}

/** Outcomes after which another attempt makes no sense. */
export const isFinalOutcome = (outcome: AttemptOutcome) => outcome === 'delivered' || outcome === 'gone' || outcome === 'skipped';

export const ERROR_SUMMARY_MAX = 160;
export const RESPONSE_START_MAX = 256;

/** A delivery error's message, one capped line (Azure's activity-failure shape read as in errorSummary.ts). */
export function summarizeError(error: unknown): string {
  return cap(errorCause(error).message, ERROR_SUMMARY_MAX);
}

/** The bounded custom status of a delivery: counts and the last attempt's summary, never the list. */
export function deliveryStatus(state: DeliveryState, attempts: DeliveryAttempt[], nextAttemptAt?: string): DeliveryStatus {
  const last = attempts[attempts.length - 1];
  return {
    state,
    attempts: attempts.length,
    ...(last && {
      last: {
        at: last.at,
        outcome: last.outcome,
        ...(last.status !== undefined && { status: last.status }),
        ...(last.latencyMs !== undefined && { latencyMs: last.latencyMs }),
        ...(last.error !== undefined && { error: cap(last.error, ERROR_SUMMARY_MAX) }),
      },
    }),
    ...(nextAttemptAt && { nextAttemptAt }),
  };
}

/** What an attempt's outcome means for the subscriber's health (a command for its instance), if anything. */
export function healthCommandAfter(outcome: AttemptOutcome, health: SubscriberHealth, at: string, disableAfterMs: number): SubscriberCommand | undefined {
  if (health.state === 'disabled') return undefined;
  if (outcome === 'gone') return { type: 'disable', at, reason: 'gone' };
  if (outcome === 'delivered') return health.state === 'failing' ? { type: 'recovered', at } : undefined;
  if (outcome === 'skipped' || outcome === 'error') return undefined;
  if (health.state === 'active') return { type: 'failing', at };
  return Date.parse(at) - Date.parse(health.failingSince) >= disableAfterMs ? { type: 'disable', at, reason: 'failing' } : undefined;
}

/** The health after a command; the same health when the command changes nothing (commands may repeat). */
export function applyHealthCommand(health: SubscriberHealth, command: SubscriberCommand): SubscriberHealth {
  if (command.type === 'enable') return { state: 'active' };
  if (health.state === 'disabled' || command.type === 'remove') return health;
  switch (command.type) {
    case 'failing':
      return health.state === 'active' ? { state: 'failing', failingSince: command.at } : health;
    case 'recovered':
      return { state: 'active' };
    case 'disable':
      return { state: 'disabled', disabledAt: command.at, reason: command.reason, ...(health.state === 'failing' && { failingSince: health.failingSince }) };
  }
}

const isInstant = (v: unknown): v is string => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));

/** Events reach an orchestration from anyone holding the management API: re-validate them. */
export function parseSubscriberCommand(value: unknown): SubscriberCommand | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'remove':
      return { type: 'remove' };
    case 'failing':
    case 'recovered':
    case 'enable':
      return isInstant(v.at) ? { type: v.type, at: v.at } : undefined;
    case 'disable':
      return isInstant(v.at) && (v.reason === 'gone' || v.reason === 'failing') ? { type: 'disable', at: v.at, reason: v.reason } : undefined;
    default:
      return undefined;
  }
}
