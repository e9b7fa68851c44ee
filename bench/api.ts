/**
 * API benchmark (`npm run bench:api`): with 10,000 broadcasts already scheduled (argv[2]), sends creates at
 * fixed rates (50, 100, 200, 400 req/s, or argv[3] comma-separated) for 20 s each (argv[4]), open loop (a
 * slow answer does not slow the sender down, as with real clients) from a thread of its own (bench/apiLoad.ts),
 * while a reader lists a page every 200 ms. Prints p50/p99/max and errors per rate, the list latency under each
 * load, the CPU time the process spent per create (comparable across runs on a busy machine) and how busy the
 * host's thread was.
 * Targets: creates p99 < 100 ms at 200 req/s; list p99 < 100 ms.
 *
 * Seeding goes through the host's engine directly (the same orchestration input the API would write, and the
 * account's capacity ledger started holding their slots), so 10,000 broadcasts take seconds instead of minutes;
 * their first episodes run before the measurement.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { broadcastInstanceId, broadcastOrchestrator, type BroadcastOrchestrationInput } from '../contracts/broadcast.js';
import { capacityLedgerInstanceId, capacityLedgerOrchestrator, type CapacityLedgerState } from '../contracts/capacity.js';
import { occupancyWindow, reservationLeadMs } from '../domain/capacity.js';
import { encodeSlots } from '../domain/capacityBook.js';
import { systemClock } from '../clock/clock.js';
import { startLocalStack } from '../devhost/localStack.js';
import { parseCreateBroadcast } from '../domain/broadcastRequest.js';
import { quantile } from '../domain/schedule.js';
import { timed, type LoadPlan, type LoadResult } from './apiLoad.js';

const seedCount = Number(process.argv[2] ?? 10_000);
const rates = (process.argv[3] ?? '50,100,200,400').split(',').map(Number);
const secondsPerRate = Number(process.argv[4] ?? 20);
const HOUR = 3600_000;
const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'));

const stack = await startLocalStack({
  appRoot,
  clock: systemClock,
  dataDir,
  timings: 'fast',
  // The seeded broadcasts bypass placement; a quota this large (the setting's maximum) lets nearly every create be placed, so what is measured is
  // the cost of placing it (the account's ledger), not refusals.
  settings: { DEVHOST_QUIET: '1', AMS_LIVE_EVENT_QUOTA: '1000' },
  seed: 42,
  // The app in a thread of its own, as Azure runs it in a worker process apart from the host (BENCH_API_WORKER=inline: in the host's).
  worker: process.env.BENCH_API_WORKER === 'inline' ? 'inline' : 'thread',
});
const { host } = stack;
const headers = { 'content-type': 'application/json', 'x-functions-key': host.functionKey };
const account = { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'broadcast-rg', accountName: 'broadcastams' };
const policy = { graceMs: 5 * 60_000, pollIntervalMs: 2_000, preRollMarginMs: 2_000 };
// Days ahead: nothing allocates while the benchmark runs.
const window = (i: number) => {
  const start = Date.now() + 2 * 24 * HOUR + (i % 5_000) * 60_000;
  return { startAt: new Date(start).toISOString(), endAt: new Date(start + HOUR).toISOString() };
};

// ---- seed ---------------------------------------------------------------------------------------------
const seedStarted = performance.now();
for (let i = 0; i < seedCount; i++) {
  const parsed = parseCreateBroadcast({ id: `seed-${i}`, ...window(i) }, { now: Date.now(), defaultAccount: account, newId: () => `seed-${i}` });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const input: BroadcastOrchestrationInput = { spec: parsed.value, policy };
  host.engine.startNew(broadcastOrchestrator, broadcastInstanceId(parsed.value.id), JSON.stringify(input));
}
// The account's capacity ledger holds their slots, as if they had been created through the API: its state, and
// so the cost of each of its episodes, is that of an account with this many broadcasts scheduled.
const leadMs = reservationLeadMs(policy.preRollMarginMs);
const seededSlots = encodeSlots(
  Array.from({ length: seedCount }, (_, i) => {
    const w = window(i);
    return { broadcastId: `seed-${i}`, ...occupancyWindow(Date.parse(w.startAt), Date.parse(w.endAt), leadMs, policy.graceMs) };
  }),
);
host.engine.startNew(capacityLedgerOrchestrator, capacityLedgerInstanceId(account.accountName), JSON.stringify({ generation: 0, ...seededSlots } satisfies CapacityLedgerState));
const inserted = performance.now();
// Wait until the host is idle: every seeded orchestration has run its first episodes and its notification
// activity and waits on a timer (days ahead). Measuring earlier would measure the seeding.
/** Resolves once the engine has had nothing running at `checks` checks in a row, 250 ms apart. */
async function engineIdle(checks: number): Promise<void> {
  for (let idleChecks = 0; idleChecks < checks; ) {
    await new Promise((r) => setTimeout(r, 250));
    idleChecks = host.engine.busy === 0 ? idleChecks + 1 : 0;
  }
}
await engineIdle(3);
console.log(`seeded ${seedCount} broadcasts: inserted in ${((inserted - seedStarted) / 1000).toFixed(1)} s, settled after ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

// ---- measure -----------------------------------------------------------------------------------------
// BENCH_API_PROFILE=file.cpuprofile: a CPU profile of the measured phase only (not the seeding).
const profileFile = process.env.BENCH_API_PROFILE;
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

/** One rate's load, sent from its own thread (bench/apiLoad.ts). */
function load(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolvePlan, reject) => {
    const worker = new Worker(new URL('./apiLoad.js', import.meta.url), { workerData: plan });
    worker.once('message', (result: LoadResult) => resolvePlan(result));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the load thread exited with ${code}`)));
  });
}

