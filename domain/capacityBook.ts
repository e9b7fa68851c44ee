/**
 * The capacity ledger's book for one account: its slot reservations, indexed by start so that a request is
 * checked against the windows near it only, and the recent decisions by request id, so a request raised again
 * is answered the same without being applied twice. Pure: the ledger orchestration rebuilds it on every replay
 * (from its input, then every request of the generation), which is why each step must be cheap.
 */
import type { CapacityDecision, CapacityLedgerState, CapacityLedgerStatus, CapacityRequest } from '../contracts/capacity.js';
import { broadcastIdPattern } from './broadcastRequest.js';
import { checkQuota, type SlotReservation } from './capacity.js';

/** Decisions remembered for requests raised again (carried across continue-as-new). */
export const DECISIONS_REMEMBERED = 2_000;
/**
 * Characters of the custom status given to decisions: the extension refuses a status over 16 KB of UTF-16
 * (8,192 characters); ~13 characters per accepted request id leave room for ~500 recent answers.
 */
export const STATUS_DECISION_CHARS = 7_000;
/** Conflicts a refusal names (the 409 shows them; `conflictCount` has the full number). */
const CONFLICTS_SHOWN = 5;
/**
 * Refusals the status shows with their conflicts (~450 characters each); older ones are shown without them
 * (~80 characters), and a requester that finds its refusal so raises it again to get it in full.
 */
export const DETAILED_REFUSALS = 5;

/**
 * The slots carried across continue-as-new, as one string of fixed-width records sorted by start: from and to
 * (ms, base 36, 11 characters each) and the broadcast id padded with '.' to 29 characters. The ledger replays
 * its input on every episode; one long string costs the JSON parsers almost nothing (10,000 slots as JSON
 * arrays cost milliseconds per episode), and a request decodes only the records near its window.
 */
const TIME_CHARS = 11;
const ID_CHARS = 29;
const RECORD_CHARS = 2 * TIME_CHARS + ID_CHARS;
const encodeTime = (ms: number) => ms.toString(36).padStart(TIME_CHARS, '0');
const encodeSlot = (r: SlotReservation) => encodeTime(r.from) + encodeTime(r.to) + r.broadcastId.padEnd(ID_CHARS, '.');
const byStart = (a: SlotReservation, b: SlotReservation) => a.from - b.from || (a.broadcastId < b.broadcastId ? -1 : a.broadcastId > b.broadcastId ? 1 : 0);

/** The slot string of a list of reservations (the ledger's input format; the benchmark seeds a ledger with it). */
export function encodeSlots(reservations: readonly SlotReservation[]): { slots: string; longest: number } {
  const valid = reservations.filter((r) => broadcastIdPattern.test(r.broadcastId) && r.broadcastId.length <= ID_CHARS && Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 0 && r.to > r.from);
  return { slots: [...valid].sort(byStart).map(encodeSlot).join(''), longest: Math.max(0, ...valid.map((r) => r.to - r.from)) };
}

/** The reservations a ledger state holds (tests, tools; the ledger itself decodes only what it needs). */
export function reservationsIn(state: Partial<CapacityLedgerState>): SlotReservation[] {
  return decodeAll(new CapacityBook(state).nextGeneration(-Infinity).slots ?? '');
}

function decodeAll(slots: string): SlotReservation[] {
  return Array.from({ length: Math.floor(slots.length / RECORD_CHARS) }, (_, i) => slotAt(slots, i));
}

function slotAt(slots: string, i: number): SlotReservation {
  const at = i * RECORD_CHARS;
  return { from: parseInt(slots.substr(at, TIME_CHARS), 36), to: parseInt(slots.substr(at + TIME_CHARS, TIME_CHARS), 36), broadcastId: slots.substr(at + 2 * TIME_CHARS, ID_CHARS).replace(/\.+$/, '') };
}

export class CapacityBook {
  /** The slots this generation started with (immutable during it) and how many. */
  readonly #base: string;
  readonly #baseCount: number;
  readonly #baseLongest: number;
  /** Broadcasts whose base slot no longer counts (released, or reserved again: their new window is in #byStart). */
  readonly #removed = new Set<string>();
  /** Base records decoded so far, by index. */
  readonly #decoded = new Map<number, SlotReservation>();
  /** Windows reserved in this generation, sorted by `from` (then id). */
  readonly #byStart: SlotReservation[] = [];
  readonly #byId = new Map<string, SlotReservation>();
  #longest = 0;
  /** Insertion order = decision order (a Map keeps it); the oldest are forgotten first. */
  readonly #decisions = new Map<string, CapacityDecision>();
  readonly generation: number;

