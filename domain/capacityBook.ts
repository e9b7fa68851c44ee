/**
 * The capacity ledger's book for one account: its slot reservations, indexed by start so that a request is
 * checked against the windows near it only, and the recent decisions by request id, so a request raised again
 * is answered the same without being applied twice. Pure: the ledger orchestration rebuilds it on every replay
 * (from its input, then every request of the generation), which is why each step must be cheap.
 */
import type { CapacityDecision, CapacityLedgerState, CapacityLedgerStatus, CapacityRequest } from '../contracts/capacity.js';
import { broadcastIdPattern } from './broadcastRequest.js';
import { checkQuota, type SlotReservation } from './capacity.js';
import { setNewest } from './newestEntries.js';

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
 * The slots carried across continue-as-new, as one string of records sorted by start and separated by spaces:
 * `from,length,broadcastId` with from and length (ms) in base 36, ~25 characters a slot. The ledger's input
 * travels in every episode's history (twice: the ExecutionStarted event and the input), so its size is the
 * cost of an episode; one long string costs the JSON parsers little, and a request decodes only the records
 * near its window.
 */
const encodeSlot = (r: SlotReservation) => `${r.from.toString(36)},${(r.to - r.from).toString(36)},${r.broadcastId}`;
const byStart = (a: SlotReservation, b: SlotReservation) => a.from - b.from || (a.broadcastId < b.broadcastId ? -1 : a.broadcastId > b.broadcastId ? 1 : 0);
const isValidSlot = (r: SlotReservation) => broadcastIdPattern.test(r.broadcastId) && Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 0 && r.to > r.from;

/** The slot string of a list of reservations (the ledger's input format; the benchmark seeds a ledger with it). */
export function encodeSlots(reservations: readonly SlotReservation[]): { windows: string; longest: number } {
  const valid = reservations.filter(isValidSlot);
  return { windows: [...valid].sort(byStart).map(encodeSlot).join(' '), longest: longestOf(valid) };
}

/** The reservations a ledger state holds (tests, tools; the ledger itself decodes only what it needs). */
export function reservationsIn(state: Partial<CapacityLedgerState>): SlotReservation[] {
  const slots = new SlotRecords(new CapacityBook(state).nextGeneration(-Infinity).windows ?? '');
  return Array.from({ length: slots.count }, (_, i) => slots.at(i));
}

/** A slot string, its record boundaries indexed once; records are decoded when asked for. */
class SlotRecords {
  readonly text: string;
  /** Where each record starts, and one past the end. */
  readonly #starts: Uint32Array;

  constructor(text: string) {
    this.text = text;
    const starts: number[] = [];
    for (let at = 0; at < text.length; ) {
      starts.push(at);
      const space = text.indexOf(' ', at);
      at = space < 0 ? text.length : space + 1;
    }
    starts.push(text.length + 1);
    this.#starts = Uint32Array.from(starts);
  }

  get count(): number {
    return this.#starts.length - 1;
  }

