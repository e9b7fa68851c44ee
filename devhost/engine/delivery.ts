/**
 * When Azure Storage would hand a message to the host. Durable Task's Azure Storage provider polls each
 * queue with a randomized exponential back-off (DurableTask.AzureStorage BackoffPollingHelper /
 * TaskHubQueue): after a poll that found a message the interval is the minimum (50 ms); every empty
 * poll adds `rand(0.8..1.2) × 2^(k-1) × 50 ms` until it reaches `maxQueuePollingInterval` (host.json,
 * default 30 s). Orchestration messages (timers, activity results, events) go through one of
 * `partitionCount` control queues chosen by instance id; activities through one work-item queue. Each
 * orchestration episode then reloads history from table storage (a small load time).
 *
 * The model is deterministic for a seed and runs on the shared clock. `instant` delivers at once.
 * Approximation: a delivery that resets a queue's back-off does not re-arm waits computed before it.
 */
export interface DeliveryModel {
  /** Clock time (ms) at which the orchestration episode for a message visible at `visibleAt` starts. */
  orchestrationPickup(instanceId: string, visibleAt: number): number;
  /** Clock time (ms) at which an activity message visible at `visibleAt` is picked up. */
  activityPickup(visibleAt: number): number;
  /** A queue delivered a message at `at`: its back-off starts again from the minimum. */
  delivered(queue: 'orchestration' | 'activity', instanceId: string, at: number): void;
}

export const instantDelivery: DeliveryModel = {
  orchestrationPickup: (_id, visibleAt) => visibleAt,
  activityPickup: (visibleAt) => visibleAt,
  delivered: () => undefined,
};

export interface AzureStorageDeliveryOptions {
  /** host.json extensions.durableTask.storageProvider.maxQueuePollingInterval in ms (default 30 s). */
  maxPollingIntervalMs?: number;
  /** Control queues (storageProvider.partitionCount, default 4). */
  partitionCount?: number;
  /** History load time per episode, ms range (default 15–75 ms). */
  historyLoadMs?: [number, number];
  seed?: number;
  /** Clock time the host started polling (queues start at the minimum interval). */
  startedAt: number;
}

const MIN_POLL_MS = 50;
const RANDOMIZATION = 0.2;

/** FNV-1a over UTF-16 code units, as the provider hashes instance ids to partitions. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A number in [0, 1) from the inputs: the "random" draws are reproducible for a seed. */
const unit = (...parts: Array<string | number>) => fnv1a(parts.join('|')) / 2 ** 32;

/** One polled queue: the times of its polls since its last successful one. */
class PolledQueue {
  #anchor: number;
  constructor(
    readonly name: string,
    readonly maxMs: number,
    readonly seed: number,
    startedAt: number,
  ) {
    this.#anchor = startedAt;
  }

  /** The first poll at or after `visibleAt` (never before the last successful poll). */
  pickup(visibleAt: number): number {
    let poll = this.#anchor;
    let interval = MIN_POLL_MS;
    for (let exponent = 1; poll < visibleAt; exponent++) {
      poll += interval;
      if (interval >= this.maxMs) {
        // At the cap the polls are evenly spaced: jump straight to the one that sees the message.
        if (poll < visibleAt) poll += Math.ceil((visibleAt - poll) / this.maxMs) * this.maxMs;
        break;
      }
      const jitter = 1 - RANDOMIZATION + 2 * RANDOMIZATION * unit(this.seed, this.name, this.#anchor, exponent);
      interval = Math.min(this.maxMs, MIN_POLL_MS + jitter * 2 ** (exponent - 1) * MIN_POLL_MS);
    }
    return poll;
  }

  delivered(at: number): void {
    this.#anchor = Math.max(this.#anchor, at);
  }
}

export function azureStorageDelivery(options: AzureStorageDeliveryOptions): DeliveryModel {
  const maxMs = Math.max(MIN_POLL_MS, options.maxPollingIntervalMs ?? 30_000);
  const seed = options.seed ?? 1;
  const [loadMin, loadMax] = options.historyLoadMs ?? [15, 75];
  const control = Array.from({ length: options.partitionCount ?? 4 }, (_, i) => new PolledQueue(`control-${i}`, maxMs, seed, options.startedAt));
  const workItems = new PolledQueue('workitems', maxMs, seed, options.startedAt);
  const partition = (instanceId: string) => control[fnv1a(instanceId) % control.length] as PolledQueue;
  return {
    orchestrationPickup(instanceId, visibleAt) {
      const poll = partition(instanceId).pickup(visibleAt);
      return poll + Math.round(loadMin + (loadMax - loadMin) * unit(seed, instanceId, visibleAt));
    },
    activityPickup: (visibleAt) => workItems.pickup(visibleAt),
    delivered(queue, instanceId, at) {
      (queue === 'activity' ? workItems : partition(instanceId)).delivered(at);
    },
  };
}
