/**
 * Host benchmark: N orchestrations (a chain of 5 activities and 1 durable timer each) through the local
 * host, for N = 100, 1,000, 10,000 (or the Ns given as arguments). Prints orchestrations per second,
 * the cost per orchestration and peak memory, so growth with N shows (it should stay flat).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledClock } from '../clock/clock.js';
import { startHost } from '../devhost/host.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const appModule = fileURLToPath(new URL('./hostBenchApp.js', import.meta.url));

async function run(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-host-'));
  // The minute-long timer fires in 60 ms of real time: the benchmark measures the host, not the wait.
  const clock = scaledClock({ speed: 1_000 });
  const host = await startHost({ appRoot: dir, entry: appModule, clock, dbFile: join(dir, 'bench.db') });
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 25);

  let done = 0;
  const finished = new Promise<void>((resolve) => {
    host.engine.events.on('status', (id: string) => {
      if (host.engine.getInstance(id)?.status === 'Completed' && ++done === n) resolve();
    });
  });
  const started = performance.now();
  for (let i = 0; i < n; i++) host.engine.startNew('benchChain', `bench-${i}`, String(i));
  await finished;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await host.close();
  rmSync(dir, { recursive: true, force: true });
  return { n, seconds, perSecond: n / seconds, msPerOrchestration: (seconds * 1000) / n, peakRssMiB: peakRss / 2 ** 20, peakHeapMiB: peakHeap / 2 ** 20 };
}

const results = [];
for (const n of sizes.length ? sizes : [100, 1_000, 10_000]) {
  const result = await run(n);
  results.push(result);
  console.log(
    `N=${String(n).padStart(6)}  ${result.seconds.toFixed(1).padStart(7)} s  ${result.perSecond.toFixed(0).padStart(5)} orch/s  ` +
      `${result.msPerOrchestration.toFixed(2)} ms/orch  peak RSS ${result.peakRssMiB.toFixed(0)} MiB  peak heap ${result.peakHeapMiB.toFixed(0)} MiB`,
  );
}
console.log(JSON.stringify(results));
