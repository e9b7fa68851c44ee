// The media plane's pure pieces: the RTMP command reader that holds back a publish until the key is checked, the
// stream-key rule, AMS IP allow-lists, and the archive window of a recording's HLS playlist.
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../ams-emulator/index.js';
import { executable, findFfmpeg } from '../../ams-emulator/mediaPlane/processes.js';
import { clientFor, poll, rg, account, rtmpEvent } from '../ams-emulator/support.js';
import { appendToRecording, newRecording, parseMediaPlaylist, recordedDuration, renderMediaPlaylist } from '../../ams-emulator/mediaPlane/hls.js';
import { ipAllowed } from '../../ams-emulator/mediaPlane/ipAllow.js';
import { addressesToken, decodeAmf0, encodeAmf0, RtmpProtocolError, RtmpSniffer, tokenOf } from '../../ams-emulator/mediaPlane/rtmpSniffer.js';

/** One RTMP message as chunks (format 0, then format 3 continuations) on chunk stream `csid`. */
function chunks(csid: number, type: number, body: Buffer, chunkSize = 128): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length || at === 0; at += chunkSize) {
    if (at === 0) {
      const header = Buffer.alloc(12);
      header[0] = csid;
      header.writeUIntBE(0, 1, 3);
      header.writeUIntBE(body.length, 4, 3);
      header[7] = type;
      header.writeUInt32LE(0, 8);
      parts.push(header);
    } else parts.push(Buffer.from([0xc0 | csid]));
    parts.push(body.subarray(at, at + chunkSize));
    if (body.length === 0) break;
  }
  return Buffer.concat(parts);
}
const handshake = () => Buffer.alloc(1 + 1536 + 1536, 3);
const connect = (app: string, chunkSize = 128) => chunks(3, 20, encodeAmf0(['connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}`, flashVer: 'FMLE/3.0', type: 'nonprivate', pad: 'x'.repeat(200) }]), chunkSize);
const publish = (stream: string) => chunks(8, 20, encodeAmf0(['publish', 5, null, stream, 'live']));
const setChunkSize = (size: number) => {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(size);
  return chunks(2, 1, body);
};

describe('RtmpSniffer', () => {
  it('finds connect and publish in a stream cut anywhere, and hands back every byte in order', () => {
    const wire = Buffer.concat([handshake(), setChunkSize(4096), connect('live', 4096), chunks(3, 20, encodeAmf0(['createStream', 2, null])), publish('0123abcd/stream1'), chunks(4, 9, Buffer.alloc(300, 7))]);
    for (const cut of [1, 7, 100, 1537, 3073, 3080, 3200, wire.length - 1]) {
      const sniffer = new RtmpSniffer();
      const pieces = [...sniffer.push(wire.subarray(0, cut)), ...sniffer.push(wire.subarray(cut))];
      const commands = pieces.filter((p) => p.command).map((p) => p.command);
      expect(commands, `cut at ${cut}`).toEqual([{ name: 'connect', app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }, { name: 'publish', stream: '0123abcd/stream1' }]);
      expect(Buffer.concat([...pieces.map((p) => p.bytes), sniffer.held]).equals(wire), `cut at ${cut}`).toBe(true);
    }
  });

  it('reads a command split over chunks of the default 128 bytes', () => {
    const sniffer = new RtmpSniffer();
    const message = connect('live/abc');
    expect(message.length).toBeGreaterThan(200); // more than one chunk
    const pieces = sniffer.push(Buffer.concat([handshake(), message]));
    const commandPiece = pieces.find((p) => p.command);
    expect(commandPiece?.command).toMatchObject({ name: 'connect', app: 'live/abc' });
    // The command's piece is its last chunk only: earlier chunks of it were released (harmless without the end).
    expect(commandPiece?.bytes.length).toBeLessThan(message.length);
  });

  it('holds back an incomplete chunk and refuses what is not RTMP', () => {
    const sniffer = new RtmpSniffer();
    const wire = Buffer.concat([handshake(), publishStart()]);
    const pieces = sniffer.push(wire);
    expect(pieces.some((p) => p.command)).toBe(false);
    expect(sniffer.held.length).toBeGreaterThan(0);
    const bogus = new RtmpSniffer();
    expect(() => bogus.push(Buffer.concat([handshake(), Buffer.from([0xc5, 1, 2, 3])]))).toThrow(RtmpProtocolError);
  });

  it('AMF0 round trip', () => {
    expect(decodeAmf0(encodeAmf0(['publish', 5, null, 'key', true, { a: 'b', n: 2 }]))).toEqual(['publish', 5, null, 'key', true, { a: 'b', n: 2 }]);
  });
});

function publishStart(): Buffer {
  return publish('key').subarray(0, 10);
}

describe('stream keys: the access token after live/', () => {
  it('accepts the token in the app (OBS) or as the first part of the stream name (ffmpeg)', () => {
    expect(addressesToken('live', 'tok/stream', 'tok')).toBe(true);
    expect(addressesToken('live', 'tok', 'tok')).toBe(true);
    expect(addressesToken('live/tok', 'anything', 'tok')).toBe(true);
    expect(addressesToken('live', undefined, 'tok')).toBeUndefined();
    expect(addressesToken('live', 'other', 'tok')).toBe(false);
    expect(addressesToken('live/other', 'tok', 'tok')).toBe(false);
    expect(addressesToken('app', 'tok', 'tok')).toBe(false);
    expect(addressesToken('live', 'tok?x=1', 'tok')).toBe(true);
    expect(tokenOf('live', 'tok/s')).toBe('tok');
    expect(tokenOf('live/tok', 's')).toBe('tok');
    expect(tokenOf('other', 'tok')).toBeUndefined();
  });
});

describe('IP allow-lists', () => {
  const allow = (...ranges: Array<[string, number?]>) => ({ ip: { allow: ranges.map(([address, subnetPrefixLength]) => ({ name: 'r', address, subnetPrefixLength })) } });
  it('follows AMS: no access control allows all, an empty list none, ranges by prefix', () => {
    expect(ipAllowed(null, '127.0.0.1')).toBe(true);
    expect(ipAllowed({ ip: { allow: [] } }, '127.0.0.1')).toBe(false);
    expect(ipAllowed(allow(['0.0.0.0', 0]), '198.51.100.1')).toBe(true);
    expect(ipAllowed(allow(['203.0.113.0', 24]), '127.0.0.1')).toBe(false);
    expect(ipAllowed(allow(['203.0.113.0', 24]), '::ffff:203.0.113.9')).toBe(true);
    expect(ipAllowed(allow(['127.0.0.1']), '127.0.0.1')).toBe(true); // no prefix: that one address
    expect(ipAllowed(allow(['127.0.0.1']), '127.0.0.2')).toBe(false);
  });
});

describe('recording playlists and the archive window', () => {
  it('keeps at most the archive window, newest segments, with sequence numbers that follow the window', () => {
    const recording = newRecording('show', 5_000);
    const removed: string[] = [];
    for (let i = 0; i < 6; i++) removed.push(...appendToRecording(recording, { file: `${i}.ts`, duration: 2, discontinuity: i === 3 }));
    expect(recording.segments.map((s) => s.file)).toEqual(['4.ts', '5.ts']);
    expect(removed).toEqual(['0.ts', '1.ts', '2.ts', '3.ts']);
    expect(recordedDuration(recording)).toBe(4);
    // The discontinuity (before 3.ts) left the window: counted, so players keep their timelines apart.
    expect(recording.discontinuitySeq).toBe(1);
    const text = renderMediaPlaylist(recording.segments.map((s) => ({ ...s, uri: s.file })), { discontinuitySeq: recording.discontinuitySeq, ended: true });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:4');
    expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
    expect(text).toContain('#EXT-X-ENDLIST');
    expect(parseMediaPlaylist(text)).toEqual({ segments: [{ uri: '4.ts', duration: 2 }, { uri: '5.ts', duration: 2 }], ended: true });
  });

  it('marks a break inside the window and keeps the newest segment even when longer than the window', () => {
    const recording = newRecording('show', 60_000);
    appendToRecording(recording, { file: 'a.ts', duration: 2, discontinuity: true }); // the first segment has nothing to break from
    appendToRecording(recording, { file: 'b.ts', duration: 2, discontinuity: true });
    const text = renderMediaPlaylist(recording.segments.map((s) => ({ ...s, uri: s.file })), { ended: false });
    expect(text.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY')).toHaveLength(1);
    expect(text.indexOf('#EXT-X-DISCONTINUITY')).toBeGreaterThan(text.indexOf('a.ts'));
    expect(text).not.toContain('#EXT-X-ENDLIST');
    const short = newRecording('show', 1_000);
    appendToRecording(short, { file: 'long.ts', duration: 4, discontinuity: false });
    expect(short.segments).toHaveLength(1);
  });
});

describe('without ffmpeg', () => {
  it('FFMPEG_PATH names the only candidate', () => {
    expect(findFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', PATH: '/usr/bin' })).toBeUndefined();
    expect(findFfmpeg({ PATH: '/nonexistent' })).toBe(executable('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined); // Debian's place
  });

  it('the emulator runs without the media plane, says why, and hands out AMS ingest URLs', async () => {
    const emulator = await startEmulator({ timings: 'fast', mediaPlane: { ffmpegPath: '/nonexistent/ffmpeg' } });
    try {
      expect(emulator.mediaPlane).toBeUndefined();
      expect(emulator.mediaPlaneUnavailable).toContain('ffmpeg was not found at /nonexistent/ffmpeg');
      const client = clientFor(emulator);
      await client.liveEvents.beginCreateAndWait(rg, account, 'no-media', rtmpEvent, { ...poll, autoStart: true });
      const event = await client.liveEvents.get(rg, account, 'no-media');
      expect(event.input?.endpoints?.[0]?.url).toMatch(/^rtmp:\/\/[0-9a-f]{32}\.channel\.media\.azure\.net:1935\/live\//);
    } finally {
      await emulator.close();
    }
  });
});
