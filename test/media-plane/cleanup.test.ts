// Nothing of the media plane outlives what it serves: a stop, a reset or the emulator's close ends a push in progress
// and its ffmpeg; ffmpeg processes a crashed emulator left behind are killed at the next start (and only those).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaledClock } from '../../clock/clock.js';
import { startEmulator, type AmsEmulator } from '../../ams-emulator/index.js';
import { freePort } from '../../ams-emulator/mediaPlane/ingest.js';
import { clientFor, poll, rg, account, rtmpEvent } from '../ams-emulator/support.js';
import { eventReceiver, ffmpeg, ffmpegProcessesNaming, listening, noFfmpegMessage, push, until, within } from './support.js';

if (!ffmpeg) console.warn(noFfmpegMessage);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function runningEvent(name: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-plane-cleanup-'));
  const emulator = await startEmulator({ timings: 'fast', clock: scaledClock({ speed: 20 }), dataDir, mediaPlane: true });
  const client = clientFor(emulator);
  const receiver = await eventReceiver();
  await emulator.eventGrid.subscribe({ url: receiver.url, schema: 'EventGridSchema' });
  await client.liveEvents.beginCreateAndWait(rg, account, name, rtmpEvent, { ...poll, autoStart: true });
  const url = (await client.liveEvents.get(rg, account, name)).input?.endpoints?.[0]?.url ?? '';
  const pushing = push(url, 30);
  await until('the encoder', () => receiver.events.some((e) => e.eventType.endsWith('EncoderConnected')));
  expect(ffmpegProcessesNaming(dataDir)).toHaveLength(1);
  return { dataDir, emulator, client, receiver, pushing, port: emulator.mediaPlane?.rtmpPort ?? 0 };
}

async function expectNothingLeft(emulator: AmsEmulator, dataDir: string, port: number) {
  await emulator.close();
  expect(ffmpegProcessesNaming(dataDir)).toEqual([]);
  expect(await listening(port)).toBe(false);
}

describe.skipIf(!ffmpeg)('media plane clean-up', () => {
  it('a stop ends the push in progress and reports the ingest stopped', async () => {
    const { dataDir, emulator, client, receiver, pushing, port } = await runningEvent('le-stop');
    const startedStop = Date.now();
    await client.liveEvents.beginStopAndWait(rg, account, 'le-stop', { removeOutputsOnStop: true }, poll);
    expect((await pushing).code).not.toBe(0); // the encoder lost its connection
    expect(Date.now() - startedStop).toBeLessThan(10_000);
    await until('no ffmpeg left', () => ffmpegProcessesNaming(dataDir).length === 0);
    const disconnect = await until('the disconnect', () => receiver.events.find((e) => e.eventType.endsWith('EncoderDisconnected')));
    expect(disconnect.data.resultCode).toBe('MPE_INGEST_CHANNEL_STOPPED');
    await receiver.close();
    await expectNothingLeft(emulator, dataDir, port);
  });

  it('a live event reset drops the encoder, which may then reconnect', async () => {
    const { dataDir, emulator, client, receiver, pushing, port } = await runningEvent('le-reset-arm');
    const url = (await client.liveEvents.get(rg, account, 'le-reset-arm')).input?.endpoints?.[0]?.url ?? '';
    await client.liveEvents.beginResetAndWait(rg, account, 'le-reset-arm', poll);
    expect((await pushing).code).not.toBe(0);
    const disconnect = await until('the disconnect', () => receiver.events.find((e) => e.eventType.endsWith('EncoderDisconnected')));
    expect(disconnect.data.resultCode).toBe('MPE_INGEST_CHANNEL_STOPPED');
    expect((await push(url, 2)).code).toBe(0); // Running again, same ingest URL: the encoder reconnects
    await until('the reconnect', () => receiver.events.filter((e) => e.eventType.endsWith('EncoderConnected')).length === 2);
    await receiver.close();
    await expectNothingLeft(emulator, dataDir, port);
  });

  it('a reset of the emulator and its close end the push and every ffmpeg, and free the port', async () => {
    const first = await runningEvent('le-reset');
    first.emulator.reset();
    expect((await within('the encoder losing its connection at the reset', first.pushing, 15_000)).code).not.toBe(0);
    await until('no ffmpeg left after the reset', () => ffmpegProcessesNaming(first.dataDir).length === 0);
    await first.receiver.close();
    await expectNothingLeft(first.emulator, first.dataDir, first.port);

    const second = await runningEvent('le-close');
    await second.receiver.close();
    await within('the emulator closing', expectNothingLeft(second.emulator, second.dataDir, second.port), 15_000);
    expect((await within('the encoder losing its connection at the close', second.pushing, 15_000)).code).not.toBe(0);
  }, 60_000);

  it('kills the ffmpeg a crashed emulator left listening, and no other process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'media-plane-crash-'));
    const mediaDir = join(dataDir, 'media-plane');
    mkdirSync(join(mediaDir, 'pids'), { recursive: true });
    mkdirSync(join(mediaDir, 'sessions', 'old'), { recursive: true });
    const port = await freePort();
    // As a session's ffmpeg waits for its connection when the emulator dies: it would listen forever.
    const orphan = spawn(ffmpeg as string, ['-nostdin', '-loglevel', 'quiet', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/ingest`, '-c', 'copy', '-f', 'hls', join(mediaDir, 'sessions', 'old', 'index.m3u8')], { stdio: 'ignore', detached: true });
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore', detached: true }); // its pid in the folder, but not ours
    writeFileSync(join(mediaDir, 'pids', `${orphan.pid}.pid`), 'ffmpeg');
    writeFileSync(join(mediaDir, 'pids', `${bystander.pid}.pid`), 'ffmpeg');
    await until('the orphan listening', () => listening(port));
    const orphanExit = new Promise((resolve) => orphan.once('exit', resolve));

    const emulator = await startEmulator({ timings: 'fast', dataDir, mediaPlane: true });
    await orphanExit;
    expect(await listening(port)).toBe(false);
    expect(alive(bystander.pid as number)).toBe(true);
    bystander.kill('SIGKILL');
    await expectNothingLeft(emulator, dataDir, emulator.mediaPlane?.rtmpPort ?? 0);
  });
});
