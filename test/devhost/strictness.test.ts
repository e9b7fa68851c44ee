// The durable engine and management API reproduce what the Durable extension (Azure Storage) does,
// where it is stricter than a friendly local host would be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../clock/clock.js';
import type { LocalHost } from '../../devhost/host.js';
import type { HistoryEvent } from '../../devhost/engine/history.js';
import { calls, closeGate, evolving, gate } from './app/index.js';
import { pendingTimers, raise, rpc, start, startTestHost, status, waitForHistory } from './support.js';

let host: LocalHost;
let clock: ManualClock;
beforeAll(async () => ({ host, clock } = await startTestHost()));
afterAll(() => host.close());

const DAY = 24 * 3600_000;
const done = (id: string) => host.engine.waitFor(id, ['Completed', 'Failed', 'Terminated'], 10_000);
const history = (id: string): HistoryEvent[] => host.engine.history(host.engine.getInstance(id)!);
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('failures as the extension delivers them', () => {
  it('hands an activity failure to the orchestrator as Error(Reason \\n Details), with no FailureDetails', async () => {
    const id = await start(host, 'catchesFailure');
    await done(id);
    const output = (await status(host, id)).output as { name: string; message: string };
    expect(output.name).toBe('Error'); // not TaskFailedError: the library only builds that from FailureDetails
    expect(output.message).toMatch(/^Activity function 'explode' failed: +receiver answered 500 \n \{"\$type":"System\.Exception, System\.Private\.CoreLib"/);
    expect(output.message).toContain('RpcException');
    const failed = history(id).find((e) => e.EventType === 6)!;
    expect(failed.FailureDetails).toBeUndefined();
    expect(failed.Reason).toMatch(/^Activity function 'explode' failed:/);
  });

  it('fails the orchestration when custom status exceeds 16 KB of UTF-16, without scheduling that episode\'s actions', async () => {
    const id = await start(host, 'bigStatus', 20_000);
    await done(id);
    const result = await status(host, id);
    expect(result.runtimeStatus).toBe('Failed');
    expect(String(result.output)).toMatch(/must not exceed 16 KB/);
    expect(history(id).some((e) => e.EventType === 4)).toBe(false); // no TaskScheduled
    const fits = await start(host, 'bigStatus', 8_000); // 8,010 JSON chars = 16,020 bytes of UTF-16
    await done(fits);
    expect((await status(host, fits)).runtimeStatus).toBe('Completed');
  });
});

describe('history shape', () => {
  it('closes every episode with OrchestratorCompleted, and hides both bookkeeping events from showHistory', async () => {
    const id = await start(host, 'chain', 1);
    await done(id);
    const types = history(id).map((e) => e.EventType);
    const starts = types.filter((t) => t === 12).length;
    expect(starts).toBe(4); // ExecutionStarted + three activity results
    expect(types.filter((t) => t === 13).length).toBe(starts);
    expect(types.slice(-2)).toEqual([1, 13]); // ExecutionCompleted, then OrchestratorCompleted
    const shown = ((await status(host, id, '?showHistory=true')).historyEvents as Array<{ EventType: string }>).map((e) => e.EventType);
    expect(shown).not.toContain('OrchestratorStarted');
    expect(shown).not.toContain('OrchestratorCompleted');
    expect(shown.at(-1)).toBe('ExecutionCompleted');
  });
});

describe('replay checks', () => {
  it('fails an instance whose replayed actions no longer match history (a code change mid-flight)', async () => {
    const id = await start(host, 'evolving');
    await waitForHistory(host, id, (h) => h.some((e) => e.EventType === 5));
    await settle();
    evolving.activity = 'double'; // "deploy" a version that calls another activity first
    try {
      await raise(host, id, 'Go', true);
      await done(id);
    } finally {
      evolving.activity = 'echo';
    }
    const result = await status(host, id);
    expect(result.runtimeStatus).toBe('Failed');
    expect(String(result.output)).toMatch(/^Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named 'echo', but the current orchestration replay instead scheduled an activity task named 'double'/);
  });

  it('drops the previous execution\'s timer after continue-as-new', async () => {
    const t0 = clock.now();
    const id = await start(host, 'monitor');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(10 * 60_000);
    await raise(host, id, 'Poke', 1);
    await waitForHistory(host, id, (h) => h.some((e) => e.EventType === 0 && e.Input === '1') && pendingTimers(h) === 1);
    clock.advanceTo(t0 + 60 * 60_000); // the old execution's timer is due now
    await settle();
    expect((await status(host, id)).runtimeStatus).toBe('Running');
    clock.advanceTo(t0 + 70 * 60_000);
    await done(id);
    expect((await status(host, id)).output).toEqual({ round: 1, by: 'timer', at: new Date(t0 + 70 * 60_000).toISOString() });
  });
});

describe('long timers', () => {
  it('segments a 10-day timer like .NET: 3 d, 3 d, 3 d, then the remaining day', async () => {
    const t0 = clock.now();
    const id = await start(host, 'sleeper', 10 * DAY);
    for (let segment = 1; segment <= 4; segment++) {
      await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 10).length === segment && pendingTimers(h) === 1);
      clock.advanceTo(Math.min(t0 + segment * 3 * DAY, t0 + 10 * DAY));
    }
    await done(id);
    const fireAts = history(id).filter((e) => e.EventType === 10).map((e) => Date.parse(String(e.FireAt)) - t0);
    expect(fireAts).toEqual([3 * DAY, 6 * DAY, 9 * DAY, 10 * DAY]);
  });

  it('stops segmenting a cancelled long timer, so the library\'s task numbers drift and the orchestration hangs, as in Azure', async () => {
    const t0 = clock.now();
    const id = await start(host, 'rescheduled');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(DAY);
    await raise(host, id, 'Reschedule', null);
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 10).length === 2);
    clock.advanceTo(t0 + 3 * DAY); // the cancelled timer's first segment fires: no further segment
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 11).length === 1);
    clock.advanceTo(t0 + 5 * DAY); // the new 4-day timer fires; the activity runs
    await waitForHistory(host, id, (h) => h.some((e) => e.EventType === 5));
    await settle();
    expect(history(id).filter((e) => e.EventType === 10)).toHaveLength(2);
    // The result went to the library's phantom segment task: the instance never finishes.
    expect((await status(host, id)).runtimeStatus).toBe('Running');
  });
});

