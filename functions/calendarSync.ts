/** Calendar sync triggers: on a schedule, and now (POST /api/calendar/sync) with the report as the answer. */
import type { HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { syncCalendars, type CalendarSyncDeps } from '../activities/calendarSync.js';
import type { LifecycleNotification } from '../contracts/notifications.js';
import { triggerNow } from './triggerClock.js';

type Publish = (notification: LifecycleNotification, context: InvocationContext) => Promise<unknown>;

export function createCalendarSyncHandlers({ publish, ...deps }: Omit<CalendarSyncDeps, 'client' | 'now' | 'notify'> & { publish: Publish }) {
  const run = (context: InvocationContext) =>
    syncCalendars({ ...deps, client: df.getClient(context), now: triggerNow(), notify: (notification) => publish(notification, context) });
  return {
    // "Now" is the real time: in Azure scheduleStatus.lastUpdated is the previous run (year 1 on the first run).
    syncCalendarsTimer: async (_timer: Timer, context: InvocationContext): Promise<void> => {
      const reports = await run(context);
      context.log('calendar sync', JSON.stringify(reports));
    },
    syncCalendarsHttp: async (_request: unknown, context: InvocationContext): Promise<HttpResponseInit> => ({
      status: 200,
      jsonBody: { feeds: await run(context) },
    }),
  };
}
