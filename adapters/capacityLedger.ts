/**
 * Requests to the per-account capacity ledger (orchestrators/capacityLedger.ts): raise the request as an event,
 * then poll the ledger's custom status for the answer to this request id. A request the ledger missed (e.g. raised
 * while it continued as new) is raised again with the same id, which the ledger answers without applying twice.
 */
import { randomUUID } from 'node:crypto';
import type * as df from 'durable-functions';
import {
  capacityLedgerInstanceId,
  capacityLedgerOrchestrator,
  capacityRequestEvent,
  type CapacityDecision,
  type CapacityLedgerStatus,
  type CapacityRequest,
} from '../contracts/capacity.js';

export class CapacityUnavailableError extends Error {}

/** Real time a requester waits for the ledger before answering 503 (nothing was reserved that it knows of). */
const ANSWER_TIMEOUT_MS = 20_000;
const RAISE_AGAIN_AFTER_MS = 3_000;
type Request = { kind: 'reserve'; broadcastId: string; from: number; to: number; quota: number; dryRun?: boolean } | { kind: 'release'; broadcastId: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createCapacityLedgerClient(client: df.DurableClient) {
  const started = new Set<string>();

  async function ensureStarted(accountName: string): Promise<void> {
    if (started.has(accountName)) return;
    const id = capacityLedgerInstanceId(accountName);
    const status = await client.getStatus(id).catch(() => undefined);
    const alive = status && ['Pending', 'Running', 'ContinuedAsNew'].includes(String(status.runtimeStatus));
    if (!alive) {
      try {
        await client.startNew(capacityLedgerOrchestrator, { instanceId: id, input: { reservations: [], recent: [] } });
      } catch {
        // Started by a concurrent request: any running ledger will do.
      }
    }
    started.add(accountName);
  }

  async function decide(accountName: string, request: Request): Promise<CapacityDecision> {
    await ensureStarted(accountName);
    const id = capacityLedgerInstanceId(accountName);
    const full = { ...request, requestId: randomUUID() } as CapacityRequest;
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    let raisedAt = Date.now();
    await client.raiseEvent(id, capacityRequestEvent, full);
    for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 1.5, 250)) {
      await sleep(delay);
      const status = await client.getStatus(id).catch(() => undefined);
      const answer = (status?.customStatus as CapacityLedgerStatus | null | undefined)?.decisions?.find((d) => d.requestId === full.requestId);
      if (answer) return answer;
      if (Date.now() - raisedAt > RAISE_AGAIN_AFTER_MS) {
        raisedAt = Date.now();
        await client.raiseEvent(id, capacityRequestEvent, full).catch(() => undefined);
      }
    }
    throw new CapacityUnavailableError(`The capacity ledger of account '${accountName}' did not answer in time.`);
  }

  return { decide };
}
export type CapacityLedgerClient = ReturnType<typeof createCapacityLedgerClient>;
