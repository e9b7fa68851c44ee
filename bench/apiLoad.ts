/**
 * The load generator of bench/api.ts, run in its own thread: a client must not share the event loop of the
 * server it measures (its own request building and response parsing would be counted as the server's latency,
 * and its send times would slip whenever the server is busy). Sends creates open loop at `rate` per second for
 * `seconds`, lists a page every 200 ms meanwhile, and posts back every sample.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadPlan {
  url: string;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  /** Create bodies, one per request, in sending order. */
  bodies: string[];
  listPath: string;
}

export interface Sample {
  ms: number;
  status: number;
}

export interface LoadResult {
  creates: Sample[];
  lists: Sample[];
  /** Wall time the sending took (ms): the achieved rate. */
  sentMs: number;
}

/** One request, timed to its last byte (status 0: it failed). */
export async function timed(url: string, init: RequestInit): Promise<Sample> {
  const t = performance.now();
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { ms: performance.now() - t, status: res.status };
  } catch {
    return { ms: performance.now() - t, status: 0 };
  }
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const creates: Array<Promise<Sample>> = [];
  const lists: Sample[] = [];
  let listing = true;
  const reader = (async () => {
    while (listing) {
      lists.push(await timed(`${plan.url}${plan.listPath}`, { headers: plan.headers }));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const started = performance.now();
  for (let i = 0; i < plan.bodies.length; i++) {
    const wait = started + (i * 1000) / plan.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    creates.push(timed(`${plan.url}/api/broadcasts`, { method: 'POST', headers: plan.headers, body: plan.bodies[i] }));
  }
  const sentMs = performance.now() - started;
  const samples = await Promise.all(creates);
  listing = false;
  await reader;
  return { creates: samples, lists, sentMs };
}

if (parentPort && workerData) parentPort.postMessage(await run(workerData as LoadPlan));
