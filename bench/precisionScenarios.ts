/**
 * Scenarios and policies of the precision benchmark (bench/precision.ts), and the figures it reports.
 * Pure: windows come from a seeded generator, figures from billing histories.
 */
import type { StartupStrategy } from '../contracts/broadcast.js';
import { seededRandom } from '../ams-emulator/timings.js';
import { drawFor, type TimingProfile } from '../ams-emulator/timingProfiles.js';
import { liveEventNameFor } from '../domain/liveEventDecisions.js';
import { quantile } from '../domain/schedule.js';

const MINUTE = 60_000;

export interface BroadcastWindow {
  id: string;
  account: string;
  start: number;
  end: number;
}

export interface Scenario {
  name: 'spread' | 'burst' | 'long-tail';
  profile: 'warm-pool' | 'production-tail';
  accounts: string[];
  /** Live events each account allows (AMS default 5, raised by ticket). */
  maxLiveEventsPerAccount: number;
  /** Azure-Storage-like delivery of timers and activity results (the host's latency model). */
  azureStorageDelivery: boolean;
  windows(t0: number, seed: number): BroadcastWindow[];
}

export const policies = ['start-at-T', 'fixed-lead', 'ours', 'oracle'] as const;
export type PolicyName = (typeof policies)[number];

const accountNames = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'broadcastams' : `broadcastams${i + 1}`));

/** Windows starting 30–120 minutes after t0, 30–60 minutes long, on whole seconds. */
function spreadWindows(prefix: string, count: number, accounts: string[]) {
  return (t0: number, seed: number): BroadcastWindow[] => {
    const random = seededRandom(seed);
    return Array.from({ length: count }, (_, i) => {
      const start = t0 + Math.round(((30 + random() * 90) * MINUTE) / 1000) * 1000;
      return { id: `${prefix}-${i}`, account: accounts[i % accounts.length] as string, start, end: start + Math.round(((30 + random() * 30) * MINUTE) / 1000) * 1000 };
    });
  };
}

/**
 * A scheduler in production has history: before each scenario, a few short broadcasts on its accounts run
 * (10–24 minutes after t0, 5 minutes long) so the learned start-up profile is not empty. They are the same
 * for every policy and left out of the figures.
 */
export function warmupWindows(t0: number, accounts: string[]): BroadcastWindow[] {
  return Array.from({ length: 6 }, (_, i) => {
    const start = t0 + (10 + i * 3) * MINUTE;
    return { id: `warm-${i}`, account: accounts[i % accounts.length] as string, start, end: start + 5 * MINUTE };
  });
}

export function scenarios(count: number): Scenario[] {
  const burstAccounts = accountNames(5);
  return [
    { name: 'spread', profile: 'warm-pool', accounts: accountNames(1), maxLiveEventsPerAccount: count + 10, azureStorageDelivery: false, windows: spreadWindows('sp', count, accountNames(1)) },
    {
      name: 'burst',
      profile: 'warm-pool',
      accounts: burstAccounts,
      // Top of the hour: every broadcast starts in the same second, spread over five accounts whose quota
      // was raised to just what they need.
      maxLiveEventsPerAccount: Math.ceil(count / burstAccounts.length),
      azureStorageDelivery: false,
      windows: (t0) => {
        const start = Math.ceil((t0 + 60 * MINUTE) / (60 * MINUTE)) * 60 * MINUTE;
        return Array.from({ length: count }, (_, i) => ({ id: `bu-${i}`, account: burstAccounts[i % burstAccounts.length] as string, start, end: start + (30 + (i % 4) * 10) * MINUTE }));
      },
    },
    { name: 'long-tail', profile: 'production-tail', accounts: accountNames(1), maxLiveEventsPerAccount: count + 10, azureStorageDelivery: true, windows: spreadWindows('lt', count, accountNames(1)) },
  ];
}

/** The start-up strategy a policy gives one broadcast. The oracle reads the durations the emulator will draw. */
export function strategyFor(policy: PolicyName, window: BroadcastWindow, profile: TimingProfile, seed: number): StartupStrategy {
  switch (policy) {
    case 'start-at-T':
      return { kind: 'start-at-T' };
    case 'fixed-lead':
      return { kind: 'fixed-lead', leadMs: 10 * MINUTE };
    case 'ours':
      return { kind: 'learned' };
    case 'oracle': {
      const name = liveEventNameFor(window.id);
      const d = (op: 'create' | 'allocate' | 'start') => drawFor(profile, seed, op, name, 0).durationMs;
      return { kind: 'oracle', createMs: d('create'), allocateMs: d('allocate'), startMs: d('start') };
    }
  }
}

export interface BillingHistory {
  history: Array<{ state: string; from: string; to?: string }>;
}

export interface BroadcastOutcome {
  window: BroadcastWindow;
  billing: BillingHistory;
  recordingStartedAt?: number;
  phase: string;
  atRisk: number;
}

export interface Figures {
  scenario: string;
  policy: string;
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  recordingP99Ms: number | null;
  wastePercent: number;
  /** Of the waste: StandBy before the start, Running before the start, after the end (percent of scheduled). */
  wasteSplit: { standbyBefore: number; runningBefore: number; after: number };
  leaks: number;
  notLive: number;
  failed: number;
  atRisk: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Lateness of Running (first Running after the scheduled start; negative = early), and of the recording;
 * billed StandBy + Running outside the window as a percentage of the scheduled minutes.
 */
export function figuresFor(scenario: string, policy: string, outcomes: BroadcastOutcome[], leaks: number, endOfRunMs: number): Figures {
  const lateness: number[] = [];
  const recording: number[] = [];
  let wasteMs = 0;
  const split = { standbyBefore: 0, runningBefore: 0, after: 0 };
  let scheduledMs = 0;
  let notLive = 0;
  let failed = 0;
  let atRisk = 0;
  for (const o of outcomes) {
    const { start, end } = o.window;
    scheduledMs += end - start;
    atRisk += o.atRisk;
    if (o.phase === 'failed') failed++;
    const running = o.billing.history.find((h) => h.state === 'Running');
    if (!running) {
      notLive++;
    } else {
      lateness.push(Date.parse(running.from) - start);
      if (o.recordingStartedAt !== undefined) recording.push(o.recordingStartedAt - start);
    }
    for (const h of o.billing.history) {
      if (h.state !== 'StandBy' && h.state !== 'Running') continue;
      const from = Date.parse(h.from);
      const to = h.to ? Date.parse(h.to) : endOfRunMs;
      const inside = Math.max(0, Math.min(to, end) - Math.max(from, start));
      wasteMs += to - from - inside;
      const before = Math.max(0, Math.min(to, start) - from);
      if (h.state === 'StandBy') split.standbyBefore += before;
      else split.runningBefore += before;
      split.after += Math.max(0, to - Math.max(from, end));
    }
  }
  const pct = (ms: number) => (scheduledMs ? round((100 * ms) / scheduledMs, 3) : 0);
  const q = (values: number[], p: number) => (values.length ? quantile(values, p) : null);
  return {
    scenario, policy, count: outcomes.length,
    p50Ms: q(lateness, 0.5), p99Ms: q(lateness, 0.99), maxMs: lateness.length ? Math.max(...lateness) : null,
    recordingP99Ms: q(recording, 0.99),
    wastePercent: pct(wasteMs),
    wasteSplit: { standbyBefore: pct(split.standbyBefore), runningBefore: pct(split.runningBefore), after: pct(split.after) },
    leaks, notLive, failed, atRisk,
  };
}
