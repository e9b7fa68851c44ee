import { describe, expect, it } from 'vitest';
import { decideReaping, type OwnerState } from '../../domain/reaper.js';

const now = Date.parse('2030-01-01T12:00:00Z');
const grace = 10 * 60_000;
const event = (name: string, resourceState: string, broadcastId?: string, minutesAgo = 30, managedBy: string | null = 'this-deployment') => ({
  name, resourceState,
  tags: { ...(broadcastId ? { broadcastId } : {}), ...(managedBy ? { managedBy } : {}) } as Record<string, string>,
  lastModifiedAt: new Date(now - minutesAgo * 60_000).toISOString(),
});
const decide = (events: ReturnType<typeof event>[], owners: Record<string, OwnerState | undefined>, deleteOrphans = true) =>
  decideReaping(events, new Map(Object.entries(owners)), { now, graceMs: grace, deleteOrphans, managedBy: 'this-deployment' });

describe('leak reaper decisions', () => {
  it('leaves live events owned by an active broadcast alone', () => {
    expect(decide([event('a', 'Running', 'a')], { a: { runtimeStatus: 'Running', phase: 'live', endAt: '2030-01-01T13:00:00Z' } })).toEqual([]);
  });

  it('stops billed live events whose broadcast is gone, finished or terminated', () => {
    const decisions = decide(
      [event('gone', 'Running', 'gone'), event('done', 'StandBy', 'done'), event('killed', 'Running', 'killed'), event('untagged', 'Running')],
      { gone: undefined, done: { runtimeStatus: 'Completed', phase: 'ended' }, killed: { runtimeStatus: 'Terminated', phase: 'live' } },
    );
    expect(decisions.map((d) => [d.liveEventName, d.action])).toEqual([['gone', 'stop'], ['done', 'stop'], ['killed', 'stop'], ['untagged', 'stop']]);
  });

  it('never touches live events another deployment (or a person) created, whatever their state', () => {
    const events = [event('foreign', 'Running', 'x', 60, 'other-deployment'), event('byhand', 'Running', undefined, 60, null), event('byhand2', 'Stopped', 'x', 60, null)];
    expect(decide(events, { x: undefined })).toEqual([]);
  });

  it('waits for the grace before touching a fresh orphan', () => {
    expect(decide([event('fresh', 'Running', 'x', 2)], { x: undefined })).toEqual([]);
  });

  it('stops a live event whose broadcast is stuck past its end plus the grace', () => {
    const decisions = decide([event('late', 'Running', 'late', 1)], { late: { runtimeStatus: 'Running', phase: 'stopping', endAt: '2030-01-01T11:00:00Z' } });
    expect(decisions).toEqual([{ liveEventName: 'late', action: 'stop', reason: 'broadcast late is past its end plus grace' }]);
  });

  it('deletes stopped orphans only when configured', () => {
    expect(decide([event('old', 'Stopped', 'old')], { old: undefined }).map((d) => d.action)).toEqual(['delete']);
    expect(decide([event('old', 'Stopped', 'old')], { old: undefined }, false)).toEqual([]);
    expect(decide([event('busy', 'Stopping', 'busy')], { busy: undefined })).toEqual([]);
  });
});
