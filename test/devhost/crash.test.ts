// Stop the host mid-orchestration and start a new one on the same database: the instance
// finishes, and the activity that had completed is not run again.
import { expect, it } from 'vitest';
import { ManualClock } from '../../clock/clock.js';
import { calls } from './app/index.js';
import { pendingTimers, start, startTestHost, status, tempDb, waitForHistory } from './support.js';

it('resumes in-flight instances after a restart without repeating completed work', async () => {
  const dbFile = tempDb();
  const clock = new ManualClock(Date.UTC(2030, 5, 1));
  const first = await startTestHost(clock, dbFile);
  const id = await start(first.host, 'sleeper', 3600_000);
  await waitForHistory(first.host, id, (h) => pendingTimers(h) === 1);
  const echoBefore = calls.echo ?? 0;
  await first.host.close();

  clock.advance(3600_000); // the timer falls due while no host is running
  const second = await startTestHost(clock, dbFile);
  try {
    await second.host.engine.waitFor(id, ['Completed'], 5000);
    expect((await status(second.host, id)).output).toBe(3600_000);
    expect((calls.echo ?? 0) - echoBefore).toBe(1); // only the activity after the timer ran
    const history = second.host.engine.history(second.host.engine.getInstance(id)!);
    expect(history.filter((e) => e.EventType === 5)).toHaveLength(1);
  } finally {
    await second.host.close();
  }
});
