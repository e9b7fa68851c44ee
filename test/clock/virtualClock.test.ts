import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackWork, VirtualClock } from '../../clock/virtualClock.js';
import { ManualClock } from '../../clock/clock.js';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('VirtualClock', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  const newClock = () => {
    const clock = new VirtualClock(1_000);
    cleanups.push(() => clock.dispose());
    return clock;
  };

  it('fires timers in time order, same-time timers in the order they were armed, and skips cancelled ones', async () => {
    const clock = newClock();
    const fired: string[] = [];
    clock.at(3_000, () => fired.push('c'));
    clock.at(2_000, () => fired.push('a'));
    clock.at(2_000, () => fired.push('b'));
    const cancel = clock.at(2_500, () => fired.push('cancelled'));
    cancel();
    await clock.runUntil(2_999);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(2_999);
    await clock.runUntil(10_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(10_000);
  });

  it('does not move while tracked work runs, however long it takes in real time', async () => {
    const clock = newClock();
    const seen: number[] = [];
    clock.at(2_000, () => {
      void clock.track(async () => {
        await realSleep(60); // slow work (a busy machine): simulated time must not pass meanwhile
        seen.push(clock.now());
        clock.at(clock.now() + 500, () => seen.push(clock.now()));
      });
    });
    clock.at(2_001, () => seen.push(clock.now()));
    await clock.runUntil(5_000);
    expect(seen).toEqual([2_000, 2_001, 2_500]);
  });

  it('waits for HTTP requests in flight, with no hook in the server', async () => {
    const clock = newClock();
    const server = createServer((_req, res) => void realSleep(50).then(() => res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const seen: Array<[string, number]> = [];
    clock.at(2_000, () => {
      // An untracked caller: only the request itself keeps the clock from moving.
      void fetchText(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then((body) => seen.push([body, clock.now()]));
    });
    clock.at(2_001, () => seen.push(['next timer', clock.now()]));
    await clock.runUntil(3_000);
    expect(seen).toEqual([['ok', 2_000], ['next timer', 2_001]]);
  });

  it('runs setTimeout waits of tracked work on simulated time (a Retry-After costs simulated, not real, seconds)', async () => {
    const clock = newClock();
    cleanups.push(clock.virtualizeTimeouts());
    let resumedAt: number | undefined;
    clock.at(2_000, () => {
      void clock.track(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30_000));
        resumedAt = clock.now();
      });
    });
    const realStart = performance.now();
    await clock.runUntil(100_000);
    expect(resumedAt).toBe(32_000);
    expect(performance.now() - realStart).toBeLessThan(5_000);
    // Outside tracked work setTimeout stays real.
    const t = performance.now();
    await realSleep(20);
    expect(performance.now() - t).toBeGreaterThanOrEqual(15);
  });

  it('trackWork is a plain call on other clocks', async () => {
    await expect(trackWork(new ManualClock(), async () => 7)).resolves.toBe(7);
  });
});

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
