import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHost, type LocalHost } from '../../devhost/host.js';

let host: LocalHost;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'devhost-'));
  host = await startHost({ appRoot: join(import.meta.dirname, 'app'), dbFile: join(dir, 'd.db'), settings: { TICK_SCHEDULE: '0 * * * * *' } });
});
afterAll(() => host.close());

it('runs a chain', async () => {
  const res = await fetch(`${host.url}/api/orchestrators/chain`, { method: 'POST', body: '3' });
  expect(res.status).toBe(202);
  const links = (await res.json()) as { id: string; statusQueryGetUri: string };
  await host.engine.waitFor(links.id, ['Completed', 'Failed'], 5000);
  const status = await (await fetch(links.statusQueryGetUri + '&showHistory=true')).json();
  console.log(JSON.stringify(status, null, 1));
  expect(status.output).toBe('result 12');
});
