// Live event quotas, placement, dry run and the runaway cap, through the HTTP API on the fast clock.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityLedgerStatus } from '../../contracts/capacity.js';
import { EVENTS_PER_GENERATION } from '../../orchestrators/capacityLedger.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

let stack: Stack;
const inSecret = `whsec_${Buffer.from('inbound-secret-for-capacity-tests').toString('base64')}`;
beforeAll(
  async () =>
    (stack = await startStack({
      speed: 100,
      settings: {
        AMS_LIVE_EVENT_QUOTA: '6',
        // A second account of the pool with one slot (the emulator serves one account: these windows never allocate).
        AMS_ACCOUNTS: JSON.stringify([{ accountName: 'secondams', liveEventQuota: 1 }]),
        INBOUND_WEBHOOK_SECRETS: JSON.stringify({ crm: inSecret }),
      },
    })),
);
afterAll(() => stack.close());

const MINUTE = 60_000;
const post = (path: string, body: unknown) => stack.api(path, { method: 'POST', body: JSON.stringify(body) });
const management = (path: string, init?: RequestInit) => {
  const url = new URL(`${stack.host.url}/runtime/webhooks/durabletask${path}`);
  url.searchParams.set('code', stack.host.systemKey);
  return fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
};

describe('quotas', () => {
  it('accepts exactly as many overlapping broadcasts as the account has slots, even in parallel', async () => {
    // Days ahead: no other test's window overlaps these.
    const startAt = inMinutes(stack.clock, 3 * 24 * 60);
    const endAt = inMinutes(stack.clock, 3 * 24 * 60 + 60);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post('/api/broadcasts', { id: `par-${i}`, startAt, endAt, account: 'broadcastams' })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.filter((s) => s === 409)).toHaveLength(14);
    const refused = answers.find((a) => a.status === 409) as Response;
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await refused.json()) as { type: string; accounts: Array<{ accountName: string; firstExceededAt: string; conflicts: Array<{ broadcastId: string }>; conflictCount: number }> };
    expect(problem.type).toMatch(/capacity$/);
    expect(problem.accounts).toHaveLength(1); // pinned: only its account was tried
    expect(problem.accounts[0]?.accountName).toBe('broadcastams');
    expect(problem.accounts[0]?.conflictCount).toBe(6);
    // The slot is held from the planned allocation, before the start.
    expect(Date.parse(problem.accounts[0]?.firstExceededAt ?? '')).toBeLessThan(Date.parse(startAt));
    const accepted = answers.map((a, i) => (a.status === 201 ? `par-${i}` : undefined)).filter(Boolean);
    for (const c of problem.accounts[0]?.conflicts ?? []) expect(accepted).toContain(c.broadcastId);

    // A broadcast placed without a pinned account goes to the next account of the pool with room...
    const spill = await post('/api/broadcasts', { id: 'spill-1', startAt, endAt });
    expect(spill.status).toBe(201);
    expect(((await spill.json()) as { account: { accountName: string } }).account.accountName).toBe('secondams');
    // ...and when every account is full, the refusal lists each account tried.
    const full = await post('/api/broadcasts', { id: 'spill-2', startAt, endAt });
    expect(full.status).toBe(409);
    expect(((await full.json()) as { accounts: Array<{ accountName: string }> }).accounts.map((a) => a.accountName)).toEqual(['broadcastams', 'secondams']);

    // A cancelled broadcast gives its slot back.
    expect((await post(`/api/broadcasts/${accepted[0]}/cancel`, {})).status).toBe(202);
    expect((await post('/api/broadcasts', { id: 'after-cancel', startAt, endAt, account: 'broadcastams' })).status).toBe(201);
    // Rescheduling into a full window is refused too; a window after it is fine.
    const moved = await stack.api(`/api/broadcasts/after-cancel`, { method: 'PATCH', body: JSON.stringify({ startAt: inMinutes(stack.clock, 5 * 24 * 60), endAt: inMinutes(stack.clock, 5 * 24 * 60 + 30) }) });
    expect(moved.status).toBe(202);
    // The window it left is free again; once refilled, moving back into it is refused.
    expect((await post('/api/broadcasts', { id: 'refill', startAt, endAt, account: 'broadcastams' })).status).toBe(201);
    const back = await stack.api(`/api/broadcasts/after-cancel`, { method: 'PATCH', body: JSON.stringify({ startAt, endAt }) });
    expect(back.status).toBe(409);
    expect(((await back.json()) as { type: string }).type).toMatch(/capacity$/);
    // An extension is placed like a create: secondams has room for the longer window.
    const extend = await post('/api/broadcasts/spill-1/extend', { endAt: inMinutes(stack.clock, 3 * 24 * 60 + 90) });
    expect(extend.status).toBe(202); // secondams holds only spill-1 in that window
  });
});

