// Calendar feeds become broadcasts; edits reschedule, removals and cancellations cancel, repeats are idempotent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

const feedFile = join(mkdtempSync(join(tmpdir(), 'feed-')), 'studio.ics');
let stack: Stack;
let base: number;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const hour = 3600_000;
function vevent(uid: string, startH: number, lengthH: number, extra = '') {
  return `BEGIN:VEVENT\r\nUID:${uid}\r\nSUMMARY:${uid}\r\nDTSTART:${stamp(base + startH * hour)}\r\nDTEND:${stamp(base + (startH + lengthH) * hour)}\r\n${extra}END:VEVENT\r\n`;
}
const calendar = (...events: string[]) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n${events.join('')}END:VCALENDAR\r\n`;

beforeAll(async () => {
  base = Math.ceil(Date.now() / hour) * hour + 24 * hour; // tomorrow, on the hour: far enough that nothing starts during the test
  writeFileSync(feedFile, calendar(vevent('news', 0, 1), vevent('sport', 2, 2), vevent('daily', 4, 1, 'RRULE:FREQ=DAILY;COUNT=3\r\n')));
  stack = await startStack({
    speed: 1,
    settings: { CALENDAR_FEEDS: JSON.stringify([{ name: 'studio', url: feedFile, defaults: { liveEvent: { encoding: { type: 'PassthroughBasic' } } } }]), CALENDAR_SYNC_SCHEDULE: '0 0 0 1 1 *' },
  });
});
afterAll(() => stack.close());

const sync = async () => {
  const res = await stack.api(`/api/calendar/sync?code=${stack.host.functionKey}`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { feeds: Array<{ created: string[]; changed: string[]; cancelled: string[]; errors: unknown[] }> }).feeds[0];
};
const calendarBroadcasts = async () => {
  const page = (await (await stack.api('/api/broadcasts?top=200')).json()) as { items: Array<{ id: string; title: string; phase: string; startAt: string; origin: { kind: string }; liveEvent: { settings: { encoding: { type: string } } } }> };
  return page.items.filter((b) => b.origin.kind === 'calendar');
};

it('creates one broadcast per occurrence, with the feed defaults, and a repeated sync changes nothing', async () => {
  await sync();
  const created = await calendarBroadcasts();
  expect(created.map((b) => b.title).sort()).toEqual(['daily', 'daily', 'daily', 'news', 'sport']);
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
  expect(broadcasts).toHaveLength(5);
  expect(await sync()).toMatchObject({ created: [], changed: [], cancelled: [] });
});
