/**
 * One durable instance per media account (`capacity-ledger-{account}`) holding the live event slot reservations
 * of that account. Requests arrive as events and are decided one at a time: Durable Functions runs one episode of
 * an instance at a time on one worker (Azure Storage: the control-queue partition lease), so check-and-reserve is
 * atomic however many function instances raise requests. Answers go to the custom status, where the requester
 * polls for its request id. Continue-as-new every few hundred requests keeps the history short.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { capacityRequestEvent, type CapacityDecision, type CapacityLedgerState, type CapacityLedgerStatus } from '../contracts/capacity.js';
import { checkQuota } from '../domain/capacity.js';
import { parseCapacityRequest } from '../domain/capacityRequests.js';

const REQUESTS_PER_GENERATION = 200;
/** Decisions shown in the custom status: enough for every requester polling at once, small enough for 16 KB. */
const DECISIONS_SHOWN = 20;
const DECISIONS_KEPT = 500;

export function* capacityLedger(ctx: OrchestrationContext): Generator<Task, void, unknown> {
  const input = (ctx.df.getInput() ?? {}) as Partial<CapacityLedgerState>;
  let reservations = Array.isArray(input.reservations) ? input.reservations : [];
  const recent: CapacityDecision[] = Array.isArray(input.recent) ? input.recent : [];
  const publish = () => ctx.df.setCustomStatus({ reservations: reservations.length, decisions: recent.slice(-DECISIONS_SHOWN) } satisfies CapacityLedgerStatus);
  publish();
  for (let handled = 0; handled < REQUESTS_PER_GENERATION; handled++) {
    const request = parseCapacityRequest(yield ctx.df.waitForExternalEvent(capacityRequestEvent));
    if (!request) continue;
    const now = ctx.df.currentUtcDateTime.getTime();
    reservations = reservations.filter((r) => r.to > now);
    const earlier = recent.find((d) => d.requestId === request.requestId);
    let decision: CapacityDecision;
    if (earlier) {
      decision = earlier; // raised again by a requester that missed the answer: same answer, applied once
    } else if (request.kind === 'release') {
      reservations = reservations.filter((r) => r.broadcastId !== request.broadcastId);
      decision = { requestId: request.requestId, ok: true };
    } else {
      const candidate = { broadcastId: request.broadcastId, from: request.from, to: request.to };
      const exceeded = checkQuota(reservations, candidate, request.quota);
      if (exceeded) {
        decision = { requestId: request.requestId, ok: false, firstExceededAt: exceeded.firstExceededAt, conflicts: exceeded.conflicts.slice(0, 5), conflictCount: exceeded.conflicts.length };
      } else {
        if (!request.dryRun) reservations = [...reservations.filter((r) => r.broadcastId !== request.broadcastId), candidate];
        decision = { requestId: request.requestId, ok: true };
      }
    }
    if (!earlier) recent.push(decision);
    else recent.push(recent.splice(recent.indexOf(earlier), 1)[0] as CapacityDecision);
    if (recent.length > DECISIONS_KEPT) recent.splice(0, recent.length - DECISIONS_KEPT);
    publish();
  }
  ctx.df.continueAsNew({ reservations, recent } satisfies CapacityLedgerState);
}
