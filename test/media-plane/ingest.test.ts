// The emulator's media plane against real ffmpeg pushes, driven through the real SDK: ingest refused unless the live
// event is Running, the stream key is its access token and the client's IP is allowed; encoder events from the real
// stream; live preview; a live output recording HLS into its asset (kept after the output is deleted, reconnects as
// discontinuities); the streaming endpoint serving the locator's paths; nothing left running after close.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../clock/clock.js';
import type { AmsEmulator } from '../../ams-emulator/index.js';
import { clientFor, poll, rg, account, rtmpEvent } from '../ams-emulator/support.js';
import { startEmulator } from '../../ams-emulator/index.js';
import { decodeSegments, httpsGet, eventReceiver, ffmpeg, ffmpegProcessesNaming, listening, noFfmpegMessage, probeDuration, push, until, type ReceivedEvent } from './support.js';

if (!ffmpeg) console.warn(noFfmpegMessage);

describe.skipIf(!ffmpeg)('media plane: RTMP ingest, recording and playback (emulator)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-plane-'));
  let emulator: AmsEmulator;
  let receiver: Awaited<ReturnType<typeof eventReceiver>>;
  let client: ReturnType<typeof clientFor>;
  // Heartbeats come every 20 s of the emulator's clock: at 20x, one a second.
  const clock = scaledClock({ speed: 20 });

  beforeAll(async () => {
    emulator = await startEmulator({ timings: 'fast', clock, dataDir, mediaPlane: true });
    client = clientFor(emulator);
    receiver = await eventReceiver();
    expect((await emulator.eventGrid.subscribe({ url: receiver.url, schema: 'EventGridSchema' })).status).toBe(200);
  });

  afterAll(async () => {
    const port = emulator.mediaPlane?.rtmpPort ?? 0;
    await emulator.close();
    await receiver.close();
    // Nothing keeps running: no ffmpeg of this emulator, no ingest port.
    expect(ffmpegProcessesNaming(dataDir)).toEqual([]);
    expect(await listening(port)).toBe(false);
  });

  const ingestUrl = async (name: string) => {
    const event = await client.liveEvents.get(rg, account, name);
    return event.input?.endpoints?.[0]?.url ?? '';
  };
  const get = (url: string) => httpsGet(url, emulator.caCertPem);
  const rejections = () => emulator.mediaPlane?.status().rejections ?? [];
  const eventsOf = (name: string, type: string): ReceivedEvent[] => receiver.events.filter((e) => e.subject === `liveEvent/${name}` && e.eventType === `Microsoft.Media.LiveEvent${type}`);

  it('refuses a push to a StandBy live event, with a wrong stream key, or from a refused IP', async () => {
    await client.liveEvents.beginCreateAndWait(rg, account, 'le-refuse', rtmpEvent, poll);
    await client.liveEvents.beginAllocateAndWait(rg, account, 'le-refuse', poll);
    const url = await ingestUrl('le-refuse');
    expect(url).toMatch(new RegExp(`^rtmp://127\\.0\\.0\\.1:${emulator.mediaPlane?.rtmpPort}/live/[0-9a-f]{32}$`));

    const standby = await push(url, 2);
    expect(standby.code).not.toBe(0);
    expect(rejections().at(-1)).toMatchObject({ reason: 'not-running', liveEvent: 'le-refuse' });

    await client.liveEvents.beginStartAndWait(rg, account, 'le-refuse', poll);
    expect(await ingestUrl('le-refuse')).toBe(url);
    const wrongKey = await push(url.replace(/[0-9a-f]{32}$/, 'f'.repeat(32)), 2);
    expect(wrongKey.code).not.toBe(0);
    expect(rejections().at(-1)).toMatchObject({ reason: 'unknown-stream-key' });

    await client.liveEvents.beginCreateAndWait(rg, account, 'le-ip', { ...rtmpEvent, input: { streamingProtocol: 'RTMP', accessControl: { ip: { allow: [{ name: 'studio', address: '203.0.113.0', subnetPrefixLength: 24 }] } } } }, { ...poll, autoStart: true });
    const refusedIp = await push(await ingestUrl('le-ip'), 2);
    expect(refusedIp.code).not.toBe(0);
    expect(rejections().at(-1)).toMatchObject({ reason: 'ip-refused', liveEvent: 'le-ip' });

    expect(eventsOf('le-refuse', 'EncoderConnected')).toEqual([]);
    expect(eventsOf('le-ip', 'EncoderConnected')).toEqual([]);
    // Each refused connection's ffmpeg is killed (its exit is seen a moment after the client's).
    await until('no ffmpeg left', () => emulator.mediaPlane?.status().processes.length === 0, 5_000);
  });

  it('records a real push into the asset, across a reconnect, and plays it back through the streaming endpoint', async () => {
    const name = 'le-record';
    await client.liveEvents.beginCreateAndWait(rg, account, name, rtmpEvent, { ...poll, autoStart: true });
    await client.assets.createOrUpdate(rg, account, 'rec-asset', {});
    await client.liveOutputs.beginCreateAndWait(rg, account, name, 'out1', { assetName: 'rec-asset', archiveWindowLength: 'PT10M', manifestName: 'show' }, poll);
    const locator = await client.streamingLocators.create(rg, account, 'rec-locator', { assetName: 'rec-asset', streamingPolicyName: 'Predefined_ClearStreamingOnly' });
    const url = await ingestUrl(name);
    // AMS lists no paths before the encoder sent data.
    expect((await client.streamingLocators.listPaths(rg, account, 'rec-locator')).streamingPaths).toEqual([]);

    const first = push(url, 6);
    await until('the encoder-connected event', () => eventsOf(name, 'EncoderConnected').length === 1);
    // Published together, but delivered as two Event Grid POSTs: the second may arrive a moment after the first.
    await until('the incoming-stream event', () => eventsOf(name, 'IncomingStreamReceived').length > 0);
    expect(eventsOf(name, 'IncomingStreamReceived')).toHaveLength(1);
    // The preview serves the live HLS while Running.
    const event = await client.liveEvents.get(rg, account, name);
    const preview = `${event.preview?.endpoints?.[0]?.url}(format=m3u8-cmaf)`;
    expect(preview.startsWith(emulator.url)).toBe(true);
    const live = await until('the preview playlist', async () => {
      const res = await get(preview);
      return res.status === 200 ? res.body : undefined;
    });
    expect(live).toContain('#EXTINF');
    expect(live).not.toContain('#EXT-X-ENDLIST');
    expect((await first).code).toBe(0);
    const disconnected = await until('the disconnect event', () => eventsOf(name, 'EncoderDisconnected')[0]);
    expect(disconnected.data.resultCode).toBe('MPE_CLIENT_TERMINATED_SESSION');
    const beats = eventsOf(name, 'IngestHeartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...beats.map((b) => Number(b.data.incomingBitrate)))).toBeGreaterThan(20_000);

    expect((await push(url, 4)).code).toBe(0); // reconnect
    await until('the second disconnect', () => eventsOf(name, 'EncoderDisconnected').length === 2);
    expect(eventsOf(name, 'IngestHeartbeat').some((b) => b.data.discontinuityCount === 1)).toBe(true);

    // Before the streaming endpoint runs, nothing plays; the locator's paths exist once media was recorded.
    await client.liveOutputs.beginDeleteAndWait(rg, account, name, 'out1', poll);
    const paths = await client.streamingLocators.listPaths(rg, account, 'rec-locator');
    const hls = paths.streamingPaths?.find((p) => p.streamingProtocol === 'Hls')?.paths?.find((p) => p.includes('m3u8-cmaf')) ?? '';
    expect(hls).toBe(`/${locator.streamingLocatorId}/show.ism/manifest(format=m3u8-cmaf)`);
    expect((await get(`${emulator.url}${hls}`)).status).toBe(404);
    await client.streamingEndpoints.beginStartAndWait(rg, account, 'default', poll);
    await client.liveEvents.beginStopAndWait(rg, account, name, {}, poll);
    expect((await push(url, 2)).code).not.toBe(0); // Stopped: refused
    expect(rejections().at(-1)).toMatchObject({ reason: 'not-running', liveEvent: name });

    const playlist = (await get(`${emulator.url}${hls}`)).body;
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist).toContain('#EXT-X-DISCONTINUITY');
    const duration = await probeDuration(`${emulator.url}${hls}`);
    expect(duration).toBeGreaterThan(6);
    expect(duration).toBeLessThan(10.5);
    const decoded = await decodeSegments(`${emulator.url}${hls}`, playlist);
    expect(decoded.segments).toBeGreaterThanOrEqual(4);
    expect(decoded.errors).toEqual([]);
    // DASH is not packaged locally: a clear 404 rather than a wrong manifest.
    expect((await get(`${emulator.url}${hls.replace('m3u8-cmaf', 'mpd-time-cmaf')}`)).status).toBe(404);
    const recording = JSON.parse(readFileSync(join(dataDir, 'media-plane', 'assets', (await client.assets.get(rg, account, 'rec-asset')).assetId ?? '', 'recording.json'), 'utf8')) as { ended: boolean };
    expect(recording.ended).toBe(true);

    // The recording is on disk: a restarted emulator still serves it.
    await emulator.close();
    emulator = await startEmulator({ timings: 'fast', clock, dataDir, mediaPlane: true });
    client = clientFor(emulator);
    const again = await get(`${emulator.url}${hls}`);
    expect(again.status).toBe(200);
    expect(again.body).toBe(playlist);
  });
});
