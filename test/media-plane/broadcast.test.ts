// End to end with a real stream: the app schedules a broadcast (startOn encoder, idle stop) on the fast clock, ffmpeg
// pushes a generated test pattern to the ingest URL the API hands out, the encoder events from the real stream drive the
// broadcast (awaiting_encoder -> live, heartbeats, disconnect -> idle stop), and the recording plays back through the
// playback path the broadcast publishes: its duration matches the push and every segment decodes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../clock/clock.js';
import { startLocalStack, type LocalStack } from '../../devhost/localStack.js';
import { clientFor, poll, rg, account } from '../ams-emulator/support.js';
import { inMinutes, repoRoot, testTimings } from '../support/stack.js';
import { decodeSegments, ffmpeg, ffmpegProcessesNaming, httpsGet, listening, noFfmpegMessage, probeDuration, push, until } from './support.js';

if (!ffmpeg) console.warn(noFfmpegMessage);

type View = {
  phase: string;
  timeline: Array<{ at: string; phase: string; note?: string }>;
  liveEvent: { state?: string; ingestUrls: string[]; previewUrls: string[] };
  encoder?: { connected: boolean; incomingBitrate?: number; encoderIp?: string; lastResultCode?: string };
  recording: { assetName?: string; playbackPaths: string[] };
};

describe.skipIf(!ffmpeg)('a broadcast with a real encoder (local media plane)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-plane-e2e-'));
  const SPEED = 20; // an idle-stop window of 60 s passes in 3 s; the stream itself is real time
  const PUSH_SECONDS = 10;
  const clock = scaledClock({ speed: SPEED });
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      appRoot: repoRoot, entry: 'app/index.ts', clock, dataDir, timings: testTimings, seed: 7, mediaPlane: true,
      settings: { BROADCAST_POLL_INTERVAL: 'PT2S', DEVHOST_QUIET: '1' },
    });
    // An account streams through its default streaming endpoint, which its operator started once.
    await clientFor(stack.emulator).streamingEndpoints.beginStartAndWait(rg, account, 'default', poll);
  });

  afterAll(async () => {
    const port = stack.emulator.mediaPlane?.rtmpPort ?? 0;
    await stack.close();
    expect(ffmpegProcessesNaming(dataDir)).toEqual([]);
    expect(await listening(port)).toBe(false);
  });

  const api = (path: string, init?: RequestInit) =>
    fetch(`${stack.host.url}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-functions-key': stack.host.functionKey } });
  const view = async (id: string) => (await (await api(`/api/broadcasts/${id}`)).json()) as View;
  const waitFor = (id: string, what: string, predicate: (b: View) => boolean, timeoutMs = 30_000) =>
    until(what, async () => {
      const b = await view(id);
      return predicate(b) ? b : undefined;
    }, timeoutMs);

  it('goes live when the pushed stream arrives, stops when it ends, and its recording plays back', async () => {
    const id = 'real-stream';
    const created = await api('/api/broadcasts', {
      method: 'POST',
      body: JSON.stringify({
        id, title: 'Rehearsal', startAt: inMinutes(clock, 4), endAt: inMinutes(clock, 60), startOn: 'encoder',
        idleStop: { reconnectWindowSeconds: 60 }, recording: { streamingPolicyName: 'Predefined_ClearStreamingOnly' },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const waiting = await waitFor(id, 'awaiting_encoder', (b) => b.phase === 'awaiting_encoder' && b.liveEvent.state === 'Running');
    const ingest = waiting.liveEvent.ingestUrls[0] ?? '';
    expect(ingest).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[0-9a-f]{32}$/);
    expect(waiting.recording.assetName).toBeUndefined(); // nothing records before the encoder

    const pushing = push(ingest, PUSH_SECONDS);
    const live = await waitFor(id, 'live with the encoder connected', (b) => b.phase === 'live' && b.encoder?.connected === true);
    expect(live.encoder?.encoderIp).toBe('127.0.0.1');
    // The event the app reacted to, as the emulator's Event Grid subscription delivered it.
    const delivered = stack.emulator.eventGrid.deliveries().filter((d) => d.liveEventName === `bc-${id}` && d.state === 'delivered').map((d) => d.eventType);
    expect(delivered).toContain('Microsoft.Media.LiveEventEncoderConnected');
    const preview = await until('the live preview', async () => {
      const res = await httpsGet(`${live.liveEvent.previewUrls[0]}(format=m3u8-cmaf)`, stack.emulator.caCertPem);
      return res.status === 200 ? res : undefined;
    });
    expect(preview.body).toContain('#EXTINF');
    await waitFor(id, 'a heartbeat with the measured bitrate', (b) => (b.encoder?.incomingBitrate ?? 0) > 20_000);
    expect((await pushing).code).toBe(0);

    // The push ended: disconnected, then the idle stop (60 s on the clock) ends the broadcast and publishes the recording.
    const ended = await waitFor(id, 'ended after the idle stop', (b) => b.phase === 'ended');
    expect(ended.encoder?.connected).toBe(false);
    expect(ended.timeline.some((t) => t.note?.startsWith('idle stop')), JSON.stringify(ended.timeline)).toBe(true);
    const path = ended.recording.playbackPaths.find((p) => p.endsWith('(format=m3u8-cmaf)'));
    expect(path, JSON.stringify(ended.recording)).toBeDefined();
    expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined(); // the live event is gone, the asset is not

    const url = `${stack.emulator.url}${path}`;
    const playlist = await httpsGet(url, stack.emulator.caCertPem);
    expect(playlist.status).toBe(200);
    expect(playlist.body).toContain('#EXT-X-ENDLIST');
    const duration = await probeDuration(url);
    // Recording starts once the encoder is seen and the live output is created (a second or two: segments completed
    // before that are not in it), and ends with the push.
    expect(duration).toBeGreaterThan(PUSH_SECONDS - 6);
    expect(duration).toBeLessThanOrEqual(PUSH_SECONDS + 0.5);
    const decoded = await decodeSegments(url, playlist.body);
    expect(decoded.segments).toBeGreaterThanOrEqual(2);
    expect(decoded.errors).toEqual([]);

    // The ingest closed with the live event: a push now is refused.
    expect((await push(ingest, 2)).code).not.toBe(0);
  }, 90_000);
});
