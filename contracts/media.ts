/** The AMS account a broadcast (or the reaper) works on. */
export interface MediaAccountRef {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}

/** What the reaper and status reads need to know about a live event, independent of the SDK types. */
export interface LiveEventSummary {
  name: string;
  /** AMS resourceState: Stopped, Allocating, StandBy, Starting, Running, Stopping, Deleting. */
  resourceState: string;
  tags: Record<string, string>;
  createdAt?: string;
  lastModifiedAt?: string;
}

/**
 * The slice of the media adapter the leak reaper uses (implemented by adapters/ams).
 * Every method is idempotent: stopping a stopped event or deleting a missing one succeeds.
 */
export interface LiveEventJanitor {
  listLiveEvents(account: MediaAccountRef): Promise<LiveEventSummary[]>;
  stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }): Promise<void>;
  deleteLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<void>;
}
