// The delivery orchestration's custom status stays far below Azure's 16 KB (UTF-16) limit whatever the
// receivers and the activity failures look like; attempts live in activity results and the output.
import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from 'durable-functions';
import type { DeliveryAttempt, DeliveryInput, DeliveryResult } from '../../contracts/webhooks.js';
import { webhookDelivery } from '../../orchestrators/webhookDelivery.js';
import { applyHealthCommand, delayBeforeAttempt, healthCommandAfter, maxAttemptsLimit, parseSubscriberCommand, retrySchedule, summarizeError } from '../../domain/webhooks.js';

/** Azure's TaskFailed for a Node activity: Reason + " \n " + Details (a serialized .NET exception, kilobytes). */
function azureActivityFailure(message: string, detailsBytes = 12_000): Error {
  const details = JSON.stringify({
    $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
    ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
    Message: `Result: Failure\nException: ${message}\nStack: ${'    at deliverWebhook (file:///home/site/wwwroot/dist/activities/notificationActivities.js:42:17)\n'.repeat(200)}`,
  }).slice(0, detailsBytes);
  return new Error(`Activity function 'deliverWebhook' failed: ${message} \n ${details}`);
}

type Yielded = { kind: 'timer'; at: Date; createdAt?: number } | { kind: 'activity'; name: string; input: unknown };

/** Steps the generator like the replay engine: each yielded task gets a result or an error. */
function run(input: DeliveryInput, answer: (attempt: number) => DeliveryAttempt | Error) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const statuses: unknown[] = [];
  const yielded: Yielded[] = [];
  const ctx = {
    df: {
      getInput: () => input,
      get currentUtcDateTime() {
        return new Date(now);
      },
      setCustomStatus: (s: unknown) => statuses.push(s),
      createTimer: (at: Date) => ({ kind: 'timer', at }),
      callActivity: (name: string, activityInput: unknown) => ({ kind: 'activity', name, input: activityInput }),
    },
  } as unknown as OrchestrationContext;
  const gen = webhookDelivery(ctx);
  let step = gen.next();
  let attempt = 0;
  while (!step.done) {
    const task = step.value as unknown as Yielded;
    yielded.push(task);
    if (task.kind === 'timer') {
      task.createdAt = now;
      now = task.at.getTime();
      step = gen.next(undefined);
    } else {
      const result = answer(++attempt);
      now += 1_000;
      step = result instanceof Error ? gen.throw(result) : gen.next(result);
    }
  }
  return { result: step.value, statuses, yielded };
}

const notification = { id: '8a1d4c55-7e59-4f35-9d0b-3a2a8c1f0e11', type: 'broadcast.live' as const, broadcastId: 'b1', occurredAt: '2026-01-01T00:00:00.000Z', data: {} };
const input: DeliveryInput = { subscriberId: 'ops', deliveryId: 'x', notification, maxAttempts: maxAttemptsLimit };
const utf16Bytes = (value: unknown) => JSON.stringify(value).length * 2;

describe('webhookDelivery custom status', () => {
  it('stays under 16 KB UTF-16 when every attempt fails with an Azure-shaped activity failure', () => {
    const { result, statuses } = run(input, () => azureActivityFailure(`receiver answered 500: ${'é'.repeat(3_000)}`));
    expect(result.delivered).toBe(false);
    expect(result.attempts).toHaveLength(maxAttemptsLimit);
    expect(statuses.length).toBeGreaterThan(maxAttemptsLimit);
    for (const status of statuses) expect(utf16Bytes(status)).toBeLessThan(1_024); // limit is 16,384
    expect(statuses[statuses.length - 1]).toMatchObject({ state: 'failed', attempts: maxAttemptsLimit });
    expect(JSON.stringify(statuses)).not.toContain('RpcException');
  });

  it('keeps every attempt (status, latency, first bytes) in the output, not in the status', () => {
    const answers: DeliveryAttempt[] = [
      { attempt: 1, at: '', outcome: 'rejected', status: 503, latencyMs: 12, responseStart: 'x'.repeat(256) },
      { attempt: 2, at: '', outcome: 'unreachable', latencyMs: 10_000, error: 'timed out' },
      { attempt: 3, at: '', outcome: 'delivered', status: 204, latencyMs: 8 },
    ];
    const { result, statuses } = run({ ...input, maxAttempts: 8 }, (n) => answers[n - 1]!);
    expect(result).toEqual<DeliveryResult>({ delivered: true, state: 'delivered', attempts: answers });
    expect(statuses[statuses.length - 1]).toEqual({ state: 'delivered', attempts: 3, last: { at: '', outcome: 'delivered', status: 204, latencyMs: 8 } });
    expect(JSON.stringify(statuses)).not.toContain('x'.repeat(256));
  });

  it('waits the Standard Webhooks schedule between attempts and stops at once on 410', () => {
    const { yielded } = run({ ...input, maxAttempts: 8 }, () => ({ attempt: 0, at: '', outcome: 'rejected', status: 500 }));
    const timers = yielded.filter((y): y is Extract<Yielded, { kind: 'timer' }> => y.kind === 'timer');
    const activities = yielded.filter((y) => y.kind === 'activity');
    expect(activities).toHaveLength(8);
    // Each wait starts when the previous attempt failed.
    const waits = timers.map((t) => t.at.getTime() - t.createdAt!);
    expect(waits).toEqual(retrySchedule.slice(1));
    const gone = run({ ...input, maxAttempts: 8 }, () => ({ attempt: 1, at: '', outcome: 'gone', status: 410 }));
    expect(gone.result).toMatchObject({ delivered: false, state: 'stopped' });
    expect(gone.yielded.filter((y) => y.kind === 'activity')).toHaveLength(1);
  });
});

