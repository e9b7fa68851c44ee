// Fault injection as the orchestrator will meet it, and state that survives an emulator restart.
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type AmsEmulator } from '../../ams-emulator/index.js';
import { ManualClock } from '../../clock/clock.js';
import { account, clientFor, poll, rg, rtmpEvent } from './support.js';

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { statusCode?: number; code?: string; message: string }) => e);

describe('faults', () => {
  let emulator: AmsEmulator;
  beforeAll(async () => (emulator = await startEmulator({ timings: 'fast' })));
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    emulator.faults.clear();
  });

  it('throttles with 429 + Retry-After, and the SDK retry policy recovers', async () => {
    const client = clientFor(emulator, { maxRetries: 3 } as never);
    emulator.faults.add({ operation: 'mediaservices.get', kind: 'throttle', retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    await client.mediaservices.get(rg, account);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emulator.faults.hits['mediaservices.get']).toBe(1);
  });

  it('answers 500/503 and the retrying client gets through once the fault is used up', async () => {
    emulator.faults.add({ operation: 'liveEvents.get', kind: 'error', status: 503, times: 5 });
    const strict = clientFor(emulator);
    expect(await rejection(strict.liveEvents.get(rg, account, 'x'))).toMatchObject({ statusCode: 503 });
    emulator.faults.clear();
    emulator.faults.add({ operation: 'liveEvents.list', kind: 'error', status: 500, times: 1 });
    const retrying = clientFor(emulator, { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 10 } as never);
    const events: unknown[] = [];
    for await (const e of retrying.liveEvents.list(rg, account)) events.push(e);
    expect(events).toEqual([]);
  });

  it('drops the connection', async () => {
    emulator.faults.add({ operation: 'liveEvents.list', kind: 'drop', times: 1 });
    const error = await rejection((async () => {
      for await (const e of clientFor(emulator).liveEvents.list(rg, account)) void e;
    })());
    expect(error?.message).toMatch(/socket hang up|ECONNRESET|closed/i);
  });

  it('fails an async operation and rolls the state back', async () => {
    const client = clientFor(emulator);
    await client.liveEvents.beginCreateAndWait(rg, account, 'f1', rtmpEvent, poll);
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'failAsync', name: 'f1' });
    const error = await rejection(client.liveEvents.beginAllocateAndWait(rg, account, 'f1', poll));
    expect(error?.message).toContain('The long-running operation has failed');
    expect(emulator.liveEventStates()).toEqual({ f1: 'Stopped' });
  });

  it('slows a transition and keeps a stuck one until the fault is cleared', async () => {
    const client = clientFor(emulator);
    await client.liveEvents.beginCreateAndWait(rg, account, 's1', rtmpEvent, poll);
    emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'slow', factor: 1, extraMs: 150 });
    const started = Date.now();
    await client.liveEvents.beginAllocateAndWait(rg, account, 's1', poll);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    emulator.faults.clear();
    emulator.faults.add({ operation: 'liveEvents.start', kind: 'stuck' });
    const poller = await client.liveEvents.beginStart(rg, account, 's1', poll);
    await new Promise((r) => setTimeout(r, 100));
    expect(emulator.liveEventStates()).toEqual({ s1: 'Starting' });
    emulator.faults.clear();
    await poller.pollUntilDone();
    expect(emulator.liveEventStates()).toEqual({ s1: 'Running' });
  });

  it('is configurable over the HTTP control plane', async () => {
    const { request } = await import('node:https');
    const put = (path: string, body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${emulator.url}${path}`, { method: 'PUT', ca: emulator.caCertPem }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end(body);
      });
    expect(await put('/_emulator/faults', JSON.stringify([{ operation: 'liveEvents.get', kind: 'error', status: 500 }]))).toBe(200);
    expect(emulator.faults.list()).toHaveLength(1);
  });
});

describe('control plane clock', () => {
  it('reports the shared clock, so callers can schedule against an accelerated one', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const emulator = await startEmulator({ timings: 'fast', clock });
    try {
      clock.advance(90_000);
      const response = await new Promise<unknown>((resolve, reject) => {
        get(`${emulator.url}/_emulator/clock`, { ca: emulator.caCertPem }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject);
      });
      expect(response).toEqual({ now: '2030-01-01T00:01:30.000Z' });
    } finally {
      await emulator.close();
    }
  });
});

describe('persistence', () => {
  it('keeps resources, in-flight transitions and the certificate across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ams-emu-'));
    const first = await startEmulator({ timings: { ...(await import('../../ams-emulator/index.js')).fastTimings, allocateMs: 300 }, dataDir });
    const client = clientFor(first);
    await client.liveEvents.beginCreateAndWait(rg, account, 'kept', rtmpEvent, poll);
    await client.assets.createOrUpdate(rg, account, 'kept-asset', {});
    await client.liveEvents.beginAllocate(rg, account, 'kept', poll); // still Allocating when we stop
    const cert = first.caCertPem;
    await first.close();

    const second = await startEmulator({ timings: 'fast', dataDir });
    try {
      expect(second.caCertPem).toBe(cert);
      expect(second.caCertFile).toBeTruthy();
      const again = clientFor(second);
      expect((await again.assets.get(rg, account, 'kept-asset')).name).toBe('kept-asset');
      await new Promise((r) => setTimeout(r, 350));
      expect((await again.liveEvents.get(rg, account, 'kept')).resourceState).toBe('StandBy');
      expect(second.billing('kept').history.map((h) => h.state)).toEqual(['Stopped', 'Allocating', 'StandBy']);
    } finally {
      await second.close();
    }
  });
});
