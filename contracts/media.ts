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

/** What a reaper action really did: `gone` = the live event no longer existed (AMS answered 404). */
export type JanitorOutcome = 'done' | 'gone';

/**
 * The slice of the media adapter the leak reaper uses (implemented by adapters/ams).
 * Every method is idempotent: stopping a stopped event or deleting a missing one succeeds, and says so.
 */
export interface LiveEventJanitor {
  listLiveEvents(account: MediaAccountRef): Promise<LiveEventSummary[]>;
  /** The live event as AMS has it now, or undefined when it does not exist. */
  getLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<LiveEventSummary | undefined>;
  stopLiveEvent(account: MediaAccountRef, liveEventName: string, options: { removeOutputs: boolean }): Promise<JanitorOutcome>;
  deleteLiveEvent(account: MediaAccountRef, liveEventName: string): Promise<JanitorOutcome>;
}
