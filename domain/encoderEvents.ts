/**
 * AMS live event events (delivered by Event Grid) and what a broadcast makes of them. Pure: parsing both
 * delivery schemas, the bounded encoder status, idempotent application (by event id and event time), and the
 * decisions the orchestration takes (idle stop due? start recording now?).
 *
 * Wire shapes (AMS "Azure Media Services as an Event Grid source"): Event Grid schema `{ id, topic, subject,
 * eventType, eventTime, data, dataVersion, metadataVersion }` or CloudEvents 1.0 `{ id, source, subject, type, time,
 * data, specversion }`; topic/source `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Media/mediaservices/{account}`,
 * subject `liveEvent/{liveEventName}`. Numbers in `data` may arrive as strings (AMS sends timestamps as strings).
 */
import { z } from 'zod';
import type { EncoderStatus, EncoderEventKind, MediaEventNotice } from '../contracts/encoder.js';

export const MediaEventTypes: Record<string, EncoderEventKind> = {
  'Microsoft.Media.LiveEventEncoderConnected': 'connected',
  'Microsoft.Media.LiveEventEncoderDisconnected': 'disconnected',
  'Microsoft.Media.LiveEventIncomingStreamReceived': 'streamReceived',
  'Microsoft.Media.LiveEventIngestHeartbeat': 'heartbeat',
  'Microsoft.Media.LiveEventIncomingStreamsOutOfSync': 'streamsOutOfSync',
  'Microsoft.Media.LiveEventIncomingVideoStreamsOutOfSync': 'videoStreamsOutOfSync',
  'Microsoft.Media.LiveEventIncomingDataChunkDropped': 'dataChunkDropped',
  'Microsoft.Media.LiveEventTrackDiscontinuityDetected': 'trackDiscontinuity',
};

export type ParsedMediaEvent = { ok: true; event: MediaEventNotice } | { ok: false; reason: string };

const topicPattern = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Media\/mediaservices\/([^/]+)$/i;
const subjectPattern = /^liveEvent\/([A-Za-z0-9-]{1,32})$/i;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined);

/** One delivered event (either schema) as the notice a broadcast receives; anything else is refused with a reason. */
export function parseMediaEvent(raw: unknown): ParsedMediaEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an event object' };
  const e = raw as Record<string, unknown>;
  const cloud = e.specversion !== undefined;
  const id = text(e.id);
  const type = text(cloud ? e.type : e.eventType);
  const time = text(cloud ? e.time : e.eventTime);
  const topic = text(cloud ? e.source : e.topic);
  const subject = text(e.subject);
  if (!id || !type || !time || !topic || !subject) return { ok: false, reason: 'missing id, type, time, topic/source or subject' };
  const kind = MediaEventTypes[type];
  if (!kind) return { ok: false, reason: `not a live event event: ${type.slice(0, 80)}` };
  if (Number.isNaN(Date.parse(time))) return { ok: false, reason: 'event time is not a date' };
  const account = topicPattern.exec(topic);
  if (!account) return { ok: false, reason: 'topic is not a Media Services account' };
  const liveEvent = subjectPattern.exec(subject);
  if (!liveEvent) return { ok: false, reason: 'subject is not liveEvent/{name}' };
  let data: unknown = e.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = {};
    }
  }
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return {
    ok: true,
    event: {
      id: id.slice(0, 100),
      kind,
      time: new Date(time).toISOString(),
      liveEventName: liveEvent[1] as string,
      account: { subscriptionId: account[1] as string, resourceGroup: account[2] as string, accountName: (account[3] as string).toLowerCase() },
      encoderIp: text(d.encoderIp)?.slice(0, 64),
      resultCode: text(d.resultCode)?.slice(0, 64),
      incomingBitrate: num(d.incomingBitrate) ?? (kind === 'streamReceived' ? num(d.bitrate) : undefined),
      healthy: bool(d.healthy),
      trackType: text(d.trackType)?.slice(0, 16),
    },
  };
}

/** Recent event ids kept for de-duplication (Event Grid redelivers at least once). */
const SEEN_IDS = 16;
/** Heartbeats change little; one is forwarded to the broadcast at least this often (each one is history). */
export const HEARTBEAT_FORWARD_MS = 60_000;

export const emptyEncoderStatus = (): EncoderStatus => ({ connected: false, events: 0, recentIds: [] });

export interface Applied {
  status: EncoderStatus;
  /** False when the event was a duplicate or older than what it would change. */
  applied: boolean;
  /** The connection changed: notify. */
  transition?: 'connected' | 'disconnected';
}

/**
 * Applies one event. Idempotent: an id seen recently changes nothing; a connect/disconnect older than the last
 * connection change, or a heartbeat older than the last heartbeat, changes nothing (Event Grid does not keep order).
 */
export function applyEncoderEvent(current: EncoderStatus, event: MediaEventNotice): Applied {
  if (current.recentIds.includes(event.id)) return { status: current, applied: false };
  const at = Date.parse(event.time);
  const seen = { ...current, recentIds: [...current.recentIds, event.id].slice(-SEEN_IDS) };
  const later = (previous: string | undefined) => previous === undefined || at > Date.parse(previous);
  switch (event.kind) {
    case 'connected':
    case 'disconnected': {
      if (!later(current.connectionChangedAt)) return { status: seen, applied: false };
      const connected = event.kind === 'connected';
      const status: EncoderStatus = {
        ...seen,
        events: current.events + 1,
        connected,
        connectionChangedAt: event.time,
        ...(connected ? { connectedAt: event.time, encoderIp: event.encoderIp } : { disconnectedAt: event.time, lastResultCode: event.resultCode }),
      };
      return { status, applied: true, transition: connected === current.connected ? undefined : event.kind };
    }
    case 'heartbeat':
    case 'streamReceived': {
      if (!later(current.lastHeartbeatAt)) return { status: seen, applied: false };
      return {
        status: { ...seen, events: current.events + 1, lastHeartbeatAt: event.time, incomingBitrate: event.incomingBitrate ?? current.incomingBitrate, healthy: event.healthy ?? current.healthy },
        applied: true,
      };
    }
    default:
      // Stream problems are counted (bounded: numbers, not a list).
      return { status: { ...seen, events: current.events + 1, problems: (current.problems ?? 0) + 1, lastProblem: { kind: event.kind, at: event.time } }, applied: true };
  }
}

