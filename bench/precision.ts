/**
 * Precision benchmark: how late live events go Running (and recording) against heavy-tailed AMS timings,
 * and what it costs, for each scenario and start-up policy, on simulated time (clock/virtualClock.ts) so
 * the same seed prints the same figures on a busy or a quiet machine.
 *
 *   node dist/bench/precision.js [--seed 42] [--count 60] [--only spread,burst] [--policies ours,oracle] [--provider ams|ravnur|mkio]
 *   node dist/bench/precision.js --realtime      # 3 one-minute broadcasts at 1x (oracle): lateness the host adds
 *   BENCH_DUMP=out.json node dist/bench/precision.js --run long-tail:ours   # one run; dumps measured start-ups and states
 *
 * Progress goes to stderr; stdout ends with one JSON line per scenario and policy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../clock/clock.js';
import { VirtualClock } from '../clock/virtualClock.js';
import { timingProfiles } from '../ams-emulator/timingProfiles.js';
import { startLocalStack, type LocalStack } from '../devhost/localStack.js';
import { broadcastInstanceId, broadcastOrchestrator, type BroadcastOrchestrationInput, type BroadcastStatus } from '../contracts/broadcast.js';
import { parseCreateBroadcast } from '../domain/broadcastRequest.js';
import { liveEventNameFor } from '../domain/liveEventDecisions.js';
import { figuresFor, policies, scenarios, strategyFor, warmupWindows, type BroadcastOutcome, type BroadcastWindow, type PolicyName, type Scenario } from './precisionScenarios.js';

const MINUTE = 60_000;
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = Number(option('seed') ?? 42);
const count = Number(option('count') ?? 60);
const only = option('only')?.split(',');
const onlyPolicies = (option('policies')?.split(',') ?? [...policies]) as PolicyName[];
/** (successors) The media provider the app is pointed at; the emulator speaks its dialect (default ams). */
const dialects = { ams: 'arm', ravnur: 'ravnur', mkio: 'mkio' } as const;
const provider = (option('provider') ?? 'ams') as keyof typeof dialects;
if (!(provider in dialects)) throw new Error(`--provider must be one of ${Object.keys(dialects).join(', ')}`);
const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
/** Simulated time starts here whatever the real date, so runs are comparable. */
const T0 = Date.UTC(2030, 0, 7, 7, 0, 0);
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const RESOURCE_GROUP = 'broadcast-rg';
const log = (line: string) => process.stderr.write(`${line}\n`);

async function startStack(clock: Clock, scenario: Scenario | undefined, dataDir: string): Promise<LocalStack> {
  return startLocalStack({
    appRoot,
    clock,
    dataDir,
    timings: scenario?.profile ?? 'warm-pool',
    seed,
    maxLiveEvents: scenario?.maxLiveEventsPerAccount ?? 10,
    extraAccounts: scenario?.accounts.slice(1),
    dialect: dialects[provider],
    settings: {
      DEVHOST_QUIET: '1',
      REAPER_SCHEDULE: '0 */5 * * * *',
      // The host's Azure Storage delivery model (devhost/engine/delivery.ts): timers and activity results picked
      // up with the queue-polling back-off bounded by host.json's maxQueuePollingInterval (5 s here). Its pending
      // pick-ups are timers on the simulated clock, so the clock waits for them like any other timer.
      ...(scenario?.azureStorageDelivery ? { DEVHOST_DELIVERY: 'azure-storage', DEVHOST_DELIVERY_SEED: String(seed) } : {}),
    },
  });
}

function inputFor(window: BroadcastWindow, now: number, strategy: BroadcastOrchestrationInput['policy']['startup']): BroadcastOrchestrationInput {
  const parsed = parseCreateBroadcast(
    { id: window.id, startAt: new Date(window.start).toISOString(), endAt: new Date(window.end).toISOString(), account: window.account },
    { now, defaultAccount: { subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP, accountName: window.account }, newId: () => window.id },
  );
  if (!parsed.ok) throw new Error(`bad window ${window.id}: ${JSON.stringify(parsed.errors)}`);
  // The app's defaults (app/config.ts): grace PT5M, poll PT2S, pre-roll margin PT2S.
  return { spec: parsed.value, policy: { graceMs: 5 * MINUTE, pollIntervalMs: 2_000, preRollMarginMs: 2_000, startup: strategy } };
}

function outcomesOf(stack: LocalStack, windows: BroadcastWindow[]): BroadcastOutcome[] {
  return windows.map((window) => {
    const name = liveEventNameFor(window.id);
    const instance = stack.host.engine.getInstance(broadcastInstanceId(window.id));
    const raw = instance?.output ?? instance?.customStatus;
    const status = raw ? (JSON.parse(raw) as BroadcastStatus | string) : undefined;
    const timeline = typeof status === 'object' && status ? status.timeline : [];
    if (typeof status === 'object' && status?.error) log(`${window.id}: ${status.phase}: ${status.error.message}`);
    return {
      window,
      billing: stack.emulator.billing(name),
      recordingStartedAt: stack.emulator.recordingStartedAt(name),
      phase: typeof status === 'object' && status ? status.phase : instance?.status ?? 'missing',
      atRisk: timeline.filter((t) => t.note?.startsWith('at risk')).length,
    };
  });
}

/** The worst durable-timer lateness the broadcasts measured: > 0 shows the host's delivery model is on. */
function timerLatenessOf(stack: LocalStack, windows: BroadcastWindow[]): number {
  return Math.max(0, ...windows.map((window) => {
    const raw = stack.host.engine.getInstance(broadcastInstanceId(window.id))?.output;
    const status = raw ? (JSON.parse(raw) as BroadcastStatus | string) : undefined;
    return typeof status === 'object' && status ? status.measured?.timerLatenessMs ?? 0 : 0;
  }));
}

