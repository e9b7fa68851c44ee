/** The leak reaper's triggers: on a schedule, and on demand (POST /api/reaper/run) with the report as the answer. */
import type { HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { reapOnce, type ReapReport } from '../activities/reaperActivities.js';
import type { LiveEventJanitor, MediaAccountRef } from '../contracts/media.js';
import { triggerNow } from './triggerClock.js';

export interface ReaperDeps {
  janitor: () => LiveEventJanitor;
  account: MediaAccountRef;
  graceMs: number;
  deleteOrphans: boolean;
}

export function createReaperHandlers(deps: ReaperDeps) {
  const run = (context: InvocationContext, now: number): Promise<ReapReport> =>
    reapOnce({ janitor: deps.janitor(), client: df.getClient(context), account: deps.account, now, graceMs: deps.graceMs, deleteOrphans: deps.deleteOrphans });

  return {
    reapLeakedLiveEventsTimer: async (_timer: Timer, context: InvocationContext): Promise<void> => {
      // "Now" is the real time: in Azure scheduleStatus.lastUpdated is the previous run (year 1 on the first run).
      const report = await run(context, triggerNow());
      if (report.actions.length > 0) context.warn('leak reaper acted', JSON.stringify(report));
    },
    reapLeakedLiveEventsHttp: async (_request: unknown, context: InvocationContext): Promise<HttpResponseInit> => ({ status: 200, jsonBody: await run(context, triggerNow()) }),
  };
}
