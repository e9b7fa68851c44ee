/**
 * Reads the client side of an RTMP connection just far enough to learn where it publishes: the `connect`
 * command's `app` and the `publish` command's stream name. ffmpeg's RTMP server (`-listen 1`) accepts any app
 * and stream name, so the ingest front checks the access token here, before a single media byte reaches ffmpeg.
 *
 * Wire format (Adobe RTMP 1.0): C0 (1 byte) + C1 (1536) + C2 (1536) handshake, then chunks: a basic header (format
 * in the top 2 bits, chunk stream id), a message header of 11/7/3/0 bytes by format, an extended timestamp when the
 * 24-bit field is 0xFFFFFF, then up to `chunkSize` bytes of the message (128 until the client sends Set Chunk Size).
 * Commands are AMF0 (message type 20) or AMF3-wrapped AMF0 (type 17, one leading 0 byte).
 */

const HANDSHAKE_BYTES = 1 + 1536 + 1536;
const MAX_MESSAGE_BYTES = 64 * 1024; // commands before publish are small; anything bigger is not an encoder
const SET_CHUNK_SIZE = 1;
const AMF3_COMMAND = 17;
const AMF0_COMMAND = 20;

export type RtmpCommand = { name: 'connect'; app: string; tcUrl?: string } | { name: 'publish'; stream: string };

interface ChunkStream {
  timestampField: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  body: Buffer[];
  received: number;
}

export class RtmpSniffer {
  #pending: Buffer = Buffer.alloc(0);
  #handshakeLeft = HANDSHAKE_BYTES;
  #chunkSize = 128;
  readonly #streams = new Map<number, ChunkStream>();

