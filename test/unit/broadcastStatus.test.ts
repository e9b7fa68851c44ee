import { recordLiveEventState } from '../../domain/cost.js';
import { describe, expect, it } from 'vitest';
import type { BroadcastStatus } from '../../contracts/broadcast.js';
import { appendTimeline, CUSTOM_STATUS_LIMIT_BYTES, customStatusBytes, TIMELINE_HEAD, TIMELINE_TAIL } from '../../domain/broadcastStatus.js';
import { summarizeError } from '../../domain/errorSummary.js';

const at = (i: number) => new Date(Date.UTC(2030, 0, 1) + i * 60_000).toISOString();

describe('broadcast custom status', () => {
  it('keeps the first and the most recent timeline entries and counts the rest', () => {
    const status = { timeline: [] as BroadcastStatus['timeline'], timelineDropped: undefined as number | undefined };
    for (let i = 0; i < 100; i++) appendTimeline(status, { at: at(i), phase: 'standby', note: `n${i}` });
    expect(status.timeline).toHaveLength(TIMELINE_HEAD + TIMELINE_TAIL);
    expect(status.timeline.slice(0, TIMELINE_HEAD).map((e) => e.note)).toEqual(['n0', 'n1', 'n2']);
    expect(status.timeline.at(-1)?.note).toBe('n99');
    expect(status.timeline[TIMELINE_HEAD]?.note).toBe(`n${100 - TIMELINE_TAIL}`);
    expect(status.timelineDropped).toBe(100 - TIMELINE_HEAD - TIMELINE_TAIL);
  });

  it('stays under 16 KB of UTF-16 in the worst case', () => {
    const url = (kind: string, i: number) => `${kind}://bc-${'x'.repeat(29)}-broadcastams-euwe.channel.media.azure.net:2935/live/${'0'.repeat(32)}/${i}`.padEnd(256, 'u');
    const status: BroadcastStatus = {
      phase: 'failed', startAt: at(0), endAt: at(1), timeline: [], measured: { allocateMs: 1e12, startMs: 1e12, timerLatenessMs: 1e12 },
      liveEventName: `bc-${'x'.repeat(29)}`, liveEventState: 'Deallocating', assetName: 'a'.repeat(264),
      ingestUrls: Array.from({ length: 4 }, (_, i) => url('rtmps', i)), previewUrls: Array.from({ length: 2 }, (_, i) => url('https', i)),
      playbackPaths: Array.from({ length: 12 }, (_, i) => url('https', i)),
      // Non-ASCII text counts the same per UTF-16 unit; make the error as large as it can get.
      error: { code: 'CleanupFailed', message: `${summarizeError(new Error('é'.repeat(50_000)))}; the leak reaper will stop the live event` },
    };
    for (let i = 0; i < 10_000; i++) appendTimeline(status, { at: at(i), phase: 'live', note: i % 2 ? `end moved to ${at(i)} ${'z'.repeat(500)}` : 'rescheduled' });
    // Live event states seen (billing): a broadcast re-allocated again and again keeps only a bounded list.
    for (let i = 0; i < 1_000; i++) recordLiveEventState(status, i % 2 ? 'Deallocating' : 'StandBy', at(i));
    expect(status.liveEventStates?.length).toBeLessThanOrEqual(12);
    const bytes = customStatusBytes(status);
    expect(bytes).toBeLessThan(CUSTOM_STATUS_LIMIT_BYTES);
    console.log(`worst-case broadcast status: ${bytes} bytes UTF-16 of ${CUSTOM_STATUS_LIMIT_BYTES}`);
  });
});
