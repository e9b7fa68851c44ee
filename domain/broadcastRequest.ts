/**
 * Validation of broadcast requests (create, change, extend) into a full BroadcastSpec, with every
 * problem reported against its field. Pure: "now", the default account and new ids are passed in.
 */
import { Duration } from 'luxon';
import { z } from 'zod';
import type { BroadcastSpec, LiveEventSettings, RecordingSettings, RescheduleEvent } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import type { FieldError } from './problem.js';

const MAX_BROADCAST_MS = 24 * 3600_000;
const START_TOLERANCE_MS = 60_000;

const durationMs = (text: string) => {
  const d = Duration.fromISO(text);
  return d.isValid ? d.toMillis() : undefined;
};
const isoDuration = (min: number, max: number, range: string) =>
  z.string().refine((t) => {
    const value = durationMs(t);
    return value !== undefined && value >= min && value <= max;
  }, `must be an ISO 8601 duration between ${range}`);
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T18:00:00Z' });
const cidr = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/, 'must be an IPv4 address or CIDR range such as 203.0.113.0/24');
const guid = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export const liveEventSettingsSchema = z
  .object({
    protocol: z.enum(['RTMP', 'FragmentedMP4']).default('RTMP'),
    inputIpAllow: z.array(cidr).max(25).default([]),
    previewIpAllow: z.array(cidr).max(25).default([]),
    keyFrameIntervalDuration: isoDuration(500, 20_000, 'PT0.5S and PT20S').optional(),
    encoding: z
      .object({
        type: z.enum(['PassthroughBasic', 'PassthroughStandard', 'Standard', 'Premium1080p']).default('PassthroughStandard'),
        presetName: z.string().min(1).max(64).optional(),
        keyFrameInterval: isoDuration(500, 20_000, 'PT0.5S and PT20S').optional(),
      })
      .strict()
      .default({ type: 'PassthroughStandard' }),
    useStaticHostname: z.boolean().default(false),
    hostnamePrefix: z.string().regex(/^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$/, 'letters, digits and hyphens only').max(60).optional(),
    streamOptions: z.array(z.enum(['Default', 'LowLatency', 'LowLatencyV2'])).max(1).default([]),
    accessToken: z.string().regex(guid, 'must be a GUID (with or without hyphens)').optional(),
    description: z.string().max(1024).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const passthrough = s.encoding.type.startsWith('Passthrough');
    if (s.keyFrameIntervalDuration && !passthrough) ctx.addIssue({ code: 'custom', path: ['keyFrameIntervalDuration'], message: 'only applies to pass-through encoding' });
    if (s.encoding.keyFrameInterval && passthrough) ctx.addIssue({ code: 'custom', path: ['encoding', 'keyFrameInterval'], message: 'only applies to Standard or Premium1080p encoding' });
    if (s.encoding.presetName && passthrough) ctx.addIssue({ code: 'custom', path: ['encoding', 'presetName'], message: 'only applies to Standard or Premium1080p encoding' });
    if (s.streamOptions.includes('LowLatencyV2') && (passthrough || s.protocol !== 'RTMP')) {
      ctx.addIssue({ code: 'custom', path: ['streamOptions'], message: 'LowLatencyV2 needs an encoding live event with RTMP input' });
    }
    if (s.hostnamePrefix && !s.useStaticHostname) ctx.addIssue({ code: 'custom', path: ['hostnamePrefix'], message: 'needs useStaticHostname: true' });
  });