  constructor(state: Partial<CapacityLedgerState> = {}) {
    this.generation = Number.isSafeInteger(state.generation) ? (state.generation as number) : 0;
    if (typeof state.slots === 'string') {
      this.#base = state.slots.slice(0, state.slots.length - (state.slots.length % RECORD_CHARS));
      this.#baseLongest = Number.isFinite(state.longest) ? (state.longest as number) : Math.max(0, ...decodeAll(this.#base).map((r) => r.to - r.from));
    } else {
      // Ledgers from before the slot string: a list of objects or [id, from, to]; the last window of an id wins.
      const latest = new Map<string, SlotReservation>();
      for (const entry of Array.isArray(state.reservations) ? state.reservations : []) {
        const r = readReservation(entry);
        if (r) latest.set(r.broadcastId, r);
      }
      ({ slots: this.#base, longest: this.#baseLongest } = encodeSlots([...latest.values()]));
    }
    this.#baseCount = this.#base.length / RECORD_CHARS;
    for (const d of Array.isArray(state.recent) ? state.recent : []) {
      if (d && typeof d.requestId === 'string' && typeof d.ok === 'boolean') this.#remember(d);
    }
  }

  /** Windows held: exact until something is released or moved in this generation (then an upper bound). */
  get size(): number {
    return this.#baseCount + this.#byId.size;
  }

  /** Decides one request; a request id seen before gets its earlier answer and changes nothing. */
  decide(request: CapacityRequest, now: number): CapacityDecision {
    const earlier = this.#decisions.get(request.requestId);
    if (earlier) {
      this.#decisions.delete(request.requestId);
      this.#decisions.set(request.requestId, earlier); // shown again among the newest answers
      return earlier;
    }
    let decision: CapacityDecision;
    if (request.kind === 'release') {
      this.#remove(request.broadcastId);
      decision = { requestId: request.requestId, ok: true };
    } else {
      const candidate = { broadcastId: request.broadcastId, from: request.from, to: request.to };
      const exceeded = checkQuota(this.#near(candidate, now), candidate, request.quota);
      if (exceeded) {
        decision = { requestId: request.requestId, ok: false, firstExceededAt: exceeded.firstExceededAt, conflicts: exceeded.conflicts.slice(0, CONFLICTS_SHOWN), conflictCount: exceeded.conflicts.length };
      } else {
        if (!request.dryRun) {
          this.#remove(request.broadcastId);
          this.#put(candidate);
        }
        decision = { requestId: request.requestId, ok: true };
      }
    }
    this.#remember(decision);
    return decision;
  }

  /** Windows still running at `now` that overlap `candidate` (ended ones no longer hold a slot). */
  #near(candidate: SlotReservation, now: number): SlotReservation[] {
    const found: SlotReservation[] = [];
    const earliest = candidate.from - Math.max(this.#baseLongest, this.#longest);
    for (let i = this.#baseIndexFrom(earliest); i < this.#baseCount; i++) {
      // Neighbouring requests look at the same records: each is decoded once per replay.
      let r = this.#decoded.get(i);
      if (!r) {
        r = slotAt(this.#base, i);
        this.#decoded.set(i, r);
      }
      if (r.from >= candidate.to) break;
      if (r.to > candidate.from && r.to > now && !this.#removed.has(r.broadcastId)) found.push(r);
    }
    for (let i = this.#indexFrom(earliest); i < this.#byStart.length; i++) {
      const r = this.#byStart[i] as SlotReservation;
      if (r.from >= candidate.to) break;
      if (r.to > candidate.from && r.to > now) found.push(r);
    }
    return found;
  }

  /** First base record starting at or after `at` (binary search on the fixed-width records). */
  #baseIndexFrom(at: number): number {
    let lo = 0;
    let hi = this.#baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (parseInt(this.#base.substr(mid * RECORD_CHARS, TIME_CHARS), 36) < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexFrom(at: number): number {
    let lo = 0;
    let hi = this.#byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#byStart[mid] as SlotReservation).from < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #put(r: SlotReservation): void {
    let i = this.#indexFrom(r.from);
    while (i < this.#byStart.length && (this.#byStart[i] as SlotReservation).from === r.from && (this.#byStart[i] as SlotReservation).broadcastId < r.broadcastId) i++;
    this.#byStart.splice(i, 0, r);
    this.#byId.set(r.broadcastId, r);
    this.#longest = Math.max(this.#longest, r.to - r.from);
  }

  /** The broadcast holds no window any more: its base slot is ignored, its window of this generation dropped. */
  #remove(broadcastId: string): void {
    this.#removed.add(broadcastId);
    const r = this.#byId.get(broadcastId);
    if (!r) return;
    this.#byId.delete(broadcastId);
    for (let i = this.#indexFrom(r.from); i < this.#byStart.length; i++) {
      if (this.#byStart[i] === r) {
        this.#byStart.splice(i, 1);
        return;
      }
    }
  }

  #remember(decision: CapacityDecision): void {
    this.#decisions.set(decision.requestId, decision);
    if (this.#decisions.size > DECISIONS_REMEMBERED) this.#decisions.delete(this.#decisions.keys().next().value as string);
  }

  /**
   * The custom status: the newest answers that fit the budget, accepted ones as a space-separated list of
   * request ids, refusals (the newest with their conflicts). A requester polls it for its request id.
   */
  status(): CapacityLedgerStatus {
    const accepted: string[] = [];
    const refused: CapacityDecision[] = [];
    let budget = STATUS_DECISION_CHARS;
    for (const d of [...this.#decisions.values()].reverse()) {
      const shown = d.ok || refused.length < DETAILED_REFUSALS ? d : { requestId: d.requestId, ok: false, firstExceededAt: d.firstExceededAt, conflictCount: d.conflictCount };
      budget -= d.ok ? d.requestId.length + 1 : JSON.stringify(shown).length + 1;
      if (budget < 0) break;
      if (d.ok) accepted.push(d.requestId);
      else refused.push(shown);
    }
    return { generation: this.generation, reservations: this.size, accepted: accepted.join(' '), refused };
  }

  /**
   * The input of the next generation: windows still running at `now`, merged into one slot string (records of
   * the base are copied as they are, only this generation's windows are encoded); the remembered answers.
   */
  nextGeneration(now: number): CapacityLedgerState {
    const parts: string[] = [];
    const added = this.#byStart.filter((r) => r.to > now);
    let b = 0;
    let longest = 0;
    const emitAdded = (r: SlotReservation) => {
      parts.push(encodeSlot(r));
      longest = Math.max(longest, r.to - r.from);
    };
    for (let i = 0; i < this.#baseCount; i++) {
      const at = i * RECORD_CHARS;
      const from = parseInt(this.#base.substr(at, TIME_CHARS), 36);
      const to = parseInt(this.#base.substr(at + TIME_CHARS, TIME_CHARS), 36);
      // Both lists are sorted by start: the merge keeps the order.
      while (b < added.length && (added[b] as SlotReservation).from < from) emitAdded(added[b++] as SlotReservation);
      if (to <= now || this.#removed.has(this.#base.substr(at + 2 * TIME_CHARS, ID_CHARS).replace(/\.+$/, ''))) continue;
      parts.push(this.#base.substr(at, RECORD_CHARS));
      longest = Math.max(longest, to - from);
    }
    while (b < added.length) emitAdded(added[b++] as SlotReservation);
    return { generation: this.generation + 1, slots: parts.join(''), longest, recent: [...this.#decisions.values()] };
  }
}

/**
 * The answer to `requestId` in a ledger status, if it is among the answers shown. A refusal shown without its
 * conflicts (`isComplete` false) is raised again to read it in full.
 */
export function answerIn(status: CapacityLedgerStatus, requestId: string): CapacityDecision | undefined {
  if (` ${status.accepted} `.includes(` ${requestId} `)) return { requestId, ok: true };
  return status.refused.find((d) => d.requestId === requestId);
}

/** Every answer a ledger status shows, by request id. */
export function answersIn(status: CapacityLedgerStatus): Map<string, CapacityDecision> {
  const answers = new Map<string, CapacityDecision>();
  for (const requestId of status.accepted.split(' ')) if (requestId) answers.set(requestId, { requestId, ok: true });
  for (const d of status.refused) answers.set(d.requestId, d);
  return answers;
}

function readReservation(entry: unknown): SlotReservation | undefined {
  // Compact [id, from, to] since the batched ledger; objects before it.
  const [broadcastId, from, to] = Array.isArray(entry) ? entry : entry && typeof entry === 'object' ? [(entry as SlotReservation).broadcastId, (entry as SlotReservation).from, (entry as SlotReservation).to] : [];
  if (typeof broadcastId !== 'string' || !Number.isFinite(from) || !Number.isFinite(to) || (to as number) <= (from as number)) return undefined;
  return { broadcastId, from: from as number, to: to as number };
}

/** Whether an answer carries everything the caller shows (a refusal its conflicts). */
export const isComplete = (d: CapacityDecision): boolean => d.ok || d.conflicts !== undefined || !d.conflictCount;
