/**
 * The emulator's optional media plane (`startEmulator({ mediaPlane: true })`, needs ffmpeg): a real RTMP ingest
 * for Running live events, encoder events from the real stream, the live HLS preview, live outputs recording HLS
 * into their assets (archive window honoured, kept after the output is deleted), and the streaming endpoint
 * serving a streaming locator's HLS paths. It follows the account's state (reconciled every 200 ms and on every
 * transition): nothing ingests, records or runs for a live event that is not Running.
 *
 * Files: `{dataDir}/media-plane/` — `sessions/{connection}/` (ffmpeg's segments while live), `assets/{assetId}/`
 * (recordings: `index.m3u8`, `recording.json`, `{n}.ts`), `pids/` (running ffmpeg processes, reaped at start-up
 * after a crash).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../clock/clock.js';
import type { EncoderSimulator } from '../encoders.js';
import { isoDurationMs, type MediaAccount, type MediaHooks } from '../mediaAccount.js';
import { key, outputKey, type AssetRecord, type LiveEventRecord } from '../model.js';
import { ipAllowed } from './ipAllow.js';
import { IngestFront, type IngestRejection, type IngestSession } from './ingest.js';
import { LiveStream, readRecording, Recorder, renderRecording } from './liveStream.js';
import { executable, findFfmpeg, ProcessRegistry } from './processes.js';

export { findFfmpeg } from './processes.js';

export interface MediaPlaneOptions {
  /** ffmpeg to run (default: `FFMPEG_PATH`, else `ffmpeg` on PATH). */
  ffmpegPath?: string;
  /** Where the RTMP ingest listens (default 127.0.0.1) and its port (default 0: a free port). */
  rtmpHost?: string;
  rtmpPort?: number;
  /** Called once per allocation when a live event's ingest URL is handed out (StandBy or Running). */
  onIngestUrl?(liveEventName: string, ingestUrl: string): void;
}

export interface MediaPlaneStatus {
  rtmpPort: number;
  ffmpeg: string;
  sessions: Array<{ id: string; remote: string; liveEvent?: string; flowing: boolean; bytesIn: number; mediaSeconds: number }>;
  streams: Array<{ liveEvent: string; segments: number; recordings: string[] }>;
  rejections: IngestRejection[];
  processes: number[];
}

interface Deps {
  account: () => MediaAccount;
  encoders: EncoderSimulator;
  clock: Clock;
  /** The emulator's data folder; omitted = a temporary folder removed on close. */
  dataDir?: string;
  /** The emulator's https origin (known once it listens). */
  origin: () => string;
}

const HEARTBEAT_CLOCK_MS = 20_000; // AMS: one IngestHeartbeat per track every 20 s
const MIN_HEARTBEAT_REAL_MS = 1_000; // on an accelerated clock, not more than one a second
const REJECTIONS_KEPT = 50;

/** The ffmpeg command that pushes a test pattern with a tone to an ingest URL (light: 640x360, 25 fps). */
export function pushCommand(ingestUrl: string): string {
  return `ffmpeg -re -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -c:v libx264 -preset ultrafast -tune zerolatency -g 50 -pix_fmt yuv420p -c:a aac -b:a 64k -f flv '${ingestUrl}'`;
}

export class MediaPlane {
  readonly #streams = new Map<string, LiveStream>();
  readonly #announced = new Map<string, string>();
  readonly #heartbeats = new Map<IngestSession, { clock: number; real: number; bytes: number; discontinuity: boolean }>();
  readonly #rejections: IngestRejection[] = [];
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  #reconciling = false;

  private constructor(
    private readonly deps: Deps,
    private readonly options: MediaPlaneOptions,
    readonly ffmpeg: string,
    readonly dir: string,
    private readonly temporary: boolean,
    private readonly processes: ProcessRegistry,
    private readonly front: IngestFront,
  ) {
    this.#timer = setInterval(() => void this.reconcile(), 200);
    this.#timer.unref();
  }

