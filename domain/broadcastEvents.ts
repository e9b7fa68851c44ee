/**
 * Re-validation of the external events a broadcast orchestration receives. The API validates before it
 * raises an event, but events can also be raised straight through the Durable management API (or by an
 * older version of the app), so the orchestration trusts none of them. Pure and deterministic.
 */
import { z } from 'zod';
import type { BroadcastSpec, RescheduleEvent } from '../contracts/broadcast.js';
import { liveEventSettingsSchema, recordingSettingsSchema } from './broadcastRequest.js';

const MAX_BROADCAST_MS = 24 * 3600_000;
const instant = z.iso.datetime({ offset: true });

const rescheduleSchema = z
  .object({
    title: z.string().min(1).max(200).optional(),
    startAt: instant.optional(),
    endAt: instant.optional(),
    liveEvent: z.record(z.string(), z.unknown()).optional(),
    recording: recordingSettingsSchema.optional(),
  })
  .strict();
const extendSchema = z.object({ endAt: instant }).strict();

export type EventCheck<T> = { ok: true; value: T } | { ok: false; note: string };

const rejected = (what: string, why: string): EventCheck<never> => ({ ok: false, note: `ignored an invalid ${what} event: ${why}`.slice(0, 200) });
const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('/') || 'body'} ${issue.message}` : 'malformed';
};

/** The broadcast window after a change: the end after the start, at most 24 hours long. */
function windowProblem(startAt: string, endAt: string): string | undefined {
  const start = Date.parse(startAt);
  const end = Date.parse(endAt);
  if (!(end > start)) return 'the end must be after the start';
  if (end - start > MAX_BROADCAST_MS) return 'a broadcast lasts at most 24 hours';
  return undefined;
}

/**
 * A Reschedule event against the current spec. Before start every field may change (settings are merged
 * and validated as a whole); once live only the end may move. Instants come back normalised to UTC.
 */
export function parseRescheduleEvent(data: unknown, spec: BroadcastSpec, live: boolean): EventCheck<RescheduleEvent> {
  const parsed = rescheduleSchema.safeParse(data);
  if (!parsed.success) return rejected('Reschedule', firstIssue(parsed.error));
  const change = parsed.data;
  const iso = (text: string | undefined) => (text === undefined ? undefined : new Date(text).toISOString());
  const startAt = live ? undefined : iso(change.startAt);
  const endAt = iso(change.endAt);
  const window = windowProblem(startAt ?? spec.startAt, endAt ?? spec.endAt);
  if (window) return rejected('Reschedule', window);
  if (live) return { ok: true, value: endAt ? { endAt } : {} };
  let liveEvent: RescheduleEvent['liveEvent'];
  if (change.liveEvent) {
    const merged = liveEventSettingsSchema.safeParse({ ...spec.liveEvent, ...change.liveEvent });
    if (!merged.success) return rejected('Reschedule', `liveEvent/${firstIssue(merged.error)}`);
    liveEvent = merged.data;
  }
  return { ok: true, value: { title: change.title, startAt, endAt, liveEvent, recording: change.recording } };
}

/** An Extend event: a new end, at most 24 hours after the start. */
export function parseExtendEvent(data: unknown, spec: BroadcastSpec): EventCheck<{ endAt: string }> {
  const parsed = extendSchema.safeParse(data);
  if (!parsed.success) return rejected('Extend', firstIssue(parsed.error));
  const endAt = new Date(parsed.data.endAt).toISOString();
  const window = windowProblem(spec.startAt, endAt);
  return window ? rejected('Extend', window) : { ok: true, value: { endAt } };
}