/** Whether a notice is worth raising on the broadcast (connections and problems always; heartbeats when they say something new). */
export function worthForwarding(event: MediaEventNotice, status: EncoderStatus | undefined): boolean {
  if (event.kind !== 'heartbeat' && event.kind !== 'streamReceived') return true;
  if (!status?.lastHeartbeatAt) return true;
  if (event.healthy !== undefined && event.healthy !== status.healthy) return true;
  const previous = status.incomingBitrate ?? 0;
  if (event.incomingBitrate !== undefined && Math.abs(event.incomingBitrate - previous) > 0.2 * Math.max(previous, 1)) return true;
  return Date.parse(event.time) - Date.parse(status.lastHeartbeatAt) >= HEARTBEAT_FORWARD_MS;
}

/** The live event name a broadcast owns is `bc-{id}` (ids are at most 29 characters, never truncated). */
export function broadcastIdOfLiveEvent(liveEventName: string): string | undefined {
  const match = /^bc-([a-z0-9][a-z0-9-]{0,27}[a-z0-9]|[a-z0-9])$/.exec(liveEventName.toLowerCase());
  return match?.[1];
}

/**
 * When an idle stop is due (ms), or undefined: never while an encoder is connected or without a window. Idle
 * counts from the later of `liveSinceMs` (the live event became Running) and the last disconnect.
 */
export function idleStopAt(encoder: EncoderStatus | undefined, liveSinceMs: number, windowSeconds: number | undefined): number | undefined {
  if (windowSeconds === undefined || encoder?.connected) return undefined;
  const disconnected = encoder?.disconnectedAt ? Date.parse(encoder.disconnectedAt) : Number.NEGATIVE_INFINITY;
  return Math.max(liveSinceMs, disconnected) + windowSeconds * 1000;
}

/** With `startOn: "encoder"`, recording begins once an encoder is connected; with "schedule", at once. */
export function shouldStartRecording(startOn: 'schedule' | 'encoder' | undefined, encoder: EncoderStatus | undefined): boolean {
  return startOn !== 'encoder' || encoder?.connected === true;
}

const noticeSchema = z
  .object({
    id: z.string().min(1).max(100),
    kind: z.enum(Object.values(MediaEventTypes) as [EncoderEventKind, ...EncoderEventKind[]]),
    time: z.iso.datetime({ offset: true }),
    liveEventName: z.string().regex(/^[A-Za-z0-9-]{1,32}$/),
    account: z.object({ subscriptionId: z.string().max(100), resourceGroup: z.string().max(90), accountName: z.string().max(24) }),
    encoderIp: z.string().max(64).optional(),
    resultCode: z.string().max(64).optional(),
    incomingBitrate: z.number().finite().nonnegative().optional(),
    healthy: z.boolean().optional(),
    trackType: z.string().max(16).optional(),
  })
  .strip();

/** The data of an `EncoderEvent` checked again inside the orchestration (events can be raised around the trigger). */
export function checkEncoderNotice(data: unknown): MediaEventNotice | undefined {
  const parsed = noticeSchema.safeParse(data);
  return parsed.success ? { ...parsed.data, time: new Date(parsed.data.time).toISOString() } : undefined;
}

export type SoonNotice = 'broadcast.starting_soon' | 'broadcast.ending_soon';

/**
 * The next "soon" notice still to send and when: `starting_soon` lead before the start (only before the start),
 * `ending_soon` lead before the end (only before the end). `sent` holds keys of sent notices (type@target), so an
 * end moved later gets a new `ending_soon`.
 */
export function nextSoonNotice(nowMs: number, window: { startAt: string; endAt: string }, leads: { startingMs?: number; endingMs?: number }, sent: readonly string[]): { type: SoonNotice; key: string; atMs: number } | undefined {
  const candidates: Array<{ type: SoonNotice; key: string; atMs: number }> = [];
  const start = Date.parse(window.startAt);
  const end = Date.parse(window.endAt);
  if (leads.startingMs && nowMs < start) candidates.push({ type: 'broadcast.starting_soon', key: `starting@${window.startAt}`, atMs: start - leads.startingMs });
  if (leads.endingMs && nowMs < end) candidates.push({ type: 'broadcast.ending_soon', key: `ending@${window.endAt}`, atMs: Math.max(start, end - leads.endingMs) });
  return candidates.filter((c) => !sent.includes(c.key)).sort((a, b) => a.atMs - b.atMs)[0];
}

/** The live event stopped: its ingest is closed, so no encoder can still be connected (AMS's own event may never be seen). */
export function ingestClosed(encoder: EncoderStatus | undefined, at: string): EncoderStatus | undefined {
  if (!encoder?.connected) return encoder;
  return { ...encoder, connected: false, connectionChangedAt: at, disconnectedAt: at, lastResultCode: 'live event stopped' };
}
