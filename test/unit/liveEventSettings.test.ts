import { describe, expect, it } from 'vitest';
import type { LiveEventSettings } from '../../contracts/broadcast.js';
import { liveEventSettingsChange, refusedSettingsChange } from '../../domain/liveEventDecisions.js';

const current: LiveEventSettings = {
  protocol: 'RTMP', inputIpAllow: [], previewIpAllow: [], encoding: { type: 'PassthroughBasic' }, useStaticHostname: false, streamOptions: [], keyFrameIntervalDuration: 'PT2S',
};

describe('live event settings changes', () => {
  it('applies everything before the live event exists', () => {
    expect(liveEventSettingsChange(current, { ...current, protocol: 'FragmentedMP4' }, undefined)).toEqual({ update: [], refused: [] });
    expect(refusedSettingsChange(current, { protocol: 'FragmentedMP4' }, { state: 'Deleted' })).toBeUndefined();
  });

  it('updates IP allow-lists and the description on an allocated or running live event', () => {
    for (const state of ['StandBy', 'Running', 'Allocating', 'Starting']) {
      expect(liveEventSettingsChange(current, { ...current, inputIpAllow: ['10.0.0.0/8'], description: 'x' }, state)).toEqual({ update: ['inputIpAllow', 'description'], refused: [] });
    }
  });

  it('refuses what is fixed at creation, and the key frame interval unless stopped', () => {
    expect(liveEventSettingsChange(current, { ...current, protocol: 'FragmentedMP4', streamOptions: ['LowLatency'], inputIpAllow: ['1.2.3.4/32'] }, 'StandBy'))
      .toEqual({ update: ['inputIpAllow'], refused: ['protocol', 'streamOptions'] });
    expect(liveEventSettingsChange(current, { ...current, keyFrameIntervalDuration: 'PT4S' }, 'Stopped').update).toEqual(['keyFrameIntervalDuration']);
    expect(refusedSettingsChange(current, { keyFrameIntervalDuration: 'PT4S', accessToken: 'abc' }, { name: 'bc-1', state: 'Running' }))
      .toBe('The live event is Running: liveEvent.keyFrameIntervalDuration, liveEvent.accessToken cannot be changed in this state.');
  });

  it('treats a live event created but not read yet as Stopped', () => {
    expect(refusedSettingsChange(current, { protocol: 'FragmentedMP4' }, { name: 'bc-1' })).toMatch(/Stopped: liveEvent\.protocol/);
    expect(refusedSettingsChange(current, { protocol: 'FragmentedMP4' }, {})).toBeUndefined();
  });

  it('ignores settings sent unchanged', () => {
    expect(refusedSettingsChange(current, { ...current }, { name: 'bc-1', state: 'Running' })).toBeUndefined();
    expect(refusedSettingsChange(current, undefined, { name: 'bc-1', state: 'Running' })).toBeUndefined();
  });
});
