/** The leak reaper's triggers: on a schedule, and on demand (POST /api/reaper/run) with the report as the answer. */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { reapOnce, type ReapReport } from '../activities/reaperActivities.js';
import type { LiveEventJanitor, MediaAccountRef } from '../contracts/media.js';
import { withProblemDetails } from './http.js';

export interface ReaperDeps {
  janitor: () => LiveEventJanitor;
  accounts: readonly MediaAccountRef[];
  graceMs: number;
  deleteOrphans: boolean;
  managedBy: string;
}

export function createReaperHandlers(deps: ReaperDeps) {
  const run = (context: InvocationContext, now: number): Promise<ReapReport> =>
    reapOnce({ janitor: deps.janitor(), client: df.getClient(context), accounts: deps.accounts, now, graceMs: deps.graceMs, deleteOrphans: deps.deleteOrphans, managedBy: deps.managedBy });

  return {
    reapLeakedLiveEventsTimer: async (timer: Timer, context: InvocationContext): Promise<void> => {
      // The firing time the host reports is "now" (the same as Date.now() in Azure; the local host's clock in tests).
      const report = await run(context, Date.parse(timer.scheduleStatus?.lastUpdated ?? '') || Date.now());
      if (report.actions.length > 0) context.warn('leak reaper acted', JSON.stringify(report));
    },
    reapLeakedLiveEventsHttp: withProblemDetails(async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => ({ status: 200, jsonBody: await run(context, Date.now()) })),
  };
}
