// The capacity ledger's book: batched decisions never place more windows than the quota, a request id is applied
// once, the status fits the 16 KB limit and always shows the newest answers, and the sweep agrees with brute force.
import { describe, expect, it } from 'vitest';
import type { CapacityRequest } from '../../contracts/capacity.js';
import { checkQuota, type SlotReservation } from '../../domain/capacity.js';
import { answerIn, answersIn, CapacityBook, encodeSlots, isComplete, reservationsIn } from '../../domain/capacityBook.js';
import { MAX_REQUESTS_PER_EVENT, parseCapacityRequests } from '../../domain/capacityRequests.js';

/** Deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Most windows holding a slot at one instant (brute force over every start). */
function peak(reservations: readonly SlotReservation[]): number {
  return Math.max(0, ...reservations.map((r) => reservations.filter((o) => o.from <= r.from && o.to > r.from).length));
}

/** The quota check as first written (every instant against every window): the sweep must agree with it. */
function bruteForce(existing: readonly SlotReservation[], candidate: SlotReservation, quota: number) {
  const overlapping = existing.filter((r) => r.broadcastId !== candidate.broadcastId && r.from < candidate.to && r.to > candidate.from);
  const instants = [candidate.from, ...overlapping.map((r) => r.from).filter((t) => t > candidate.from)].sort((a, b) => a - b);
  for (const at of instants) {
    const holding = overlapping.filter((r) => r.from <= at && r.to > at);
    if (holding.length + 1 > quota) return { firstExceededAt: at, conflicts: holding };
  }
  return undefined;
}

const reserve = (requestId: string, broadcastId: string, from: number, to: number, quota: number, dryRun?: boolean): CapacityRequest => ({ kind: 'reserve', requestId, broadcastId, from, to, quota, ...(dryRun ? { dryRun } : {}) });
const release = (requestId: string, broadcastId: string): CapacityRequest => ({ kind: 'release', requestId, broadcastId });

describe('checkQuota (sweep)', () => {
  it('agrees with the instant-by-instant check on random windows', () => {
    const next = random(7);
    for (let round = 0; round < 500; round++) {
      const existing = Array.from({ length: Math.floor(next() * 30) }, (_, i) => {
        const from = Math.floor(next() * 100);
        return { broadcastId: `b${i}`, from, to: from + 1 + Math.floor(next() * 40) };
      });
      const from = Math.floor(next() * 100);
      const candidate = { broadcastId: next() < 0.1 ? 'b0' : 'x', from, to: from + 1 + Math.floor(next() * 40) };
      const quota = Math.floor(next() * 6);
      const expected = bruteForce(existing, candidate, quota);
      const got = checkQuota(existing, candidate, quota);
      expect(got?.firstExceededAt).toEqual(expected?.firstExceededAt);
      expect(got?.conflicts.map((c) => c.broadcastId).sort()).toEqual(expected?.conflicts.map((c) => c.broadcastId).sort());
    }
  });
});

