// A small app exercising every trigger and durable action the local host supports.
import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

/** Side effects the tests observe (activities run in-process). */
export const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
const failuresLeft: Record<string, number> = {};
let timerRuns: Array<{ isPastDue: boolean }> = [];
export const timerLog = () => timerRuns;

df.app.activity('echo', { handler: (input: unknown) => (count('echo'), input) });
df.app.activity('double', { handler: (n: number) => (count('double'), n * 2) });
df.app.activity('flaky', {
  handler: (key: string) => {
    count(`flaky:${key}`);
    const left = failuresLeft[key] ?? 0;
    if (left > 0) {
      failuresLeft[key] = left - 1;
      throw new Error(`flaky ${key} failed`);
    }
    return `ok:${key}`;
  },
});
df.app.activity('failFor', { handler: (input: { key: string; times: number }) => ((failuresLeft[input.key] = input.times), null) });

df.app.orchestration('chain', function* (ctx) {
  const n = ctx.df.getInput() as number;
  const a = (yield ctx.df.callActivity('double', n)) as number;
  const b = (yield ctx.df.callActivity('double', a)) as number;
  ctx.df.setCustomStatus({ step: 'doubled', value: b });
  return yield ctx.df.callActivity('echo', `result ${b}`);
});

df.app.orchestration('retrying', function* (ctx) {
  const input = ctx.df.getInput() as { key: string; failures: number; attempts: number };
  yield ctx.df.callActivity('failFor', { key: input.key, times: input.failures });
  const retry = new df.RetryOptions(1000, input.attempts);
  retry.backoffCoefficient = 2;
  try {
    return yield ctx.df.callActivityWithRetry('flaky', retry, input.key);
  } catch (error) {
    return `gave up: ${(error as Error).message}`;
  }
});

df.app.orchestration('sleeper', function* (ctx) {
  const ms = ctx.df.getInput() as number;
  const start = ctx.df.currentUtcDateTime.getTime();
  yield ctx.df.createTimer(new Date(start + ms));
  yield ctx.df.callActivity('echo', 'after timer');
  return ctx.df.currentUtcDateTime.getTime() - start;
});

df.app.orchestration('approval', function* (ctx) {
  const deadline = new Date(ctx.df.currentUtcDateTime.getTime() + 3600_000);
  const timer = ctx.df.createTimer(deadline);
  const approved = ctx.df.waitForExternalEvent('Approve');
  const winner = yield ctx.df.Task.any([approved, timer]);
  if (winner === approved) {
    timer.cancel();
    return { approved: true, by: approved.result };
  }
  return { approved: false };
});

df.app.orchestration('fanOut', function* (ctx) {
  const tasks = [1, 2, 3, 4].map((n) => ctx.df.callActivity('double', n));
  const results = (yield ctx.df.Task.all(tasks)) as number[];
  const child = (yield ctx.df.callSubOrchestrator('chain', 5)) as string;
  return { results, child };
});

df.app.orchestration('counter', function* (ctx) {
  const n = ctx.df.getInput() as number;
  if (n < 3) {
    yield ctx.df.callActivity('echo', n);
    ctx.df.continueAsNew(n + 1);
    return;
  }
  return `counted to ${n}`;
});

/** Collects `count` 'Item' events in order (one waiter at a time, like the capacity ledger). */
df.app.orchestration('collect', function* (ctx) {
  const count = ctx.df.getInput() as number;
  const items: unknown[] = [];
  while (items.length < count) items.push(yield ctx.df.waitForExternalEvent('Item'));
  return items;
});

df.app.orchestration('broken', function* (ctx) {
  yield ctx.df.callActivity('echo', 'before');
  throw new Error('orchestrator exploded');
});

// ---- strictness probes --------------------------------------------------------------------------

df.app.activity('explode', { handler: () => { throw new Error('receiver answered 500'); } });

df.app.orchestration('catchesFailure', function* (ctx) {
  try {
    yield ctx.df.callActivity('explode');
    return null;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
});

df.app.orchestration('bigStatus', function* (ctx) {
  ctx.df.setCustomStatus({ log: 'x'.repeat(ctx.df.getInput() as number) });
  yield ctx.df.callActivity('echo', 'after status');
  return 'done';
});

/** The activity `evolving` calls first: tests change it mid-flight, like a deployment would. */
export const evolving = { activity: 'echo' };
df.app.orchestration('evolving', function* (ctx) {
  yield ctx.df.callActivity(evolving.activity, 'first');
  yield ctx.df.waitForExternalEvent('Go');
  return yield ctx.df.callActivity('echo', 'second');
});

df.app.orchestration('monitor', function* (ctx) {
  const round = (ctx.df.getInput() as number | undefined) ?? 0;
  const timer = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 3600_000));
  const poke = ctx.df.waitForExternalEvent('Poke');
  const winner = yield ctx.df.Task.any([timer, poke]);
  if (winner === poke && round === 0) {
    timer.cancel();
    ctx.df.continueAsNew(1);
    return;
  }
  return { round, by: winner === timer ? 'timer' : 'poke', at: ctx.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration('rescheduled', function* (ctx) {
  const start = ctx.df.currentUtcDateTime.getTime();
  const long = ctx.df.createTimer(new Date(start + 10 * 24 * 3600_000));
  const reschedule = ctx.df.waitForExternalEvent('Reschedule');
  if ((yield ctx.df.Task.any([long, reschedule])) === reschedule) {
    long.cancel();
    yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 4 * 24 * 3600_000));
  }
  return yield ctx.df.callActivity('echo', 'after');
});

/** Releases the `gate` activities waiting so far. */
export const gate = { open: () => undefined as void, opened: Promise.resolve() };
export function closeGate(): void {
  gate.opened = new Promise((resolve) => (gate.open = resolve));
}
df.app.activity('gate', {
  handler: async (n: number) => {
    count('gate');
    await gate.opened;
    return n;
  },
});
df.app.orchestration('gated', function* (ctx) {
  return yield ctx.df.Task.all([1, 2, 3, 4, 5].map((n) => ctx.df.callActivity('gate', n)));
});

app.http('startOrchestration', {
  route: 'orchestrators/{name}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    const body = await request.text();
    const instanceId = await client.startNew(request.params.name ?? '', { input: body ? (JSON.parse(body) as unknown) : undefined });
    return client.createCheckStatusResponse(request, instanceId);
  },
});

app.http('items', {
  route: 'items/{id}',
  methods: ['GET', 'PUT'],
  authLevel: 'function',
  handler: async (request: HttpRequest) => ({
    status: request.method === 'PUT' ? 201 : 200,
    jsonBody: { id: request.params.id, method: request.method, q: request.query.get('q'), body: request.method === 'PUT' ? await request.json() : null },
    headers: { 'x-item': request.params.id ?? '' },
  }),
});

app.http('itemsSearch', {
  route: 'items/search',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => ({ body: 'search' }),
});

app.timer('everyMinute', {
  schedule: '%TICK_SCHEDULE%',
  runOnStartup: true,
  handler: (timer) => {
    timerRuns = [...timerRuns, { isPastDue: timer.isPastDue }];
  },
});
