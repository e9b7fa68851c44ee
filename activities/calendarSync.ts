/** One calendar sync: read each feed, plan against the broadcasts it created before, apply, report. */
import type * as df from 'durable-functions';
import { readCalendarFeed } from '../adapters/calendarFeed.js';
import { createBroadcastService } from '../adapters/broadcastService.js';
import type { CalendarFeedSettings as CalendarFeedConfig } from '../contracts/settings.js';
import type { BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import { parseChangeBroadcast, parseCreateBroadcast } from '../domain/broadcastRequest.js';
import { expandCalendar } from '../domain/calendar.js';
import { planCalendarSync, type ExistingCalendarBroadcast } from '../domain/calendarDiff.js';

export interface FeedReport {
  feed: string;
  created: string[];
  changed: string[];
  cancelled: string[];
  errors: Array<{ ref?: string; message: string }>;
}

export interface CalendarSyncDeps {
  client: df.DurableClient;
  feeds: CalendarFeedConfig[];
  lookaheadMs: number;
  now: number;
  policy: BroadcastPolicy;
  defaultAccount: MediaAccountRef;
}

export async function syncCalendars(deps: CalendarSyncDeps): Promise<FeedReport[]> {
  const service = createBroadcastService(deps.client, deps.policy);
  const window = { fromMs: deps.now, toMs: deps.now + deps.lookaheadMs, now: deps.now };
  const all = (await service.list({ top: 100_000 })).items.filter((b) => b.origin.kind === 'calendar' && b.origin.ref);
  const existing: ExistingCalendarBroadcast[] = all.map((b) => ({ id: b.id, ref: b.origin.ref ?? '', startAt: b.startAt, endAt: b.endAt, title: b.title, phase: b.phase }));
  const reports: FeedReport[] = [];

  for (const feed of deps.feeds) {
    const report: FeedReport = { feed: feed.name, created: [], changed: [], cancelled: [], errors: [] };
    reports.push(report);
    let occurrences;
    try {
      const timeZone = typeof feed.defaults.timeZone === 'string' ? feed.defaults.timeZone : undefined;
      occurrences = expandCalendar(await readCalendarFeed(feed.url), { feed: feed.name, ...window, timeZone });
    } catch (error) {
      report.errors.push({ message: `could not read the feed: ${error instanceof Error ? error.message : String(error)}` });
      continue; // a broken feed must not cancel its broadcasts
    }
    const plan = planCalendarSync(feed.name, occurrences, existing, window);
    const { timeZone: _zone, ...defaults } = feed.defaults;
    for (const { id, occurrence } of plan.create) {
      const body = deepMerge(deepMerge(defaults, occurrence.settings), { id, title: occurrence.title, startAt: occurrence.startAt, endAt: occurrence.endAt });
      const spec = parseCreateBroadcast(body, { now: deps.now, defaultAccount: deps.defaultAccount, newId: () => id, origin: { kind: 'calendar', ref: occurrence.key } });
      if (!spec.ok) {
        report.errors.push({ ref: occurrence.key, message: spec.errors.map((e) => `${e.field}: ${e.message}`).join('; ') });
        continue;
      }
      await service.schedule(spec.value);
      report.created.push(id);
    }
    for (const { id, occurrence } of plan.reschedule) {
      const { spec } = await service.spec(id);
      const change = parseChangeBroadcast({ startAt: occurrence.startAt, endAt: occurrence.endAt, ...(occurrence.title ? { title: occurrence.title } : {}) }, spec, deps.now);
      if (!change.ok) {
        report.errors.push({ ref: occurrence.key, message: change.errors.map((e) => `${e.field}: ${e.message}`).join('; ') });
        continue;
      }
      await service.reschedule(id, change.value);
      report.changed.push(id);
    }
    for (const { id } of plan.cancel) {
      await service.cancel(id, 'calendar');
      report.cancelled.push(id);
    }
  }
  return reports;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return result;
}
