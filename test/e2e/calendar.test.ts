// Calendar feeds become broadcasts; edits reschedule, removals and cancellations cancel, repeats are idempotent.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhookReceiver.js';

const feedRoot = mkdtempSync(join(tmpdir(), 'feed-'));
const feedFile = join(feedRoot, 'studio.ics');
const cacheDir = mkdtempSync(join(tmpdir(), 'feed-cache-'));
let stack: Stack;
let base: number;
const hookSecret = `whsec_${Buffer.from('calendar-notice-secret-0123456789').toString('base64')}`;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

// A calendar server that honours If-None-Match, and can fail or serve garbage on demand.
let remoteMode: 'ok' | 'error' | 'corrupt' = 'ok';
let remoteBody = '';
const remoteRequests: Array<{ ifNoneMatch?: string }> = [];
const remote: Server = createServer((req, res) => {
  remoteRequests.push({ ifNoneMatch: req.headers['if-none-match'] });
  if (remoteMode === 'error') return void res.writeHead(503).end();
  if (remoteMode === 'corrupt') return void res.writeHead(200, { 'content-type': 'text/html', etag: '"html"' }).end('<html>maintenance</html>');
  if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
  res.writeHead(200, { 'content-type': 'text/calendar', etag: '"v1"' }).end(remoteBody);
});

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const hour = 3600_000;
function vevent(uid: string, startH: number, lengthH: number, extra = '') {
  return `BEGIN:VEVENT\r\nUID:${uid}\r\nSUMMARY:${uid}\r\nDTSTART:${stamp(base + startH * hour)}\r\nDTEND:${stamp(base + (startH + lengthH) * hour)}\r\n${extra}END:VEVENT\r\n`;
}
const calendar = (...events: string[]) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n${events.join('')}END:VCALENDAR\r\n`;

beforeAll(async () => {
  base = Math.ceil(Date.now() / hour) * hour + 24 * hour; // tomorrow, on the hour: far enough that nothing starts during the test
  writeFileSync(feedFile, calendar(vevent('news', 0, 1), vevent('sport', 2, 2), vevent('daily', 4, 1, 'RRULE:FREQ=DAILY;COUNT=3\r\n')));
  remoteBody = calendar(vevent('remote-show', 6, 1));
  await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
  const remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}/feed.ics`;
  receiver = await startWebhookReceiver(hookSecret);
  stack = await startStack({
    speed: 1,
    settings: {
      CALENDAR_FEEDS: JSON.stringify([
        { name: 'studio', url: 'studio.ics', defaults: { liveEvent: { encoding: { type: 'PassthroughBasic' } } } },
        { name: 'remote', url: remoteUrl, defaults: { liveEvent: { encoding: { type: 'PassthroughBasic' } } } },
        // Same server, but its host is not allowed: internal addresses are refused like any non-public https URL.
        { name: 'internal', url: remoteUrl.replace('127.0.0.1', 'localhost') },
      ]),
      OUTBOUND_ALLOWED_HOSTS: `${receiver.host},${new URL(remoteUrl).host}`,
      CALENDAR_SYNC_SCHEDULE: '0 0 0 1 1 *',
      CALENDAR_FILE_ROOT: feedRoot,
      CALENDAR_CACHE_DIR: cacheDir,
      WEBHOOK_SUBSCRIBERS: JSON.stringify([{ id: 'calendar-desk', url: receiver.url, secret: hookSecret, events: ['calendar.event_invalid'] }]),
    },
  });
});
afterAll(async () => {
  await stack.close();
  remote.close();
  await receiver.close();
});

type Report = { status: string; created: string[]; changed: string[]; cancelled: string[]; invalidEvents: Array<{ uid?: string }>; errors: unknown[] };
const syncAll = async () => {
  const res = await stack.api(`/api/calendar/sync?code=${stack.host.functionKey}`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { feeds: Report[] }).feeds;
};
const sync = async () => (await syncAll())[0];
const calendarBroadcasts = async () => {
  const page = (await (await stack.api('/api/broadcasts?top=200')).json()) as { items: Array<{ id: string; title: string; phase: string; startAt: string; origin: { kind: string }; liveEvent: { settings: { encoding: { type: string } } } }> };
  return page.items.filter((b) => b.origin.kind === 'calendar');
};

it('creates one broadcast per occurrence, with the feed defaults, and a repeated sync changes nothing', async () => {
  await sync();
  const created = await calendarBroadcasts();
  expect(created.map((b) => b.title).sort()).toEqual(['daily', 'daily', 'daily', 'news', 'remote-show', 'sport']);
  expect(created.every((b) => b.liveEvent.settings.encoding.type === 'PassthroughBasic')).toBe(true);
  expect(await sync()).toMatchObject({ created: [], changed: [], cancelled: [], errors: [] });
});

