import { describe, expect, it } from 'vitest';
import {
  applyEncoderEvent,
  broadcastIdOfLiveEvent,
  checkEncoderNotice,
  emptyEncoderStatus,
  idleStopAt,
  nextSoonNotice,
  parseMediaEvent,
  shouldStartRecording,
  worthForwarding,
} from '../../domain/encoderEvents.js';
import type { MediaEventNotice } from '../../contracts/encoder.js';

const topic = '/subscriptions/0000/resourceGroups/broadcast-rg/providers/Microsoft.Media/mediaservices/broadcastams';
const account = { subscriptionId: '0000', resourceGroup: 'broadcast-rg', accountName: 'broadcastams' };
const notice = (kind: MediaEventNotice['kind'], id: string, time: string, extra: Partial<MediaEventNotice> = {}): MediaEventNotice => ({ id, kind, time, liveEventName: 'bc-a', account, ...extra });

describe('parseMediaEvent', () => {
  it('reads the Event Grid schema (numbers as strings, as AMS sends them)', () => {
    const parsed = parseMediaEvent({
      id: 'e1', topic, subject: 'liveEvent/bc-a', eventType: 'Microsoft.Media.LiveEventIngestHeartbeat', eventTime: '2030-01-01T00:00:00.5Z',
      data: { incomingBitrate: '2500000', healthy: true, lastTimestamp: '1234' }, dataVersion: '1.0', metadataVersion: '1',
    });
    expect(parsed).toEqual({ ok: true, event: { id: 'e1', kind: 'heartbeat', time: '2030-01-01T00:00:00.500Z', liveEventName: 'bc-a', account, incomingBitrate: 2_500_000, healthy: true } });
  });
  it('reads a CloudEvent (source = topic, data possibly a JSON string)', () => {
    const parsed = parseMediaEvent({ specversion: '1.0', id: 'c1', source: topic, subject: 'liveEvent/bc-a', type: 'Microsoft.Media.LiveEventEncoderConnected', time: '2030-01-01T00:00:00Z', data: JSON.stringify({ encoderIp: '203.0.113.1' }) });
    expect(parsed.ok && parsed.event).toMatchObject({ kind: 'connected', encoderIp: '203.0.113.1' });
  });
  it('refuses other event types, other topics and subjects', () => {
    const base = { id: 'x', topic, subject: 'liveEvent/bc-a', eventType: 'Microsoft.Media.LiveEventEncoderConnected', eventTime: '2030-01-01T00:00:00Z', data: {} };
    expect(parseMediaEvent({ ...base, eventType: 'Microsoft.Storage.BlobCreated' }).ok).toBe(false);
    expect(parseMediaEvent({ ...base, topic: '/subscriptions/0/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s' }).ok).toBe(false);
    expect(parseMediaEvent({ ...base, subject: 'jobs/x' }).ok).toBe(false);
    expect(parseMediaEvent([base]).ok).toBe(false);
  });
});

describe('applyEncoderEvent', () => {
  it('applies a redelivered event once', () => {
    const once = applyEncoderEvent(emptyEncoderStatus(), notice('connected', 'e1', '2030-01-01T00:00:01Z'));
    expect(once).toMatchObject({ applied: true, transition: 'connected' });
    const again = applyEncoderEvent(once.status, notice('connected', 'e1', '2030-01-01T00:00:01Z'));
    expect(again.applied).toBe(false);
    expect(again.status.events).toBe(1);
  });
  it('ignores a disconnect older than the last connect (out of order)', () => {
    const connected = applyEncoderEvent(emptyEncoderStatus(), notice('connected', 'c2', '2030-01-01T00:00:10Z')).status;
    const late = applyEncoderEvent(connected, notice('disconnected', 'd1', '2030-01-01T00:00:05Z'));
    expect(late.applied).toBe(false);
    expect(late.status.connected).toBe(true);
    const newer = applyEncoderEvent(connected, notice('disconnected', 'd2', '2030-01-01T00:00:11Z', { resultCode: 'S_OK' }));
    expect(newer).toMatchObject({ applied: true, transition: 'disconnected', status: { connected: false, disconnectedAt: '2030-01-01T00:00:11Z', lastResultCode: 'S_OK' } });
  });
  it('keeps the newest heartbeat and a bounded status', () => {
    let status = emptyEncoderStatus();
    for (let i = 0; i < 500; i++) status = applyEncoderEvent(status, notice('heartbeat', `h${i}`, new Date(Date.UTC(2030, 0, 1) + i * 20_000).toISOString(), { incomingBitrate: i })).status;
    status = applyEncoderEvent(status, notice('heartbeat', 'old', '2030-01-01T00:00:00Z', { incomingBitrate: 1 })).status;
    expect(status.incomingBitrate).toBe(499);
    expect(status.recentIds.length).toBeLessThanOrEqual(16);
    expect(JSON.stringify(status).length).toBeLessThan(1500);
  });
});

