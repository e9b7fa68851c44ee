// Conformance of the local host's durable engine with the real durable-functions replay engine,
// one orchestration per action type, on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../clock/clock.js';
import type { LocalHost } from '../../devhost/host.js';
import { calls } from './app/index.js';
import { pendingTimers, raise, rpc, start, startTestHost, status, waitForHistory } from './support.js';

let host: LocalHost;
let clock: ManualClock;
beforeAll(async () => ({ host, clock } = await startTestHost()));
afterAll(() => host.close());

const done = (id: string) => host.engine.waitFor(id, ['Completed', 'Failed', 'Terminated'], 10_000);

describe('activities', () => {
  it('chains activities, passes inputs and outputs as JSON and keeps custom status', async () => {
    const id = await start(host, 'chain', 3);
    await done(id);
    const result = await status(host, id, '?showHistory=true&showHistoryOutput=true');
    expect(result).toMatchObject({ runtimeStatus: 'Completed', output: 'result 12', input: 3, customStatus: { step: 'doubled', value: 12 } });
    const types = (result.historyEvents as Array<{ EventType: string }>).map((e) => e.EventType);
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(3);
    expect(types.filter((t) => t === 'TaskCompleted')).toHaveLength(3);
    expect(types[types.length - 1]).toBe('ExecutionCompleted');
  });

  it('retries a failing activity with backoff until it succeeds', async () => {
    const id = await start(host, 'retrying', { key: 'twice', failures: 2, attempts: 3 });
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls['flaky:twice']).toBe(1); // first retry waits the full first interval
    clock.advance(1);
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 6).length === 2 && pendingTimers(h) === 1);
    clock.advance(2000); // backoff coefficient 2
    await done(id);
    expect((await status(host, id)).output).toBe('ok:twice');
    expect(calls['flaky:twice']).toBe(3);
  });

  it('fails the task once the attempts are used up', async () => {
    const id = await start(host, 'retrying', { key: 'always', failures: 10, attempts: 2 });
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(1000);
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 6).length === 2);
    await done(id);
    expect((await status(host, id)).output).toMatch(/^gave up: .*flaky always failed/);
    expect(calls['flaky:always']).toBe(2);
  });

  it('fans out with Task.all and calls a sub-orchestration', async () => {
    const id = await start(host, 'fanOut');
    await done(id);
    expect((await status(host, id)).output).toEqual({ results: [2, 4, 6, 8], child: 'result 20' });
  });
});

describe('timers', () => {
  it('fires a durable timer when the clock reaches it, not before', async () => {
    const id = await start(host, 'sleeper', 2 * 3600_000);
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(2 * 3600_000 - 1);
    await new Promise((r) => setTimeout(r, 30));
    expect((await status(host, id)).runtimeStatus).toBe('Running');
    clock.advance(1);
    await done(id);
    expect((await status(host, id)).output).toBe(2 * 3600_000);
  });

  it('splits a timer days away into long-timer segments and fires it at the end', async () => {
    const tenDays = 10 * 24 * 3600_000;
    const id = await start(host, 'sleeper', tenDays);
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(4 * 24 * 3600_000); // past the first 3-day segment
    await waitForHistory(host, id, (h) => h.filter((e) => e.EventType === 10).length === 2 && pendingTimers(h) === 1);
    expect((await status(host, id)).runtimeStatus).toBe('Running');
    clock.advance(6 * 24 * 3600_000);
    await done(id);
    const history = host.engine.history(host.engine.getInstance(id)!);
    expect(history.filter((e) => e.EventType === 10).length).toBeGreaterThan(1); // segments of at most 3 days
    expect((await status(host, id)).output).toBe(tenDays);
  });
});