it('reschedules an edited event and cancels removed and cancelled ones', async () => {
  writeFileSync(feedFile, calendar(
    vevent('news', 1, 1, 'SEQUENCE:1\r\n'), // moved one hour later
    vevent('daily', 4, 1, 'RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:' + stamp(base + 28 * hour) + '\r\n'), // second day removed
    vevent('sport', 2, 2, 'STATUS:CANCELLED\r\n'),
  ));
  const report = await sync();
  expect(report?.changed).toHaveLength(1);
  expect(report?.cancelled).toHaveLength(2);
  const broadcasts = await calendarBroadcasts();
  await new Promise((r) => setTimeout(r, 300)); // the cancel events are applied by the orchestrations
  const after = await calendarBroadcasts();
  expect(after.find((b) => b.title === 'news')?.startAt).toBe(new Date(base + hour).toISOString());
  expect(after.filter((b) => b.phase === 'cancelled').length).toBe(2);
  expect(broadcasts).toHaveLength(6);
  expect(await sync()).toMatchObject({ created: [], changed: [], cancelled: [] });
});

it('skips a bad event (reported) without touching the rest of the feed', async () => {
  const withBroken = (extra: string) => calendar(
    vevent('news', 1, 1, 'SEQUENCE:1\r\n'),
    vevent('daily', 4, 1, 'RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:' + stamp(base + 28 * hour) + '\r\n'),
    vevent('sport', 2, 2, 'STATUS:CANCELLED\r\n' + extra),
    'BEGIN:VEVENT\r\nUID:broken\r\nDTSTART;TZID=Nowhere/Special:20301301T250000\r\nEND:VEVENT\r\n',
  );
  writeFileSync(feedFile, withBroken(''));
  const report = await sync();
  expect(report).toMatchObject({ status: 'synced', created: [], changed: [], cancelled: [] });
  expect(report?.invalidEvents.map((e) => e.uid)).toEqual(['broken']);

  // The same file again is not even parsed; an edit elsewhere is, and still reports the bad event,
  // but the signed calendar.event_invalid notice goes out once, not once per sync.
  expect(await sync()).toMatchObject({ status: 'unchanged', invalidEvents: [] });
  writeFileSync(feedFile, withBroken('DESCRIPTION:edited\r\n'));
  expect((await sync())?.invalidEvents.map((e) => e.uid)).toEqual(['broken']);
  const deadline = Date.now() + 15_000;
  while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.received.map((r) => [r.type, r.data.feed, r.data.uid, r.verified])).toEqual([['calendar.event_invalid', 'studio', 'broken', true]]);
});

it('asks the remote feed conditionally: a 304 is neither parsed nor planned; a failing or corrupt feed cancels nothing', async () => {
  const remoteOf = async () => (await syncAll())[1]!;
  const remoteBroadcast = async () => (await calendarBroadcasts()).find((b) => b.title === 'remote-show');
  expect((await remoteBroadcast())?.phase).toBe('scheduled');

  // Spoil the kept copy (its validators stay): a 304 that parsed it would fail, one that planned would cancel.
  const kept = join(cacheDir, 'remote.json');
  const good = readFileSync(kept, 'utf8');
  writeFileSync(kept, JSON.stringify({ ...(JSON.parse(good) as object), body: 'not a calendar' }));
  expect(await remoteOf()).toMatchObject({ status: 'unchanged', created: [], changed: [], cancelled: [], errors: [] });
  expect(remoteRequests.at(-1)?.ifNoneMatch).toBe('"v1"');
  writeFileSync(kept, good);

  remoteMode = 'error';
  expect(await remoteOf()).toMatchObject({ status: 'failed', cancelled: [] });
  remoteMode = 'corrupt';
  expect(await remoteOf()).toMatchObject({ status: 'failed', cancelled: [] });
  await new Promise((r) => setTimeout(r, 300));
  expect((await remoteBroadcast())?.phase).toBe('scheduled');

  remoteMode = 'ok';
  expect(await remoteOf()).toMatchObject({ status: 'unchanged', cancelled: [] });
});

it('refuses a feed on an internal address and echoes nothing it could have read', async () => {
  const requestsBefore = remoteRequests.length;
  const internal = (await syncAll())[2]!;
  expect(internal).toMatchObject({ feed: 'internal', status: 'failed', created: [], cancelled: [] });
  expect(JSON.stringify(internal)).not.toContain('BEGIN:VCALENDAR');
  expect(remoteRequests.length - requestsBefore).toBe(1); // only the allowed 'remote' feed reached the server
});
