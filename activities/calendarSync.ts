/**
 * One calendar sync: read each feed (politely: see adapters/calendarFeed.ts), plan against the
 * broadcasts it created before, apply, report. A feed that cannot be fetched or parsed changes
 * nothing; an unchanged feed is neither parsed nor planned until its next occurrence nears the window.
 */
import { createHash } from 'node:crypto';
import type * as df from 'durable-functions';
import { Duration } from 'luxon';
import { createCalendarFeedReader, createFileFeedCache, defaultFeedCacheDir, type FeedCache, type FeedCacheEntry, type FeedRead, type FeedSource, type FetchLike } from '../adapters/calendarFeed.js';
import { BroadcastConflictError, BroadcastTooLongError, createBroadcastService, type CapacitySettings } from '../adapters/broadcastService.js';
import type { CalendarFeedSettings as CalendarFeedConfig } from '../contracts/settings.js';
import type { BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import type { LifecycleNotification } from '../contracts/notifications.js';
import { parseChangeBroadcast, parseCreateBroadcast } from '../domain/broadcastRequest.js';
import { readCalendar, type CalendarReading, type InvalidCalendarEvent } from '../domain/calendar.js';
import { planCalendarSync, type ExistingCalendarBroadcast } from '../domain/calendarDiff.js';

export interface FeedReport {
  feed: string;
  /** synced: planned and applied; unchanged: not modified, nothing parsed or planned; failed: nothing changed. */
  status: 'synced' | 'unchanged' | 'failed';
  /** The feed could not be fetched and its last good copy was used. */
  fromLastGoodCopy?: boolean;
  created: string[];
  changed: string[];
  cancelled: string[];
  /** Events of the feed that could not be read: skipped, their broadcasts left alone. */
  invalidEvents: Array<{ uid?: string; message: string }>;
  errors: Array<{ ref?: string; message: string }>;
}

export interface CalendarSyncDeps {
  client: df.DurableClient;
  feeds: CalendarFeedConfig[];
  lookaheadMs: number;
  now: number;
  policy: BroadcastPolicy;
  /** The pool and its quotas: calendar broadcasts are placed like API ones. */
  capacity?: CapacitySettings;
  defaultAccount: MediaAccountRef;
  /** Fetch for feeds (the outbound guard wraps it); the global fetch by default. */
  fetch?: FetchLike;
  /** Last good copies; a file cache in CALENDAR_CACHE_DIR by default. */
  cache?: FeedCache;
  /** Hands notices (calendar.event_invalid) to webhook delivery. */
  notify: (notification: LifecycleNotification) => Promise<unknown>;
  env?: Record<string, string | undefined>;
}

const DAY = 86_400_000;

const feedSettings = (env: Record<string, string | undefined>) => ({
  fileRoot: env.CALENDAR_FILE_ROOT || undefined,
  timeoutMs: env.CALENDAR_FETCH_TIMEOUT ? Duration.fromISO(env.CALENDAR_FETCH_TIMEOUT).toMillis() || undefined : undefined,
  maxBytes: env.CALENDAR_MAX_BYTES ? Number(env.CALENDAR_MAX_BYTES) || undefined : undefined,
});

export async function syncCalendars(deps: CalendarSyncDeps): Promise<FeedReport[]> {
  const env = deps.env ?? process.env;
  const reader = createCalendarFeedReader({ fetch: deps.fetch, ...feedSettings(env) });
  const cache = deps.cache ?? createFileFeedCache(defaultFeedCacheDir(env));
  const { notify } = deps;
  const service = createBroadcastService(deps.client, deps.policy, deps.capacity);
  const window = { fromMs: deps.now, toMs: deps.now + deps.lookaheadMs, now: deps.now };
  let existing: ExistingCalendarBroadcast[] | undefined;
  const existingBroadcasts = async () => {
    existing ??= (await service.list({ top: 100_000 })).items
      .filter((b) => b.origin.kind === 'calendar' && b.origin.ref)
      .map((b) => ({ id: b.id, ref: b.origin.ref ?? '', startAt: b.startAt, endAt: b.endAt, title: b.title, phase: b.phase }));
    return existing;
  };
  const reports: FeedReport[] = [];

  for (const feed of deps.feeds) {
    const report: FeedReport = { feed: feed.name, status: 'synced', created: [], changed: [], cancelled: [], invalidEvents: [], errors: [] };
    reports.push(report);
    const source: FeedSource = { name: feed.name, url: feed.url, intervalMs: feed.pollInterval ? Duration.fromISO(feed.pollInterval).toMillis() : undefined };
    const read: FeedRead = await reader.read(source, await cache.get(feed.name), deps.now);
    // A plan holds for the settings it was made with (defaults, zone, window length).
    const settingsKey = createHash('sha256').update(JSON.stringify([feed, deps.lookaheadMs])).digest('hex').slice(0, 16);
    const kept = read.cached;
    if (read.kind === 'failed') {
      report.status = 'failed';
      report.errors.push({ message: `could not read the feed: ${read.error}` });
    }
    if (read.kind !== 'changed') {
      // Unchanged, or unreachable for now: the last good copy stands. It is planned again only
      // once the window reaches an occurrence it has not planned yet.
      if (!kept) continue;
      if (kept.plannedUntil !== undefined && window.toMs <= kept.plannedUntil && kept.plannedWith === settingsKey) {
        if (read.kind === 'unchanged') {
          report.status = 'unchanged';
          if (read.asked) await cache.put(feed.name, { ...read.cached, checkedAt: deps.now });
        }
        continue;
      }
      report.fromLastGoodCopy = read.kind === 'failed' || undefined;
    }

    const body = read.kind === 'changed' ? read.body : kept!.body;
    const timeZone = typeof feed.defaults.timeZone === 'string' ? feed.defaults.timeZone : undefined;
    let reading: CalendarReading;
    let plannedUntil: number | undefined;
    try {
      // Read a day further: the first occurrence after the sync window tells until when an unchanged
      // copy needs no new plan (at most a day later, so this costs little).
      const beyond = window.toMs + DAY;
      const wide = readCalendar(body, { feed: feed.name, fromMs: window.fromMs, toMs: beyond, timeZone });
      const next = wide.occurrences.find((o) => Date.parse(o.startAt) >= window.toMs);
      plannedUntil = next ? Date.parse(next.startAt) : beyond;
      reading = { ...wide, occurrences: wide.occurrences.filter((o) => Date.parse(o.startAt) < window.toMs) };
    } catch (error) {
      report.status = 'failed';
      report.errors.push({ message: `could not parse the feed: ${error instanceof Error ? error.message : String(error)}` });
      continue; // a corrupt feed cancels nothing, and does not replace the last good copy
    }

    report.invalidEvents = reading.invalid.map(({ uid, message }) => ({ uid, message }));
    const notified = await notifyInvalid(feed.name, reading.invalid, kept?.notified ?? [], notify, deps.now);

    const errorsBeforeApplying = report.errors.length;
    const plan = planCalendarSync(feed.name, reading.occurrences, await existingBroadcasts(), window, reading.invalid.flatMap((i) => i.protect));
    const { timeZone: _zone, ...defaults } = feed.defaults;
    for (const { id, occurrence } of plan.create) {
      const body = deepMerge(deepMerge(defaults, occurrence.settings), { id, title: occurrence.title, startAt: occurrence.startAt, endAt: occurrence.endAt });
      const spec = parseCreateBroadcast(body, { now: deps.now, defaultAccount: deps.defaultAccount, newId: () => id, origin: { kind: 'calendar', ref: occurrence.key } });
      if (!spec.ok) {
        report.errors.push({ ref: occurrence.key, message: spec.errors.map((e) => `${e.field}: ${e.message}`).join('; ') });
        continue;
      }
      try {
        await service.schedule(spec.value);
      } catch (error) {
        // A full account or a window over the cap: reported for this occurrence, the rest of the feed goes on.
        if (!(error instanceof BroadcastConflictError || error instanceof BroadcastTooLongError)) throw error;
        report.errors.push({ ref: occurrence.key, message: error.message.slice(0, 300) });
        continue;
      }
      report.created.push(id);
    }
    for (const { id, occurrence } of plan.reschedule) {
      const { spec } = await service.spec(id);
      const change = parseChangeBroadcast({ startAt: occurrence.startAt, endAt: occurrence.endAt, ...(occurrence.title ? { title: occurrence.title } : {}) }, spec, deps.now);
      if (!change.ok) {
        report.errors.push({ ref: occurrence.key, message: change.errors.map((e) => `${e.field}: ${e.message}`).join('; ') });
        continue;
      }
      try {
        await service.reschedule(id, change.value);
      } catch (error) {
        if (!(error instanceof BroadcastConflictError || error instanceof BroadcastTooLongError)) throw error;
        report.errors.push({ ref: occurrence.key, message: error.message.slice(0, 300) });
        continue;
      }
      report.changed.push(id);
    }
    for (const { id } of plan.cancel) {
      await service.cancel(id, 'calendar');
      report.cancelled.push(id);
    }

    const entry: FeedCacheEntry =
      read.kind === 'changed'
        ? { url: feed.url, body: read.body, hash: read.hash, etag: read.etag, lastModified: read.lastModified, checkedAt: deps.now }
        : { ...kept!, checkedAt: read.kind === 'unchanged' && !read.asked ? kept!.checkedAt : deps.now };
    // An occurrence that could not be applied is planned again next time; so is a copy used while the feed fails.
    const settled = report.errors.length === errorsBeforeApplying && read.kind !== 'failed';
    await cache.put(feed.name, { ...entry, plannedUntil: settled ? plannedUntil : undefined, plannedWith: settingsKey, notified });
  }
  return reports;
}

/** One calendar.event_invalid notice per distinct problem, not one per sync. */
async function notifyInvalid(feed: string, invalid: InvalidCalendarEvent[], already: string[], notify: CalendarSyncDeps['notify'], now: number): Promise<string[]> {
  const current: string[] = [];
  for (const problem of invalid) {
    const id = createHash('sha256').update(`${feed}\n${problem.uid ?? ''}\n${problem.message}`).digest('hex').slice(0, 32);
    current.push(id);
    if (already.includes(id)) continue;
    try {
      await notify({ id: `calendar-${id}`, type: 'calendar.event_invalid', broadcastId: '', occurredAt: new Date(now).toISOString(), data: { feed, uid: problem.uid, message: problem.message } });
    } catch {
      current.pop(); // not delivered to the queue: tried again next sync
    }
  }
  return current;
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
