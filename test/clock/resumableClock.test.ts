import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resumableScaledClock, resumePoint } from '../../clock/resumableClock.js';

const stateFile = () => join(mkdtempSync(join(tmpdir(), 'clock-')), 'clock.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resumableScaledClock', () => {
  it('continues from where a stopped run left off instead of rewinding to the wall clock', async () => {
    const file = stateFile();
    const first = resumableScaledClock({ speed: 1000, stateFile: file });
    await sleep(50);
    const last = first.now();
    expect(last - Date.now()).toBeGreaterThan(30_000); // ahead of the wall clock by tens of seconds
    first.stop();
    await sleep(20);
    const second = resumableScaledClock({ speed: 1000, stateFile: file });
    try {
      expect(second.now()).toBeGreaterThanOrEqual(last);
      expect(second.now() - last).toBeLessThan(20_000); // down time does not pass on this clock
    } finally {
      second.stop();
    }
  });

  it('never resumes behind a reading handed out before a crash (no stop, only heartbeats)', async () => {
    const file = stateFile();
    const crashed = resumableScaledClock({ speed: 1000, stateFile: file, heartbeatMs: 20 });
    const before = readFileSync(file, 'utf8');
    while (readFileSync(file, 'utf8') === before) await sleep(2); // a heartbeat was just written
    await sleep(10);
    const handedOut = crashed.now(); // the last reading before the "kill -9"
    const next = resumableScaledClock({ speed: 1000, stateFile: file, heartbeatMs: 20 });
    try {
      expect(next.now()).toBeGreaterThanOrEqual(handedOut);
    } finally {
      crashed.stop();
      next.stop();
    }
  });

  it('resumes at the wall clock when it is ahead of the saved reading, and ignores a missing state', () => {
    expect(resumePoint(undefined, 1000)).toBe(1000);
    expect(resumePoint({ clockMs: 500, speed: 1, heartbeatMs: 10, clean: true }, 1000)).toBe(1000);
    expect(resumePoint({ clockMs: 5000, speed: 60, heartbeatMs: 1000, clean: false }, 1000)).toBe(5000 + 120_000);
  });
});
