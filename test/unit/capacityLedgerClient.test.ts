// The capacity requester (adapters/capacityLedger.ts) against a fake ledger: under a stream of requests it raises
// the next event only once the ledger answered the previous one, so one episode decides many requests; an idle
// requester raises at once; an event the ledger never answers does not hold the next one back for long.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as df from 'durable-functions';
import { afterEach, describe, expect, it } from 'vitest';
import type { CapacityRequest } from '../../contracts/capacity.js';
import { createCapacityLedgerClient } from '../../adapters/capacityLedger.js';
import { CapacityBook } from '../../domain/capacityBook.js';
import { parseCapacityRequests } from '../../domain/capacityRequests.js';

/** A ledger that decides each raised event one "episode" (`episodeMs`) later, and serves its status over HTTP. */
async function fakeLedger(options: { episodeMs: number; drop?: (eventIndex: number) => boolean }) {
  const book = new CapacityBook();
  const raised: CapacityRequest[][] = [];
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ runtimeStatus: 'Running', customStatus: book.status() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = {
    clientData: { rpcBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
    startNew: async () => '',
    raiseEvent: async (_instanceId: string, _name: string, data: unknown) => {
      const requests = parseCapacityRequests(data);
      const index = raised.push(requests) - 1;
      if (!options.drop?.(index)) setTimeout(() => requests.forEach((r) => book.decide(r, 0)), options.episodeMs);
    },
  } as unknown as df.DurableClient;
  return { client, raised, close: () => new Promise((resolve) => server.close(resolve)) };
}

const reserve = (n: number) => ({ kind: 'reserve' as const, broadcastId: `b${n}`, from: n * 10, to: n * 10 + 5, quota: 5 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('capacity requester', () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => close?.());

  it('raises one event per ledger answer under a stream of requests, and every request gets its answer', async () => {
    const ledger = await fakeLedger({ episodeMs: 25 });
    close = ledger.close;
    const requester = createCapacityLedgerClient(ledger.client);
    const answers: Array<Promise<{ ok: boolean }>> = [];
    // 60 requests over ~180 ms (~330 per second); the ledger answers an event 25 ms after it was raised.
    for (let n = 0; n < 60; n++) {
      answers.push(requester.decide('acct', reserve(n)));
      await sleep(3);
    }
    expect((await Promise.all(answers)).every((a) => a.ok)).toBe(true);
    // (A request raised before the first status read goes out once more: the ledger answers it from memory.)
    expect(new Set(ledger.raised.flat().map((r) => r.requestId)).size).toBe(60);
    // One event per answer round (~25 ms plus a poll), not one per request or two: 60 requests in ≤ 15 events.
    expect(ledger.raised.length).toBeLessThanOrEqual(15);
    expect(Math.max(...ledger.raised.map((batch) => batch.length))).toBeGreaterThan(3);
  });

  it('raises at once when nothing is waiting for the ledger', async () => {
    const ledger = await fakeLedger({ episodeMs: 5 });
    close = ledger.close;
    const requester = createCapacityLedgerClient(ledger.client);
    await requester.decide('acct', reserve(1));
    const second = requester.decide('acct', reserve(2));
    await sleep(1);
    // Raised within the same turn, not after a wait for an earlier event.
    expect(ledger.raised.flat().some((r) => r.broadcastId === 'b2')).toBe(true);
    expect((await second).ok).toBe(true);
  });

  it('sends the next event after a short wait when the ledger never answers the one before', async () => {
    // The first event is lost; the requester raises its request again later (the ledger continued as new, or
    // after RAISE_AGAIN_AFTER_MS), but a request made meanwhile goes out after at most 50 ms.
    const ledger = await fakeLedger({ episodeMs: 5, drop: (i) => i === 0 });
    close = ledger.close;
    const requester = createCapacityLedgerClient(ledger.client);
    void requester.decide('acct', reserve(1)).catch(() => undefined);
    await sleep(5);
    const started = performance.now();
    expect((await requester.decide('acct', reserve(2))).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
