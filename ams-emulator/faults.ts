/**
 * Fault injection, per operation (e.g. `liveEvents.start`, or `*`), optionally for one resource name.
 * Request faults answer the initial request; operation faults change how the started operation ends.
 */
export type FaultKind =
  | 'throttle' // 429 + Retry-After
  | 'error' // 500 or 503 (status)
  | 'drop' // the connection is destroyed without a response
  | 'slow' // the operation takes `factor` times longer (plus `extraMs`)
  | 'stuck' // the operation never completes (until the fault is cleared)
  | 'failAsync' // the operation ends with status Failed
  | 'wrongState' // the request is refused as if the live event's state did not allow it (in the configured shape)
  | 'busy'; // the request meets an operation the client cannot see (refused, or queued in the `accepted` shape)

export interface FaultRule {
  operation: string;
  kind: FaultKind;
  /** Only for this resource name (live event, output, endpoint...). */
  name?: string;
  status?: 500 | 503;
  retryAfterSeconds?: number;
  factor?: number;
  /** `slow`: added duration; `busy` in the `accepted` shape: how long the invisible operation holds the live event. */
  extraMs?: number;
  /** How many times the fault applies (default: until cleared). */
  times?: number;
  /** Chance (0..1) that a matching request is hit (default 1). */
  probability?: number;
}

export const requestFaultKinds: readonly FaultKind[] = ['throttle', 'error', 'drop'];

export class FaultController {
  #rules: Array<FaultRule & { remaining: number }> = [];
  readonly #random: () => number;
  /** How many times each rule fired, by operation, for assertions. */
  readonly hits: Record<string, number> = {};

  constructor(random: () => number) {
    this.#random = random;
  }

  add(rule: FaultRule): void {
    if (!rule.operation || !rule.kind) throw new Error('a fault needs an operation and a kind');
    this.#rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  list(): FaultRule[] {
    return this.#rules.map(({ remaining, ...rule }) => ({ ...rule, times: Number.isFinite(remaining) ? remaining : undefined }));
  }

  /** Takes the first matching rule of one of `kinds`, consuming one use. */
  take(operation: string, name: string | undefined, kinds: readonly FaultKind[]): FaultRule | undefined {
    const rule = this.#rules.find(
      (r) =>
        r.remaining > 0 &&
        kinds.includes(r.kind) &&
        (r.operation === '*' || r.operation.toLowerCase() === operation.toLowerCase()) &&
        (r.name === undefined || r.name.toLowerCase() === name?.toLowerCase()),
    );
    if (!rule || (rule.probability !== undefined && this.#random() >= rule.probability)) return undefined;
    rule.remaining -= 1;
    this.hits[operation] = (this.hits[operation] ?? 0) + 1;
    return rule;
  }
}