describe('webhook rules', () => {
  it('summarizes Azure and local activity failures to one short line', () => {
    expect(summarizeError(azureActivityFailure('receiver answered 500'))).toBe('receiver answered 500');
    expect(summarizeError(new Error('Error: receiver answered 503'))).toBe('receiver answered 503');
    expect(summarizeError(azureActivityFailure('x'.repeat(5_000))).length).toBeLessThanOrEqual(160);
    expect(summarizeError('plain')).toBe('plain');
  });

  it('has the Standard Webhooks schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then 10 h', () => {
    const minutes = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => delayBeforeAttempt(n) / 60_000);
    expect(minutes).toEqual([0, 5 / 60, 5, 30, 120, 300, 600, 600, 600]);
  });

  it('disables a subscriber answering 410 and one failing for longer than the setting', () => {
    const day = 86_400_000;
    expect(healthCommandAfter('gone', { state: 'active' }, '2026-01-01T00:00:00Z', 5 * day)).toEqual({ type: 'disable', at: '2026-01-01T00:00:00Z', reason: 'gone' });
    expect(healthCommandAfter('rejected', { state: 'active' }, '2026-01-01T00:00:00Z', 5 * day)).toEqual({ type: 'failing', at: '2026-01-01T00:00:00Z' });
    const failing = { state: 'failing' as const, failingSince: '2026-01-01T00:00:00Z' };
    expect(healthCommandAfter('unreachable', failing, '2026-01-05T23:59:59Z', 5 * day)).toBeUndefined();
    expect(healthCommandAfter('unreachable', failing, '2026-01-06T00:00:00Z', 5 * day)).toMatchObject({ type: 'disable', reason: 'failing' });
    expect(healthCommandAfter('delivered', failing, '2026-01-02T00:00:00Z', 5 * day)).toEqual({ type: 'recovered', at: '2026-01-02T00:00:00Z' });
    expect(healthCommandAfter('delivered', { state: 'active' }, '2026-01-02T00:00:00Z', 5 * day)).toBeUndefined();
    // A repeated "failing" keeps the first time; only an operator's enable revives a disabled subscriber.
    expect(applyHealthCommand(failing, { type: 'failing', at: '2026-01-03T00:00:00Z' })).toEqual(failing);
    const disabled = applyHealthCommand(failing, { type: 'disable', at: '2026-01-06T00:00:00Z', reason: 'failing' });
    expect(disabled).toEqual({ state: 'disabled', disabledAt: '2026-01-06T00:00:00Z', reason: 'failing', failingSince: '2026-01-01T00:00:00Z' });
    expect(applyHealthCommand(disabled, { type: 'recovered', at: '2026-01-07T00:00:00Z' })).toEqual(disabled);
    expect(applyHealthCommand(disabled, { type: 'enable', at: '2026-01-07T00:00:00Z' })).toEqual({ state: 'active' });
  });

  it('re-validates commands raised to a subscriber instance', () => {
    expect(parseSubscriberCommand({ type: 'disable', at: '2026-01-01T00:00:00Z', reason: 'gone' })).toBeDefined();
    expect(parseSubscriberCommand({ type: 'disable', at: 'soon', reason: 'gone' })).toBeUndefined();
    expect(parseSubscriberCommand({ type: 'disable', at: '2026-01-01T00:00:00Z', reason: 'because' })).toBeUndefined();
    expect(parseSubscriberCommand({ type: 'delete-everything' })).toBeUndefined();
    expect(parseSubscriberCommand(null)).toBeUndefined();
  });
});
