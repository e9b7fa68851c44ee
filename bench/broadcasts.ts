/**
 * Broadcast benchmark: schedules 200 broadcasts (or argv[2]) through the HTTP API against the AMS emulator
 * with realistic, jittered start-up durations, on a clock argv[3] (default 60) times faster than real
 * time, and prints how late live events were Running after the scheduled start (p50/p99/max), the billed
 * StandBy/Running time outside the windows as a fraction of scheduled time, and leaks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledClock } from '../clock/clock.js';
import { realisticTimings } from '../ams-emulator/index.js';
import { seededRandom } from '../ams-emulator/timings.js';
import { startLocalStack } from '../devhost/localStack.js';
import { quantile } from '../domain/schedule.js';

const count = Number(process.argv[2] ?? 200);
const speed = Number(process.argv[3] ?? 60);
const MINUTE = 60_000;
const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-broadcasts-'));
const clock = scaledClock({ speed });
const random = seededRandom(42);

const stack = await startLocalStack({
  appRoot,
  clock,
  dataDir,
  timings: { ...realisticTimings, retryAfterSeconds: 0 }, // Retry-After is real seconds; the scaled clock would stretch it
  // Azure Storage's queue latency (host.json maxQueuePollingInterval), so the figures carry over to Azure.
  settings: { DEVHOST_QUIET: '1', REAPER_SCHEDULE: '0 */5 * * * *', DEVHOST_DELIVERY: 'azure-storage' }, // the app's defaults otherwise
  seed: 42,
  maxLiveEvents: count + 10, // a quota raised for this many concurrent broadcasts
});

const t0 = clock.now();
const windows = Array.from({ length: count }, (_, i) => {
  const start = t0 + Math.round((30 + random() * 90) * MINUTE / 1000) * 1000;
  return { id: `bench-${i}`, start, end: start + Math.round((30 + random() * 30) * MINUTE / 1000) * 1000 };
});
for (const w of windows) {
  const res = await fetch(`${stack.host.url}/api/broadcasts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': stack.host.functionKey },
    body: JSON.stringify({ id: w.id, startAt: new Date(w.start).toISOString(), endAt: new Date(w.end).toISOString() }),
  });
  if (res.status !== 201) throw new Error(`scheduling ${w.id} failed: ${res.status} ${await res.text()}`);
}
console.log(`scheduled ${count} broadcasts over ${((Math.max(...windows.map((w) => w.end)) - t0) / MINUTE).toFixed(0)} clock minutes at ${speed}x`);

const lastEnd = Math.max(...windows.map((w) => w.end));
let peakRss = 0;
while (clock.now() < lastEnd + 10 * MINUTE) {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await new Promise((r) => setTimeout(r, 500));
}

const lateness: number[] = [];
let wasteMs = 0;
let scheduledMs = 0;
let notLive = 0;
for (const w of windows) {
  const billing = stack.emulator.billing(`bc-${w.id}`);
  scheduledMs += w.end - w.start;
  const running = billing.history.find((h) => h.state === 'Running');
  if (!running) {
    notLive++;
    continue;
  }
  lateness.push(Date.parse(running.from) - w.start);
  for (const h of billing.history) {
    if (h.state !== 'StandBy' && h.state !== 'Running') continue;
    const from = Date.parse(h.from);
    const to = h.to ? Date.parse(h.to) : clock.now();
    const inside = Math.max(0, Math.min(to, w.end) - Math.max(from, w.start));
    wasteMs += to - from - inside;
  }
}
const phases: Record<string, number> = {};
for (const w of windows) {
  const view = (await (await fetch(`${stack.host.url}/api/broadcasts/${w.id}`, { headers: { 'x-functions-key': stack.host.functionKey } })).json()) as { phase: string; error?: { message: string } };
  phases[view.phase] = (phases[view.phase] ?? 0) + 1;
  if (view.error) console.log(`${w.id}: ${view.phase}: ${view.error.message}`);
}
console.log(`final phases: ${JSON.stringify(phases)}`);
const leaks = Object.entries(stack.emulator.liveEventStates()).filter(([, s]) => s === 'StandBy' || s === 'Running');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`lateness of Running after the scheduled start: p50 ${s(quantile(lateness, 0.5))}, p99 ${s(quantile(lateness, 0.99))}, max ${s(Math.max(...lateness))} (negative = early)`);
console.log(`billed StandBy+Running outside the windows: ${(wasteMs / MINUTE).toFixed(1)} min = ${((100 * wasteMs) / scheduledMs).toFixed(2)} % of ${(scheduledMs / MINUTE).toFixed(0)} scheduled min`);
console.log(`leaks: ${leaks.length}; broadcasts that never went live: ${notLive}; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(JSON.stringify({ count, speed, p50Ms: quantile(lateness, 0.5), p99Ms: quantile(lateness, 0.99), maxMs: Math.max(...lateness), wastePercent: (100 * wasteMs) / scheduledMs, leaks: leaks.length, notLive }));
await stack.close();
rmSync(dataDir, { recursive: true, force: true });
