/**
 * The RTMP ingest: one TCP front for every live event (`rtmp://127.0.0.1:{port}/live/{accessToken}`). Each encoder
 * connection gets its own ffmpeg (`-listen 1`, stream copy to HLS segments in a session folder); the front relays
 * the bytes and reads the client's `connect` / `publish` (rtmpSniffer.ts) to hold back the publish until the access
 * token names a Running live event whose input IP allow-list admits the client. Refused: the connection is closed
 * and its ffmpeg killed before any media reaches it. An ended connection ends its ffmpeg, and the reverse.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ipAllowed } from './ipAllow.js';
import type { ProcessRegistry } from './processes.js';
import { addressesToken, RtmpSniffer, tokenOf, type RtmpCommand } from './rtmpSniffer.js';

export interface IngestTarget {
  name: string;
  resourceState: string;
  /** `input.accessControl` as the client set it. */
  inputAccessControl: unknown;
}

export interface IngestRejection {
  at: string;
  remote: string;
  liveEvent?: string;
  reason: 'unknown-stream-key' | 'not-running' | 'ip-refused' | 'already-publishing' | 'protocol' | 'no-publish';
  detail: string;
}

export interface IngestFrontOptions {
  ffmpeg: string;
  processes: ProcessRegistry;
  /** Session folders are created here (it must contain the process registry's marker). */
  sessionsDir: string;
  host: string;
  port: number;
  /** The live event this access token belongs to (state settled now), if any. */
  findByToken(token: string): IngestTarget | undefined;
  /** A publish was accepted; false refuses it (another encoder is publishing to that live event). */
  accept(session: IngestSession, target: IngestTarget): boolean;
  rejected(rejection: IngestRejection): void;
}

const PUBLISH_TIMEOUT_MS = 15_000;

export class IngestFront {
  readonly #server: Server;
  readonly #sessions = new Set<IngestSession>();
  #next = 0;

  private constructor(private readonly options: IngestFrontOptions) {
    this.#server = createServer((socket) => this.#onConnection(socket));
  }

