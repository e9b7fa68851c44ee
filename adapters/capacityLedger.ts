/**
 * Requests to the per-account capacity ledger (orchestrators/capacityLedger.ts). Per function instance and
 * ledger, one channel: requests made while the previous event is unanswered go out together in the next one
 * (one HTTP call, one message, decided in one episode), and one poller reads the ledger's custom status for every
 * waiting request id (without the ledger's input, which holds every reservation). A request whose answer is
 * missing is raised again with the same id, which the ledger answers without applying it twice: at once when
 * the ledger has continued as new since it was raised (the event may have been dropped with the old
 * execution), otherwise after it went unanswered for a while (domain/capacityRequests.ts shouldRaiseAgain).
 */
import { randomBytes } from 'node:crypto';
import type * as df from 'durable-functions';
import {
  capacityLedgerInstanceId,
  capacityLedgerOrchestrator,
  capacityRequestEvent,
  type CapacityDecision,
  type CapacityLedgerState,
  type CapacityLedgerStatus,
  type CapacityRequest,
  type CapacityRequestBatch,
} from '../contracts/capacity.js';
import { answersIn, isComplete } from '../domain/capacityBook.js';
import { MAX_REQUESTS_PER_EVENT, shouldRaiseAgain, type RaisedRequest } from '../domain/capacityRequests.js';
import { readInstance } from './instanceQuery.js';

export class CapacityUnavailableError extends Error {}

/** Real time a requester waits for the ledger before answering 503 (nothing was reserved that it knows of). */
const ANSWER_TIMEOUT_MS = 20_000;
/** Status polls while requests wait: soon after a change, backing off while nothing changes. */
const POLL_MIN_MS = 4;
const POLL_MAX_MS = 25;
/**
 * The next event waits until the ledger answered the previous one (or this long): requests made meanwhile go
 * out together, so under load the ledger runs one episode for many requests instead of one for every few
 * (each episode reads the ledger's whole state), and an idle requester still raises at once.
 */
const IN_FLIGHT_WAIT_MS = 50;

type Request = { kind: 'reserve'; broadcastId: string; from: number; to: number; quota: number; dryRun?: boolean } | { kind: 'release'; broadcastId: string };

interface Waiting extends RaisedRequest {
  request: CapacityRequest;
  resolve: (decision: CapacityDecision) => void;
  reject: (error: Error) => void;
  deadline: number;
  askedForDetails?: boolean;
}

/** 72 random bits, 12 characters: the status lists hundreds of them. */
const newRequestId = () => randomBytes(9).toString('base64url');

/** One ledger client per durable client (adapters/durableClient.ts keeps one per binding): shared channels. */
const clients = new WeakMap<df.DurableClient, { decide: (accountName: string, request: Request) => Promise<CapacityDecision> }>();

export function createCapacityLedgerClient(client: df.DurableClient) {
  let shared = clients.get(client);
  if (!shared) {
    shared = createChannels(client);
    clients.set(client, shared);
  }
  return shared;
}

