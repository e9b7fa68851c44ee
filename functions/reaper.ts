/** The leak reaper's triggers: on a schedule, and on demand (POST /api/reaper/run) with the report as the answer. */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { reapOnce, type ReapReport } from '../activities/reaperActivities.js';
import type { LiveEventJanitor, MediaAccountRef } from '../contracts/media.js';
import { triggerNow } from './triggerClock.js';
import { withProblemDetails } from './http.js';

export interface ReaperDeps {
  janitor: () => LiveEventJanitor;
  accounts: readonly MediaAccountRef[];
  graceMs: number;
  deleteOrphans: boolean;
  managedBy: string;
}

export function createReaperHandlers(deps: ReaperDeps) {
  const run = (context: InvocationContext): Promise<ReapReport> =>
    reapOnce({ janitor: deps.janitor(), client: df.getClient(context), accounts: deps.accounts, now: triggerNow, graceMs: deps.graceMs, deleteOrphans: deps.deleteOrphans, managedBy: deps.managedBy });

  return {
    reapLeakedLiveEventsTimer: async (_timer: Timer, context: InvocationContext): Promise<void> => {
      // "Now" is the real time: in Azure scheduleStatus.lastUpdated is the previous run (year 1 on the first run).
      const report = await run(context);
      if (report.actions.length > 0) context.warn('leak reaper acted', JSON.stringify(report));
    },
    reapLeakedLiveEventsHttp: withProblemDetails(async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => ({ status: 200, jsonBody: await run(context) })),
  };
}
