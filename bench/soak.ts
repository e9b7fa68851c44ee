/**
 * Soak (`npm run soak [count] [kills] [seed]`, default 50 broadcasts, 5 kills): schedules broadcasts
 * against the AMS emulator with random faults (errors, throttling, dropped connections), kills the host
 * process with SIGKILL at seeded random moments and starts it again on the same durable store, then
 * judges from the emulator's billing history:
 * - leaks: live events still StandBy/Running at the end;
 * - stuck: broadcasts not in a terminal phase long after their end;
 * - lost: broadcasts accepted (201) that the API no longer knows;
 * - double starts: a broadcast's live event that went Running more than once;
 * - billed minutes past end + grace.
 * Bounded: it gives up waiting at the last end + grace + 30 clock minutes. Not part of `npm test`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realisticTimings, startEmulator } from '../ams-emulator/index.js';
import { freePort } from '../ams-emulator/mediaPlane/ingest.js';
import { seededRandom } from '../ams-emulator/timings.js';
import { emulatorSettings } from '../devhost/localStack.js';
import { sharedClock } from './soakHost.js';

const count = Number(process.argv[2] ?? 50);
const kills = Number(process.argv[3] ?? 5);
const seed = Number(process.argv[4] ?? 7);
const speed = Number(process.argv[5] ?? 30);
const MINUTE = 60_000;
const GRACE = 5 * MINUTE;
const random = seededRandom(seed);
const dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
const origin = { clockMs: Date.now(), wallMs: Date.now(), speed };
const clock = sharedClock(origin);
const key = 'soak-function-key';

const emulator = await startEmulator({ clock, dataDir: join(dataDir, 'ams'), timings: { ...realisticTimings, retryAfterSeconds: 0 }, seed, maxLiveEvents: count + 10 });
// Faults on every media call: the app must retry, compensate, and still never leak.
emulator.faults.add({ operation: '*', kind: 'error', status: 503, probability: 0.05 });
emulator.faults.add({ operation: '*', kind: 'throttle', retryAfterSeconds: 0, probability: 0.03 });
emulator.faults.add({ operation: '*', kind: 'drop', probability: 0.02 });

const port = await freePort();
const hostUrl = `http://127.0.0.1:${port}`;
const hostConfig = {
  dbFile: join(dataDir, 'devhost.db'),
  port,
  origin,
  // A quota for every broadcast (the emulator enforces none): what is soaked is the lifecycle under kills and faults, not placement.
  settings: { ...emulatorSettings(emulator), DEVHOST_QUIET: '1', DEVHOST_FUNCTION_KEY: key, REAPER_SCHEDULE: '0 */2 * * * *', REAPER_GRACE: 'PT5M', AMS_LIVE_EVENT_QUOTA: String(Math.min(1000, Math.max(5, count))) },
};
let child: ChildProcess | undefined;
async function startChild(): Promise<void> {
  const started = fork(fileURLToPath(new URL('./soakHost.js', import.meta.url)), [], { env: { ...process.env, SOAK_HOST: JSON.stringify(hostConfig) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child = started;
  await new Promise<void>((resolve, reject) => {
    started.once('message', () => resolve());
    started.once('exit', (code) => reject(new Error(`host exited during start-up (${code})`)));
  });
}
const api = async (path: string, init?: RequestInit): Promise<Response | undefined> => {
  try {
    return await fetch(hostUrl + path, { ...init, headers: { 'content-type': 'application/json', 'x-functions-key': key } });
  } catch {
    return undefined; // the host is down
  }
};

await startChild();
const t0 = clock.now();
const windows = Array.from({ length: count }, (_, i) => {
  const start = t0 + Math.round(15 + random() * 45) * MINUTE;
  return { id: `soak-${i}`, start, end: start + Math.round(10 + random() * 20) * MINUTE };
});
const accepted: string[] = [];
for (const w of windows) {
  const res = await api('/api/broadcasts', { method: 'POST', body: JSON.stringify({ id: w.id, startAt: new Date(w.start).toISOString(), endAt: new Date(w.end).toISOString() }) });
  if (res?.status === 201) accepted.push(w.id);
  else console.log(`create ${w.id}: ${res?.status ?? 'no answer'}`);
}
const lastEnd = Math.max(...windows.map((w) => w.end));
console.log(`soak: ${accepted.length}/${count} broadcasts over ${((lastEnd - t0) / MINUTE).toFixed(0)} clock minutes at ${speed}x; ${kills} kills (seed ${seed})`);

// Kill moments: seeded, spread over the busy part (first start .. last end), in clock time.
const firstStart = Math.min(...windows.map((w) => w.start));
const killAt = Array.from({ length: kills }, () => firstStart - 10 * MINUTE + random() * (lastEnd - firstStart + 10 * MINUTE)).sort((a, b) => a - b);
for (const at of killAt) {
  while (clock.now() < at) await sleep(100);
  child?.kill('SIGKILL');
  await new Promise((r) => child?.once('exit', r));
  const downMs = 500 + random() * 2_500;
  console.log(`killed the host at clock +${((clock.now() - t0) / MINUTE).toFixed(1)} min; restarting after ${(downMs / 1000).toFixed(1)} s`);
  await sleep(downMs);
  await startChild();
}

// Wait until every broadcast is terminal, or the bound.
const terminal = ['ended', 'cancelled', 'failed'];
const deadline = lastEnd + GRACE + 30 * MINUTE;
let phases: Record<string, string> = {};
while (clock.now() < deadline) {
  phases = {};
  for (const id of accepted) phases[id] = await phaseOf(id);
  if (Object.values(phases).every((p) => terminal.includes(p)) && clock.now() > lastEnd + GRACE) break;
  await sleep(1_000);
}

// ---- verdict -----------------------------------------------------------------------------------------
const states = emulator.liveEventStates();
const leaks = Object.entries(states).filter(([, s]) => s === 'StandBy' || s === 'Running').map(([n]) => n);
const stuck = accepted.filter((id) => !terminal.includes(phases[id] ?? '') && phases[id] !== 'lost');
const lost = accepted.filter((id) => phases[id] === 'lost');
let doubleStarts = 0;
let pastMs = 0;
let neverLive = 0;
for (const w of windows.filter((x) => accepted.includes(x.id))) {
  const billing = emulator.billing(`bc-${w.id}`);
  const runs = billing.history.filter((h, i) => h.state === 'Running' && billing.history[i - 1]?.state !== 'Running').length;
  if (runs > 1) doubleStarts++;
  if (runs === 0) neverLive++;
  for (const h of billing.history) {
    if (h.state !== 'StandBy' && h.state !== 'Running') continue;
    const to = h.to ? Date.parse(h.to) : clock.now();
    pastMs += Math.max(0, to - Math.max(Date.parse(h.from), w.end + GRACE));
  }
}
const summary = { count: accepted.length, kills, seed, speed, leaks: leaks.length, stuck: stuck.length, lost: lost.length, doubleStarts, billedMinutesPastEndPlusGrace: +(pastMs / MINUTE).toFixed(2), neverLive, faultHits: emulator.faults.hits, finalPhases: countBy(Object.values(phases)) };
console.log(`leaks ${summary.leaks} ${leaks.join(' ')}`);
console.log(`stuck ${summary.stuck} ${stuck.map((id) => `${id}:${phases[id]}`).join(' ')}`);
console.log(`lost ${summary.lost}; double starts ${doubleStarts}; billed minutes past end + grace ${summary.billedMinutesPastEndPlusGrace}; never live ${neverLive}`);
console.log(JSON.stringify(summary));
child?.kill('SIGKILL');
await emulator.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(summary.leaks + summary.stuck + summary.lost + summary.doubleStarts === 0 ? 0 : 1);

async function phaseOf(id: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await api(`/api/broadcasts/${id}`);
    if (res?.status === 200) return ((await res.json()) as { phase: string }).phase;
    if (res?.status === 404) return 'lost';
    await sleep(500);
  }
  return 'unknown';
}
function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