describe('inbound webhooks share the placement', () => {
  const signed = (body: unknown, id: string) => {
    const payload = JSON.stringify(body);
    const at = new Date();
    return { method: 'POST', body: payload, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(inSecret).sign(id, at, payload) } };
  };
  it('fills every account of the pool, then answers 409 with the capacity problem; an over-long window is 400', async () => {
    const startAt = inMinutes(stack.clock, 30 * 24 * 60);
    const endAt = inMinutes(stack.clock, 30 * 24 * 60 + 60);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stack.api('/api/webhooks/in/crm', signed({ type: 'broadcast.create', data: { id: `crm-${i}`, startAt, endAt } }, `msg_${i}`));
      statuses.push(res.status);
      if (i === 7) expect(((await res.json()) as { type: string }).type).toMatch(/capacity$/);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 202, 409]); // 6 on the default account, 1 on secondams
    const long = await stack.api('/api/webhooks/in/crm', signed({ type: 'broadcast.create', data: { id: 'crm-long', startAt: inMinutes(stack.clock, 40 * 24 * 60), endAt: inMinutes(stack.clock, 40 * 24 * 60 + 13 * 60) } }, 'msg_long'));
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toContain('/data/endAt');
  });
});

describe('dry run', () => {
  it('answers the placement, plan and estimate and creates nothing', async () => {
    const startAt = inMinutes(stack.clock, 10 * 24 * 60);
    const endAt = inMinutes(stack.clock, 10 * 24 * 60 + 90);
    const res = await post('/api/broadcasts?dryRun=true', { id: 'dry-one', startAt, endAt, liveEvent: { encoding: { type: 'Standard' } } });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { dryRun: boolean; placement: { accountName: string }; plannedAllocateAt: string; plannedStartAt: string; estimate: { runningMinutes: number; cost: number } };
    expect(plan.dryRun).toBe(true);
    expect(plan.placement.accountName).toBe('broadcastams');
    expect(Date.parse(plan.plannedAllocateAt)).toBeLessThan(Date.parse(plan.plannedStartAt));
    // Running from the planned start request (before the start, by the start-up) to the end.
    expect(plan.estimate.runningMinutes).toBeCloseTo((Date.parse(endAt) - Date.parse(plan.plannedStartAt)) / MINUTE, 1);
    expect(plan.estimate.runningMinutes).toBeGreaterThan(90);
    expect(plan.estimate.cost).toBeGreaterThan(0);
    expect((await stack.api('/api/broadcasts/dry-one')).status).toBe(404);
    expect((await management('/instances/broadcast-dry-one')).status).toBe(404);
    expect(stack.emulator.liveEventStates()['bc-dry-one']).toBeUndefined();
    // Nothing was reserved either: six real broadcasts still fit the same window.
    const real = await Promise.all(Array.from({ length: 6 }, (_, i) => post('/api/broadcasts', { id: `dry-after-${i}`, startAt, endAt, account: 'broadcastams' })));
    expect(real.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    // A dry run against a full window reports the conflict without creating anything.
    const conflict = await post('/api/broadcasts?dryRun=true', { id: 'dry-two', startAt, endAt, account: 'broadcastams' });
    expect(conflict.status).toBe(409);
    expect((await post('/api/broadcasts?dryRun=maybe', { startAt, endAt })).status).toBe(400);

    // PATCH and extend answer the same way and change nothing.
    const laterEnd = new Date(Date.parse(startAt) + 120 * MINUTE).toISOString();
    const patch = await stack.api('/api/broadcasts/dry-after-0?dryRun=true', { method: 'PATCH', body: JSON.stringify({ endAt: laterEnd }) });
    expect(patch.status).toBe(200);
    const patched = (await patch.json()) as { placement: { accountName: string; to: string }; plannedStartAt: string; estimate: { runningMinutes: number } };
    expect(patched.placement.accountName).toBe('broadcastams');
    expect(patched.estimate.runningMinutes).toBeCloseTo((Date.parse(laterEnd) - Date.parse(patched.plannedStartAt)) / MINUTE, 1);
    const extendDry = await post('/api/broadcasts/dry-after-0/extend?dryRun=true', { endAt: laterEnd });
    expect(extendDry.status).toBe(200);
    const after = (await (await stack.api('/api/broadcasts/dry-after-0')).json()) as { endAt: string; timeline: unknown[] };
    expect(after.endAt).toBe(new Date(endAt).toISOString());
    expect(JSON.stringify(after.timeline)).not.toContain('moved');
  });
});

describe('the ledger', () => {
  const ledgerStatus = async () => ((await (await management('/instances/capacity-ledger-broadcastams')).json()) as { runtimeStatus: string; customStatus: CapacityLedgerStatus }).customStatus;
  const dryRun = () => post('/api/broadcasts?dryRun=true', { startAt: inMinutes(stack.clock, 60 * 24 * 60), endAt: inMinutes(stack.clock, 60 * 24 * 60 + 30), account: 'broadcastams' });
  /** One request at a time (each is one event; parallel ones share events) until the execution has taken `events`, or continued as new. */
  async function advanceTo(events: number): Promise<void> {
    const { generation } = await ledgerStatus();
    for (let i = 0; i <= EVENTS_PER_GENERATION; i++) {
      const status = await ledgerStatus();
      if (status.generation > generation || (status.events ?? 0) >= events) return;
      expect((await dryRun()).status).toBe(200);
    }
  }

  it(`keeps its reservations across continue-as-new (every ${EVENTS_PER_GENERATION} request events)`, async () => {
    const startAt = inMinutes(stack.clock, 50 * 24 * 60);
    const endAt = inMinutes(stack.clock, 50 * 24 * 60 + 60);
    const held = await Promise.all(Array.from({ length: 6 }, (_, i) => post('/api/broadcasts', { id: `ledger-${i}`, startAt, endAt, account: 'broadcastams' })));
    expect(held.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    const before = await ledgerStatus();
    await advanceTo(EVENTS_PER_GENERATION);
    const ledger = (await (await management('/instances/capacity-ledger-broadcastams')).json()) as { runtimeStatus: string; customStatus: CapacityLedgerStatus };
    expect(ledger.runtimeStatus).toBe('Running');
    expect(ledger.customStatus.generation).toBeGreaterThan(before.generation);
    // Parallel requests after it are still all answered (events of the old execution's last batch are raised again).
    const parallel = await Promise.all(Array.from({ length: 30 }, () => dryRun()));
    expect(parallel.map((a) => a.status)).toEqual(Array.from({ length: 30 }, () => 200));
    expect((await post('/api/broadcasts', { id: 'ledger-7', startAt, endAt, account: 'broadcastams' })).status).toBe(409);
  });

  it('answers every request of hundreds in flight, across continue-as-new, exactly as many fitting as the quota', async () => {
    // Close to the end of an execution, so that it continues as new while the requests below wait.
    await advanceTo(EVENTS_PER_GENERATION - 4);
    const before = (await ledgerStatus()).generation;
    const startAt = inMinutes(stack.clock, 70 * 24 * 60);
    const endAt = inMinutes(stack.clock, 70 * 24 * 60 + 60);
    // 20 waves of 15 in parallel: at least one event per wave, so the ledger continues as new while requests wait.
    const waves = Array.from({ length: 20 }, (_, w) =>
      new Promise((resolve) => setTimeout(resolve, w * 40)).then(() =>
        Promise.all(Array.from({ length: 15 }, (_, i) => post('/api/broadcasts', { id: `wave-${w}-${i}`, startAt, endAt, account: 'broadcastams' }))),
      ),
    );
    const statuses = (await Promise.all(waves)).flat().map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6); // the quota, whatever the interleaving
    expect(statuses.filter((s) => s === 409)).toHaveLength(294); // every other one refused, none unanswered (503)
    expect((await ledgerStatus()).generation).toBeGreaterThan(before);
  });
});

describe('runaway cap', () => {
  it('refuses windows and extensions past the maximum duration, naming the field', async () => {
    const long = await post('/api/broadcasts', { startAt: inMinutes(stack.clock, 20 * 24 * 60), endAt: inMinutes(stack.clock, 20 * 24 * 60 + 13 * 60) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toContain('/endAt');
    const own = await post('/api/broadcasts', { startAt: inMinutes(stack.clock, 20 * 24 * 60), endAt: inMinutes(stack.clock, 20 * 24 * 60 + 60), maxDuration: 'PT30M' });
    expect(own.status).toBe(400);
    const tooHigh = await post('/api/broadcasts', { startAt: inMinutes(stack.clock, 20 * 24 * 60), endAt: inMinutes(stack.clock, 20 * 24 * 60 + 60), maxDuration: 'PT13H' });
    expect(JSON.stringify(await tooHigh.json())).toContain('/maxDuration');
  });

  it('stops a live broadcast extended past its cap at the actual start plus the cap, and cleans up', async () => {
    const startAt = inMinutes(stack.clock, 10);
    const created = await post('/api/broadcasts', { id: 'capped', startAt, endAt: inMinutes(stack.clock, 14), maxDuration: 'PT5M', account: 'broadcastams' });
    expect(created.status).toBe(201);
    const live = await waitForBroadcast(stack, 'capped', (b) => b.phase === 'live', 30_000);
    expect(live.phase).toBe('live');
    const extend = await post('/api/broadcasts/capped/extend', { endAt: inMinutes(stack.clock, 40) });
    expect(extend.status).toBe(400);
    // Past the API (straight through the Durable management API): the orchestration still ends at the cap.
    const raised = await management('/instances/broadcast-capped/raiseEvent/Extend', { method: 'POST', body: JSON.stringify({ endAt: inMinutes(stack.clock, 40) }) });
    expect(raised.status).toBe(202);
    const ended = await waitForBroadcast(stack, 'capped', (b) => b.phase === 'ended', 30_000);
    expect(JSON.stringify(ended.timeline)).toContain('maximum duration');
    const billing = stack.emulator.billing('bc-capped');
    // Counted from the scheduled start (the live event went Running a little before it, by the pre-roll).
    const stoppingFrom = Date.parse(billing.history.find((h) => h.state === 'Stopping')?.from ?? '');
    expect(stoppingFrom - Date.parse(startAt)).toBeGreaterThanOrEqual(5 * MINUTE - 5_000);
    expect(stoppingFrom - Date.parse(startAt)).toBeLessThan(5 * MINUTE + 30_000);
    expect(stack.emulator.liveEventStates()['bc-capped']).toBeUndefined();

    // Cost per broadcast: the billed minutes the status shows match the emulator's billing history within a second.
    const shown = ended.billing as { standbyMinutes: number; runningMinutes: number; cost: number; estimatedCost: number };
    expect(billing.standbyMs).toBeGreaterThan(0);
    expect(Math.abs(shown.standbyMinutes * MINUTE - billing.standbyMs)).toBeLessThan(1_000);
    expect(Math.abs(shown.runningMinutes * MINUTE - billing.runningMs)).toBeLessThan(1_000);
    expect(shown.cost).toBeCloseTo((billing.standbyMs * 0.132 + billing.runningMs * 1.584) / 3_600_000, 3);
    // The list can total them for a time range.
    const listed = await stack.api(`/api/broadcasts?totals=true&from=${encodeURIComponent(startAt)}&to=${encodeURIComponent(startAt)}`);
    const page = (await listed.json()) as { items: Array<{ id: string }>; totals: { runningMinutes: number; broadcasts: number } };
    expect(page.items.map((i) => i.id)).toEqual(['capped']);
    expect(page.totals.runningMinutes).toBeCloseTo(shown.runningMinutes, 3);
    expect((await stack.api('/api/broadcasts?totals=yes')).status).toBe(400);
  });
});
