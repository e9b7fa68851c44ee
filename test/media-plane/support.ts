/**
 * Helpers of the media plane tests: ffmpeg pushes and probes (light: 320x180 at 10 fps, ultrafast x264), an Event
 * Grid receiver that records what the emulator publishes, and the leak checks run after each suite.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { findFfmpeg } from '../../ams-emulator/index.js';

export const ffmpeg = findFfmpeg();
export const ffprobe = ffmpeg ? ffmpeg.replace(/ffmpeg$/, 'ffprobe') : undefined;
export const noFfmpegMessage = 'ffmpeg is not installed: the media plane tests are skipped (scripts/ensure-ffmpeg.sh installs it; CI runs it)';

export interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
}

export function run(command: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Pushes a generated test pattern with a tone for `seconds` (real time) to an RTMP URL, as an encoder would. */
export function push(url: string, seconds: number): Promise<Run> {
  return run(ffmpeg as string, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '32k', '-f', 'flv', url,
  ], (seconds + 20) * 1000);
}

/** Duration (s) of a playable URL as ffprobe reads it (the emulator's certificate is self-signed: not verified). */
export async function probeDuration(url: string): Promise<number> {
  const result = await run(ffprobe as string, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', url]);
  if (result.code !== 0) throw new Error(`ffprobe failed: ${result.stderr}`);
  return Number.parseFloat(result.stdout.trim());
}

/** Decodes every frame of a URL; resolves with ffmpeg's errors (empty when it all decodes). */
export async function decodeErrors(url: string): Promise<string> {
  const result = await run(ffmpeg as string, ['-v', 'error', '-i', url, '-f', 'null', '-']);
  return result.code === 0 ? result.stderr.trim() : `exit ${result.code}: ${result.stderr}`;
}

/**
 * Decodes each segment of a media playlist on its own (ffmpeg's HLS reader does not offset timestamps across a
 * discontinuity, so the playlist as a whole would report the encoder's restarted clock); returns the segment count
 * and every error.
 */
export async function decodeSegments(playlistUrl: string, playlist: string): Promise<{ segments: number; errors: string[] }> {
  const uris = playlist.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const errors: string[] = [];
  for (const uri of uris) {
    const error = await decodeErrors(new URL(uri, playlistUrl).toString());
    if (error) errors.push(`${uri}: ${error}`);
  }
  return { segments: uris.length, errors };
}

export interface ReceivedEvent {
  eventType: string;
  subject: string;
  data: Record<string, unknown>;
}

/** An Event Grid subscriber: answers the validation handshake and keeps every notification. */
export async function eventReceiver(): Promise<{ url: string; events: ReceivedEvent[]; close(): Promise<void> }> {
  const events: ReceivedEvent[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const batch = JSON.parse(body || '[]') as Array<ReceivedEvent & { data: { validationCode?: string } }>;
      if (req.headers['aeg-event-type'] === 'SubscriptionValidation') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ validationResponse: batch[0]?.data.validationCode }));
        return;
      }
      events.push(...batch);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Pids of running ffmpeg processes whose command line names `marker` (a test's data folder). */
export function ffmpegProcessesNaming(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('ffmpeg') && args.some((a) => a.includes(marker))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Whether something accepts TCP connections on the port (127.0.0.1). */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports this process's sockets listen on (from /proc/net/tcp*, state 0A), for the leak check. */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const parts = line.trim().split(/\s+/);
      if (parts[3] === '0A' && parts[1]) ports.add(Number.parseInt(parts[1].split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** `promise`, or a failure naming `what` when it has not settled within `ms` (a hung step says which one it was). */
export function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** GET over https trusting the emulator's certificate (fetch cannot be given a CA). */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (t: string) => (body += t));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }));
    });
    req.once('error', reject);
    req.end();
  });
}
