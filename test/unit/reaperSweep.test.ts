import { describe, expect, it } from 'vitest';
import { reapOnce } from '../../activities/reaperActivities.js';
import type { JanitorOutcome, LiveEventJanitor, LiveEventSummary, MediaAccountRef } from '../../contracts/media.js';

const now = Date.parse('2030-01-01T12:00:00Z');
const accounts: MediaAccountRef[] = [
  { subscriptionId: 's', resourceGroup: 'rg', accountName: 'one' },
  { subscriptionId: 's', resourceGroup: 'rg', accountName: 'two' },
];
const ev = (name: string, resourceState: string, tags: Record<string, string> = { managedBy: 'me', broadcastId: 'gone' }): LiveEventSummary => ({
  name, resourceState, tags, lastModifiedAt: new Date(now - 60 * 60_000).toISOString(),
});

/** A janitor over per-account lists, with what a fresh read and the actions answer scripted. */
function janitor(listed: Record<string, LiveEventSummary[]>, fresh: Record<string, LiveEventSummary | undefined>, stop: Record<string, JanitorOutcome> = {}) {
  const calls: string[] = [];
  const j: LiveEventJanitor = {
    listLiveEvents: async (a) => listed[a.accountName] ?? [],
    getLiveEvent: async (a, name) => (calls.push(`get ${a.accountName}/${name}`), fresh[name]),
    stopLiveEvent: async (a, name) => (calls.push(`stop ${a.accountName}/${name}`), stop[name] ?? 'done'),
    deleteLiveEvent: async (a, name) => (calls.push(`delete ${a.accountName}/${name}`), 'done'),
  };
  return { j, calls };
}
const client = { getStatus: async () => Promise.reject(new Error('HTTP 404')) } as never;

describe('reaper sweep', () => {
  it('sweeps every configured account and touches only this deployment\'s live events', async () => {
    const a = ev('a', 'Running');
    const b = ev('b', 'Running');
    const foreign = ev('foreign', 'Running', { managedBy: 'someone-else', broadcastId: 'gone' });
    const { j, calls } = janitor({ one: [a, foreign], two: [b] }, { a, b, foreign });
    const report = await reapOnce({ janitor: j, client, accounts, now: () => now, graceMs: 10 * 60_000, deleteOrphans: true, managedBy: 'me' });
    expect(report.accounts).toEqual([{ account: 'one', examined: 2 }, { account: 'two', examined: 1 }]);
    expect(report.actions.map((x) => [x.account, x.liveEventName, x.outcome])).toEqual([['one', 'a', 'stopped'], ['two', 'b', 'stopped']]);
    expect(calls).toEqual(['get one/a', 'stop one/a', 'get two/b', 'stop two/b']);
    expect(report.actions.every((x) => Date.parse(x.decidedAt) >= now)).toBe(true);
  });

  it('reads the trigger clock again at each decision: an accelerated local clock is not the real time elapsed', async () => {
    const a = ev('a', 'Running');
    const b = ev('b', 'Running');
    const { j } = janitor({ one: [a, b] }, { a, b });
    // Each reading 10 minutes later, as a 600x clock does in a second of real time.
    let readings = 0;
    const report = await reapOnce({ janitor: j, client, accounts: [accounts[0]!], now: () => now + 10 * 60_000 * readings++, graceMs: 10 * 60_000, deleteOrphans: true, managedBy: 'me' });
    expect(report.at).toBe(new Date(now).toISOString());
    const decided = report.actions.map((x) => Date.parse(x.decidedAt));
    expect(decided).toHaveLength(2);
    expect(decided[0]).toBeGreaterThanOrEqual(now + 10 * 60_000);
    expect(decided[1]).toBeGreaterThan(decided[0]!);
  });

  it('re-reads before acting: gone since listing, changed since listing, or 404 on stop are reported as such', async () => {
    const listed = [ev('vanished', 'Running'), ev('nowstopped', 'Running'), ev('racing', 'Running')];
    const { j, calls } = janitor({ one: listed }, { vanished: undefined, nowstopped: ev('nowstopped', 'Stopping'), racing: ev('racing', 'Running') }, { racing: 'gone' });
    const report = await reapOnce({ janitor: j, client, accounts: [accounts[0]!], now: () => now, graceMs: 10 * 60_000, deleteOrphans: true, managedBy: 'me' });
    expect(report.actions.map((x) => [x.liveEventName, x.outcome])).toEqual([['vanished', 'already-gone'], ['nowstopped', 'unchanged'], ['racing', 'already-gone']]);
    expect(calls.filter((c) => c.startsWith('stop'))).toEqual(['stop one/racing']);
  });

  it('reports an account it cannot list and goes on with the others', async () => {
    const { j } = janitor({ two: [] }, {});
    const failing: LiveEventJanitor = { ...j, listLiveEvents: async (a) => (a.accountName === 'one' ? Promise.reject(new Error('503')) : []) };
    const report = await reapOnce({ janitor: failing, client, accounts, now: () => now, graceMs: 1, deleteOrphans: true, managedBy: 'me' });
    expect(report.accounts).toEqual([{ account: 'one', examined: 0, error: '503' }, { account: 'two', examined: 0 }]);
  });
});