export const recordingSettingsSchema = z
  .object({
    archiveWindow: isoDuration(60_000, 25 * 3600_000, 'PT1M and PT25H').optional(),
    manifestName: z.string().regex(/^[a-zA-Z0-9-_]+$/, 'letters, digits, hyphens and underscores only').max(64).optional(),
    hlsFragmentsPerTsSegment: z.number().int().min(1).max(20).optional(),
    assetName: z.string().regex(/^[^<>%&:\\?/*+.'"]+$/, "must not contain < > % & : \\ ? / * + . ' or \"").max(260).optional(),
    streamingPolicyName: z.enum(['Predefined_ClearStreamingOnly', 'Predefined_DownloadAndClearStreaming', 'Predefined_DownloadOnly']).optional(),
  })
  .strict();

/** Accounts are named, never described: the name must be one of the configured pool (checked in parseCreateBroadcast). */
const accountSchema = z.string().regex(/^[a-z0-9]{3,24}$/, 'must name a configured media account (3-24 lower-case letters and digits)');

/**
 * The one id charset, used at every entry (paths, bodies, webhooks, calendar-derived ids): 1-29 lower-case
 * letters, digits and hyphens, not starting or ending with a hyphen. 29 = AMS's 32-character live event
 * name limit minus the `bc-` prefix, so the live event name is the id itself and never truncated.
 */
export const broadcastIdPattern = /^[a-z0-9][a-z0-9-]{0,27}[a-z0-9]$|^[a-z0-9]$/;
export const BROADCAST_ID_RULE = '1-29 lower-case letters, digits and hyphens, not starting or ending with a hyphen';
export const isBroadcastId = (value: unknown): value is string => typeof value === 'string' && broadcastIdPattern.test(value);

/** Encoder-driven behaviour (see contracts/encoder.ts): both optional; idle stop is off unless given. */
const encoderPolicyFields = {
  startOn: z.enum(['schedule', 'encoder']).optional(),
  idleStop: z.object({ reconnectWindowSeconds: z.number().int('must be a whole number of seconds').min(0).max(1800) }).strict().optional(),
};

export const createBroadcastSchema = z
  .object({
    id: z.string().regex(broadcastIdPattern, BROADCAST_ID_RULE).optional(),
    title: z.string().min(1).max(200).optional(),
    startAt: instant,
    endAt: instant,
    account: accountSchema.optional(),
    liveEvent: liveEventSettingsSchema.default(() => liveEventSettingsSchema.parse({})),
    recording: recordingSettingsSchema.default({}),
    keepLiveEvent: z.boolean().default(false),
    /** Checked against the BROADCAST_MAX_DURATION setting by the API (domain/cost.ts durationErrors). */
    maxDuration: isoDuration(60_000, 7 * 24 * 3600_000, 'PT1M and P7D').optional(),
    ...encoderPolicyFields,
  })
  .strict();

export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface CreateContext {
  now: number;
  defaultAccount: MediaAccountRef;
  /** The configured pool a request may name an account from (by accountName); defaults to the default account only. */
  accounts?: readonly MediaAccountRef[];
  newId: () => string;
  origin?: BroadcastSpec['origin'];
}

export function parseCreateBroadcast(body: unknown, context: CreateContext): Result<BroadcastSpec> {
  const parsed = createBroadcastSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const r = parsed.data;
  const errors = windowErrors(r.startAt, r.endAt, context.now);
  const pool = context.accounts ?? [context.defaultAccount];
  const account = r.account === undefined ? context.defaultAccount : pool.find((a) => a.accountName === r.account);
  if (!account) errors.push({ field: '/account', message: `unknown account; configured: ${pool.map((a) => a.accountName).join(', ')}` });
  const id = r.id ?? context.newId();
  if (!isBroadcastId(id)) errors.push({ field: '/id', message: BROADCAST_ID_RULE });
  const maxArchive = r.liveEvent.encoding.type === 'PassthroughBasic' ? 8 * 3600_000 : 25 * 3600_000;
  if (r.recording.archiveWindow && (durationMs(r.recording.archiveWindow) ?? 0) > maxArchive) {
    errors.push({ field: '/recording/archiveWindow', message: 'PassthroughBasic live events keep at most PT8H' });
  }
  if (errors.length > 0 || !account) return { ok: false, errors };
  const durationOfBroadcast = Date.parse(r.endAt) - Date.parse(r.startAt);
  const recording: RecordingSettings = {
    ...r.recording,
    // Default: keep the whole broadcast plus a margin, within what AMS allows.
    archiveWindow: r.recording.archiveWindow ?? Duration.fromMillis(Math.min(Math.max(durationOfBroadcast + 10 * 60_000, 60_000), maxArchive)).shiftTo('hours', 'minutes', 'seconds').toISO(),
  };
  const liveEvent: LiveEventSettings = r.liveEvent;
  return {
    ok: true,
    value: {
      id,
      title: r.title,
      startAt: new Date(r.startAt).toISOString(),
      endAt: new Date(r.endAt).toISOString(),
      account,
      liveEvent,
      recording,
      keepLiveEvent: r.keepLiveEvent,
      ...(r.maxDuration ? { maxDuration: r.maxDuration } : {}),
      origin: context.origin ?? { kind: 'api' },
      ...(r.startOn ? { startOn: r.startOn } : {}),
      ...(r.idleStop ? { idleStop: r.idleStop } : {}),
    },
  };
}

/** The fields a change (PATCH, or a Reschedule event) may carry; liveEvent is merged and validated against the spec. */
export const changeFieldsSchema = z
  .object({
    title: z.string().min(1).max(200).optional(),
    startAt: instant.optional(),
    endAt: instant.optional(),
    liveEvent: z.record(z.string(), z.unknown()).optional(),
    recording: recordingSettingsSchema.optional(),
  })
  .strict();

export const changeBroadcastSchema = changeFieldsSchema
  .refine((c) => Object.keys(c).length > 0, { message: 'nothing to change', path: [] });

/** A change before start: new times and/or settings, validated against the current spec. */
export function parseChangeBroadcast(body: unknown, current: BroadcastSpec, now: number): Result<RescheduleEvent> {
  const parsed = changeBroadcastSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const change = parsed.data;
  const startAt = change.startAt ?? current.startAt;
  const endAt = change.endAt ?? current.endAt;
  const errors = windowErrors(startAt, endAt, now);
  let liveEvent: LiveEventSettings | undefined;
  if (change.liveEvent) {
    const merged = liveEventSettingsSchema.safeParse({ ...current.liveEvent, ...change.liveEvent });
    if (!merged.success) errors.push(...fieldErrors(merged.error, '/liveEvent'));
    else liveEvent = merged.data;
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title: change.title,
      startAt: change.startAt ? new Date(change.startAt).toISOString() : undefined,
      endAt: change.endAt ? new Date(change.endAt).toISOString() : undefined,
      liveEvent,
      recording: change.recording,
    },
  };
}

export const extendBroadcastSchema = z.object({ endAt: instant }).strict();

/** A new end while live (later to extend, earlier to shorten; not in the past). */
export function parseExtend(body: unknown, startAt: string, now: number): Result<{ endAt: string }> {
  const parsed = extendBroadcastSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const endAt = Date.parse(parsed.data.endAt);
  if (endAt <= now) return { ok: false, errors: [{ field: '/endAt', message: 'must be in the future; use stop to end now' }] };
  if (endAt - Date.parse(startAt) > MAX_BROADCAST_MS) return { ok: false, errors: [{ field: '/endAt', message: 'a broadcast lasts at most 24 hours' }] };
  return { ok: true, value: { endAt: new Date(endAt).toISOString() } };
}

function windowErrors(startAt: string, endAt: string, now: number): FieldError[] {
  const start = Date.parse(startAt);
  const end = Date.parse(endAt);
  const errors: FieldError[] = [];
  if (start < now - START_TOLERANCE_MS) errors.push({ field: '/startAt', message: 'must not be in the past' });
  if (end <= start) errors.push({ field: '/endAt', message: 'must be after startAt' });
  else if (end - start > MAX_BROADCAST_MS) errors.push({ field: '/endAt', message: 'a broadcast lasts at most 24 hours' });
  return errors;
}

function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    field: prefix + (issue.path.length ? '/' + issue.path.map(String).join('/') : ''),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
