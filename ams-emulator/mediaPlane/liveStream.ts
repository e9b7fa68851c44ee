/**
 * A Running live event's stream: the segments its encoder connections produced, in order, across reconnects
 * (a reconnect starts a discontinuity), read from each session's ffmpeg playlist; the live preview window over
 * them; and the recordings (live outputs) that take every new segment into their asset.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendToRecording, newRecording, parseMediaPlaylist, renderMediaPlaylist, type Recording } from './hls.js';
import type { IngestSession } from './ingest.js';

export interface StreamSegment {
  seq: number;
  path: string;
  duration: number;
  discontinuity: boolean;
}

const PREVIEW_SEGMENTS = 6;
/** Segments stay on disk a little longer than the preview shows them (a player may still fetch them). */
const KEEP_SEGMENTS = PREVIEW_SEGMENTS + 6;

export class LiveStream {
  readonly segments: StreamSegment[] = [];
  readonly #sessions: Array<{ session: IngestSession; consumed: number }> = [];
  readonly #recorders = new Map<string, Recorder>();
  #pruned = 0;
  /** The session publishing now (one at a time). */
  current: IngestSession | undefined;
  /** Set when the live event left Running (or was reset): the disconnect's result code. */
  closing: string | undefined;

  constructor(readonly liveEventName: string, readonly previewLocator: string) {}

  attach(session: IngestSession): boolean {
    if (this.closing || (this.current && !this.current.ended)) return false;
    this.current = session;
    this.#sessions.push({ session, consumed: 0 });
    return true;
  }

  /** Reads new segments from the sessions' playlists and hands them to the recordings. */
  poll(): void {
    for (const entry of [...this.#sessions]) {
      const ended = entry.session.ended; // read before the playlist: a session that ended has written its last segment
      const file = join(entry.session.dir, 'index.m3u8');
      if (existsSync(file)) {
        const { segments } = parseMediaPlaylist(readFileSync(file, 'utf8'));
        for (const s of segments.slice(entry.consumed)) {
          const segment = { seq: this.segments.length, path: join(entry.session.dir, s.uri), duration: s.duration, discontinuity: entry.consumed === 0 && this.segments.length > 0 };
          entry.consumed++;
          this.segments.push(segment);
          for (const recorder of this.#recorders.values()) recorder.take(segment);
        }
      }
      if (ended) this.#sessions.splice(this.#sessions.indexOf(entry), 1);
    }
    while (this.#pruned < this.segments.length - KEEP_SEGMENTS) rmSync((this.segments[this.#pruned++] as StreamSegment).path, { force: true });
  }

  preview(): { playlist: string } {
    const window = this.segments.slice(-PREVIEW_SEGMENTS);
    const before = this.segments.slice(0, this.segments.length - window.length).filter((s) => s.discontinuity).length;
    const first = window[0];
    const segments = window.map((s, i) => ({ ...s, discontinuity: i > 0 && s.discontinuity, uri: `${s.seq}.ts` }));
    const discontinuitySeq = before + (first?.discontinuity ? 1 : 0);
    return { playlist: renderMediaPlaylist(segments, { discontinuitySeq, ended: false }) };
  }

  previewSegment(seq: number): string | undefined {
    const segment = this.segments[seq];
    return segment && seq >= this.#pruned && existsSync(segment.path) ? segment.path : undefined;
  }

  recorders(): Map<string, Recorder> {
    return this.#recorders;
  }

  /** A live output began recording: it takes the segments completed from now on. */
  record(outputKey: string, recorder: Recorder): void {
    this.#recorders.set(outputKey, recorder);
  }

  stopRecording(outputKey: string): void {
    this.#recorders.get(outputKey)?.finish();
    this.#recorders.delete(outputKey);
  }

  /** Ends every session (the caller awaits them), reads what they flushed, finishes the recordings, drops the files. */
  async close(resultCode: string, sessionsDir: (session: IngestSession) => void): Promise<void> {
    this.closing = resultCode;
    const sessions = this.#sessions.map((e) => e.session);
    await Promise.all(sessions.map((s) => s.end()));
    this.poll();
    for (const key of [...this.#recorders.keys()]) this.stopRecording(key);
    sessions.forEach(sessionsDir);
  }
}

/** A live output writing into its asset's folder: hard links of the stream's segments and the playlist. */
export class Recorder {
  readonly recording: Recording;
  #first = true;

  constructor(readonly dir: string, manifestName: string, archiveWindowMs: number) {
    mkdirSync(dir, { recursive: true });
    const existing = readRecording(dir);
    // An asset recorded before (an earlier live output) continues after a break.
    this.recording = existing ? { ...existing, manifestName, archiveWindowMs, ended: false } : newRecording(manifestName, archiveWindowMs);
    this.#save();
  }

  take(segment: StreamSegment): void {
    const file = `${this.recording.nextSeq}.ts`;
    try {
      linkSync(segment.path, join(this.dir, file));
    } catch {
      copyFileSync(segment.path, join(this.dir, file));
    }
    const removed = appendToRecording(this.recording, { file, duration: segment.duration, discontinuity: segment.discontinuity || this.#first });
    this.#first = false;
    for (const old of removed) rmSync(join(this.dir, old), { force: true });
    this.#save();
  }

  finish(): void {
    this.recording.ended = true;
    this.#save();
  }

  #save(): void {
    writeAtomically(join(this.dir, 'recording.json'), JSON.stringify(this.recording));
    writeAtomically(join(this.dir, 'index.m3u8'), renderRecording(this.recording));
  }
}

export function readRecording(dir: string): Recording | undefined {
  const file = join(dir, 'recording.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Recording;
  } catch {
    return undefined;
  }
}

export function renderRecording(recording: Recording): string {
  return renderMediaPlaylist(recording.segments.map((s) => ({ ...s, uri: s.file })), { discontinuitySeq: recording.discontinuitySeq, ended: recording.ended });
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}