describe('decisions', () => {
  it('idle stop counts from Running or the last disconnect, never while connected, never without a window', () => {
    expect(idleStopAt(undefined, 1_000, 60)).toBe(61_000);
    expect(idleStopAt(undefined, 1_000, undefined)).toBeUndefined();
    expect(idleStopAt({ ...emptyEncoderStatus(), connected: true }, 1_000, 60)).toBeUndefined();
    expect(idleStopAt({ ...emptyEncoderStatus(), disconnectedAt: new Date(500_000).toISOString() }, 1_000, 60)).toBe(560_000);
    expect(idleStopAt(undefined, 1_000, 0)).toBe(1_000);
  });
  it('records at once on schedule, on a connected encoder with startOn encoder', () => {
    expect(shouldStartRecording(undefined, undefined)).toBe(true);
    expect(shouldStartRecording('encoder', undefined)).toBe(false);
    expect(shouldStartRecording('encoder', { ...emptyEncoderStatus(), connected: true })).toBe(true);
  });
  it('forwards heartbeats only when they say something new', () => {
    const status = { ...emptyEncoderStatus(), lastHeartbeatAt: '2030-01-01T00:00:00Z', incomingBitrate: 1000, healthy: true };
    expect(worthForwarding(notice('heartbeat', 'h', '2030-01-01T00:00:20Z', { incomingBitrate: 1000, healthy: true }), status)).toBe(false);
    expect(worthForwarding(notice('heartbeat', 'h', '2030-01-01T00:00:20Z', { incomingBitrate: 1000, healthy: false }), status)).toBe(true);
    expect(worthForwarding(notice('heartbeat', 'h', '2030-01-01T00:00:20Z', { incomingBitrate: 500 }), status)).toBe(true);
    expect(worthForwarding(notice('heartbeat', 'h', '2030-01-01T00:01:00Z', { incomingBitrate: 1000 }), status)).toBe(true);
    expect(worthForwarding(notice('disconnected', 'd', '2030-01-01T00:00:20Z'), status)).toBe(true);
  });
  it('maps live event names back to broadcast ids', () => {
    expect(broadcastIdOfLiveEvent('bc-show-1')).toBe('show-1');
    expect(broadcastIdOfLiveEvent('other')).toBeUndefined();
    expect(broadcastIdOfLiveEvent('bc-')).toBeUndefined();
  });
  it('checks raw EncoderEvent data', () => {
    expect(checkEncoderNotice(notice('connected', 'e', '2030-01-01T00:00:00Z'))).toBeDefined();
    expect(checkEncoderNotice({ ...notice('connected', 'e', '2030-01-01T00:00:00Z'), kind: 'exploded' })).toBeUndefined();
    expect(checkEncoderNotice({ id: 'e' })).toBeUndefined();
  });
  it('plans starting_soon and ending_soon, again after the end moves', () => {
    const window = { startAt: '2030-01-01T01:00:00.000Z', endAt: '2030-01-01T02:00:00.000Z' };
    const leads = { startingMs: 600_000, endingMs: 300_000 };
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const first = nextSoonNotice(t0, window, leads, []);
    expect(first).toMatchObject({ type: 'broadcast.starting_soon', atMs: Date.parse('2030-01-01T00:50:00Z') });
    const second = nextSoonNotice(t0, window, leads, [first!.key]);
    expect(second).toMatchObject({ type: 'broadcast.ending_soon', atMs: Date.parse('2030-01-01T01:55:00Z') });
    expect(nextSoonNotice(t0, window, leads, [first!.key, second!.key])).toBeUndefined();
    expect(nextSoonNotice(t0, { ...window, endAt: '2030-01-01T03:00:00.000Z' }, leads, [first!.key, second!.key])?.type).toBe('broadcast.ending_soon');
    expect(nextSoonNotice(t0, window, {}, [])).toBeUndefined();
  });
});