  /** Starts the media plane, or answers why it cannot (no ffmpeg). */
  static async start(deps: Deps, options: MediaPlaneOptions = {}): Promise<MediaPlane | string> {
    const ffmpeg = options.ffmpegPath ?? findFfmpeg();
    if (!ffmpeg || !executable(ffmpeg)) return `ffmpeg was not found${ffmpeg ? ` at ${ffmpeg}` : ''} (set FFMPEG_PATH or install it: scripts/ensure-ffmpeg.sh)`;
    const temporary = !deps.dataDir;
    const dir = deps.dataDir ? join(deps.dataDir, 'media-plane') : mkdtempSync(join(tmpdir(), 'ams-media-plane-'));
    const processes = new ProcessRegistry(join(dir, 'pids'), dir);
    const reaped = processes.reapLeftovers();
    if (reaped.length) console.warn(`ams-emulator: media plane killed ${reaped.length} ffmpeg process(es) a previous run left: ${reaped.join(', ')}`);
    rmSync(join(dir, 'sessions'), { recursive: true, force: true }); // a previous run's live segments are of no use
    mkdirSync(join(dir, 'sessions'), { recursive: true });
    mkdirSync(join(dir, 'assets'), { recursive: true });
    // The front calls back into the plane, which needs the front: the plane fills this in.
    const ref: { plane?: MediaPlane } = {};
    const front = await IngestFront.start({
      ffmpeg, processes, sessionsDir: join(dir, 'sessions'), host: options.rtmpHost ?? '127.0.0.1', port: options.rtmpPort ?? 0,
      findByToken: (token) => ref.plane?.findByToken(token),
      accept: (session, target) => ref.plane?.accept(session, target.name) ?? false,
      rejected: (rejection) => ref.plane?.rejected(rejection),
    });
    const plane = new MediaPlane(deps, options, ffmpeg, dir, temporary, processes, front);
    ref.plane = plane;
    plane.attach();
    return plane;
  }

  get rtmpPort(): number {
    return this.front.port;
  }

  /** Hooks the (current) account: call again after the emulator's reset replaced it. */
  attach(): void {
    this.deps.account().media = this.hooks;
  }