  /** Records `from` to `to` (exclusive) as they are in the text, to carry them to the next generation. */
  slice(from: number, to: number): string {
    return this.text.slice(this.#starts[from], (this.#starts[to] as number) - 1);
  }

  fromAt(i: number): number {
    const at = this.#starts[i] as number;
    return parseInt(this.text.slice(at, this.text.indexOf(',', at)), 36);
  }

  /** The window of record `i` without its broadcast id (what most steps need). */
  windowAt(i: number): { from: number; to: number } {
    const at = this.#starts[i] as number;
    const comma = this.text.indexOf(',', at);
    const from = parseInt(this.text.slice(at, comma), 36);
    return { from, to: from + parseInt(this.text.slice(comma + 1, this.text.indexOf(',', comma + 1)), 36) };
  }

  idAt(i: number): string {
    const end = (this.#starts[i + 1] as number) - 1;
    return this.text.slice(this.text.lastIndexOf(',', end - 1) + 1, end);
  }

  at(i: number): SlotReservation {
    const { from, to } = this.windowAt(i);
    return { broadcastId: this.idAt(i), from, to };
  }
}

const longestOf = (reservations: readonly SlotReservation[]) => reservations.reduce((longest, r) => Math.max(longest, r.to - r.from), 0);

/** Ledgers from before the current slot string: fixed-width records (from and to in 11 base-36 digits, the id padded with '.' to 29 characters). */
const LEGACY_RECORD_CHARS = 51;
function legacySlots(slots: string): SlotReservation[] {
  return Array.from({ length: Math.floor(slots.length / LEGACY_RECORD_CHARS) }, (_, i) => {
    const at = i * LEGACY_RECORD_CHARS;
    return { from: parseInt(slots.substr(at, 11), 36), to: parseInt(slots.substr(at + 11, 11), 36), broadcastId: slots.substr(at + 22, 29).replace(/\.+$/, '') };
  });
}

export class CapacityBook {
  /** The slots this generation started with (immutable during it). */
  readonly #base: SlotRecords;
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
    if (typeof state.windows === 'string') {
      this.#base = new SlotRecords(state.windows);
      this.#baseLongest = Number.isFinite(state.longest) ? (state.longest as number) : longestOf(Array.from({ length: this.#base.count }, (_, i) => this.#base.at(i)));
    } else {
      // Ledgers from before the slot string (fixed-width records, or a list of objects or [id, from, to]); the last window of an id wins.
      const latest = new Map<string, SlotReservation>();
      const entries = typeof state.slots === 'string' ? legacySlots(state.slots) : Array.isArray(state.reservations) ? state.reservations : [];
      for (const entry of entries) {
        const r = readReservation(entry);
        if (r) latest.set(r.broadcastId, r);
      }
      const encoded = encodeSlots([...latest.values()]);
      this.#base = new SlotRecords(encoded.windows);
      this.#baseLongest = encoded.longest;
    }
    for (const d of Array.isArray(state.recent) ? state.recent : []) {
      if (d && typeof d.requestId === 'string' && typeof d.ok === 'boolean') this.#remember(d);
    }
    const refusals = new Map((Array.isArray(state.refusals) ? state.refusals : []).map((d) => [d?.requestId, d]));
    for (const answer of typeof state.answers === 'string' ? state.answers.split(' ') : []) {
      // `id` accepted, `id!` refused (its details in `refusals`).
      const refused = answer.endsWith('!');
      const requestId = refused ? answer.slice(0, -1) : answer;
      if (requestId) this.#remember(refused ? { ...refusals.get(requestId), requestId, ok: false } : { requestId, ok: true });
    }
  }

  /** Windows held: exact until something is released or moved in this generation (then an upper bound). */
  get size(): number {
    return this.#base.count + this.#byId.size;
  }

  /** Decides one request; a request id seen before gets its earlier answer and changes nothing. */
  decide(request: CapacityRequest, now: number): CapacityDecision {
    const earlier = this.#decisions.get(request.requestId);
    if (earlier) {
      setNewest(this.#decisions, request.requestId, earlier, DECISIONS_REMEMBERED); // shown again among the newest answers
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
    for (let i = this.#baseIndexFrom(earliest), count = this.#base.count; i < count; i++) {
      // Neighbouring requests look at the same records: each is decoded once per book.
      let r = this.#decoded.get(i);
      if (!r) {
        r = this.#base.at(i);
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

  /** First base record starting at or after `at` (binary search on the sorted records). */
  #baseIndexFrom(at: number): number {
    let lo = 0;
    let hi = this.#base.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#base.fromAt(mid) < at) lo = mid + 1;
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
    setNewest(this.#decisions, decision.requestId, decision, DECISIONS_REMEMBERED);
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
   * the base are copied as they are, only this generation's windows are encoded); the remembered answers, as one
   * string of request ids (~13 characters each instead of ~40 as objects) and the refusals' details.
   */
  nextGeneration(now: number): CapacityLedgerState {
    const parts: string[] = [];
    const added = this.#byStart.filter((r) => r.to > now);
    let longest = longestOf(added);
    // Runs of base records that are kept are copied as they are; this generation's windows go in between (both are sorted by start).
    let runStart = 0;
    let a = 0;
    const endRun = (i: number) => {
      if (i > runStart) parts.push(this.#base.slice(runStart, i));
    };
    for (let i = 0; i < this.#base.count; i++) {
      const { from, to } = this.#base.windowAt(i);
      if (a < added.length && (added[a] as SlotReservation).from < from) {
        endRun(i);
        while (a < added.length && (added[a] as SlotReservation).from < from) parts.push(encodeSlot(added[a++] as SlotReservation));
        runStart = i;
      }
      if (to <= now || (this.#removed.size > 0 && this.#removed.has(this.#base.idAt(i)))) {
        endRun(i);
        runStart = i + 1;
      } else {
        longest = Math.max(longest, to - from);
      }
    }
    endRun(this.#base.count);
    while (a < added.length) parts.push(encodeSlot(added[a++] as SlotReservation));
    // The answers oldest first: accepted ones as their request id, refused ones as `id!` with their details apart.
    const decisions = [...this.#decisions.values()];
    const answers = decisions.map((d) => (d.ok ? d.requestId : `${d.requestId}!`)).join(' ');
    return { generation: this.generation + 1, windows: parts.join(' '), longest, answers, refusals: decisions.filter((d) => !d.ok) };
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