const leaksOf = (stack: LocalStack) => Object.values(stack.emulator.liveEventStates()).filter((s) => s === 'StandBy' || s === 'Running').length;

async function simulate(scenario: Scenario, policy: PolicyName) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-precision-'));
  const clock = new VirtualClock(T0);
  const restoreTimeouts = clock.virtualizeTimeouts();
  const wallStart = performance.now();
  const stack = await startStack(clock, scenario, dataDir);
  try {
    const windows = scenario.windows(T0, seed);
    for (const window of [...warmupWindows(T0, scenario.accounts), ...windows]) {
      const input = inputFor(window, clock.now(), strategyFor(policy, window, timingProfiles[scenario.profile], seed));
      stack.host.engine.startNew(broadcastOrchestrator, broadcastInstanceId(window.id), JSON.stringify(input));
      await clock.settled(); // one at a time, so timers are armed in the same order every run
    }
    const lastEnd = Math.max(...windows.map((w) => w.end));
    await clock.runUntil(lastEnd + 30 * MINUTE);
    const figures = figuresFor(scenario.name, policy, outcomesOf(stack, windows), leaksOf(stack), clock.now());
    log(`${scenario.name}/${policy}: ${windows.length} broadcasts, ${clock.fired} timers, ${((performance.now() - wallStart) / 1000).toFixed(1)} s wall; waste split ${JSON.stringify(figures.wasteSplit)}; delivery ${scenario.azureStorageDelivery ? 'azure-storage' : 'instant'}, worst timer lateness measured ${timerLatenessOf(stack, windows)} ms`);
    const late = outcomesOf(stack, windows).map((o) => ({ id: o.window.id, ms: Date.parse(o.billing.history.find((h) => h.state === 'Running')?.from ?? '') - o.window.start })).filter((l) => l.ms > 0);
    for (const o of outcomesOf(stack, windows).filter((x) => process.env.BENCH_DEBUG?.split(',').includes(x.window.id))) {
      const rel = (iso: string) => ((Date.parse(iso) - o.window.start) / 1000).toFixed(1);
      log(`${o.window.id}: ${o.billing.history.map((h) => `${h.state}@${rel(h.from)}`).join(' ')}`);
    }
    if (process.env.BENCH_DUMP) {
      const dump = windows.concat(warmupWindows(T0, scenario.accounts)).map((w) => {
        const raw = stack.host.engine.getInstance(broadcastInstanceId(w.id))?.output;
        const status = raw ? (JSON.parse(raw) as BroadcastStatus | string) : undefined;
        return { id: w.id, start: w.start, measured: typeof status === 'object' && status ? status.measured : undefined, history: stack.emulator.billing(liveEventNameFor(w.id)).history };
      });
      writeFileSync(process.env.BENCH_DUMP, JSON.stringify(dump));
    }
    const risky = outcomesOf(stack, windows).filter((o) => o.atRisk > 0).map((o) => o.window.id);
    if (risky.length) log(`at risk: ${risky.join(', ')}`);
    if (late.length) log(`late: ${late.map((l) => `${l.id} +${l.ms} ms`).join(', ')}`);
    return figures;
  } finally {
    await stack.close();
    restoreTimeouts();
    clock.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A few broadcasts on the real clock, planned by the oracle: on simulated time the oracle is exactly on time,
 * so whatever lateness shows here is the host's and the machine's.
 */
async function realtimeCheck() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-precision-rt-'));
  const stack = await startStack(systemClock, undefined, dataDir);
  try {
    const now = systemClock.now();
    const base = Math.ceil((now + 90_000) / 1000) * 1000;
    const windows: BroadcastWindow[] = [0, 1, 2].map((i) => ({ id: `rt-${i}`, account: 'broadcastams', start: base + i * 20_000, end: base + i * 20_000 + MINUTE }));
    for (const window of windows) {
      const strategy = strategyFor('oracle', window, timingProfiles['warm-pool'], seed);
      stack.host.engine.startNew(broadcastOrchestrator, broadcastInstanceId(window.id), JSON.stringify(inputFor(window, systemClock.now(), strategy)));
    }
    const lastEnd = Math.max(...windows.map((w) => w.end));
    while (systemClock.now() < lastEnd + 30_000) await new Promise((r) => setTimeout(r, 1_000));
    return figuresFor('realtime-1x', 'oracle', outcomesOf(stack, windows), leaksOf(stack), systemClock.now());
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const run = option('run');
if (args.includes('--realtime')) {
  console.log(JSON.stringify(await realtimeCheck()));
} else if (run) {
  // One simulation per process: the app module (and its configuration) is loaded once per process.
  const [scenarioName, policy] = run.split(':') as [string, PolicyName];
  const scenario = scenarios(count).find((s) => s.name === scenarioName);
  if (!scenario || !policies.includes(policy)) throw new Error(`unknown run ${run}`);
  const f = await simulate(scenario, policy);
  console.log(JSON.stringify({ scenario: f.scenario, policy: f.policy, provider, count: f.count, p50Ms: f.p50Ms, p99Ms: f.p99Ms, maxMs: f.maxMs, wastePercent: f.wastePercent, leaks: f.leaks, notLive: f.notLive, atRisk: f.atRisk, recordingP99Ms: f.recordingP99Ms, failed: f.failed }));
} else {
  const lines: string[] = [];
  for (const scenario of scenarios(count).filter((s) => !only || only.includes(s.name))) {
    for (const policy of onlyPolicies) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', `${scenario.name}:${policy}`, '--seed', String(seed), '--count', String(count), '--provider', provider], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore'], maxBuffer: 64 * 2 ** 20,
      });
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '';
      lines.push(line);
      log(line);
    }
  }
  console.log(lines.join('\n'));
}
