/** The capacity ledger's names and messages (one durable instance per media account). */
import type { SlotReservation } from '../domain/capacity.js';

export const capacityLedgerOrchestrator = 'capacityLedger';
export const capacityLedgerInstanceId = (accountName: string): string => `capacity-ledger-${accountName}`;
/**
 * The one event name the ledger waits for (one waiter at a time, so no request is swallowed). Its data is one
 * request or `{ requests: [...] }`, the requests a function instance gathered while its previous raise was
 * under way (decided in order, in one episode).
 */
export const capacityRequestEvent = 'CapacityRequest';

export type CapacityRequest =
  | { kind: 'reserve'; requestId: string; broadcastId: string; from: number; to: number; quota: number; dryRun?: boolean }
  | { kind: 'release'; requestId: string; broadcastId: string };

export interface CapacityRequestBatch {
  requests: CapacityRequest[];
}

/** The ledger's answer to one request. */
export interface CapacityDecision {
  requestId: string;
  ok: boolean;
  firstExceededAt?: number;
  /** Up to 5 broadcasts holding the slots at `firstExceededAt`; `conflictCount` is the full number. */
  conflicts?: SlotReservation[];
  conflictCount?: number;
}

/** Ledger state, carried across continue-as-new. */
export interface CapacityLedgerState {
  /** Counts the executions (continue-as-new): a requester whose answer is missing after a new one raises again. */
  generation?: number;
  /**
   * The slots held: `from,length,broadcastId` records sorted by start, separated by spaces (domain/capacityBook.ts
   * `encodeSlots`), one string so that replaying the input on every episode costs little.
   */
  windows?: string;
  /** The longest window in `windows` (ms). */
  longest?: number;
  /**
   * Recent answers by request id, oldest first, so a request raised again is answered the same (not applied
   * twice): `id` accepted, `id!` refused, separated by spaces; the refusals' details in `refusals`.
   */
  answers?: string;
  refusals?: CapacityDecision[];
  /** Ledgers from before `windows`: fixed-width records (51 characters each). */
  slots?: string;
  /** Ledgers from before `slots`: objects (or `[broadcastId, from, to]`). */
  reservations?: Array<[string, number, number] | SlotReservation>;
  /** Ledgers from before `answers`: the recent decisions as objects. */
  recent?: CapacityDecision[];
}

/** The ledger's custom status: the newest answers (as many as fit far below the 16 KB limit). */
export interface CapacityLedgerStatus {
  generation: number;
  /** Windows held (an upper bound while releases and moves of this generation are not merged yet). */
  reservations: number;
  /** Request ids answered yes, newest first, separated by spaces. */
  accepted: string;
  /** Refusals, newest first; only the newest few with their conflicts. */
  refused: CapacityDecision[];
  /** Request events this execution has taken (it continues as new after EVENTS_PER_GENERATION). */
  events?: number;
}
