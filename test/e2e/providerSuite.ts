// The lifecycle suite for one media provider: the unchanged app, pointed at AMS, Ravnur RMS or MK.IO by configuration
// alone (startStack({ provider }) sets AMS_PROVIDER and its settings), against the emulator speaking that provider's
// dialect: go live on time, record, stop, clean up, cancel, and ride out faults. A provider without StandBy
// starts from Stopped and reports its waste as Running time. One provider per test file: the host imports the app
// once per process, so each stack needs its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectOptions } from '../../ams-emulator/index.js';
import { inMinutes, startStack, waitForBroadcast, type Provider, type Stack } from '../support/stack.js';

const MINUTE = 60_000;
const GRACE = 5 * MINUTE;

export function providerLifecycleSuite(provider: Provider, dialectOptions?: DialectOptions): void {
  describe(`provider ${provider}`, () => {
    let stack: Stack;
    // The reaper every minute of the clock, for orphans older than a minute.
    beforeAll(async () => (stack = await startStack({ speed: 100, provider, dialectOptions, settings: { REAPER_SCHEDULE: '0 * * * * *', REAPER_GRACE: 'PT1M' } })));
    afterAll(async () => {
      // Whatever happened, nothing may still be allocated or running.
      const states = Object.values(stack.emulator.liveEventStates());
      await stack.close();
      expect(states.filter((s) => s === 'StandBy' || s === 'Running')).toEqual([]);
    });

    async function create(body: Record<string, unknown>) {
      const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    }
    const billedStates = (name: string) => stack.emulator.billing(name).history.filter((h) => h.state === 'StandBy' || h.state === 'Running');

    it('goes live on time, records, ends on its own and cleans up; billing outside the window is reported', async () => {
      const startAt = inMinutes(stack.clock, 12);
      const endAt = inMinutes(stack.clock, 20);
      const { id } = await create({ id: `full-${provider}`, startAt, endAt, recording: { streamingPolicyName: 'Predefined_ClearStreamingOnly' } });
      const live = await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
      expect((live.liveEvent as { ingestUrls: string[] }).ingestUrls.length).toBeGreaterThan(0);
      const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 30_000);
      expect((ended.recording as { playbackPaths: string[] }).playbackPaths.length).toBeGreaterThan(0);
      expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined(); // deleted

      const history = stack.emulator.billing(`bc-${id}`).history;
      const runningFrom = Date.parse(history.find((h) => h.state === 'Running')?.from ?? '');
      expect(runningFrom).toBeLessThanOrEqual(Date.parse(startAt) + 5_000); // Running at the start
      const billedEnd = Math.max(...billedStates(`bc-${id}`).map((h) => Date.parse(h.to ?? '')));
      expect(billedEnd).toBeLessThanOrEqual(Date.parse(endAt) + 10_000);

      // The broadcast's own report matches the emulator's billing history, StandBy and Running apart.
      const billing = ended.billing as { standbyMinutes: number; runningMinutes: number; estimatedStandbyMinutes: number };
      const billedMinutes = (state: string) => history.filter((h) => h.state === state).reduce((sum, h) => sum + (Date.parse(h.to ?? '') - Date.parse(h.from)), 0) / MINUTE;
      expect(Math.abs(billing.runningMinutes - billedMinutes('Running'))).toBeLessThan(0.2);
      expect(Math.abs(billing.standbyMinutes - billedMinutes('StandBy'))).toBeLessThan(0.2);
      // The provider's secret (Ravnur API key, MK.IO token) is nowhere in the orchestration's input, output or status.
      const durable = await (await fetch(`${stack.host.url}/runtime/webhooks/durabletask/instances/broadcast-${id}?showInput=true&code=${stack.host.systemKey}`)).text();
      expect(durable).toContain(`bc-${id}`);
      const secrets = [stack.emulator.dialect.apiKey, stack.emulator.dialect.token].filter((x): x is string => typeof x === 'string' && x.length > 0);
      expect(secrets.length).toBe(provider === 'ams' ? 0 : 1);
      for (const secret of secrets) expect(durable).not.toContain(secret);
      const timeline = (ended.timeline as Array<{ phase: string }>).map((t) => t.phase);
      expect(timeline).toEqual(expect.arrayContaining(['scheduled', 'allocating', 'starting', 'live', 'stopping', 'cleaning_up', 'ended']));
      if (provider === 'mkio') {
        // No StandBy: never allocated, started from Stopped; the pre-roll is Running time and reported as such.
        expect(history.map((h) => h.state)).not.toContain('StandBy');
        expect(billing.standbyMinutes).toBe(0);
        expect(billing.estimatedStandbyMinutes).toBe(0);
        expect(billing.runningMinutes).toBeGreaterThan((Date.parse(endAt) - Date.parse(startAt)) / MINUTE);
      } else {
        expect(timeline).toContain('standby');
      }
    });

    it('talks to the emulator in that provider\'s dialect, and refuses settings the provider cannot take with 400 naming the field', async () => {
      expect(stack.emulator.dialect.name).toBe(provider === 'ams' ? 'arm' : provider);
      const body = { startAt: inMinutes(stack.clock, 30), endAt: inMinutes(stack.clock, 40), liveEvent: { protocol: 'FragmentedMP4' }, startOn: 'encoder' };
      const res = await stack.api('/api/broadcasts?dryRun=true', { method: 'POST', body: JSON.stringify(body) });
      if (provider === 'ams') {
        expect(res.status).toBe(200);
        return;
      }
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { errors: Array<{ field: string }> };
      expect(problem.errors.map((e) => e.field).sort()).toEqual(['/liveEvent/protocol', '/startOn']);
    });

    describe.concurrent('changes and cancellations', () => {
      it('cancelled before start leaves nothing created or billed', async () => {
        const { id } = await create({ id: `cancel-early-${provider}`, startAt: inMinutes(stack.clock, 60), endAt: inMinutes(stack.clock, 90) });
        expect((await stack.api(`/api/broadcasts/${id}/cancel`, { method: 'POST' })).status).toBe(202);
        await waitForBroadcast(stack, id, (b) => b.phase === 'cancelled');
        expect(stack.emulator.billing(`bc-${id}`).billedMs).toBe(0);
        expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined();
      });

      it('stops now while live, removing the recording output first', async () => {
        const { id } = await create({ id: `stop-now-${provider}`, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 120) });
        await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
        const stopAt = stack.clock.now();
        await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
        const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 30_000);
        expect(ended.error).toBeUndefined();
        const stopping = Date.parse(stack.emulator.billing(`bc-${id}`).history.find((h) => h.state === 'Stopping')?.from ?? '');
        expect(stopping - stopAt).toBeLessThan(2 * MINUTE);
        expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined();
      });

      it('cancelled while live is stopped and cleaned up', async () => {
        const { id } = await create({ id: `cancel-live-${provider}`, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 60) });
        await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
        await stack.api(`/api/broadcasts/${id}`, { method: 'DELETE' });
        await waitForBroadcast(stack, id, (b) => b.phase === 'cancelled', 30_000);
        expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined();
      });

      it('gives up on a start that keeps failing, and cleans up within the grace', async () => {
        stack.emulator.faults.add({ operation: 'liveEvents.start', kind: 'failAsync', name: `bc-start-fails-${provider}` });
        const endAt = inMinutes(stack.clock, 30);
        const { id } = await create({ id: `start-fails-${provider}`, startAt: inMinutes(stack.clock, 10), endAt });
        const failed = await waitForBroadcast(stack, id, (b) => b.phase === 'failed', 40_000);
        expect((failed.error as { message: string }).message).toMatch(/start failed/);
        expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined();
        const last = billedStates(`bc-${id}`).at(-1);
        expect(last?.to ? Date.parse(last.to) : 0).toBeLessThanOrEqual(Date.parse(endAt) + GRACE);
      });

      it('rides out throttling and 503s from the service', async () => {
        const name = `bc-flaky-${provider}`;
        // Retries wait in real time while the clock runs 100 times faster: one of each fault keeps them within the pre-roll.
        stack.emulator.faults.add({ operation: 'liveEvents.get', kind: 'throttle', retryAfterSeconds: 1, times: 1, name });
        stack.emulator.faults.add({ operation: 'liveEvents.create', kind: 'error', status: 503, times: 1, name });
        stack.emulator.faults.add({ operation: 'liveEvents.create', kind: 'drop', times: 1, name });
        const { id } = await create({ id: `flaky-${provider}`, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 15) });
        const ended = await waitForBroadcast(stack, id, (b) => ['ended', 'failed'].includes(b.phase), 40_000);
        expect(ended.phase, JSON.stringify([ended.error, ended.timeline, stack.emulator.billing(name).history])).toBe('ended');
        expect(stack.emulator.liveEventStates()[name]).toBeUndefined();
      });
    });

    // After the concurrent ones: the account's quota of 5 live events is theirs while they run.
    it('the reaper stops (outputs first) and deletes the live event of a broadcast terminated by hand while live', async () => {
      const { id } = await create({ id: `terminated-${provider}`, startAt: inMinutes(stack.clock, 10), endAt: inMinutes(stack.clock, 120) });
      await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
      await fetch(`${stack.host.url}/runtime/webhooks/durabletask/instances/broadcast-${id}/terminate?reason=operator&code=${stack.host.systemKey}`, { method: 'POST' });
      const deadline = Date.now() + 30_000;
      while (stack.emulator.liveEventStates()[`bc-${id}`] !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(stack.emulator.liveEventStates()[`bc-${id}`]).toBeUndefined();
      expect(stack.emulator.billing(`bc-${id}`).history.map((h) => h.state)).toEqual(expect.arrayContaining(['Running', 'Stopping', 'Stopped', 'Deleted']));
    });
  });
}
