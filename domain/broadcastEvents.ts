/**
 * Re-validation of the external events a broadcast orchestration receives. The API validates before it
 * raises an event, but events can also be raised straight through the Durable management API (or by an
 * older version of the app), so the orchestration trusts none of them. Pure and deterministic.
 */
import { z } from 'zod';
import type { BroadcastSpec, RescheduleEvent } from '../contracts/broadcast.js';
import { changeFieldsSchema, liveEventSettingsSchema } from './broadcastRequest.js';

const MAX_BROADCAST_MS = 24 * 3600_000;
const instant = z.iso.datetime({ offset: true });

const rescheduleSchema = changeFieldsSchema;
const extendSchema = z.object({ endAt: instant }).strict();

/** `note`: something the orchestration should record about an accepted event (e.g. an end limited to the cap). */
export type EventCheck<T> = { ok: true; value: T; note?: string } | { ok: false; note: string };

const rejected = (what: string, why: string): EventCheck<never> => ({ ok: false, note: `ignored an invalid ${what} event: ${why}`.slice(0, 200) });
const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('/') || 'body'} ${issue.message}` : 'malformed';
};

/** The broadcast window after a change: the end after the start, at most the cap (BROADCAST_MAX_DURATION) long. */
function windowProblem(startAt: string, endAt: string, maxMs: number): string | undefined {
  const start = Date.parse(startAt);
  const end = Date.parse(endAt);
  if (!(end > start)) return 'the end must be after the start';
  if (end - start > maxMs) return `a broadcast lasts at most ${maxMs % 3_600_000 === 0 ? `${maxMs / 3_600_000} hours` : `${Math.round(maxMs / 60_000)} minutes`}`;
  return undefined;
}

/** A new end while live: past the cap it is limited to the start plus the cap (the runaway cap), not refused. */
function limitedEnd(startAt: string, endAt: string, maxMs: number): { endAt: string; note?: string } {
  const limit = Date.parse(startAt) + maxMs;
  return Date.parse(endAt) > limit ? { endAt: new Date(limit).toISOString(), note: 'end limited to the maximum duration' } : { endAt };
}

/**
 * A Reschedule event against the current spec. Before start every field may change (settings are merged
 * and validated as a whole); once live only the end may move. Instants come back normalised to UTC.
 */
export function parseRescheduleEvent(data: unknown, spec: BroadcastSpec, live: boolean, maxMs = MAX_BROADCAST_MS): EventCheck<RescheduleEvent> {
  const parsed = rescheduleSchema.safeParse(data);
  if (!parsed.success) return rejected('Reschedule', firstIssue(parsed.error));
  const change = parsed.data;
  const iso = (text: string | undefined) => (text === undefined ? undefined : new Date(text).toISOString());
  const startAt = live ? undefined : iso(change.startAt);
  const endAt = iso(change.endAt);
  if (live) {
    if (!endAt) return { ok: true, value: {} };
    const window = windowProblem(spec.startAt, endAt, MAX_BROADCAST_MS);
    if (window) return rejected('Reschedule', window);
    const limited = limitedEnd(spec.startAt, endAt, maxMs);
    return { ok: true, value: { endAt: limited.endAt }, ...(limited.note ? { note: limited.note } : {}) };
  }
  const window = windowProblem(startAt ?? spec.startAt, endAt ?? spec.endAt, maxMs);
  if (window) return rejected('Reschedule', window);
  let liveEvent: RescheduleEvent['liveEvent'];
  if (change.liveEvent) {
    const merged = liveEventSettingsSchema.safeParse({ ...spec.liveEvent, ...change.liveEvent });
    if (!merged.success) return rejected('Reschedule', `liveEvent/${firstIssue(merged.error)}`);
    liveEvent = merged.data;
  }
  return { ok: true, value: { title: change.title, startAt, endAt, liveEvent, recording: change.recording } };
}

/** An Extend event: a new end after the start (refused past 24 hours), limited to the start plus the cap. */
export function parseExtendEvent(data: unknown, spec: BroadcastSpec, maxMs = MAX_BROADCAST_MS): EventCheck<{ endAt: string }> {
  const parsed = extendSchema.safeParse(data);
  if (!parsed.success) return rejected('Extend', firstIssue(parsed.error));
  const endAt = new Date(parsed.data.endAt).toISOString();
  const window = windowProblem(spec.startAt, endAt, Math.max(MAX_BROADCAST_MS, maxMs));
  if (window) return rejected('Extend', window);
  const limited = limitedEnd(spec.startAt, endAt, maxMs);
  return { ok: true, value: { endAt: limited.endAt }, ...(limited.note ? { note: limited.note } : {}) };
}

