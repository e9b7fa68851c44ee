/** Encoder-driven events: what the Event Grid trigger raises on a broadcast and what its status shows. */
import type { MediaAccountRef } from './media.js';

export type EncoderEventKind =
  | 'connected'
  | 'disconnected'
  | 'streamReceived'
  | 'heartbeat'
  | 'streamsOutOfSync'
  | 'videoStreamsOutOfSync'
  | 'dataChunkDropped'
  | 'trackDiscontinuity';

/** One AMS live event event, reduced to what a broadcast uses (the data of the `EncoderEvent` external event). */
export interface MediaEventNotice {
  /** Event Grid's event id (de-duplication). */
  id: string;
  kind: EncoderEventKind;
  /** The event's time (ISO 8601), not its delivery time: ordering is decided on it. */
  time: string;
  liveEventName: string;
  account: MediaAccountRef;
  encoderIp?: string;
  resultCode?: string;
  incomingBitrate?: number;
  healthy?: boolean;
  trackType?: string;
}

/** The encoder as the broadcast's status shows it. Bounded: no per-event history. */
export interface EncoderStatus {
  connected: boolean;
  connectionChangedAt?: string;
  connectedAt?: string;
  disconnectedAt?: string;
  encoderIp?: string;
  lastResultCode?: string;
  lastHeartbeatAt?: string;
  incomingBitrate?: number;
  healthy?: boolean;
  /** Events applied. */
  events: number;
  /** Stream problems (out of sync, dropped chunks, discontinuities) counted, and the latest. */
  problems?: number;
  lastProblem?: { kind: EncoderEventKind; at: string };
  /** Events for this broadcast's live event from another account: ignored. */
  foreign?: number;
  /** The last few event ids, for de-duplication. */
  recentIds: string[];
}

/** Per broadcast: when recording begins and when a broadcast without an encoder stops. */
export interface EncoderPolicy {
  /**
   * `schedule` (default): the live output records from the start. `encoder`: the live event is started on
   * schedule (AMS only accepts ingest while Running) and the recording begins when an encoder connects.
   */
  startOn?: 'schedule' | 'encoder';
  /** Stop and clean up when no encoder has been connected for this many seconds (0–1800) while live; absent = off. */
  idleStop?: { reconnectWindowSeconds: number };
}

/** Durable event name raised on a broadcast orchestration for each forwarded notice. */
export const EncoderEventName = 'EncoderEvent';