  /**
   * Takes the next bytes the client sent and returns them in order, cut so that each completed command comes with
   * the bytes of the chunk that completed it: the caller forwards plain pieces at once and a command's piece only
   * once the command is accepted, so a refused `publish` never reaches the server. An incomplete chunk is held back.
   */
  push(data: Buffer): SniffedPiece[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, data]) : data;
    const pieces: SniffedPiece[] = [];
    let offset = 0;
    let released = 0;
    if (this.#handshakeLeft > 0) {
      const take = Math.min(this.#handshakeLeft, this.#pending.length);
      this.#handshakeLeft -= take;
      offset = take;
    }
    while (this.#handshakeLeft === 0) {
      const start = offset;
      const chunk = this.#readChunk(offset);
      if (!chunk) break;
      offset = chunk.end;
      const command = chunk.message ? this.#interpret(chunk.message.type, chunk.message.body) : undefined;
      if (command) {
        if (start > released) pieces.push({ bytes: this.#pending.subarray(released, start) });
        pieces.push({ bytes: this.#pending.subarray(start, offset), command });
        released = offset;
      }
    }
    if (offset > released) pieces.push({ bytes: this.#pending.subarray(released, offset) });
    this.#pending = this.#pending.subarray(offset);
    return pieces;
  }

  /** Bytes held back (an incomplete chunk). */
  get held(): Buffer {
    return this.#pending;
  }

  #readChunk(start: number): { end: number; message?: { type: number; body: Buffer } } | undefined {
    const buf = this.#pending;
    let at = start;
    if (buf.length < at + 1) return undefined;
    const first = buf[at++] as number;
    const format = first >> 6;
    let csid = first & 0x3f;
    if (csid === 0) {
      if (buf.length < at + 1) return undefined;
      csid = 64 + (buf[at++] as number);
    } else if (csid === 1) {
      if (buf.length < at + 2) return undefined;
      csid = 64 + (buf[at] as number) + (buf[at + 1] as number) * 256;
      at += 2;
    }
    const headerBytes = [11, 7, 3, 0][format] as number;
    if (buf.length < at + headerBytes) return undefined;
    const previous = this.#streams.get(csid);
    if (format !== 0 && !previous) throw new RtmpProtocolError(`chunk stream ${csid} continues a message it never began`);
    const stream: ChunkStream = previous ?? { timestampField: 0, length: 0, type: 0, streamId: 0, extended: false, body: [], received: 0 };
    if (format <= 2) stream.timestampField = buf.readUIntBE(at, 3);
    if (format <= 1) {
      stream.length = buf.readUIntBE(at + 3, 3);
      stream.type = buf[at + 6] as number;
    }
    if (format === 0) stream.streamId = buf.readUInt32LE(at + 7);
    at += headerBytes;
    if (format <= 2) stream.extended = stream.timestampField === 0xffffff;
    if (stream.extended) {
      if (buf.length < at + 4) return undefined;
      at += 4;
    }
    if (stream.length > MAX_MESSAGE_BYTES && stream.type !== 8 && stream.type !== 9 && stream.type !== 18) {
      throw new RtmpProtocolError(`message of ${stream.length} bytes before publishing`);
    }
    const take = Math.min(this.#chunkSize, stream.length - stream.received);
    if (buf.length < at + take) return undefined;
    // Only now is the chunk complete: commit the header state and the payload.
    this.#streams.set(csid, stream);
    stream.body.push(buf.subarray(at, at + take));
    stream.received += take;
    at += take;
    if (stream.received < stream.length) return { end: at };
    const body = Buffer.concat(stream.body);
    stream.body = [];
    stream.received = 0;
    return { end: at, message: { type: stream.type, body } };
  }

  #interpret(type: number, body: Buffer): RtmpCommand | undefined {
    if (type === SET_CHUNK_SIZE && body.length >= 4) {
      this.#chunkSize = body.readUInt32BE(0) & 0x7fffffff;
      if (this.#chunkSize < 1) throw new RtmpProtocolError('chunk size 0');
      return undefined;
    }
    if (type !== AMF0_COMMAND && type !== AMF3_COMMAND) return undefined;
    const values = decodeAmf0(type === AMF3_COMMAND ? body.subarray(1) : body);
    const name = values[0];
    if (name === 'connect') {
      const info = (values[2] ?? {}) as Record<string, unknown>;
      return { name: 'connect', app: typeof info.app === 'string' ? info.app : '', tcUrl: typeof info.tcUrl === 'string' ? info.tcUrl : undefined };
    }
    if (name === 'publish') return { name: 'publish', stream: typeof values[3] === 'string' ? values[3] : '' };
    return undefined;
  }
}

export interface SniffedPiece {
  bytes: Buffer;
  command?: RtmpCommand;
}

export class RtmpProtocolError extends Error {}

/** AMF0 values in a command message: numbers, booleans, strings, objects, null/undefined, ECMA arrays. */
export function decodeAmf0(buf: Buffer): unknown[] {
  const values: unknown[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new RtmpProtocolError('truncated AMF0 value');
  };
  const str = (long = false): string => {
    need(long ? 4 : 2);
    const len = long ? buf.readUInt32BE(at) : buf.readUInt16BE(at);
    at += long ? 4 : 2;
    need(len);
    const s = buf.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const properties = (): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (;;) {
      const key = str();
      need(1);
      if (key === '' && buf[at] === 0x09) {
        at++;
        return o;
      }
      o[key] = value();
    }
  };
  const value = (): unknown => {
    need(1);
    const marker = buf[at++];
    switch (marker) {
      case 0x00:
        need(8);
        at += 8;
        return buf.readDoubleBE(at - 8);
      case 0x01:
        need(1);
        return buf[at++] !== 0;
      case 0x02:
        return str();
      case 0x03:
        return properties();
      case 0x05:
      case 0x06:
        return null;
      case 0x08:
        need(4);
        at += 4; // associative count (advisory)
        return properties();
      case 0x0c:
        return str(true);
      default:
        throw new RtmpProtocolError(`AMF0 marker ${String(marker)} not expected in a command`);
    }
  };
  while (at < buf.length) values.push(value());
  return values;
}

/** AMF0 encoding of command values (tests and tools build client commands with it). */
export function encodeAmf0(values: unknown[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    parts.push(len, b);
  };
  const value = (v: unknown) => {
    if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0x00;
      b.writeDoubleBE(v, 1);
      parts.push(b);
    } else if (typeof v === 'boolean') parts.push(Buffer.from([0x01, v ? 1 : 0]));
    else if (typeof v === 'string') {
      parts.push(Buffer.from([0x02]));
      str(v);
    } else if (v === null || v === undefined) parts.push(Buffer.from([0x05]));
    else {
      parts.push(Buffer.from([0x03]));
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        str(k);
        value(x);
      }
      parts.push(Buffer.from([0x00, 0x00, 0x09]));
    }
  };
  values.forEach(value);
  return Buffer.concat(parts);
}

/**
 * Whether `app` + stream name address this live event's ingest: AMS's RTMP ingest URL is
 * `rtmp://host:port/live/{accessToken}` and the encoder appends `/{streamName}`, which clients split into an
 * app and a stream in different places (ffmpeg: app `live`, stream `{token}/{name}`; OBS: app `live/{token}`).
 * `stream` undefined = only the connect is known yet: undefined when it cannot be decided before publish.
 */
export function addressesToken(app: string, stream: string | undefined, accessToken: string): boolean | undefined {
  const strip = (s: string) => s.split('?')[0] ?? '';
  const appParts = strip(app).split('/').filter(Boolean);
  if (appParts[0] !== 'live') return false;
  if (appParts.length >= 2) return appParts[1] === accessToken;
  if (stream === undefined) return undefined;
  return strip(stream).split('/')[0] === accessToken;
}

/** The access token a connection names (from the app, else the stream name), if any. */
export function tokenOf(app: string, stream: string | undefined): string | undefined {
  const strip = (s: string) => s.split('?')[0] ?? '';
  const appParts = strip(app).split('/').filter(Boolean);
  if (appParts[0] !== 'live') return undefined;
  if (appParts.length >= 2) return appParts[1];
  return stream === undefined ? undefined : strip(stream).split('/')[0] || undefined;
}
