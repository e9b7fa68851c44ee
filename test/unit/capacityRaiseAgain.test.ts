// When a capacity requester raises a waiting request again (adapters/capacityLedger.ts): a lost event is
// recovered, but a requester that was itself paused does not add events for requests the ledger is about to answer.
import { describe, expect, it } from 'vitest';
import { RAISE_AGAIN_AFTER_MS, shouldRaiseAgain, UNANSWERED_READS_BEFORE_RAISING_AGAIN } from '../../domain/capacityRequests.js';

const raisedAt = 1_000_000;
const raised = (unansweredReads: number, extra: { presumedLost?: boolean } = {}) => ({ raisedAt, raisedInGeneration: 3, unansweredReads, ...extra });

describe('shouldRaiseAgain', () => {
  it('raises a request the ledger kept not answering, once it has been seen passing it by for long enough', () => {
    expect(shouldRaiseAgain(raised(UNANSWERED_READS_BEFORE_RAISING_AGAIN), raisedAt + RAISE_AGAIN_AFTER_MS + 1, 3)).toBe(true);
  });

  it('does not raise again after a pause of the requester alone: seconds passed, but the ledger was read only once since', () => {
    // A frozen process (or a stalled event loop) wakes up long after it raised; its first read may precede the answer.
    expect(shouldRaiseAgain(raised(1), raisedAt + 60_000, 3)).toBe(false);
    expect(shouldRaiseAgain(raised(UNANSWERED_READS_BEFORE_RAISING_AGAIN - 1), raisedAt + 60_000, 3)).toBe(false);
  });

  it('does not raise again within the wait, however often the ledger was read', () => {
    expect(shouldRaiseAgain(raised(500), raisedAt + RAISE_AGAIN_AFTER_MS, 3)).toBe(false);
  });

  it('raises at once when the ledger continued as new since (the event may have been dropped) or is gone', () => {
    expect(shouldRaiseAgain(raised(0), raisedAt + 1, 4)).toBe(true);
    expect(shouldRaiseAgain(raised(0, { presumedLost: true }), raisedAt + 1, 3)).toBe(true);
  });
});
