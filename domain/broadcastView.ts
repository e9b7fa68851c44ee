/** What the API shows for a broadcast: its spec and its orchestration's status, merged. Pure. */
import type { BroadcastOrchestrationInput, BroadcastPhase, BroadcastStatus } from '../contracts/broadcast.js';
import { billedSoFar, defaultRates, estimateForWindow, type BilledSoFar } from './cost.js';

export interface BroadcastView {
  id: string;
  title?: string;
  phase: BroadcastPhase;
  startAt: string;
  endAt: string;
  account: BroadcastOrchestrationInput['spec']['account'];
  liveEvent: { name?: string; state?: string; ingestUrls: string[]; previewUrls: string[]; settings: BroadcastOrchestrationInput['spec']['liveEvent'] };
  recording: { assetName?: string; playbackPaths: string[]; settings: BroadcastOrchestrationInput['spec']['recording'] };
  keepLiveEvent: boolean;
  origin: BroadcastOrchestrationInput['spec']['origin'];
  timeline: BroadcastStatus['timeline'];
  error?: BroadcastStatus['error'];
  /** Billed so far (from the live event states the orchestration saw) and the estimate for the whole window. */
  billing: BilledSoFar & { estimatedStandbyMinutes: number; estimatedRunningMinutes: number; estimatedCost: number };
  /** Encoder-driven settings and what AMS reported about the encoder (Event Grid). */
  startOn: 'schedule' | 'encoder';
  idleStop?: BroadcastOrchestrationInput['spec']['idleStop'];
  encoder?: Omit<NonNullable<BroadcastStatus['encoder']>, 'recentIds'>;
  idleBeforeRecordingMs?: number;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceStatus {
  runtimeStatus: string;
  input: unknown;
  customStatus?: unknown;
  output: unknown;
  createdTime: Date | string;
  lastUpdatedTime: Date | string;
}

/** The phase, also when the orchestration has not reported one yet or was stopped from outside. */
export function phaseOf(instance: InstanceStatus): BroadcastPhase {
  const reported = ((instance.output ?? instance.customStatus) as BroadcastStatus | null)?.phase;
  if (instance.runtimeStatus === 'Terminated') return 'cancelled';
  if (instance.runtimeStatus === 'Failed') return 'failed';
  return reported ?? 'scheduled';
}

/** `nowMs`: the end of a state still billed (defaults to the instance's last update). */
export function toBroadcastView(instance: InstanceStatus, nowMs?: number): BroadcastView {
  const { spec, policy } = instance.input as BroadcastOrchestrationInput;
  const status = (instance.output ?? instance.customStatus) as BroadcastStatus | null;
  const iso = (value: Date | string) => new Date(value).toISOString();
  const startAt = status?.startAt ?? spec.startAt;
  const endAt = status?.endAt ?? spec.endAt;
  // Instances written by older versions (or by hand) may lack the policy: estimate with no margin then.
  const marginMs = Number.isFinite(policy?.preRollMarginMs) ? policy.preRollMarginMs : 0;
  const rates = policy?.rates ?? defaultRates;
  const estimate = estimateForWindow({ startAt, endAt, liveEvent: spec.liveEvent, account: spec.account }, { graceMs: 0, pollIntervalMs: 0, preRollMarginMs: marginMs, planning: policy?.planning }, rates).estimate;
  const soFar = billedSoFar(status?.liveEventStates ?? [], nowMs ?? new Date(instance.lastUpdatedTime).getTime(), spec.liveEvent.encoding.type, rates);
  return {
    id: spec.id,
    title: spec.title,
    phase: phaseOf(instance),
    startAt,
    endAt,
    account: spec.account,
    liveEvent: { name: status?.liveEventName, state: status?.liveEventState, ingestUrls: status?.ingestUrls ?? [], previewUrls: status?.previewUrls ?? [], settings: spec.liveEvent },
    recording: { assetName: status?.assetName, playbackPaths: status?.playbackPaths ?? [], settings: spec.recording },
    keepLiveEvent: spec.keepLiveEvent,
    origin: spec.origin,
    timeline: status?.timeline ?? [],
    error: status?.error ?? (instance.runtimeStatus === 'Failed' ? { code: 'OrchestrationFailed', message: String(instance.output) } : undefined),
    billing: { ...soFar, estimatedStandbyMinutes: estimate.standbyMinutes, estimatedRunningMinutes: estimate.runningMinutes, estimatedCost: estimate.cost },
    startOn: spec.startOn ?? 'schedule',
    idleStop: spec.idleStop,
    encoder: status?.encoder ? (({ recentIds: _ids, ...shown }) => shown)(status.encoder) : undefined,
    idleBeforeRecordingMs: status?.idleBeforeRecordingMs,
    createdAt: iso(instance.createdTime),
    updatedAt: iso(instance.lastUpdatedTime),
  };
}
