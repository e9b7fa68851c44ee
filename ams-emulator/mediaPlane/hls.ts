/**
 * HLS media playlists (RFC 8216) of the local media plane, pure: reading what ffmpeg's HLS muxer writes, the
 * sliding archive window of a recording (a live output's `archiveWindowLength`: older segments leave the
 * playlist and the asset), and writing playlists with the sequence numbers players need to follow a window.
 */

export interface PlaylistSegment {
  uri: string;
  /** Seconds (EXTINF). */
  duration: number;
}

/** The segments of a media playlist and whether it is complete (`#EXT-X-ENDLIST`). */
export function parseMediaPlaylist(text: string): { segments: PlaylistSegment[]; ended: boolean } {
  const segments: PlaylistSegment[] = [];
  let duration: number | undefined;
  let ended = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line && !line.startsWith('#') && duration !== undefined && Number.isFinite(duration)) {
      segments.push({ uri: line, duration });
      duration = undefined;
    }
  }
  return { segments, ended };
}

export interface RecordedSegment {
  /** Media sequence number. */
  seq: number;
  file: string;
  duration: number;
  /** Follows a break in the stream (an encoder reconnect): `#EXT-X-DISCONTINUITY` before it. */
  discontinuity: boolean;
}

/** What a live output wrote into its asset so far (kept as JSON next to the files). */
export interface Recording {
  manifestName: string;
  archiveWindowMs: number;
  nextSeq: number;
  /** Discontinuity tags that left the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySeq: number;
  segments: RecordedSegment[];
  /** The live output was deleted: the archive is complete (`#EXT-X-ENDLIST`). */
  ended: boolean;
}

export function newRecording(manifestName: string, archiveWindowMs: number): Recording {
  return { manifestName, archiveWindowMs, nextSeq: 0, discontinuitySeq: 0, segments: [], ended: false };
}

/**
 * Appends a segment and drops the oldest ones while what is kept exceeds the archive window (the newest segment
 * always stays). Returns the files that left the window, for the caller to delete.
 */
export function appendToRecording(recording: Recording, segment: { file: string; duration: number; discontinuity: boolean }): string[] {
  recording.segments.push({ seq: recording.nextSeq++, ...segment, discontinuity: segment.discontinuity && recording.segments.length > 0 });
  const removed: string[] = [];
  let total = recording.segments.reduce((sum, s) => sum + s.duration * 1000, 0);
  while (recording.segments.length > 1 && total > recording.archiveWindowMs) {
    const dropped = recording.segments.shift() as RecordedSegment;
    total -= dropped.duration * 1000;
    removed.push(dropped.file);
    if (dropped.discontinuity) recording.discontinuitySeq++;
    // The new first segment's discontinuity tag would point back to nothing: it leaves too, and is counted.
    const first = recording.segments[0];
    if (first?.discontinuity) {
      first.discontinuity = false;
      recording.discontinuitySeq++;
    }
  }
  return removed;
}

export function recordedDuration(recording: Pick<Recording, 'segments'>): number {
  return recording.segments.reduce((sum, s) => sum + s.duration, 0);
}

/** A media playlist over `segments`; `ended` adds `#EXT-X-ENDLIST` (a finished recording: VOD). */
export function renderMediaPlaylist(
  segments: Array<{ seq: number; duration: number; discontinuity: boolean; uri: string }>,
  options: { discontinuitySeq?: number; ended: boolean },
): string {
  const target = Math.max(1, ...segments.map((s) => Math.ceil(s.duration)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${segments[0]?.seq ?? 0}`];
  if (options.discontinuitySeq) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${options.discontinuitySeq}`);
  if (options.ended) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  }
  if (options.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
