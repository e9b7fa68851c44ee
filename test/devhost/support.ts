import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../clock/clock.js';
import { startHost, type LocalHost } from '../../devhost/host.js';
import type { HistoryEvent } from '../../devhost/engine/history.js';

export const appRoot = join(import.meta.dirname, 'app');
export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'devhost-')), 'durable.db');

export async function startTestHost(
  clock = new ManualClock(Date.UTC(2030, 0, 1)),
  dbFile = tempDb(),
  settings: Record<string, string> = {},
): Promise<{ host: LocalHost; clock: ManualClock; dbFile: string }> {
  const host = await startHost({ appRoot, clock, dbFile, settings: { TICK_SCHEDULE: '0 * * * * *', TEST_HUB_NAME: 'DevhostTests', ...settings } });
  return { host, clock, dbFile };
}

/** A URL on the loopback RPC listener DurableClient uses (`path` without the /durabletask/ prefix). */
export const rpc = (host: LocalHost, path: string) => new URL(path, host.rpcBaseUrl).href;

/** Starts an orchestration through the management API, as DurableClient.startNew does. */
export async function start(host: LocalHost, name: string, input?: unknown, instanceId = ''): Promise<string> {
  const res = await fetch(rpc(host, `orchestrators/${name}${instanceId ? '/' + instanceId : ''}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: input === undefined ? '' : JSON.stringify(input),
  });
  if (res.status !== 202) throw new Error(`start failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function status(host: LocalHost, id: string, query = ''): Promise<Record<string, unknown>> {
  const res = await fetch(rpc(host, `instances/${id}${query}`));
  return (await res.json()) as Record<string, unknown>;
}

/** Raises an event as DurableClient.raiseEvent does (JSON body, application/json). */
export function raise(host: LocalHost, id: string, name: string, data: unknown): Promise<Response> {
  return fetch(rpc(host, `instances/${id}/raiseEvent/${name}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
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