describe('terminate', () => {
  it('is asynchronous: activities already queued still run, their results are discarded', async () => {
    closeGate();
    const before = calls.gate ?? 0;
    const id = await start(host, 'gated');
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 4).length === 5);
    for (let i = 0; i < 100 && (calls.gate ?? 0) - before < 4; i++) await settle();
    expect((calls.gate ?? 0) - before).toBe(4); // maxConcurrentActivityFunctions = 4: the fifth waits
    expect((await fetch(rpc(host, `instances/${id}/terminate?reason=stop`), { method: 'POST' })).status).toBe(202);
    await done(id);
    gate.open();
    for (let i = 0; i < 100 && (calls.gate ?? 0) - before < 5; i++) await settle();
    expect((calls.gate ?? 0) - before).toBe(5);
    await settle();
    expect(await status(host, id)).toMatchObject({ runtimeStatus: 'Terminated', output: 'stop' });
    expect(history(id).some((e) => e.EventType === 5)).toBe(false);
  });
});

describe('management API', () => {
  const webhook = (path: string, code?: string) => `${host.url}/runtime/webhooks/durabletask/${path}${code === undefined ? '' : `${path.includes('?') ? '&' : '?'}code=${code}`}`;

  it('requires the durabletask_extension system key on the public webhook routes', async () => {
    const id = await start(host, 'chain', 1);
    await done(id);
    expect((await fetch(webhook(`instances/${id}`))).status).toBe(401);
    expect((await fetch(webhook(`instances/${id}`, 'wrong'))).status).toBe(401);
    expect((await fetch(webhook(`instances/${id}`, host.systemKey))).status).toBe(200);
    expect((await fetch(webhook(`instances/${id}`), { headers: { 'x-functions-key': host.systemKey } })).status).toBe(200);
    expect((await fetch(webhook('instances'))).status).toBe(401);
    // The RPC routes are not on the public port at all.
    expect((await fetch(`${host.url}/durabletask/instances/${id}`)).status).toBe(404);
  });

  it('requires application/json for raiseEvent', async () => {
    const id = await start(host, 'approval');
    const res = await fetch(rpc(host, `instances/${id}/raiseEvent/Approve`), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '"x"' });
    expect(res.status).toBe(400);
    await fetch(rpc(host, `instances/${id}/terminate`), { method: 'POST' });
    await done(id);
  });

  it('purges by id whatever the status, and by filter only with createdTimeFrom', async () => {
    const id = await start(host, 'approval');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    expect((await fetch(rpc(host, `instances/${id}`), { method: 'DELETE' })).status).toBe(200); // Running
    expect((await fetch(rpc(host, `instances/${id}`))).status).toBe(404);
    expect((await fetch(rpc(host, 'instances/?runtimeStatus=Completed'), { method: 'DELETE' })).status).toBe(400);
    const from = new Date(clock.now() + 1000).toISOString();
    expect((await fetch(rpc(host, `instances/?createdTimeFrom=${from}`), { method: 'DELETE' })).status).toBe(404);
  });

  it('restarts an instance under a new id with its original input; rewind and resume are refused for a completed one (410)', async () => {
    const id = await start(host, 'chain', 2);
    await done(id);
    const res = await fetch(rpc(host, `instances/${id}/restart`), { method: 'POST' });
    expect(res.status).toBe(202);
    const restarted = ((await res.json()) as { id: string }).id;
    expect(restarted).not.toBe(id);
    await done(restarted);
    expect((await status(host, restarted)).output).toBe('result 8');
    expect((await fetch(rpc(host, `instances/${id}/rewind`), { method: 'POST' })).status).toBe(410);
    expect((await fetch(rpc(host, `instances/${id}/resume`), { method: 'POST' })).status).toBe(410);
    expect((await fetch(rpc(host, 'instances/missing/restart'), { method: 'POST' })).status).toBe(404);
  });
});