  readonly hooks: MediaHooks = {
    hasMedia: (asset) => (readRecording(this.#assetDir(asset))?.segments.length ?? 0) > 0,
    endpoints: (event) => this.#endpoints(event),
    transition: (name, action) => {
      // A reset keeps the live event Running but drops the encoder: the ingest restarts.
      if (action === 'reset' || action === 'stop' || action === 'delete') void this.#closeStream(key(name), 'MPE_INGEST_CHANNEL_STOPPED');
    },
  };

  status(): MediaPlaneStatus {
    return {
      rtmpPort: this.rtmpPort,
      ffmpeg: this.ffmpeg,
      sessions: this.front.sessions().map((s) => ({ id: s.id, remote: s.remoteAddress, liveEvent: s.target?.name, flowing: s.flowing, bytesIn: s.bytesIn, mediaSeconds: s.mediaTimeUs / 1e6 })),
      streams: [...this.#streams.values()].map((s) => ({ liveEvent: s.liveEventName, segments: s.segments.length, recordings: [...s.recorders().keys()] })),
      rejections: [...this.#rejections],
      processes: this.processes.running(),
    };
  }

  ingestUrl(event: LiveEventRecord): string {
    const host = this.options.rtmpHost && !['0.0.0.0', '::'].includes(this.options.rtmpHost) ? this.options.rtmpHost : '127.0.0.1';
    return `rtmp://${host.includes(':') ? `[${host}]` : host}:${this.rtmpPort}/live/${event.accessToken}`;
  }

  // ---- following the account ------------------------------------------------------------------------

  /** Brings streams, recordings and asset folders in line with the account's (settled) state. */
  async reconcile(): Promise<void> {
    if (this.#reconciling || this.#closing) return;
    this.#reconciling = true;
    try {
      const account = this.deps.account();
      account.settle();
      const events = new Map(account.listLiveEvents().map((e) => [key(e.name), e]));
      for (const [name, event] of events) {
        const open = event.resourceState === 'StandBy' || event.resourceState === 'Running';
        if (open && this.#announced.get(name) !== event.accessToken) {
          this.#announced.set(name, event.accessToken);
          this.options.onIngestUrl?.(event.name, this.ingestUrl(event));
        }
        if (!open) this.#announced.delete(name);
        if (event.resourceState === 'Running' && !this.#streams.has(name)) this.#streams.set(name, new LiveStream(event.name, event.previewLocator));
      }
      for (const name of [...this.#announced.keys()]) if (!events.has(name)) this.#announced.delete(name);
      for (const [name, stream] of this.#streams) {
        if (events.get(name)?.resourceState !== 'Running') {
          await this.#closeStream(name, 'MPE_INGEST_CHANNEL_STOPPED');
          continue;
        }
        stream.poll();
        this.#followOutputs(account, stream);
        this.#heartbeat(stream);
      }
      this.#dropDeletedAssets(account);
    } finally {
      this.#reconciling = false;
    }
  }

  #followOutputs(account: MediaAccount, stream: LiveStream): void {
    const outputs = account.listLiveOutputs(stream.liveEventName);
    const live = new Set<string>();
    for (const output of outputs) {
      const k = outputKey(output.liveEvent, output.name);
      // AMS: a live output records from its creation until it is deleted.
      if (output.resourceState !== 'Running') continue;
      live.add(k);
      if (stream.recorders().has(k)) continue;
      const asset = account.state.assets[key(output.assetName)];
      if (!asset) continue;
      stream.record(k, new Recorder(this.#assetDir(asset), output.manifestName, isoDurationMs(output.archiveWindowLength) ?? 3600_000));
    }
    for (const k of [...stream.recorders().keys()]) if (!live.has(k)) stream.stopRecording(k);
  }

  #heartbeat(stream: LiveStream): void {
    const session = stream.current;
    if (!session || session.ended || !session.flowing) return;
    const last = this.#heartbeats.get(session);
    if (!last) return;
    const now = this.deps.clock.now();
    const real = Date.now();
    if (now - last.clock < HEARTBEAT_CLOCK_MS || real - last.real < MIN_HEARTBEAT_REAL_MS) return;
    const incomingBitrate = Math.round(((session.bytesIn - last.bytes) * 8) / ((real - last.real) / 1000));
    this.deps.encoders.heartbeat(stream.liveEventName, { incomingBitrate, healthy: incomingBitrate > 0, discontinuityCount: last.discontinuity ? 1 : 0, lastTimestampMs: Math.round(session.mediaTimeUs / 1000) });
    this.#heartbeats.set(session, { clock: now, real, bytes: session.bytesIn, discontinuity: false });
  }

  #dropDeletedAssets(account: MediaAccount): void {
    const ids = new Set(Object.values(account.state.assets).map((a) => a.assetId));
    for (const dir of readdirSync(join(this.dir, 'assets'))) if (!ids.has(dir)) rmSync(join(this.dir, 'assets', dir), { recursive: true, force: true });
  }

  async #closeStream(name: string, resultCode: string): Promise<void> {
    const stream = this.#streams.get(name);
    if (!stream) return;
    this.#streams.delete(name);
    await stream.close(resultCode, (session) => rmSync(session.dir, { recursive: true, force: true }));
  }

  // ---- ingest -----------------------------------------------------------------------------------------

  findByToken(token: string): { name: string; resourceState: string; inputAccessControl: unknown } | undefined {
    const account = this.deps.account();
    account.settle();
    const event = account.listLiveEvents().find((e) => e.accessToken === token);
    if (!event) return undefined;
    const input = (event.properties.input ?? {}) as Record<string, unknown>;
    return { name: event.name, resourceState: event.resourceState, inputAccessControl: input.accessControl };
  }

  accept(session: IngestSession, liveEventName: string): boolean {
    const name = key(liveEventName);
    let stream = this.#streams.get(name);
    if (!stream) {
      const event = this.deps.account().state.liveEvents[name];
      if (!event || event.resourceState !== 'Running') return false;
      stream = new LiveStream(event.name, event.previewLocator);
      this.#streams.set(name, stream);
    }
    const reconnect = stream.segments.length > 0;
    if (!stream.attach(session)) return false;
    const target = stream;
    session.onFlowing(() => {
      if (target.closing || session.ended) return;
      // AMS reports the encoder once media arrives: EncoderConnected, then IncomingStreamReceived.
      const seconds = Math.max(0.001, (Date.now() - session.startedAt) / 1000);
      this.deps.encoders.connect(target.liveEventName, {
        encoderIp: session.remoteAddress.replace(/^::ffff:/, ''), encoderPort: String(session.remotePort), bitrate: Math.round((session.bytesIn * 8) / seconds),
      });
      this.#heartbeats.set(session, { clock: this.deps.clock.now(), real: Date.now(), bytes: session.bytesIn, discontinuity: reconnect });
    });
    session.onEnded(() => {
      const wasConnected = this.#heartbeats.delete(session);
      if (wasConnected) this.deps.encoders.disconnect(target.liveEventName, { resultCode: target.closing ?? 'MPE_CLIENT_TERMINATED_SESSION' });
      if (!target.closing) target.poll();
    });
    return true;
  }

  rejected(rejection: IngestRejection): void {
    this.#rejections.push(rejection);
    if (this.#rejections.length > REJECTIONS_KEPT) this.#rejections.shift();
  }

  // ---- endpoints and serving --------------------------------------------------------------------------

  #endpoints(event: LiveEventRecord): { input: Array<{ protocol: string; url: string }>; preview: Array<{ protocol: string; url: string }> } | undefined {
    if (event.resourceState !== 'StandBy' && event.resourceState !== 'Running') return undefined;
    const protocol = ((event.properties.input ?? {}) as Record<string, unknown>).streamingProtocol;
    // Only RTMP is ingested locally; a FragmentedMP4 (Smooth) live event keeps AMS's URLs, which lead nowhere.
    if (protocol !== 'RTMP') return undefined;
    return {
      input: [{ protocol: 'RTMP', url: this.ingestUrl(event) }],
      preview: [{ protocol: 'FragmentedMP4', url: `${this.deps.origin()}/${event.previewLocator}/preview.ism/manifest` }],
    };
  }

  /**
   * Serves `/{locator}/{manifest}.ism/manifest(format=m3u8-aapl|m3u8-cmaf)` and its segments: a live event's
   * preview (its preview locator, while Running, preview IP allow-list) or a streaming locator's recording
   * (through a Running streaming endpoint). Returns false when the path is not one of these.
   */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const match = /^\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([^/]+)\.ism\/(manifest(?:\(format=([^)]*)\))?|(\d+)\.ts)$/i.exec(url.pathname);
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const [, locatorId, manifestName, , format, segment] = match as unknown as [string, string, string, string, string | undefined, string | undefined];
    const account = this.deps.account();
    account.settle();
    const event = account.listLiveEvents().find((e) => e.previewLocator.toLowerCase() === locatorId.toLowerCase());
    if (event && manifestName.toLowerCase() === 'preview') {
      const preview = (event.properties.preview ?? {}) as Record<string, unknown>;
      if (!ipAllowed(preview.accessControl, req.socket.remoteAddress)) return fail(res, 403, 'The client address is not in the preview IP allow-list.');
      const stream = this.#streams.get(key(event.name));
      if (event.resourceState !== 'Running' || !stream) return fail(res, 404, `Live event ${event.name} is ${event.resourceState}: the preview exists only while Running.`);
      if (segment !== undefined) {
        const file = stream.previewSegment(Number(segment));
        return file ? sendFile(req, res, file) : fail(res, 404, 'The segment left the preview window.');
      }
      if (!isHls(format)) return fail(res, 404, hlsOnly);
      if (stream.segments.length === 0) return fail(res, 404, 'No media yet: make sure the encoder is sending data.');
      return send(req, res, 200, stream.preview().playlist, 'application/vnd.apple.mpegurl');
    }
    const endpoint = this.#endpointFor(account, req.headers.host);
    if (endpoint && endpoint.resourceState !== 'Running' && endpoint.resourceState !== 'Scaling') {
      return fail(res, 404, `Streaming endpoint '${endpoint.name}' is ${endpoint.resourceState}: start it to stream.`);
    }
    const resolved = account.resolvePlayback(`/${locatorId}/${manifestName}.ism/manifest`);
    const asset = resolved ? account.state.assets[key(resolved.asset)] : undefined;
    const recording = asset ? readRecording(this.#assetDir(asset)) : undefined;
    if (!asset || !recording) return fail(res, 404, 'No manifest at this playback path.');
    if (segment !== undefined) {
      const file = recording.segments.find((s) => s.file === `${segment}.ts`);
      return file ? sendFile(req, res, join(this.#assetDir(asset), file.file)) : fail(res, 404, 'The segment is not in the archive window.');
    }
    if (!isHls(format)) return fail(res, 404, hlsOnly);
    return send(req, res, 200, renderRecording(recording), 'application/vnd.apple.mpegurl');
  }

  /** The streaming endpoint a request addresses: by its host name, else the account's default. */
  #endpointFor(account: MediaAccount, host: string | undefined) {
    const hostName = (host ?? '').replace(/:\d+$/, '').toLowerCase();
    const endpoints = account.listStreamingEndpoints();
    return endpoints.find((e) => e.hostName.toLowerCase() === hostName) ?? endpoints.find((e) => key(e.name) === 'default');
  }

  #assetDir(asset: AssetRecord): string {
    return join(this.dir, 'assets', asset.assetId);
  }

  // ---- shutdown -----------------------------------------------------------------------------------

  /** Ends every stream and recording; drops every recording (the emulator's reset forgets all assets). */
  async reset(): Promise<void> {
    await Promise.all([...this.#streams.keys()].map((name) => this.#closeStream(name, 'MPE_INGEST_CHANNEL_STOPPED')));
    this.#announced.clear();
    rmSync(join(this.dir, 'assets'), { recursive: true, force: true });
    mkdirSync(join(this.dir, 'assets'), { recursive: true });
  }

  /** Stops the ingest, ends every ffmpeg and waits for them; recordings stay (unless in a temporary folder). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      await Promise.all([...this.#streams.keys()].map((name) => this.#closeStream(name, 'MPE_INGEST_CHANNEL_STOPPED')));
      await this.front.close();
      await this.processes.killAll();
      rmSync(join(this.dir, 'sessions'), { recursive: true, force: true });
      if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }
}

const hlsOnly = 'The local media plane packages HLS only: append (format=m3u8-cmaf) or (format=m3u8-aapl).';
const isHls = (format: string | undefined) => format === 'm3u8-cmaf' || format === 'm3u8-aapl';

function fail(res: ServerResponse, status: number, message: string): true {
  send(undefined, res, status, JSON.stringify({ error: { code: status === 403 ? 'Forbidden' : 'NotFound', message } }), 'application/json');
  return true;
}

function send(req: IncomingMessage | undefined, res: ServerResponse, status: number, body: string, contentType: string): true {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-cache', 'access-control-allow-origin': '*' });
  res.end(req?.method === 'HEAD' ? undefined : body);
  return true;
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string): true {
  if (!existsSync(file)) return fail(res, 404, 'The segment is gone.');
  res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': String(statSync(file).size), 'access-control-allow-origin': '*' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