  static async start(options: IngestFrontOptions): Promise<IngestFront> {
    const front = new IngestFront(options);
    await new Promise<void>((resolve, reject) => {
      front.#server.once('error', reject);
      front.#server.listen(options.port, options.host, () => resolve());
    });
    return front;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  sessions(): IngestSession[] {
    return [...this.#sessions];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.end()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(socket: Socket): void {
    const id = `c${Date.now().toString(36)}${(this.#next++).toString(36)}`;
    const session = new IngestSession(id, socket, join(this.options.sessionsDir, id), this.options);
    this.#sessions.add(session);
    session.onEnded(() => {
      this.#sessions.delete(session);
      // A refused connection leaves nothing; an admitted one's segments belong to its live event's stream.
      if (!session.target) rmSync(session.dir, { recursive: true, force: true });
    });
    session.begin();
  }
}

type SessionListener = () => void;

/** One encoder connection: its relay to its own ffmpeg, what it publishes to, and its progress. */
export class IngestSession {
  target: IngestTarget | undefined;
  /** Bytes the encoder sent (the incoming bitrate is measured on them). */
  bytesIn = 0;
  /** Media time ffmpeg has written (µs), from `-progress`. */
  mediaTimeUs = 0;
  readonly startedAt = Date.now();
  #ffmpeg: ChildProcess | undefined;
  #upstream: Socket | undefined;
  #queued: Buffer[] = [];
  #sniffer: RtmpSniffer | undefined = new RtmpSniffer();
  #app = '';
  #ended = false;
  #endedListeners: SessionListener[] = [];
  #flowingListeners: SessionListener[] = [];
  #flowing = false;
  #publishTimer: NodeJS.Timeout | undefined;
  stderrTail = '';

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    readonly dir: string,
    private readonly options: IngestFrontOptions,
  ) {}

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get flowing(): boolean {
    return this.#flowing;
  }

  get ended(): boolean {
    return this.#ended;
  }

  onEnded(listener: SessionListener): void {
    if (this.#ended) listener();
    else this.#endedListeners.push(listener);
  }

  onFlowing(listener: SessionListener): void {
    this.#flowingListeners.push(listener);
  }

  begin(): void {
    this.socket.setNoDelay(true);
    this.socket.on('data', (data: Buffer) => this.#fromClient(data));
    this.socket.on('error', () => void this.end());
    this.socket.on('close', () => void this.end());
    this.#publishTimer = setTimeout(() => this.#reject('no-publish', `no publish within ${PUBLISH_TIMEOUT_MS / 1000} s`), PUBLISH_TIMEOUT_MS);
    this.#publishTimer.unref();
    void this.#startFfmpeg().catch((error: unknown) => this.#reject('protocol', `ffmpeg did not start: ${String(error)}`));
  }

  /** Closes the connection and ends ffmpeg (it writes its last segment and ENDLIST on the way out). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#publishTimer);
    this.socket.destroy();
    this.#upstream?.destroy();
    const ffmpeg = this.#ffmpeg;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      await new Promise<void>((resolve) => {
        // ffmpeg sees the input end and finishes the playlist; a stuck one is killed.
        const force = setTimeout(() => ffmpeg.kill('SIGKILL'), 3000);
        ffmpeg.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        if (!this.#flowing) ffmpeg.kill('SIGKILL');
      });
    }
    for (const listener of this.#endedListeners.splice(0)) listener();
  }

  async #startFfmpeg(): Promise<void> {
    const port = await freePort();
    mkdirSync(this.dir, { recursive: true });
    if (this.#ended) return;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'warning',
      '-analyzeduration', '1000000', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/ingest`,
      '-map', '0', '-c', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0',
      '-hls_segment_filename', join(this.dir, 'seg-%05d.ts'),
      '-progress', 'pipe:1', '-stats_period', '0.5',
      join(this.dir, 'index.m3u8'),
    ];
    const ffmpeg = this.options.processes.spawn(this.options.ffmpeg, args);
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdout?.setEncoding('utf8').on('data', (text: string) => this.#progress(text));
    ffmpeg.stderr?.setEncoding('utf8').on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-2000)));
    ffmpeg.once('exit', () => void this.end());
    // ffmpeg listens a moment after it starts: try until it does.
    const deadline = Date.now() + 10_000;
    while (!this.#ended) {
      const upstream = await tryConnect(port).catch(() => undefined);
      if (upstream) {
        if (this.#ended) {
          upstream.destroy();
          return;
        }
        this.#upstream = upstream;
        upstream.setNoDelay(true);
        upstream.on('data', (data: Buffer) => this.socket.write(data));
        upstream.on('error', () => void this.end());
        upstream.on('close', () => void this.end());
        for (const piece of this.#queued.splice(0)) upstream.write(piece);
        return;
      }
      if (Date.now() > deadline) throw new Error('ffmpeg did not listen within 10 s');
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  #forward(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#upstream) this.#upstream.write(bytes);
    else this.#queued.push(bytes);
  }

  #fromClient(data: Buffer): void {
    if (this.#ended) return;
    this.bytesIn += data.length;
    if (!this.#sniffer) return this.#forward(data);
    let pieces;
    try {
      pieces = this.#sniffer.push(data);
    } catch (error) {
      return this.#reject('protocol', error instanceof Error ? error.message : String(error));
    }
    for (const piece of pieces) {
      if (piece.command && !this.#admit(piece.command)) return;
      this.#forward(piece.bytes);
      if (piece.command?.name === 'publish') {
        // Admitted: from here on the front only relays.
        const rest = this.#sniffer?.held;
        this.#sniffer = undefined;
        clearTimeout(this.#publishTimer);
        if (rest?.length) this.#forward(rest);
        return;
      }
    }
  }

  /** Whether the command may reach ffmpeg; a refusal ends the session. */
  #admit(command: RtmpCommand): boolean {
    if (command.name === 'connect') {
      this.#app = command.app;
      if (tokenOf(command.app, undefined) === undefined && !/^\/?live\/?$/.test(command.app.split('?')[0] ?? '')) {
        this.#reject('unknown-stream-key', `app '${command.app}' is not live/{accessToken}`);
        return false;
      }
      return true;
    }
    const token = tokenOf(this.#app, command.stream);
    const target = token ? this.options.findByToken(token) : undefined;
    if (!token || !target || addressesToken(this.#app, command.stream, token) !== true) {
      this.#reject('unknown-stream-key', 'the stream key is not the access token of a live event');
      return false;
    }
    if (target.resourceState !== 'Running') {
      this.#reject('not-running', `live event ${target.name} is ${target.resourceState}: ingest is accepted only while Running`, target.name);
      return false;
    }
    if (!ipAllowed(target.inputAccessControl, this.remoteAddress)) {
      this.#reject('ip-refused', `${this.remoteAddress} is not in the input IP allow-list of ${target.name}`, target.name);
      return false;
    }
    this.target = target;
    if (!this.options.accept(this, target)) {
      this.target = undefined;
      this.#reject('already-publishing', `an encoder is already publishing to ${target.name}`, target.name);
      return false;
    }
    return true;
  }

  #reject(reason: IngestRejection['reason'], detail: string, liveEvent?: string): void {
    if (this.#ended) return;
    this.options.rejected({ at: new Date().toISOString(), remote: this.remoteAddress, liveEvent, reason, detail });
    void this.end();
  }

  #progressBuffer = '';

  #progress(text: string): void {
    this.#progressBuffer += text;
    const lines = this.#progressBuffer.split('\n');
    this.#progressBuffer = lines.pop() ?? '';
    for (const line of lines) {
      const [k, v] = line.trim().split('=');
      if (k === 'out_time_us' && v && /^\d+$/.test(v)) {
        this.mediaTimeUs = Number(v);
        if (this.mediaTimeUs > 0 && !this.#flowing && this.target) {
          this.#flowing = true;
          for (const listener of this.#flowingListeners) listener();
        }
      }
    }
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function tryConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
