/**
 * `npm run bench:fuzz`: 10,000 seeded fuzz requests (argv[2]) over every route of the app in the local
 * host; prints the status counts and every answer that is a 5xx or an error without problem+json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../clock/clock.js';
import { startLocalStack } from '../devhost/localStack.js';
import { fuzzRequests, runFuzz } from './fuzzRequests.js';

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-fuzz-'));
const inSecret = `whsec_${Buffer.from('inbound-secret-for-the-fuzzer').toString('base64')}`;
const stack = await startLocalStack({ appRoot, clock: systemClock, dataDir, timings: 'fast', seed, settings: { DEVHOST_QUIET: '1', INBOUND_WEBHOOK_SECRETS: JSON.stringify({ crm: inSecret }) } });
const started = performance.now();
const result = await runFuzz(stack.host.url, stack.host.functionKey, fuzzRequests(seed, count));
console.log(`${result.sent} requests in ${((performance.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(result.statuses)}`);
console.log(`5xx: ${Object.entries(result.statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0)}; rule breaks: ${result.findings.length}`);
for (const finding of result.findings.slice(0, 20)) console.log(JSON.stringify(finding));
await stack.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(result.findings.length === 0 ? 0 : 1);
