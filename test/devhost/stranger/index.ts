// "An app the project never saw": a small, ordinary Functions app written without the local host in
// mind, used to check that the host applies Azure's rules to any app, not only to ours.
import { app, type HttpRequest, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';

const heartbeats: Array<{ lastUpdated: string; last: string; isPastDue: boolean }> = [];

app.http('greet', {
  route: 'greet/{name:alpha}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: (request: HttpRequest) => ({ jsonBody: { hello: request.params.name } }),
});

app.http('startJob', {
  route: 'jobs/{orchestrator}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    const id = await client.startNew(request.params.orchestrator ?? '', { input: await request.text() });
    return client.createCheckStatusResponse(request, id);
  },
});

app.http('listHeartbeats', { route: 'heartbeats', methods: ['GET'], authLevel: 'anonymous', handler: () => ({ jsonBody: heartbeats }) });

app.timer('heartbeat', {
  schedule: '0 */10 * * * *',
  handler: (timer: Timer) => {
    heartbeats.push({ lastUpdated: timer.scheduleStatus?.lastUpdated ?? '', last: timer.scheduleStatus?.last ?? '', isPastDue: timer.isPastDue });
  },
});

df.app.activity('note', { handler: (text: string) => `noted ${text.length} chars` });
df.app.activity('fetchData', { handler: () => 'fetched' });
df.app.activity('downloadData', { handler: () => 'downloaded' });

df.app.orchestration('chatty', function* (ctx) {
  const text = ctx.df.getInput() as string;
  ctx.df.setCustomStatus({ progress: text }); // grows with the input: 20,000 chars is over 16 KB of UTF-16
  return yield ctx.df.callActivity('note', text);
});

// The first step is chosen by an app setting read at run time: changing it while an instance waits
// is the same as deploying code that calls a different activity first.
df.app.orchestration('pipeline', function* (ctx) {
  const first = (yield ctx.df.callActivity(process.env.PIPELINE_FIRST_STEP ?? 'fetchData')) as string;
  yield ctx.df.waitForExternalEvent('proceed');
  return yield ctx.df.callActivity('note', first);
});
