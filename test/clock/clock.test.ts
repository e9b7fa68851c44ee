import { describe, expect, it } from 'vitest';
import { ManualClock, scaledClock, sleep, systemClock } from '../../clock/clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order and only when advanced past them', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.at(300, () => fired.push('c'));
    clock.at(100, () => fired.push('a'));
    clock.at(200, () => fired.push('b'));
    clock.advance(150);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(150);
    clock.advance(1_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(1_150);
  });

  it('does not fire a cancelled timer', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const cancel = clock.at(10, () => (fired = true));
    cancel();
    clock.advance(20);
    expect(fired).toBe(false);
  });

  it('sets the clock to each timer time while it fires', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.at(40, () => seen.push(clock.now()));
    clock.advance(100);
    expect(seen).toEqual([40]);
  });
});

describe('scaledClock', () => {
  it('runs faster than real time by its speed', async () => {
    const clock = scaledClock({ speed: 1_000, startAt: 0 });
    const realStart = Date.now();
    await sleep(clock, 60_000); // one virtual minute
    const realElapsed = Date.now() - realStart;
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
    expect(realElapsed).toBeLessThan(2_000);
  });

  it('rejects a non-positive speed', () => {
    expect(() => scaledClock({ speed: 0 })).toThrow(/speed/);
  });
});

describe('systemClock', () => {
  it('fires a cancelled timer never and a live one once', async () => {
    let cancelledFired = false;
    systemClock.at(Date.now() + 5, () => (cancelledFired = true))();
    await sleep(systemClock, 20);
    expect(cancelledFired).toBe(false);
  });
});
