// readInstance (adapters/instanceQuery.ts) answers as durable-functions' getStatus does, without an exception for
// a missing instance; it and queryInstances go through the binding's RPC endpoint or its keyed management URL.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as df from 'durable-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryInstances, readInstance } from '../../adapters/instanceQuery.js';

const seen: string[] = [];
const answers: Record<string, number> = { running: 202, done: 200, failed: 400, broken: 500 };
const server = createServer((req: IncomingMessage, res) => {
  seen.push(req.url ?? '');
  const id = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '');
  if (id === '') return res.writeHead(200, { 'content-type': 'application/json' }).end('[]'); // the list
  const status = answers[id] ?? 404;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(status === 404 ? '' : JSON.stringify({ instanceId: id, runtimeStatus: id }));
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const rpcClient = () => ({ clientData: { rpcBaseUrl: `${base}/durabletask/` } }) as unknown as df.DurableClient;

describe('readInstance', () => {
  it('returns the status for 200, 202 and 400, nothing for 404, and fails otherwise', async () => {
    expect(await readInstance(rpcClient(), 'running')).toMatchObject({ runtimeStatus: 'running' });
    expect(await readInstance(rpcClient(), 'done')).toMatchObject({ runtimeStatus: 'done' });
    expect(await readInstance(rpcClient(), 'failed')).toMatchObject({ runtimeStatus: 'failed' });
    expect(await readInstance(rpcClient(), 'nobody')).toBeUndefined();
    await expect(readInstance(rpcClient(), 'broken')).rejects.toThrow('HTTP 500');
  });

  it('asks for the input only when told to, and keeps the key of a management URL', async () => {
    seen.length = 0;
    await readInstance(rpcClient(), 'done', { showInput: false });
    const keyed = { clientData: { managementUrls: { id: 'INSTANCEID', statusQueryGetUri: `${base}/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=hub&code=secret` } } } as unknown as df.DurableClient;
    await readInstance(keyed, 'a b');
    await queryInstances(rpcClient(), { instanceIdPrefix: 'p', top: 2 });
    await queryInstances(keyed, { instanceIdPrefix: 'p', top: 2 });
    expect(seen).toEqual([
      '/durabletask/instances/done?showInput=false',
      '/runtime/webhooks/durabletask/instances/a%20b?taskHub=hub&code=secret&showInput=true',
      '/durabletask/instances/?instanceIdPrefix=p&top=2&showInput=true',
      '/runtime/webhooks/durabletask/instances/?taskHub=hub&code=secret&instanceIdPrefix=p&top=2&showInput=true',
    ]);
  });
});
