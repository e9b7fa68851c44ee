// The app the host benchmark runs: a chain of five activities and one durable timer per orchestration.
import * as df from 'durable-functions';

df.app.activity('benchStep', { handler: (n: number) => n + 1 });

df.app.orchestration('benchChain', function* (ctx) {
  let value = ctx.df.getInput() as number;
  for (let step = 0; step < 5; step++) {
    value = (yield ctx.df.callActivity('benchStep', value)) as number;
    if (step === 2) yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 60_000));
  }
  return value;
});