describe('external events and control', () => {
  it('delivers a raised event to a when-any race against a timer', async () => {
    const id = await start(host, 'approval');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    const res = await raise(host, id, 'Approve', 'alice');
    expect(res.status).toBe(202);
    await done(id);
    expect((await status(host, id)).output).toEqual({ approved: true, by: 'alice' });
  });

  it('keeps an event raised before the orchestration waits for it', async () => {
    const id = await start(host, 'approval');
    await raise(host, id, 'Approve', 'early');
    await done(id);
    expect((await status(host, id)).output).toEqual({ approved: true, by: 'early' });
  });

  it('lets the timer win when no event comes', async () => {
    const id = await start(host, 'approval');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    clock.advance(3600_000);
    await done(id);
    expect((await status(host, id)).output).toEqual({ approved: false });
  });

  it('terminates, and refuses events to a terminated instance', async () => {
    const id = await start(host, 'approval');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    expect((await fetch(rpc(host, `instances/${id}/terminate?reason=enough`), { method: 'POST' })).status).toBe(202);
    await done(id); // asynchronous, as in Azure: the ExecutionTerminated message is processed later
    expect(await status(host, id)).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
    expect((await raise(host, id, 'Approve', 1)).status).toBe(410);
  });

  it('suspends (events wait) and resumes', async () => {
    const id = await start(host, 'approval');
    await waitForHistory(host, id, (h) => pendingTimers(h) === 1);
    await fetch(rpc(host, `instances/${id}/suspend`), { method: 'POST' });
    await raise(host, id, 'Approve', 'bob');
    await new Promise((r) => setTimeout(r, 30));
    expect((await status(host, id)).runtimeStatus).toBe('Suspended');
    await fetch(rpc(host, `instances/${id}/resume`), { method: 'POST' });
    await done(id);
    expect((await status(host, id)).output).toEqual({ approved: true, by: 'bob' });
  });

  it('hands every queued event to one episode, at most 32, in order (as an Azure Storage batch)', async () => {
    const id = await start(host, 'collect', 40);
    await waitForHistory(host, id, (h) => h.some((e) => e.EventType === 0));
    await fetch(rpc(host, `instances/${id}/suspend`), { method: 'POST' });
    for (let i = 0; i < 40; i++) expect((await raise(host, id, 'Item', i)).status).toBe(202);
    await fetch(rpc(host, `instances/${id}/resume`), { method: 'POST' });
    await done(id);
    expect((await status(host, id)).output).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // The raw history (with the OrchestratorStarted that opens each episode): the events per episode.
    const history = host.engine.history(host.engine.getInstance(id) as NonNullable<ReturnType<typeof host.engine.getInstance>>);
    const perEpisode: number[] = [];
    for (const event of history) {
      if (event.EventType === 12) perEpisode.push(0);
      else if (event.EventType === 15) perEpisode[perEpisode.length - 1]! += 1;
    }
    expect(perEpisode).toEqual([0, 32, 8]);
  });

  it('continues as new with a fresh history', async () => {
    const before = calls.echo ?? 0;
    const id = await start(host, 'counter', 0);
    await done(id);
    const result = await status(host, id, '?showHistory=true');
    expect(result.output).toBe('counted to 3');
    expect((calls.echo ?? 0) - before).toBe(3);
    expect((result.historyEvents as unknown[]).length).toBeLessThan(6); // only the last execution's events
  });

  it('reports an orchestrator exception as Failed with its message', async () => {
    const id = await start(host, 'broken');
    await done(id);
    const result = await status(host, id);
    expect(result.runtimeStatus).toBe('Failed');
    expect(String(result.output)).toContain('orchestrator exploded');
  });
});

describe('management API', () => {
  it('rejects a duplicate running instance id (500, as the extension), unknown orchestrators and bad ids (400)', async () => {
    await start(host, 'approval', undefined, 'fixed-id');
    const again = await fetch(rpc(host, 'orchestrators/approval/fixed-id'), { method: 'POST' });
    expect(again.status).toBe(500);
    expect(JSON.stringify(await again.json())).toMatch(/already exists/);
    expect((await fetch(rpc(host, 'orchestrators/nope'), { method: 'POST' })).status).toBe(400);
    expect((await fetch(rpc(host, 'orchestrators/approval/%40starts-with-at'), { method: 'POST' })).status).toBe(400);
    expect((await fetch(rpc(host, 'instances/missing'))).status).toBe(404);
  });

  it('lists with filters and continuation tokens, and purges', async () => {
    const ids = [await start(host, 'chain', 1, 'list-a'), await start(host, 'chain', 2, 'list-b'), await start(host, 'chain', 3, 'list-c')];
    await Promise.all(ids.map(done));
    const pages: string[][] = [];
    let token: string | null = null;
    do {
      const res: Response = await fetch(rpc(host, 'instances/?runtimeStatus=Completed&instanceIdPrefix=list-&top=2'), {
        headers: token ? { 'x-ms-continuation-token': token } : {},
      });
      pages.push(((await res.json()) as Array<{ instanceId: string }>).map((s) => s.instanceId));
      token = res.headers.get('x-ms-continuation-token');
    } while (token);
    expect(pages).toEqual([['list-a', 'list-b'], ['list-c']]);
    expect((await fetch(rpc(host, 'instances/list-a'), { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(rpc(host, 'instances/list-a'))).status).toBe(404);
    expect((await fetch(rpc(host, 'instances/list-a'), { method: 'DELETE' })).status).toBe(404);
  });

  it('serves HttpApiHandler status codes on the createCheckStatusResponse links (202 running, 200 terminated)', async () => {
    const res = await fetch(`${host.url}/api/orchestrators/approval`, { method: 'POST' });
    expect(res.status).toBe(202);
    const links = (await res.json()) as { id: string; statusQueryGetUri: string; terminatePostUri: string };
    expect(links.statusQueryGetUri).toContain(`/runtime/webhooks/durabletask/instances/${links.id}`);
    expect(new URL(links.statusQueryGetUri).searchParams.get('code')).toBe(host.systemKey);
    const running = await fetch(links.statusQueryGetUri);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(running.headers.get('retry-after')).toBe('5');
    await fetch(links.terminatePostUri.replace('{text}', 'stop'), { method: 'POST' });
    await done(links.id);
    expect((await fetch(links.statusQueryGetUri)).status).toBe(200);
    expect((await fetch(links.statusQueryGetUri, { method: 'PUT' })).status).toBe(404);
  });
});
