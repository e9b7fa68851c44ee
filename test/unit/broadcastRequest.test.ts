import { describe, expect, it } from 'vitest';
import { parseChangeBroadcast, parseCreateBroadcast, parseExtend } from '../../domain/broadcastRequest.js';
import { validationProblem } from '../../domain/problem.js';

const now = Date.parse('2030-01-01T10:00:00Z');
const account = { subscriptionId: 's', resourceGroup: 'rg', accountName: 'acct' };
const context = { now, defaultAccount: account, newId: () => 'generated' };
const valid = { startAt: '2030-01-01T12:00:00Z', endAt: '2030-01-01T13:00:00+00:00' };

const fields = (body: unknown) => {
  const result = parseCreateBroadcast(body, context);
  return result.ok ? [] : result.errors.map((e) => e.field);
};

describe('create', () => {
  it('fills defaults into a full spec', () => {
    const result = parseCreateBroadcast(valid, context);
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'generated', title: undefined, startAt: '2030-01-01T12:00:00.000Z', endAt: '2030-01-01T13:00:00.000Z', account,
        liveEvent: { protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughStandard' }, useStaticHostname: false, streamOptions: [] },
        recording: { archiveWindow: 'PT1H10M' },
        keepLiveEvent: false, origin: { kind: 'api' },
      },
    });
  });

  it('names every bad field', () => {
    expect(fields({ startAt: 'tomorrow', endAt: valid.endAt })).toEqual(['/startAt']);
    expect(fields({ ...valid, endAt: '2030-01-01T11:00:00Z' })).toEqual(['/endAt']);
    expect(fields({ startAt: '2030-01-01T09:00:00Z', endAt: valid.endAt })).toEqual(['/startAt']);
    expect(fields({ ...valid, id: 'Has Spaces' })).toEqual(['/id']);
    expect(fields({ ...valid, liveEvent: { protocol: 'SRT', inputIpAllow: ['300.1.1.1'] } })).toEqual(['/liveEvent/protocol', '/liveEvent/inputIpAllow/0']);
    expect(fields({ ...valid, liveEvent: { encoding: { type: 'Standard' }, keyFrameIntervalDuration: 'PT2S' } })).toEqual(['/liveEvent/keyFrameIntervalDuration']);
    expect(fields({ ...valid, liveEvent: { streamOptions: ['LowLatencyV2'] } })).toEqual(['/liveEvent/streamOptions']);
    expect(fields({ ...valid, recording: { archiveWindow: 'PT30S' } })).toEqual(['/recording/archiveWindow']);
    expect(fields({ ...valid, recording: { archiveWindow: 'PT10H' }, liveEvent: { encoding: { type: 'PassthroughBasic' } } })).toEqual(['/recording/archiveWindow']);
    expect(fields({ ...valid, surprise: true })).toEqual(['']);
    expect(fields({ ...valid, endAt: '2030-01-02T13:00:00Z' })).toEqual(['/endAt']);
  });

  it('builds an RFC 9457 problem from field errors', () => {
    const result = parseCreateBroadcast({ startAt: 'x', endAt: valid.endAt }, context);
    if (result.ok) throw new Error('expected errors');
    expect(validationProblem(result.errors)).toMatchObject({ status: 400, type: expect.stringContaining('validation'), errors: [{ field: '/startAt' }] });
  });
});

describe('change and extend', () => {
  const current = (parseCreateBroadcast(valid, context) as { ok: true; value: Parameters<typeof parseChangeBroadcast>[1] }).value;

  it('accepts new times and merged settings', () => {
    const result = parseChangeBroadcast({ startAt: '2030-01-01T12:30:00Z', liveEvent: { protocol: 'FragmentedMP4' } }, current, now);
    expect(result).toMatchObject({ ok: true, value: { startAt: '2030-01-01T12:30:00.000Z', liveEvent: { protocol: 'FragmentedMP4', encoding: { type: 'PassthroughStandard' } } } });
  });

  it('rejects a change that makes the window invalid or settings inconsistent', () => {
    expect(parseChangeBroadcast({ endAt: '2030-01-01T11:00:00Z' }, current, now)).toMatchObject({ ok: false, errors: [{ field: '/endAt' }] });
    expect(parseChangeBroadcast({ liveEvent: { streamOptions: ['LowLatencyV2'] } }, current, now)).toMatchObject({ ok: false, errors: [{ field: '/liveEvent/streamOptions' }] });
    expect(parseChangeBroadcast({}, current, now)).toMatchObject({ ok: false });
  });

  it('extends into the future only', () => {
    expect(parseExtend({ endAt: '2030-01-01T14:00:00Z' }, current.startAt, now)).toEqual({ ok: true, value: { endAt: '2030-01-01T14:00:00.000Z' } });
    expect(parseExtend({ endAt: '2030-01-01T09:00:00Z' }, current.startAt, now)).toMatchObject({ ok: false, errors: [{ field: '/endAt' }] });
    expect(parseExtend({ end: 'x' }, current.startAt, now)).toMatchObject({ ok: false });
  });
});
