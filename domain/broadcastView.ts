/** What the API shows for a broadcast: its spec and its orchestration's status, merged. Pure. */
import type { BroadcastOrchestrationInput, BroadcastPhase, BroadcastStatus } from '../contracts/broadcast.js';

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

export function toBroadcastView(instance: InstanceStatus): BroadcastView {
  const { spec } = instance.input as BroadcastOrchestrationInput;
  const status = (instance.output ?? instance.customStatus) as BroadcastStatus | null;
  const iso = (value: Date | string) => new Date(value).toISOString();
  return {
    id: spec.id,
    title: spec.title,
    phase: phaseOf(instance),
    startAt: status?.startAt ?? spec.startAt,
    endAt: status?.endAt ?? spec.endAt,
    account: spec.account,
    liveEvent: { name: status?.liveEventName, state: status?.liveEventState, ingestUrls: status?.ingestUrls ?? [], previewUrls: status?.previewUrls ?? [], settings: spec.liveEvent },
    recording: { assetName: status?.assetName, playbackPaths: status?.playbackPaths ?? [], settings: spec.recording },
    keepLiveEvent: spec.keepLiveEvent,
    origin: spec.origin,
    timeline: status?.timeline ?? [],
    error: status?.error ?? (instance.runtimeStatus === 'Failed' ? { code: 'OrchestrationFailed', message: String(instance.output) } : undefined),
    startOn: spec.startOn ?? 'schedule',
    idleStop: spec.idleStop,
    encoder: status?.encoder ? (({ recentIds: _ids, ...shown }) => shown)(status.encoder) : undefined,
    idleBeforeRecordingMs: status?.idleBeforeRecordingMs,
    createdAt: iso(instance.createdTime),
    updatedAt: iso(instance.lastUpdatedTime),
  };
}
