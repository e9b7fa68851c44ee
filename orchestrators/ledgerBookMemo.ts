/**
 * The capacity ledger's book kept in this worker's memory between episodes, so that an episode decides only the
 * requests that are new to it instead of replaying every request of its execution again (with 10,000 slots a
 * replayed decision costs ~30 µs and an execution holds up to ~500 of them). This is what the Durable Task
 * Framework's extended sessions do for in-process orchestrations; the Node worker replays from scratch, so the
 * ledger keeps its own.
 *
 * It is a cache and nothing else: an episode produces exactly what a full replay would. Every event is
 * fingerprinted with the time it was decided at; the remembered book is used only while the events replayed so
 * far are the ones it applied, in order. A book ahead of the history (an episode whose result was not kept, then
 * given other events) or of another execution is rebuilt from the input and the events this replay has seen.
 * Another worker (scale-out, a restart) has no book and rebuilds it once.
 */
import type { CapacityLedgerState, CapacityRequest } from '../contracts/capacity.js';
import { CapacityBook } from '../domain/capacityBook.js';
import { setNewest } from '../domain/newestEntries.js';

/** Ledgers (accounts) whose book a worker keeps; the least recently used is dropped first. */
export const BOOKS_KEPT = 32;

interface KeptBook {
  book: CapacityBook;
  /** Fingerprints of the events applied to `book`, in order. */
  applied: string[];
}

const kept = new Map<string, KeptBook>();

interface ReplayedEvent {
  requests: CapacityRequest[];
  now: number;
  fingerprint: string;
}

const fingerprintOf = (requests: readonly CapacityRequest[], now: number): string =>
  `${now}|${requests.map((r) => (r.kind === 'release' ? `-${r.requestId}:${r.broadcastId}` : `+${r.requestId}:${r.broadcastId}:${r.from}:${r.to}:${r.quota}:${r.dryRun === true}`)).join('|')}`;

/** One replay of one ledger execution: apply its events in order, then read the book where the replay stands. */
export class ReplayedBook {
  readonly #key: string;
  readonly #input: Partial<CapacityLedgerState>;
  readonly #events: ReplayedEvent[] = [];

  /**
   * `execution` names the execution (instance, generation, start time): its input is the same whenever the name is.
   */
  constructor(execution: string, input: Partial<CapacityLedgerState>) {
    this.#key = execution;
    this.#input = input;
  }

  /** The next event of the execution: decided now unless the remembered book applied this very event already. */
  apply(requests: CapacityRequest[], now: number): void {
    const position = this.#events.length;
    const event = { requests, now, fingerprint: fingerprintOf(requests, now) };
    this.#events.push(event);
    const memo = kept.get(this.#key);
    if (memo && memo.applied.length > position && memo.applied[position] === event.fingerprint) return;
    const at = memo && memo.applied.length === position ? memo : this.#rebuild(position);
    this.#decide(at, event);
  }

  /** The book after every event applied so far. */
  current(): CapacityBook {
    const memo = kept.get(this.#key);
    if (memo && memo.applied.length === this.#events.length) {
      setNewest(kept, this.#key, memo, BOOKS_KEPT); // the least recently used is dropped first
      return memo.book;
    }
    return this.#rebuild(this.#events.length).book;
  }

  /** A book from the input with the first `count` events of this replay applied, remembered in place of any other. */
  #rebuild(count: number): KeptBook {
    const fresh: KeptBook = { book: new CapacityBook(this.#input), applied: [] };
    setNewest(kept, this.#key, fresh, BOOKS_KEPT);
    for (const event of this.#events.slice(0, count)) this.#decide(fresh, event);
    return fresh;
  }

  #decide(memo: KeptBook, event: ReplayedEvent): void {
    try {
      for (const request of event.requests) memo.book.decide(request, event.now);
    } catch (error) {
      // Half applied: never reuse it.
      kept.delete(this.#key);
      throw error;
    }
    memo.applied.push(event.fingerprint);
  }
}

/** Forgets every kept book (tests: a worker that has never run the ledger). */
export function forgetLedgerBooks(): void {
  kept.clear();
}
