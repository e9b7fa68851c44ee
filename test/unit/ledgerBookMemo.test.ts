// The ledger's book kept between episodes: an episode decides only its new requests, and whatever the worker
// remembers, every episode ends with exactly the book a full replay from the input would build.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapacityRequest } from '../../contracts/capacity.js';
import { CapacityBook, encodeSlots } from '../../domain/capacityBook.js';
import { forgetLedgerBooks, ReplayedBook } from '../../orchestrators/ledgerBookMemo.js';

const input = { generation: 3, ...encodeSlots([{ broadcastId: 'seed', from: 0, to: 1_000 }]) };
const reserve = (n: number, from: number): CapacityRequest => ({ kind: 'reserve', requestId: `r${n}`, broadcastId: `b${n}`, from, to: from + 100, quota: 2 });
/** Event i of the execution: one or two requests, decided at time i. */
const events = Array.from({ length: 12 }, (_, i) => ({ requests: i % 3 === 0 ? [reserve(i, i * 50), reserve(100 + i, i * 50 + 20)] : [reserve(i, i * 50)], now: i }));

/** One episode: the library replays the execution's events in order, then the book is read (status, continue-as-new). */
function episode(execution: string, played: ReadonlyArray<{ requests: CapacityRequest[]; now: number }>) {
  const book = new ReplayedBook(execution, input);
  for (const e of played) book.apply(e.requests, e.now);
  return book.current();
}

/** What a full replay from the input builds. */
function replayed(played: ReadonlyArray<{ requests: CapacityRequest[]; now: number }>) {
  const book = new CapacityBook(input);
  for (const e of played) for (const r of e.requests) book.decide(r, e.now);
  return book;
}

const same = (a: CapacityBook, b: CapacityBook) => {
  expect(a.status()).toEqual(b.status());
  expect(a.nextGeneration(5)).toEqual(b.nextGeneration(5));
};

describe('ReplayedBook', () => {
  afterEach(() => {
    forgetLedgerBooks();
    vi.restoreAllMocks();
  });

  it('decides only the new events of an episode, and ends where a full replay ends', () => {
    const decide = vi.spyOn(CapacityBook.prototype, 'decide');
    for (let seen = 1; seen <= events.length; seen++) {
      const before = decide.mock.calls.length;
      const book = episode('ledger|3', events.slice(0, seen));
      // Only the newest event's requests were decided in this episode.
      expect(decide.mock.calls.length - before).toBe((events[seen - 1] as (typeof events)[number]).requests.length);
      same(book, replayed(events.slice(0, seen)));
    }
  });

  it('rebuilds when the history differs from what it remembers (an episode whose result was not kept)', () => {
    episode('ledger|3', events.slice(0, 6));
    // The episode that decided events 4 and 5 was lost; other events came instead.
    const other = [...events.slice(0, 4), { requests: [reserve(50, 10)], now: 4 }, { requests: [reserve(51, 30)], now: 5 }];
    same(episode('ledger|3', other), replayed(other));
    // The same events at another time are other events too (a decision depends on `now`).
    const later = [...events.slice(0, 4), { ...(events[4] as (typeof events)[number]), now: 900 }];
    same(episode('ledger|3', later), replayed(later));
  });

  it('reads the book where the replay stands when it remembers more events', () => {
    episode('ledger|3', events);
    same(episode('ledger|3', events.slice(0, 5)), replayed(events.slice(0, 5)));
    // And goes on from there.
    same(episode('ledger|3', events.slice(0, 7)), replayed(events.slice(0, 7)));
  });

  it('keeps executions apart', () => {
    episode('ledger|3', events.slice(0, 8));
    const decide = vi.spyOn(CapacityBook.prototype, 'decide');
    const book = episode('ledger|4', events.slice(0, 2));
    expect(decide).toHaveBeenCalledTimes(3); // nothing of execution 3 was reused
    same(book, replayed(events.slice(0, 2)));
  });
});
