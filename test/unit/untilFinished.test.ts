// The bounded back-off poll both media gateways use for live output operations.
import { describe, expect, it } from 'vitest';
import { untilFinished } from '../../adapters/media/refusals.js';

describe('untilFinished', () => {
  it('asks at once, then after pauses doubling from 5 ms to 2 s, until finished', async () => {
    const pauses: number[] = [];
    const asked: number[] = [];
    await untilFinished(async (n) => (asked.push(n), n === 10), { timeoutMs: 60_000, sleep: async (ms) => void pauses.push(ms) }, 'x');
    expect(asked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(pauses).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1280, 2000]);
  });

  it('gives up once the pauses reach the bound, saying what did not finish', async () => {
    let slept = 0;
    await expect(untilFinished(async () => false, { timeoutMs: 5_000, sleep: async (ms) => void (slept += ms) }, 'creating live output lo')).rejects.toThrow(
      'creating live output lo within 5000 ms',
    );
    expect(slept).toBeGreaterThanOrEqual(5_000);
    expect(slept).toBeLessThan(5_000 + 2_000);
  });

  it('passes on what the check throws (a failed operation)', async () => {
    await expect(untilFinished(async () => Promise.reject(new Error('failed to be created')), { timeoutMs: 1, sleep: async () => undefined }, 'x')).rejects.toThrow('failed to be created');
  });
});
