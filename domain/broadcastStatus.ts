/**
 * Keeps a broadcast's custom status small. Azure fails the orchestration when the custom status JSON is over
 * 16 KB in UTF-16, and the episode's actions (cleanup included) are then never scheduled.
 */
import type { BroadcastStatus, TimelineEntry } from '../contracts/broadcast.js';

/** Azure's limit on custom status: 16 KB of UTF-16, i.e. 2 bytes per JSON character. */
export const CUSTOM_STATUS_LIMIT_BYTES = 16 * 1024;
/** The timeline keeps its first entries (how it began) and its most recent ones. */
export const TIMELINE_HEAD = 3;
export const TIMELINE_TAIL = 12;
/** Longest note kept on a timeline entry. */
export const MAX_NOTE = 80;

/** Appends `entry`, dropping the oldest entry after the head once the timeline is full (and counting it). */
export function appendTimeline(status: Pick<BroadcastStatus, 'timeline' | 'timelineDropped'>, entry: TimelineEntry): void {
  status.timeline.push(entry.note && entry.note.length > MAX_NOTE ? { ...entry, note: `${entry.note.slice(0, MAX_NOTE - 1)}…` } : entry);
  if (status.timeline.length > TIMELINE_HEAD + TIMELINE_TAIL) {
    status.timeline.splice(TIMELINE_HEAD, status.timeline.length - TIMELINE_HEAD - TIMELINE_TAIL);
    status.timelineDropped = (status.timelineDropped ?? 0) + 1;
  }
}

/** Size Azure checks the custom status against (JSON, UTF-16). */
export const customStatusBytes = (status: unknown): number => JSON.stringify(status).length * 2;
