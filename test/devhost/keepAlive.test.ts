// Keep-alive sockets: the host must not close an idle connection while clients may still reuse it.
// Node's agent (axios in DurableClient) drops idle sockets after 5 s and undici after 4 s; a server
// closing at 5 s races them and the client gets ECONNRESET under load.
import { request, Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../devhost/host.js';
import { startTestHost } from './support.js';

let host: LocalHost;
beforeAll(async () => ({ host } = await startTestHost()));
afterAll(() => host.close());

/** Sends two requests on one socket, `idleMs` apart; resolves with both statuses and whether the socket was reused. */
function twoRequestsOnOneSocket(url: string, idleMs: number): Promise<{ statuses: number[]; keepAlive: string | undefined; reused: boolean }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, timeout: 60_000 });
  const statuses: number[] = [];
  let keepAlive: string | undefined;
  const once = () =>
    new Promise<{ socket: unknown }>((resolve, reject) => {
      const req = request(url, { agent }, (res) => {
        statuses.push(res.statusCode ?? 0);
        keepAlive ??= res.headers['keep-alive']?.toString();
        res.resume();
        res.on('end', () => resolve({ socket: req.socket }));
      });
      req.on('error', reject);
      req.end();
    });
  return (async () => {
    try {
      const first = await once();
      await new Promise((r) => setTimeout(r, idleMs));
      const second = await once();
      return { statuses, keepAlive, reused: first.socket === second.socket };
    } finally {
      agent.destroy();
    }
  })();
}

describe('keep-alive', () => {
  it('keeps idle sockets of both listeners open longer than the clients do (no reset when a client reuses one)', async () => {
    const [pub, rpc] = await Promise.all([
      twoRequestsOnOneSocket(`${host.url}/no-such-route`, 5_500),
      twoRequestsOnOneSocket(new URL('instances/none', host.rpcBaseUrl).href, 5_500),
    ]);
    for (const answer of [pub, rpc]) {
      expect(answer.statuses).toEqual([404, 404]);
      expect(answer.keepAlive).toMatch(/timeout=(\d+)/);
      expect(Number(/timeout=(\d+)/.exec(answer.keepAlive ?? '')?.[1])).toBeGreaterThan(5);
      expect(answer.reused).toBe(true);
    }
  }, 15_000);
});
