// The app in a thread of its own (DEVHOST_WORKER=thread, what `npm start` and bench:api use), as Azure runs it in a
// language worker process apart from the host. A worker thread loads JavaScript only, so the repository is compiled
// first (under node_modules/.cache, where the compiled files still find the project's packages), and the compiled
// host, emulator and clock are used: a clock object of this file's (TypeScript) modules would not be the one the
// compiled host knows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ClockModule from '../../clock/clock.js';
import type * as LocalStackModule from '../../devhost/localStack.js';
import type * as HostModule from '../../devhost/host.js';
import { repoRoot } from '../support/stack.js';

const outDir = join(repoRoot, 'node_modules', '.cache', `app-thread-test-${process.pid}`);
let compiled: { clock: typeof ClockModule; localStack: typeof LocalStackModule; host: typeof HostModule };

beforeAll(async () => {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'pipe' });
  const load = (path: string) => import(pathToFileURL(join(outDir, path)).href);
  compiled = { clock: await load('clock/clock.js'), localStack: await load('devhost/localStack.js'), host: await load('devhost/host.js') };
}, 180_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function startThreadedStack(clock: ClockModule.Clock, settings: Record<string, string> = {}) {
  const stack = await compiled.localStack.startLocalStack({
    appRoot: repoRoot,
    entry: join(outDir, 'app', 'index.js'),
    clock,
    dataDir: mkdtempSync(join(tmpdir(), 'app-thread-')),
    timings: 'fast',
    worker: 'thread',
    settings: { DEVHOST_QUIET: '1', BROADCAST_POLL_INTERVAL: 'PT2S', ...settings },
  });
  const api = (path: string, init?: RequestInit) =>
    fetch(`${stack.host.url}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-functions-key': stack.host.functionKey } });
  return { ...stack, api };
}

describe('the app in its own thread', () => {
  it('serves the API, runs a broadcast to live and back through its thread, and reads the host clock there', async () => {
    // A month ahead of the wall clock: a thread that read its own time instead of the host's would be a month off.
    const clock = compiled.clock.scaledClock({ speed: 60, startAt: Date.now() + 30 * 24 * 3600_000 });
    const stack = await startThreadedStack(clock);
    try {
      const start = clock.now() + 3 * 60_000;
      const created = await stack.api('/api/broadcasts', {
        method: 'POST',
        body: JSON.stringify({ id: 'threaded-1', startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * 60_000).toISOString() }),
      });
      expect(created.status).toBe(201);

      // Orchestration episodes, activities and the durable client all run in the app's thread.
      const deadline = Date.now() + 30_000;
      let phase = '';
      while (Date.now() < deadline && phase !== 'ended') {
        phase = ((await (await stack.api('/api/broadcasts/threaded-1')).json()) as { phase: string }).phase;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(phase).toBe('ended');
      expect(stack.emulator.billing('bc-threaded-1').runningMs).toBeGreaterThan(0);

      // functions/triggerClock.ts in the app's thread: "now" is the host's clock.
      const report = (await (await stack.api('/api/reaper/run', { method: 'POST' })).json()) as { at: string };
      expect(Math.abs(Date.parse(report.at) - clock.now())).toBeLessThan(60_000);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('spreads invocations over FUNCTIONS_WORKER_PROCESS_COUNT threads, and ends them all on close', async () => {
    const stack = await startThreadedStack(compiled.clock.systemClock, { FUNCTIONS_WORKER_PROCESS_COUNT: '2' });
    const before = stack.host.app.threadUtilization?.();
    const answers = await Promise.all(Array.from({ length: 40 }, () => stack.api('/api/openapi.json').then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);
    const after = stack.host.app.threadUtilization?.() ?? [];
    expect(after).toHaveLength(2);
    // Both threads took part.
    after.forEach((u, i) => expect(u.active).toBeGreaterThan(before?.[i]?.active ?? Infinity));
    await stack.close();
    // A thread left running would keep answering; after close, invocations are refused.
    await expect(stack.host.app.invoke('openApiDocument', { trigger: { http: { method: 'GET', url: 'http://localhost/api/openapi.json', headers: {}, query: {}, params: {} } } })).rejects.toThrow(/exited/);
  }, 60_000);

  it('refuses a setting outside 1..10 workers, and a clock that lives in the host thread only', async () => {
    const host = (clock: ClockModule.Clock, settings: Record<string, string> = {}) =>
      compiled.host.startHost({ appRoot: repoRoot, entry: join(outDir, 'app', 'index.js'), clock, dbFile: join(mkdtempSync(join(tmpdir(), 'app-thread-')), 'd.db'), worker: 'thread', settings: { DURABLE_TASK_HUB_NAME: 'AppThreadTest', ...settings } });
    await expect(host(compiled.clock.systemClock, { FUNCTIONS_WORKER_PROCESS_COUNT: '11' })).rejects.toThrow(/FUNCTIONS_WORKER_PROCESS_COUNT/);
    await expect(host(new compiled.clock.ManualClock())).rejects.toThrow(/manual or virtual clock/);
  }, 60_000);
});
