/**
 * Retention: a timer purges finished durable instances (broadcasts, webhook deliveries, inbound receipts,
 * removed subscribers) whose last update is older than BROADCAST_RETENTION. Finished broadcasts then stop
 * costing anything in listings and storage, and the store does not grow without bound.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { queryInstances } from '../adapters/instanceQuery.js';
import { triggerNow } from './triggerClock.js';

const TERMINAL = ['Completed', 'Failed', 'Terminated'];
const PAGE = 500;
/** Per run at most; the next run continues. Keeps one run short whatever the backlog. */
const MAX_PURGES_PER_RUN = 5_000;
const MAX_PAGES_PER_RUN = 40;

export interface PurgeReport {
  at: string;
  cutoff: string;
  purged: number;
  /** More were eligible than one run purges. */
  more: boolean;
}

/**
 * Candidates come from the store's own filters (terminal statuses, created before the cutoff: an instance
 * last updated before the cutoff was created before it too); each is purged only when its last update is
 * older than the cutoff, so a broadcast scheduled long ahead keeps its whole retention after it ends.
 * Purge by filter alone (createdTimeFrom/To) would drop such a broadcast the moment it finished.
 */
export async function purgeFinished(client: df.DurableClient, now: number, retentionMs: number): Promise<PurgeReport> {
  const cutoff = now - retentionMs;
  let purged = 0;
  let token: string | undefined;
  let pages = 0;
  do {
    pages++;
    const page = await queryInstances(client, { instanceIdPrefix: '', top: PAGE, runtimeStatus: TERMINAL, createdTimeFrom: new Date(0), createdTimeTo: new Date(cutoff), showInput: false, continuationToken: token });
    for (const instance of page.instances) {
      if (Date.parse(instance.lastUpdatedTime) >= cutoff) continue;
      const result = await client.purgeInstanceHistory(instance.instanceId);
      purged += result.instancesDeleted;
    }
    token = page.continuationToken;
  } while (token && purged < MAX_PURGES_PER_RUN && pages < MAX_PAGES_PER_RUN);
  return { at: new Date(now).toISOString(), cutoff: new Date(cutoff).toISOString(), purged, more: token !== undefined };
}

export function createRetentionHandlers(deps: { retentionMs: number }) {
  return {
    purgeTimer: async (_timer: Timer, context: InvocationContext): Promise<void> => {
      const report = await purgeFinished(df.getClient(context), triggerNow(), deps.retentionMs);
      if (report.purged > 0) context.log('purged finished instances', JSON.stringify(report));
    },
  };
}
