/** The capacity ledger's names and messages (one durable instance per media account). */
import type { SlotReservation } from '../domain/capacity.js';

export const capacityLedgerOrchestrator = 'capacityLedger';
export const capacityLedgerInstanceId = (accountName: string): string => `capacity-ledger-${accountName}`;
/** The one event name the ledger waits for (one waiter at a time, so no request is swallowed). */
export const capacityRequestEvent = 'CapacityRequest';

export type CapacityRequest =
  | { kind: 'reserve'; requestId: string; broadcastId: string; from: number; to: number; quota: number; dryRun?: boolean }
  | { kind: 'release'; requestId: string; broadcastId: string };

/** The ledger's answer to one request, published in its custom status (compact: the status stays far below 16 KB). */
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
  reservations: SlotReservation[];
  /** Recent decisions by request id, so a request raised again is answered the same (not applied twice). */
  recent: CapacityDecision[];
}

export interface CapacityLedgerStatus {
  reservations: number;
  decisions: CapacityDecision[];
}