function createChannels(client: df.DurableClient) {
  const channels = new Map<string, ReturnType<typeof channel>>();

  function channel(accountName: string) {
    const instanceId = capacityLedgerInstanceId(accountName);
    const waiting = new Map<string, Waiting>();
    const outbox: CapacityRequest[] = [];
    let raising = false;
    /** The last event raised: settles once the ledger answered all its requests, or after IN_FLIGHT_WAIT_MS. */
    let inFlight: { settled: Promise<void>; settleIfAnswered: () => void } | undefined;
    const readLedger = () => readInstance(client, instanceId, { showInput: false });
    let polling = false;
    let wakePoller: (() => void) | undefined;
    let generation = -1;
    let started: Promise<void> | undefined;

    async function start(): Promise<void> {
      const status = await readLedger().catch(() => undefined);
      const alive = status && ['Pending', 'Running', 'ContinuedAsNew'].includes(status.runtimeStatus);
      if (alive) return;
      try {
        await client.startNew(capacityLedgerOrchestrator, { instanceId, input: { generation: 0, windows: '', longest: 0 } satisfies CapacityLedgerState });
      } catch {
        // Started by a concurrent request: any running ledger will do.
      }
    }

    /** Raises what the outbox holds, one event at a time; requests added meanwhile go in the next one. */
    async function flush(): Promise<void> {
      if (raising) return;
      raising = true;
      try {
        while (outbox.length > 0) {
          await inFlight?.settled;
          const requests = outbox.splice(0, MAX_REQUESTS_PER_EVENT);
          const raisedAt = Date.now();
          for (const r of requests) {
            const w = waiting.get(r.requestId);
            if (w) Object.assign(w, { raisedAt, raisedInGeneration: generation, unansweredReads: 0, presumedLost: false });
          }
          const data: CapacityRequestBatch | CapacityRequest = requests.length === 1 ? (requests[0] as CapacityRequest) : { requests };
          // A failed raise is retried by the poller, like a lost event.
          await client.raiseEvent(instanceId, capacityRequestEvent, data).catch(() => undefined);
          inFlight = track(requests.map((r) => r.requestId));
          wakePoller?.();
        }
      } finally {
        raising = false;
      }
    }

    function track(requestIds: string[]): NonNullable<typeof inFlight> {
      let settle = () => {};
      const settled = new Promise<void>((resolve) => {
        const timer = setTimeout(() => settle(), IN_FLIGHT_WAIT_MS);
        settle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const settleIfAnswered = () => {
        if (requestIds.every((id) => !waiting.has(id))) settle();
      };
      // Already answered (a request raised again after its answer was read): nothing to wait for.
      settleIfAnswered();
      return { settled, settleIfAnswered };
    }

    async function poll(): Promise<void> {
      if (polling) return;
      polling = true;
      try {
        let delay = POLL_MIN_MS;
        while (waiting.size > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            wakePoller = () => {
              clearTimeout(timer);
              // Soon after a raise, not at once: the ledger needs an episode to answer.
              setTimeout(resolve, POLL_MIN_MS);
            };
          });
          wakePoller = undefined;
          // undefined: not read this time (transient); null: there is no such instance.
          const status = await readLedger().then((s) => s ?? null, () => undefined);
          const now = Date.now();
          let answered = 0;
          if (status?.customStatus && typeof status.customStatus === 'object') {
            const ledger = status.customStatus as CapacityLedgerStatus;
            if (Number.isSafeInteger(ledger.generation)) generation = Math.max(generation, ledger.generation);
            if (typeof ledger.accepted === 'string' && Array.isArray(ledger.refused)) {
              for (const [requestId, decision] of answersIn(ledger)) {
                const w = waiting.get(requestId);
                if (!w) continue;
                if (!isComplete(decision) && !w.askedForDetails) {
                  // A refusal shown without its conflicts: raised again once, the ledger shows it in full (if it
                  // is among the newest refusals by then; otherwise it is answered without them).
                  w.askedForDetails = true;
                  if (!outbox.includes(w.request)) outbox.push(w.request);
                  continue;
                }
                waiting.delete(requestId);
                w.resolve(decision);
                answered++;
              }
            }
          }
          if (status === null || (status && ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus))) {
            // Gone (purged, failed, terminated): the next request of any instance restarts it empty.
            started = undefined;
            await ensureStarted();
            generation = -1; // a new ledger counts from 0
            for (const w of waiting.values()) w.presumedLost = true; // raised to the old one: raise again now
          }
          for (const [requestId, w] of waiting) {
            if (now > w.deadline) {
              waiting.delete(requestId);
              w.reject(new CapacityUnavailableError(`The capacity ledger of account '${accountName}' did not answer in time.`));
              continue;
            }
            if (status) w.unansweredReads++;
            // Marked as raised (time, generation, reads) by flush when it goes out.
            if (!outbox.includes(w.request) && shouldRaiseAgain(w, now, generation)) outbox.push(w.request);
          }
          inFlight?.settleIfAnswered();
          if (outbox.length > 0) void flush();
          delay = answered > 0 ? POLL_MIN_MS : Math.min(delay * 1.5, POLL_MAX_MS);
        }
      } finally {
        polling = false;
      }
    }

    function ensureStarted(): Promise<void> {
      started ??= start();
      return started;
    }

    async function decide(request: Request): Promise<CapacityDecision> {
      await ensureStarted();
      const full = { ...request, requestId: newRequestId() } as CapacityRequest;
      const answer = new Promise<CapacityDecision>((resolve, reject) => {
        const now = Date.now();
        waiting.set(full.requestId, { request: full, resolve, reject, deadline: now + ANSWER_TIMEOUT_MS, raisedAt: now, raisedInGeneration: generation, unansweredReads: 0 });
      });
      outbox.push(full);
      void flush();
      void poll();
      return answer;
    }

    return { decide };
  }

  async function decide(accountName: string, request: Request): Promise<CapacityDecision> {
    let c = channels.get(accountName);
    if (!c) {
      c = channel(accountName);
      channels.set(accountName, c);
    }
    return c.decide(request);
  }

  return { decide };
}
export type CapacityLedgerClient = ReturnType<typeof createCapacityLedgerClient>;