describe('CapacityBook', () => {
  it('never holds more windows at once than the quota, whatever the batches and their order', () => {
    const next = random(42);
    const quota = 4;
    const book = new CapacityBook();
    const accepted = new Set<string>();
    let n = 0;
    // Many requesters at once: each batch is what one function instance gathered; batches interleave.
    for (let batch = 0; batch < 300; batch++) {
      const requests = Array.from({ length: 1 + Math.floor(next() * 20) }, () => {
        const id = `b${Math.floor(next() * 200)}`;
        if (next() < 0.15) return release(`r${n++}`, id);
        const from = Math.floor(next() * 1_000);
        return reserve(`r${n++}`, id, from, from + 10 + Math.floor(next() * 100), quota, next() < 0.1);
      });
      for (const request of requests) {
        const decision = book.decide(request, 0);
        if (request.kind === 'reserve' && !request.dryRun && decision.ok) accepted.add(request.broadcastId);
        if (request.kind === 'release') accepted.delete(request.broadcastId);
        if (!decision.ok) {
          expect(decision.conflictCount).toBeGreaterThanOrEqual(quota);
          expect(decision.conflicts?.length).toBe(Math.min(5, decision.conflictCount ?? 0));
        }
      }
    }
    const held = reservationsIn(book.nextGeneration(0));
    expect(new Set(held.map((r) => r.broadcastId))).toEqual(accepted);
    expect(peak(held)).toBeLessThanOrEqual(quota);
    expect(peak(held)).toBe(quota); // the load was high enough to fill it
  });

  it('decides exactly like one request at a time against the whole list (the first ledger), across generations', () => {
    const next = random(3);
    let book = new CapacityBook();
    let reference: SlotReservation[] = [];
    for (let i = 0; i < 2_000; i++) {
      const now = i * 5;
      const id = `b${Math.floor(next() * 300)}`;
      const from = now + Math.floor(next() * 2_000) - 200;
      const to = from + 20 + Math.floor(next() * 300);
      const request = next() < 0.2 ? release(`q${i}`, id) : reserve(`q${i}`, id, from, to, 6);
      // Continue-as-new now and then: later requests are checked against the carried slot string.
      if (i % 37 === 36) book = new CapacityBook(book.nextGeneration(now));
      const decision = book.decide(request, now);
      reference = reference.filter((r) => r.to > now);
      if (request.kind === 'release') {
        reference = reference.filter((r) => r.broadcastId !== request.broadcastId);
        expect(decision.ok).toBe(true);
      } else {
        const candidate = { broadcastId: request.broadcastId, from: request.from, to: request.to };
        const expected = bruteForce(reference, candidate, request.quota);
        expect(decision.ok).toBe(expected === undefined);
        expect(decision.firstExceededAt).toBe(expected?.firstExceededAt);
        if (!expected) reference = [...reference.filter((r) => r.broadcastId !== request.broadcastId), candidate];
      }
    }
    const carried = reservationsIn(book.nextGeneration(10_000));
    expect(carried.map((r) => r.broadcastId).sort()).toEqual(reference.filter((r) => r.to > 10_000).map((r) => r.broadcastId).sort());
    // The next generation decides from the carried slots as this one would have.
    const following = new CapacityBook(book.nextGeneration(10_000));
    expect(following.decide(reserve('z', 'probe', 10_000, 12_000, 6), 10_000).ok).toBe(bruteForce(reference.filter((r) => r.to > 10_000), { broadcastId: 'probe', from: 10_000, to: 12_000 }, 6) === undefined);
  });

  it('answers a request id raised again with its first answer and applies it once', () => {
    const book = new CapacityBook();
    expect(book.decide(reserve('a', 'one', 0, 10, 1), 0).ok).toBe(true);
    expect(book.decide(reserve('a', 'one', 0, 10, 1), 0).ok).toBe(true); // the same request again
    expect(book.size).toBe(1);
    const refused = book.decide(reserve('b', 'two', 5, 15, 1), 0);
    expect(refused).toMatchObject({ ok: false, firstExceededAt: 5, conflictCount: 1 });
    expect(book.decide(release('c', 'one'), 0).ok).toBe(true);
    expect(book.decide(reserve('d', 'one', 20, 30, 1), 0).ok).toBe(true);
    // The release raised again after a later reserve of the same broadcast must not drop that reserve.
    expect(book.decide(release('c', 'one'), 0).ok).toBe(true);
    expect(book.size).toBe(1);
    // The refusal raised again is the same refusal, although the slot is now free.
    expect(book.decide(reserve('b', 'two', 5, 15, 1), 0)).toEqual(refused);
    // Remembered across continue-as-new.
    const next = new CapacityBook(book.nextGeneration(0));
    expect(next.generation).toBe(1);
    expect(next.decide(reserve('b', 'two', 5, 15, 1), 0)).toEqual(refused);
    expect(next.decide(reserve('e', 'two', 5, 15, 1), 0).ok).toBe(true);
  });

  it('keeps its status under 16 KB of UTF-16 with the newest answers shown first', () => {
    const book = new CapacityBook();
    for (let i = 0; i < 8; i++) book.decide(reserve(`fill${i}`, `broadcast-with-a-long-name-${i}`, 0, 1_000, 8), 0);
    for (let i = 0; i < 3_000; i++) {
      const refused = i % 3 === 0;
      book.decide(reserve(`req-${String(i).padStart(8, '0')}`, refused ? `late-${i}` : 'broadcast-with-a-long-name-0', 0, 1_000, 8), 0);
    }
    const status = book.status();
    expect(JSON.stringify(status).length * 2).toBeLessThan(16 * 1024);
    expect(answerIn(status, 'req-00002999')).toEqual({ requestId: 'req-00002999', ok: true });
    expect(answerIn(status, 'req-00002997')).toMatchObject({ ok: false, conflictCount: 8, conflicts: expect.any(Array) });
    expect(isComplete(answerIn(status, 'req-00002997')!)).toBe(true);
    // Older refusals are shown without their conflicts: the requester raises its request again to read them.
    const brief = answerIn(status, 'req-00002970');
    expect(brief).toMatchObject({ ok: false, conflictCount: 8 });
    expect(isComplete(brief!)).toBe(false);
    book.decide(reserve('req-00002970', 'late-2970', 0, 1_000, 8), 0);
    expect(answerIn(book.status(), 'req-00002970')?.conflicts).toHaveLength(5);
    expect(answerIn(status, 'req-00000001')).toBeUndefined(); // long forgotten by the status (still remembered for a raise)
    expect(answersIn(status).size).toBeGreaterThan(150); // even when a third are refusals: ~0.75 s of answers at 200 req/s
    expect(answerIn(status, 'req-0000299')).toBeUndefined(); // a prefix is not an answer
  });

  it('reads old ledgers (object reservations) and skips invalid entries', () => {
    const book = new CapacityBook({ reservations: [{ broadcastId: 'old', from: 0, to: 10 }, ['new', 5, 20], ['bad', 10, 5], 'x' as never], recent: [] });
    expect(book.size).toBe(2);
    expect(book.decide(reserve('r', 'third', 6, 8, 2), 0).ok).toBe(false);
    // Ended windows no longer hold a slot and are not carried over.
    expect(book.decide(reserve('s', 'third', 12, 15, 1), 11).ok).toBe(false); // 'new' runs until 20
    expect(reservationsIn(book.nextGeneration(15))).toEqual([{ broadcastId: 'new', from: 5, to: 20 }]);
    // The seeding format (bench:api): invalid ids are left out, the rest decide as usual.
    const seeded = new CapacityBook({ ...encodeSlots([{ broadcastId: 'seed-1', from: 0, to: 10 }, { broadcastId: 'Bad.Id', from: 0, to: 10 }]), recent: [] });
    expect(seeded.size).toBe(1);
    expect(seeded.decide(reserve('v', 'w', 5, 6, 1), 0)).toMatchObject({ ok: false, conflicts: [{ broadcastId: 'seed-1', from: 0, to: 10 }] });
    // Out of order and repeated (hand-made input): sorted on load, the last window of a broadcast wins.
    const loaded = new CapacityBook({ reservations: [['c', 30, 40], ['a', 0, 10], ['b', 5, 35], ['a', 20, 25]], recent: [] });
    expect(loaded.size).toBe(3);
    expect(reservationsIn(loaded.nextGeneration(0)).map((r) => [r.broadcastId, r.from, r.to])).toEqual([['b', 5, 35], ['a', 20, 25], ['c', 30, 40]]);
    expect(loaded.decide(reserve('t', 'd', 21, 22, 2), 0)).toMatchObject({ ok: false, firstExceededAt: 21, conflictCount: 2 });
    expect(loaded.decide(reserve('u', 'd', 0, 5, 1), 0).ok).toBe(true); // 'a' moved away from [0, 10)
  });

  it('reads the fixed-width slots and answer objects of the ledgers before the compact state', () => {
    const fixedWidth = (id: string, from: number, to: number) => from.toString(36).padStart(11, '0') + to.toString(36).padStart(11, '0') + id.padEnd(29, '.');
    const refused = { requestId: 'old-refused', ok: false, firstExceededAt: 5, conflicts: [{ broadcastId: 'a', from: 0, to: 10 }], conflictCount: 1 };
    const book = new CapacityBook({ generation: 7, slots: fixedWidth('a', 0, 10) + fixedWidth('b', 20, 40), longest: 20, recent: [{ requestId: 'old-ok', ok: true }, refused] });
    expect(reservationsIn(book.nextGeneration(0))).toEqual([{ broadcastId: 'a', from: 0, to: 10 }, { broadcastId: 'b', from: 20, to: 40 }]);
    expect(book.decide(reserve('x', 'c', 5, 25, 1), 0)).toMatchObject({ ok: false, firstExceededAt: 5 });
    expect(book.decide(reserve('old-refused', 'c', 12, 15, 1), 0)).toEqual(refused); // answered as before, not decided again
    // Carried on in the compact state: a slot in ~25 characters instead of 51, an accepted answer in its id.
    const next = book.nextGeneration(0);
    expect(next.windows).toBe('0,a,a k,k,b');
    expect(next.answers).toBe('old-ok x! old-refused!'); // oldest first; the one raised again is among the newest
    expect(new CapacityBook(next).decide(reserve('old-refused', 'c', 12, 15, 1), 0)).toEqual(refused);
  });
});

describe('parseCapacityRequests', () => {
  it('takes one request or a batch, drops invalid entries, refuses oversized batches', () => {
    const ok = reserve('abc_DEF-1', 'one', 0, 10, 1);
    expect(parseCapacityRequests(ok)).toEqual([ok]);
    expect(parseCapacityRequests({ requests: [ok, { kind: 'reserve' }, release('x', 'Bad Id')] })).toEqual([ok]);
    expect(parseCapacityRequests({ requests: Array.from({ length: MAX_REQUESTS_PER_EVENT + 1 }, () => ok) })).toEqual([]);
    expect(parseCapacityRequests({ requests: [ok], extra: 1 })).toEqual([]);
    expect(parseCapacityRequests(null)).toEqual([]);
    expect(parseCapacityRequests({ requests: 'no' })).toEqual([]);
  });
});
