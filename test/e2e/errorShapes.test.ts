// Whole broadcasts while the AMS emulator refuses invalid transitions and busy live events in each
// plausible shape (real AMS's answers are unpublished): the product must decide from the live event's
// state, not from the wording, and still go live, record, publish the right playback path and clean up.
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorShapes } from '../../ams-emulator/index.js';
import { clientFor, rg, account } from '../ams-emulator/support.js';
import { inMinutes, startStack, waitForBroadcast, type Stack } from '../support/stack.js';

const GRACE = 5 * 60_000;
const shapeSets: ErrorShapes[] = [
  { wrongState: 'badRequest', busy: 'operationInProgress' },
  { wrongState: 'invalidOperation', busy: 'badRequestCode' },
  { wrongState: 'conflict', busy: 'conflict' },
  { wrongState: 'invalidOperation', busy: 'accepted' },
];

// One stack for the file: the app's media client is created once per process, so shapes switch on the
// running emulator between groups (the control plane's PUT /_emulator/error-shapes does the same).
let stack: Stack;
let client: AzureMediaServices;
beforeAll(async () => {
  stack = await startStack({ speed: 100 });
  stack.emulator.pageSize.set(1); // every list the product reads spans pages
  client = clientFor(stack.emulator, { maxRetries: 3 });
});
afterAll(async () => {
  const states = Object.values(stack.emulator.liveEventStates());
  await stack.close();
  expect(states.filter((s) => s === 'StandBy' || s === 'Running')).toEqual([]);
});

describe.each(shapeSets)('refusals shaped as wrong state $wrongState, busy $busy', (shapes) => {
  const tag = `${shapes.wrongState}-${shapes.busy}`.toLowerCase();
  beforeAll(() => {
    stack.emulator.errorShapes.set(shapes);
  });

  const billedUntil = (name: string) => {
    const last = [...stack.emulator.billing(name).history].reverse().find((h) => h.state === 'StandBy' || h.state === 'Running');
    return last?.to ? Date.parse(last.to) : Number.POSITIVE_INFINITY;
  };
  async function create(id: string, startInMinutes: number, lengthMinutes: number, recording: Record<string, unknown> = {}) {
    const body = { id, startAt: inMinutes(stack.clock, startInMinutes), endAt: inMinutes(stack.clock, startInMinutes + lengthMinutes), recording: { streamingPolicyName: 'Predefined_ClearStreamingOnly', ...recording } };
    const res = await stack.api('/api/broadcasts', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return body;
  }
  /** Follows a published playback path to what the streaming endpoint serves, over HTTPS. */
  async function follow(path: string) {
    const { request } = await import('node:https');
    return new Promise<{ status: number; body: { locator?: string; asset?: string; manifestName?: string } }>((resolve, reject) => {
      request(`${stack.emulator.url}/_emulator/streaming${path}`, { ca: stack.emulator.caCertPem }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
      }).on('error', reject).end();
    });
  }

  it('is refused again and again at every transition and still runs, records and publishes the manifest it recorded', async () => {
    const id = `refused-${tag}`.slice(0, 29);
    const name = `bc-${id}`;
    // Four refusals on the way up: more than the orchestration's budget of transition requests, so they
    // must be judged from the re-read state and waited out below it. Two on the way down, where each
    // wait delays the end of billing.
    stack.emulator.faults.add({ operation: 'liveEvents.allocate', kind: 'wrongState', name, times: 4 });
    stack.emulator.faults.add({ operation: 'liveEvents.start', kind: 'busy', name, times: 4, extraMs: 20_000 });
    stack.emulator.faults.add({ operation: 'liveOutputs.delete', kind: 'busy', times: 2, extraMs: 20_000 });
    stack.emulator.faults.add({ operation: 'liveEvents.stop', kind: 'wrongState', name, times: 2 });
    stack.emulator.faults.add({ operation: 'liveEvents.delete', kind: 'busy', name, times: 2, extraMs: 20_000 });
    const { endAt } = await create(id, 10, 5);
    await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
    // AMS names the manifest when the product does not: read what the live output really has.
    const outputs: string[] = [];
    for await (const o of client.liveOutputs.list(rg, account, name)) outputs.push(o.manifestName ?? '');
    expect(outputs).toHaveLength(1);
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended', 40_000);
    // Every refusal was met (in the `accepted` shape a busy request is queued, not repeated).
    const unmet = stack.emulator.faults.list().filter((r) => r.name === name && r.times !== 0 && (r.kind === 'wrongState' || shapes.busy !== 'accepted'));
    expect(unmet).toEqual([]);
    expect(stack.emulator.liveEventStates()[name]).toBeUndefined();
    expect(billedUntil(name)).toBeLessThanOrEqual(Date.parse(endAt) + GRACE);

    const locator = await client.streamingLocators.get(rg, account, `loc-${id}`);
    const paths = (ended.recording as { playbackPaths: string[] }).playbackPaths;
    expect(paths[0]).toBe(`/${locator.streamingLocatorId}/${outputs[0]}.ism/manifest(format=m3u8-aapl)`);
    const served = await follow(paths[0] ?? '');
    expect(served).toEqual({ status: 200, body: { locator: `loc-${id}`, asset: `recording-${id}`, manifestName: outputs[0], format: 'm3u8-aapl' } });
    expect((await follow(paths[0]?.replace(`/${outputs[0]}.ism/`, '/manifest.ism/') ?? '')).status).toBe(404); // the old fallback name serves nothing
  });

  it('waits out another client\'s operation on the live event before stopping, and publishes a custom manifest', async () => {
    const id = `held-${tag}`.slice(0, 29);
    const name = `bc-${id}`;
    const { endAt } = await create(id, 10, 60, { manifestName: 'studio_a' });
    await waitForBroadcast(stack, id, (b) => b.phase === 'live', 30_000);
    // Another client updates the live event; the update holds it for a simulated minute.
    stack.emulator.faults.add({ operation: 'liveEvents.update', kind: 'slow', name, factor: 60, times: 1 });
    await client.liveEvents.beginUpdate(rg, account, name, { location: 'westeurope', description: 'touched by another client' }, { updateIntervalInMs: 5 });
    const stopAt = stack.clock.now();
    await stack.api(`/api/broadcasts/${id}/stop`, { method: 'POST' });
    const ended = await waitForBroadcast(stack, id, (b) => b.phase === 'ended' || b.phase === 'failed', 40_000);
    expect(ended.phase).toBe('ended');
    expect(stack.emulator.liveEventStates()[name]).toBeUndefined();
    expect(billedUntil(name)).toBeLessThanOrEqual(Math.min(Date.parse(endAt), stopAt + GRACE));

    const path = (ended.recording as { playbackPaths: string[] }).playbackPaths[0] ?? '';
    const locator = await client.streamingLocators.get(rg, account, `loc-${id}`);
    expect(path).toBe(`/${locator.streamingLocatorId}/studio_a.ism/manifest(format=m3u8-aapl)`);
    expect((await follow(path)).body.manifestName).toBe('studio_a');
  });
});