const f = (ms: number) => `${ms.toFixed(1)} ms`.padStart(10);
const results: Array<Record<string, number>> = [];
let next = 0;
for (const rate of rates) {
  const bodies = Array.from({ length: rate * secondsPerRate }, () => {
    const id = `load-${next++}`;
    return JSON.stringify({ id, ...window(next) });
  });
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const appEluBefore = host.app.threadUtilization?.();
  const { creates: samples, lists, sentMs } = await load({ url: host.url, headers, rate, seconds: secondsPerRate, bodies, listPath: '/api/broadcasts?top=50&phase=scheduled' });
  const sent = sentMs;
  // How busy the host's thread was while the load ran: past ~60 % every step of a create queues behind others.
  const hostThreadBusy = performance.eventLoopUtilization(eluBefore).utilization;
  const appElu = host.app.threadUtilization?.();
  // The mean over the app's threads (FUNCTIONS_WORKER_PROCESS_COUNT).
  const appThreadBusy = appElu && appEluBefore ? appElu.reduce((sum, u, i) => sum + performance.eventLoopUtilization(u, appEluBefore[i]).utilization, 0) / appElu.length : undefined;
  // Let the engine finish the episodes and activities this rate started before the next one.
  await engineIdle(2);
  // Process CPU per create (host, app and the load thread), its episodes included: comparable on a busy machine, unlike latency.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerCreate = (cpu.user + cpu.system) / 1000 / samples.length;
  const ok = samples.filter((s) => s.status === 201);
  const ms = samples.map((s) => s.ms);
  const listMs = lists.map((s) => s.ms);
  const row = {
    rate, sent: samples.length, achievedRate: samples.length / (sent / 1000), errors: samples.length - ok.length,
    refused409: samples.filter((s) => s.status === 409).length, unavailable503: samples.filter((s) => s.status === 503).length,
    p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: Math.max(...ms),
    listP50: quantile(listMs, 0.5), listP99: quantile(listMs, 0.99), lists: lists.length, listErrors: lists.filter((s) => s.status !== 200).length,
    cpuMsPerCreate, hostThreadBusy, ...(appThreadBusy === undefined ? {} : { appThreadBusy }),
  };
  results.push(row);
  console.log(
    `${String(rate).padStart(4)} req/s (sent at ${row.achievedRate.toFixed(0)}/s): creates p50${f(row.p50)} p99${f(row.p99)} max${f(row.max)} errors ${row.errors}/${row.sent} (409: ${row.refused409}, 503: ${row.unavailable503})` +
      ` | list p50${f(row.listP50)} p99${f(row.listP99)} (${row.lists} calls, ${row.listErrors} errors) | cpu ${cpuMsPerCreate.toFixed(2)} ms/create, host thread ${(hostThreadBusy * 100).toFixed(0)} % busy` +
      (appThreadBusy === undefined ? '' : `, app thread ${(appThreadBusy * 100).toFixed(0)} %`),
  );
}
if (profiler && profileFile) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
}
const idle = await timed(`${host.url}/api/broadcasts?top=50`, { headers });
console.log(`list (idle, ${seedCount + next} broadcasts): ${idle.ms.toFixed(1)} ms`);
console.log(JSON.stringify({ seedCount, results }));
await stack.close();
rmSync(dataDir, { recursive: true, force: true });
