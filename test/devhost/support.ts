import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../clock/clock.js';
import { startHost, type LocalHost } from '../../devhost/host.js';
import type { HistoryEvent } from '../../devhost/engine/history.js';

export const appRoot = join(import.meta.dirname, 'app');
export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'devhost-')), 'durable.db');

export async function startTestHost(clock = new ManualClock(Date.UTC(2030, 0, 1)), dbFile = tempDb()): Promise<{ host: LocalHost; clock: ManualClock; dbFile: string }> {
  const host = await startHost({ appRoot, clock, dbFile, settings: { TICK_SCHEDULE: '0 * * * * *' } });
  return { host, clock, dbFile };
}

/** Starts an orchestration through the management API, as DurableClient.startNew does. */
export async function start(host: LocalHost, name: string, input?: unknown, instanceId = ''): Promise<string> {
  const res = await fetch(`${host.url}/durabletask/orchestrators/${name}${instanceId ? '/' + instanceId : ''}`, {
    method: 'POST',
    body: input === undefined ? '' : JSON.stringify(input),
  });
  if (res.status !== 202) throw new Error(`start failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function status(host: LocalHost, id: string, query = ''): Promise<Record<string, unknown>> {
  const res = await fetch(`${host.url}/durabletask/instances/${id}${query}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Polls until the instance's history satisfies `predicate` (e.g. a timer was created). */
export async function waitForHistory(host: LocalHost, id: string, predicate: (events: HistoryEvent[]) => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const instance = host.engine.getInstance(id);
    if (instance && predicate(host.engine.history(instance))) return;
    if (Date.now() > deadline) throw new Error(`history of ${id} never matched`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const pendingTimers = (events: HistoryEvent[]) =>
  events.filter((e) => e.EventType === 10).length - events.filter((e) => e.EventType === 11).length;
