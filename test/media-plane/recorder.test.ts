// A live output's recording on disk, without ffmpeg: segments a live event's sessions wrote (their HLS playlists) go
// into the asset folder, which keeps only the archive window; a reconnect is a discontinuity; deleting the output
// completes the archive (ENDLIST) and the asset keeps its files.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestSession } from '../../ams-emulator/mediaPlane/ingest.js';
import { LiveStream, Recorder } from '../../ams-emulator/mediaPlane/liveStream.js';

/** A session folder as ffmpeg's HLS muxer leaves it: `count` segments of 2 s. */
function fakeSession(root: string, id: string, count: number): IngestSession {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < count; i++) {
    writeFileSync(join(dir, `seg-${i}.ts`), `${id}-${i}`);
    lines.push('#EXTINF:2.000000,', `seg-${i}.ts`);
  }
  writeFileSync(join(dir, 'index.m3u8'), lines.join('\n') + '\n');
  return { dir, ended: false } as unknown as IngestSession;
}

describe('recording into an asset', () => {
  it('keeps the archive window, marks a reconnect, and completes the archive when the output is deleted', () => {
    const root = mkdtempSync(join(tmpdir(), 'media-plane-recorder-'));
    const assetDir = join(root, 'asset');
    const stream = new LiveStream('le', '00000000-0000-0000-0000-000000000001');
    const first = fakeSession(root, 's1', 4);
    expect(stream.attach(first)).toBe(true);
    stream.record('le/out', new Recorder(assetDir, 'show', 5_000));
    stream.poll();
    // 4 segments of 2 s, a 5 s window: the two newest stay, on disk too.
    expect(readdirSync(assetDir).filter((f) => f.endsWith('.ts')).sort()).toEqual(['2.ts', '3.ts']);
    expect(readFileSync(join(assetDir, '3.ts'), 'utf8')).toBe('s1-3');
    let playlist = readFileSync(join(assetDir, 'index.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-MEDIA-SEQUENCE:2');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');

    const second = fakeSession(root, 's2', 1);
    expect(stream.attach(second)).toBe(false); // one encoder at a time
    (first as { ended: boolean }).ended = true;
    expect(stream.attach(second)).toBe(true);
    stream.poll();
    playlist = readFileSync(join(assetDir, 'index.m3u8'), 'utf8');
    expect(playlist.trimEnd().split('\n').slice(-3)).toEqual(['#EXT-X-DISCONTINUITY', '#EXTINF:2.000000,', '4.ts']);
    expect(stream.preview().playlist).toContain('#EXT-X-DISCONTINUITY');

    stream.stopRecording('le/out');
    playlist = readFileSync(join(assetDir, 'index.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(JSON.parse(readFileSync(join(assetDir, 'recording.json'), 'utf8'))).toMatchObject({ manifestName: 'show', ended: true });
    // A later output on the same asset continues after a break.
    const again = new Recorder(assetDir, 'show', 5_000);
    expect(again.recording.ended).toBe(false);
    expect(again.recording.segments.map((s) => s.file)).toEqual(['3.ts', '4.ts']);
    expect(existsSync(join(assetDir, '4.ts'))).toBe(true);
  });
});
