/**
 * Calendar benchmark. (1) A feed of 10,000 events (single and recurring, IANA and Windows zones, a
 * VTIMEZONE, moved instances) read and planned over a 7-day window, twice: first sync (everything
 * created) and a repeated one (nothing to do). (2) A series-age sweep: 1,000 daily series whose
 * DTSTART lies 0 to 40 years before the window; the time should not grow with the age.
 * Measures the pure part of a sync (parse, expand, plan); creating broadcasts is the host's cost.
 */
import { readCalendar } from '../domain/calendar.js';
import { calendarBroadcastId, planCalendarSync, type ExistingCalendarBroadcast } from '../domain/calendarDiff.js';

const DAY = 86_400_000;
const windowStart = Date.parse('2030-06-03T00:00:00Z');
const window = { fromMs: windowStart, toMs: windowStart + 7 * DAY, now: windowStart };

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '');
const berlinZone = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];
const calendar = (events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bench//EN', ...berlinZone, ...events, 'END:VCALENDAR', ''].join('\r\n');
const event = (uid: string, lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20300101T000000Z', `SUMMARY:${uid}`, ...lines, 'END:VEVENT'].join('\r\n');

function tenThousandEvents(): string {
  const events: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const kind = i % 5;
    const local = stamp(windowStart + (i % 7) * DAY + (8 + (i % 10)) * 3_600_000);
    if (kind === 0) events.push(event(`single-${i}`, [`DTSTART:${local}Z`, 'DURATION:PT1H']));
    else if (kind === 1) events.push(event(`daily-${i}`, [`DTSTART;TZID=Europe/Berlin:${stamp(Date.parse('2027-01-04T00:00:00Z') + (i % 10) * 3_600_000)}`, 'DURATION:PT30M', 'RRULE:FREQ=DAILY']));
    else if (kind === 2) events.push(event(`weekly-${i}`, [`DTSTART;TZID=America/New_York:${stamp(Date.parse('2024-01-01T00:00:00Z') + (i % 7) * DAY + 9 * 3_600_000)}`, 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR', 'EXDATE;TZID=America/New_York:20300605T090000']));
    else if (kind === 3) events.push(event(`monthly-${i}`, [`DTSTART;TZID=W. Europe Standard Time:${stamp(Date.parse('2020-01-06T00:00:00Z') + 14 * 3_600_000)}`, 'DURATION:PT2H', 'RRULE:FREQ=MONTHLY;BYDAY=1MO']));
    else {
      events.push(event(`moved-${i}`, [`DTSTART:${stamp(Date.parse('2029-01-01T10:00:00Z'))}Z`, 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=1000']));
      events.push(event(`moved-${i}`, [`RECURRENCE-ID:${stamp(windowStart + 2 * DAY + 10 * 3_600_000)}Z`, `DTSTART:${stamp(windowStart + 2 * DAY + 15 * 3_600_000)}Z`, 'DURATION:PT1H', 'SEQUENCE:1']));
    }
  }
  return calendar(events);
}

/** Median wall time and CPU time (the CPU figure stays fair when the machine is shared). */
function time<T>(runs: number, work: () => T): { ms: number; cpuMs: number; result: T } {
  let result = work(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    result = work();
    const used = process.cpuUsage(cpuStarted);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ms: median(wall), cpuMs: median(cpu), result };
}
const figure = (t: { ms: number; cpuMs: number }) => `${t.ms.toFixed(1)} ms (cpu ${t.cpuMs.toFixed(1)} ms)`;

const feed = tenThousandEvents();
const read = time(5, () => readCalendar(feed, { feed: 'bench', ...window }));
const first = time(5, () => planCalendarSync('bench', read.result.occurrences, [], window));
const existing: ExistingCalendarBroadcast[] = first.result.create.map(({ id, occurrence }) => ({
  id, ref: occurrence.key, startAt: occurrence.startAt, endAt: occurrence.endAt, title: occurrence.title, phase: 'scheduled',
}));
const again = time(5, () => planCalendarSync('bench', read.result.occurrences, existing, window));
// What a sync does with a changed feed: read the window and one day beyond (see activities/calendarSync.ts), plan.
const sync = time(5, () => {
  const reading = readCalendar(feed, { feed: 'bench', fromMs: window.fromMs, toMs: window.toMs + DAY });
  return planCalendarSync('bench', reading.occurrences.filter((o) => Date.parse(o.startAt) < window.toMs), existing, window);
});
if (again.result.create.length + again.result.reschedule.length + again.result.cancel.length !== 0) throw new Error('a repeated plan should do nothing');
if (read.result.invalid.length !== 0) throw new Error(`unexpected invalid events: ${read.result.invalid[0]?.message}`);
if (existing.some((b) => b.id !== calendarBroadcastId(b.ref))) throw new Error('ids are not stable');

console.log(`feed of 10,000 events (${(feed.length / 1024 / 1024).toFixed(1)} MiB), 7-day window -> ${read.result.occurrences.length} occurrences`);
console.log(`  parse + expand        ${figure(read)}, median of 5`);
console.log(`  plan, first sync      ${figure(first)}, ${first.result.create.length} to create`);
console.log(`  plan, repeated sync   ${figure(again)}, nothing to do`);
console.log(`  sync of a changed feed (read to a day beyond the window, plan)  ${figure(sync)}`);

console.log('\nseries-age sweep: 1,000 series per rule, DTSTART years before the window; wall / cpu ms');
console.log('  (daily and COUNT rules are computed directly; the last weekday of the month goes through ical.js with the period jump)');
console.log('  age (years)        DAILY   DAILY;COUNT=100000   MONTHLY;BYSETPOS=-1');
for (const years of [0, 1, 5, 10, 20, 40]) {
  const start = windowStart - years * 365 * DAY + 9 * 3_600_000;
  const series = (rule: string) =>
    calendar(Array.from({ length: 1_000 }, (_, i) => event(`s-${i}`, [`DTSTART;TZID=Europe/Berlin:${stamp(start + (i % 12) * 3_600_000)}`, 'DURATION:PT1H', rule])));
  const rules = ['RRULE:FREQ=DAILY', 'RRULE:FREQ=DAILY;COUNT=100000', 'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'];
  const [a, b, c] = rules.map((rule) => time(3, () => readCalendar(series(rule), { feed: 'age', ...window })));
  const pair = (t: { ms: number; cpuMs: number }) => `${t.ms.toFixed(1)} / ${t.cpuMs.toFixed(1)}`;
  console.log(`  ${String(years).padStart(11)}   ${pair(a!).padStart(11)}   ${pair(b!).padStart(18)}   ${pair(c!).padStart(19)}`);
}
