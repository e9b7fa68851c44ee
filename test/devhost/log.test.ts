// The local log a person follows: one line per lifecycle step (from the app's replay-safe log line) and
// per function execution worth seeing, in pretty, json or quiet form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { HostLog, hostLog, logFunctionExecutions, logModeFrom, parseLifecycleStep, setHostLog, type LogMode } from '../../devhost/log.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

function capture(mode: LogMode, options: { color?: boolean; clock?: ManualClock } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = new HostLog({ mode, color: options.color, clock: options.clock ?? new ManualClock(Date.parse('2030-01-01T12:00:03Z')), output: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { log, out, err };
}
const step = (from: string, to: string, note = '') =>
  `broadcast demo: ${from} -> ${to}${note ? ` (${note})` : ''}; planned 2030-01-01T12:00:05.000Z to 2030-01-01T12:30:00.000Z`;
const hhmmss = (iso: string) => {
  const d = new Date(iso);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

describe('the log formatter', () => {
  it('prints a lifecycle step as one line with the clock time and the planned time that matters', () => {
    const { log, out } = capture('pretty');
    log.write('information', 'user', step('standby', 'starting'));
    log.write('information', 'user', step('scheduled', 'scheduled'));
    log.write('information', 'user', step('live', 'stopping', 'compensating after failure'));
    log.write('information', 'user', step('cleaning_up', 'ended'));
    const at = hhmmss('2030-01-01T12:00:03Z');
    expect(out).toEqual([
      `${at} broadcast demo         standby -> starting (planned start ${hhmmss('2030-01-01T12:00:05Z')})`,
      `${at} broadcast demo         scheduled (planned start ${hhmmss('2030-01-01T12:00:05Z')}, end ${hhmmss('2030-01-01T12:30:00Z')})`,
      `${at} broadcast demo         live -> stopping (compensating after failure; planned end ${hhmmss('2030-01-01T12:30:00Z')})`,
      `${at} broadcast demo         cleaning_up -> ended`,
    ]);
  });

  it('writes JSON lines for machines', () => {
    const { log, out } = capture('json');
    log.write('information', 'user', step('starting', 'live'));
    log.execution({ functionName: 'createBroadcast', trigger: 'http', method: 'POST', path: '/api/broadcasts', status: 201, durationMs: 12 });
    log.write('warning', 'user', 'calendar feed x is unreachable');
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ time: '2030-01-01T12:00:03.000Z', level: 'info', kind: 'lifecycle', broadcastId: 'demo', from: 'starting', to: 'live', plannedStart: '2030-01-01T12:00:05.000Z', plannedEnd: '2030-01-01T12:30:00.000Z' });
    expect(lines[1]).toMatchObject({ kind: 'function', functionName: 'createBroadcast', method: 'POST', status: 201 });
    expect(lines[2]).toMatchObject({ level: 'warning', kind: 'log', message: 'calendar feed x is unreachable' });
  });

  it('keeps only warnings and errors when quiet, on stderr', () => {
    const { log, out, err } = capture('quiet');
    log.write('information', 'user', step('standby', 'starting'));
    log.execution({ functionName: 'createBroadcast', trigger: 'http', method: 'POST', path: '/api/broadcasts', status: 201, durationMs: 12 });
    log.write('warning', 'user', 'slow');
    log.write('error', 'system', 'broken');
    expect(out).toEqual([]);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/warn +slow$/);
    expect(err[1]).toMatch(/error broken$/);
  });

  it('colours warnings only when asked to (a terminal is attached)', () => {
    const plain = capture('pretty');
    plain.log.write('warning', 'user', 'careful');
    expect(plain.err[0]).not.toContain('\u001b[');
    const coloured = capture('pretty', { color: true });
    coloured.log.write('warning', 'user', 'careful');
    expect(coloured.err[0]).toContain('\u001b[33m');
  });

  it('shows changes and failures, leaves successful reads for verbose', () => {
    const read = { functionName: 'listBroadcasts', trigger: 'http', method: 'GET', path: '/api/broadcasts', status: 200, durationMs: 3 } as const;
    const failed = { functionName: 'ensureLiveEvent', trigger: 'activity', durationMs: 40, error: 'Conflict' } as const;
    const pretty = capture('pretty');
    pretty.log.execution(read);
    pretty.log.execution(failed);
    expect(pretty.out).toEqual([]);
    expect(pretty.err).toEqual([expect.stringMatching(/activity +ensureLiveEvent \(40 ms\) failed: Conflict$/)]);
    const verbose = capture('verbose');
    verbose.log.execution(read);
    expect(verbose.out).toEqual([expect.stringMatching(/GET \/api\/broadcasts -> 200 listBroadcasts \(3 ms\)$/)]);
  });

  it('reads its mode from DEVHOST_LOG, and DEVHOST_QUIET=1 still means quiet', () => {
    expect(logModeFrom({})).toBe('pretty');
    expect(logModeFrom({ DEVHOST_LOG: 'JSON' })).toBe('json');
    expect(logModeFrom({ DEVHOST_QUIET: '1' })).toBe('quiet');
    expect(() => logModeFrom({ DEVHOST_LOG: 'loud' })).toThrow(/DEVHOST_LOG must be one of/);
    expect(parseLifecycleStep('broadcast x: a -> b; planned 1 to 2')).toMatchObject({ broadcastId: 'x', from: 'a', to: 'b' });
    expect(parseLifecycleStep('something else')).toBeUndefined();
  });
});

describe('a broadcast run through the local host', () => {
  let stack: Stack;
  const out: string[] = [];
  const err: string[] = [];
  let previous: HostLog;
  let executions: { dispose(): void };
  beforeAll(async () => {
    stack = await startStack({ speed: 100 });
    previous = hostLog();
    const log = new HostLog({ mode: 'pretty', clock: stack.clock, output: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    setHostLog(log);
    executions = logFunctionExecutions(log);
  });
  afterAll(async () => {
    executions.dispose();
    setHostLog(previous);
    await stack.close();
  });

  it('reads as the story of the broadcast: one line per step, none repeated by replays, plus the API call', async () => {
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: 'story', startAt: inMinutes(stack.clock, 12), endAt: inMinutes(stack.clock, 14) }) });
    expect(res.status).toBe(201);
    await stack.api('/api/broadcasts/story'); // a read: not worth a line
    await waitForBroadcast(stack, 'story', (b) => b.phase === 'ended', 30_000);

    const story = out.filter((l) => l.includes('broadcast story')).map((l) => l.replace(/^\d\d:\d\d:\d\d broadcast story +/, ''));
    expect(story.map((l) => l.replace(/ \(.*\)$/, ''))).toEqual([
      'scheduled',
      'scheduled -> allocating',
      'allocating -> standby',
      'standby -> starting',
      'starting -> live',
      'live -> stopping',
      'stopping -> cleaning_up',
      'cleaning_up -> ended',
    ]);
    expect(story[3]).toMatch(/^standby -> starting \(planned start \d\d:\d\d:\d\d\)$/);
    expect(out.filter((l) => /POST \/api\/broadcasts -> 201 createBroadcast \(\d+ ms\)$/.test(l))).toHaveLength(1);
    expect(out.some((l) => l.includes('GET /api/broadcasts/story'))).toBe(false);
    expect(err).toEqual([]);
  });
});
