/**
 * What a calendar sync must do: compare the feed's occurrences with the broadcasts it created before
 * and decide what to create, reschedule and cancel. Pure, so repeated syncs are provably idempotent.
 */
import { createHash } from 'node:crypto';
import type { BroadcastPhase } from '../contracts/broadcast.js';
import type { CalendarOccurrence } from './calendar.js';

export interface ExistingCalendarBroadcast {
  id: string;
  /** origin.ref = the occurrence key. */
  ref: string;
  startAt: string;
  endAt: string;
  title?: string;
  phase: BroadcastPhase;
}

export interface CalendarPlan {
  create: Array<{ id: string; occurrence: CalendarOccurrence }>;
  reschedule: Array<{ id: string; occurrence: CalendarOccurrence }>;
  cancel: Array<{ id: string; ref: string; reason: string }>;
}

const PRE_START: readonly BroadcastPhase[] = ['scheduled', 'allocating', 'standby'];

/** A broadcast id per occurrence key (deterministic, so repeated syncs never duplicate). */
export const calendarBroadcastId = (key: string) => `c${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;

export function planCalendarSync(
  feed: string,
  occurrences: readonly CalendarOccurrence[],
  existing: readonly ExistingCalendarBroadcast[],
  window: { fromMs: number; toMs: number; now: number },
  /** Keys, or key prefixes ending in ':', of events that could not be read this time: neither cancelled nor moved. */
  protect: readonly string[] = [],
): CalendarPlan {
  const plan: CalendarPlan = { create: [], reschedule: [], cancel: [] };
  const byRef = new Map(existing.filter((b) => b.ref.startsWith(`${feed}:`)).map((b) => [b.ref, b]));
  const isProtected = (ref: string) => protect.some((p) => (p.endsWith(':') ? ref.startsWith(p) : ref === p));
  const seen = new Set<string>();

  for (const occurrence of occurrences) {
    seen.add(occurrence.key);
    const current = byRef.get(occurrence.key);
    if (occurrence.cancelled) {
      if (current && PRE_START.includes(current.phase)) plan.cancel.push({ id: current.id, ref: occurrence.key, reason: 'cancelled in the calendar' });
      continue;
    }
    if (!current) {
      // Only future occurrences become broadcasts; one already under way is left to a human.
      if (Date.parse(occurrence.startAt) > window.now) plan.create.push({ id: calendarBroadcastId(occurrence.key), occurrence });
      continue;
    }
    const moved = current.startAt !== occurrence.startAt || current.endAt !== occurrence.endAt || (current.title ?? undefined) !== occurrence.title;
    // An edit of an event that could not be read (a broken moved instance) must not move it back.
    if (moved && PRE_START.includes(current.phase) && !isProtected(occurrence.key)) plan.reschedule.push({ id: current.id, occurrence });
  }

  // Broadcasts whose occurrence disappeared from the feed (deleted event, removed instance) are cancelled,
  // as long as they have not started and lie in the window the feed was read for.
  for (const [ref, broadcast] of byRef) {
    if (seen.has(ref) || !PRE_START.includes(broadcast.phase)) continue;
    if (isProtected(ref)) continue;
    const start = Date.parse(broadcast.startAt);
    if (start >= window.fromMs && start < window.toMs) plan.cancel.push({ id: broadcast.id, ref, reason: 'removed from the calendar' });
  }
  return plan;
}
