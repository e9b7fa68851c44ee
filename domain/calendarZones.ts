/**
 * Time zones of one feed, resolved without any process-wide registry: the feed's own VTIMEZONE
 * definitions (RRULE and RDATE observances), else the TZID read as an IANA name, else as a Windows
 * name (Outlook/Exchange, via CLDR's mapping). RFC 7809 lets a TZID stand without a VTIMEZONE.
 */
import { IANAZone } from 'luxon';
import { expandRule, recurParts, type RecurParts } from './calendarRecurrence.js';
import { windowsToIana } from './windowsZones.js';

export interface Zone {
  name: string;
  /** UTC offset in ms at an instant. */
  offsetAt(utcMs: number): number;
}

const DAY = 86_400_000;

export const utcZone: Zone = { name: 'UTC', offsetAt: () => 0 };

export function ianaZone(name: string): Zone | undefined {
  if (!IANAZone.isValidZone(name)) return undefined;
  const zone = IANAZone.create(name);
  return { name, offsetAt: (utcMs) => zone.offset(utcMs) * 60_000 };
}

/** A TZID with no VTIMEZONE: IANA ("/Europe/Berlin" and "/mozilla.org/.../Europe/Berlin" too), then Windows. */
export function zoneByName(tzid: string): Zone | undefined {
  const name = tzid.trim().replace(/^"|"$/g, '');
  const segments = name.split('/').filter(Boolean);
  for (let take = Math.min(3, segments.length); take >= 1; take--) {
    const zone = ianaZone(segments.slice(-take).join('/'));
    if (zone) return zone;
  }
  const windows = windowsToIana[name] ?? Object.entries(windowsToIana).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return windows ? ianaZone(windows) : undefined;
}

const BUCKET = 15 * 60_000;

/**
 * Remembers offsets per quarter hour (zone changes happen on quarter hours): where the offset is the
 * same at both ends of a quarter it holds inside it. Per feed, like the zones themselves.
 */
export function memoizedZone(zone: Zone): Zone {
  const ends = new Map<number, number | undefined>();
  return {
    name: zone.name,
    offsetAt(utc) {
      const bucket = Math.floor(utc / BUCKET);
      let offset = ends.get(bucket);
      if (offset === undefined && !ends.has(bucket)) {
        const start = zone.offsetAt(bucket * BUCKET);
        offset = start === zone.offsetAt(bucket * BUCKET + BUCKET - 1) ? start : undefined;
        ends.set(bucket, offset);
      }
      return offset ?? zone.offsetAt(utc);
    },
  };
}

/** Local wall time (epoch-like ms read as UTC) to an instant, as RFC 5545 §3.3.5 reads gaps and overlaps. */
export function wallToUtc(zone: Zone, wall: number): number {
  const before = zone.offsetAt(wall - DAY);
  const after = zone.offsetAt(wall + DAY);
  const valid = [...new Set([before, after])].map((offset) => wall - offset).filter((utc) => zone.offsetAt(utc) === wall - utc);
  // A time that occurs twice is its first occurrence; one skipped by a gap takes the offset before the gap.
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

export function utcToWall(zone: Zone, utc: number): number {
  return utc + zone.offsetAt(utc);
}

interface Observance {
  from: number;
  to: number;
  /** Onset as local wall time in the offset before it. */
  dtstart: number;
  rule?: RecurParts;
  untilWall?: number;
  rdates: number[];
}

type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];
type JCalComponent = [string, JCalProperty[], JCalComponent[]];

/** A VTIMEZONE (jCal) as a zone of this feed; throws when it cannot be read. */
export function vtimezoneZone(component: JCalComponent): Zone {
  const tzid = String(component[1].find((p) => p[0] === 'tzid')?.[3] ?? '');
  if (!tzid) throw new Error('VTIMEZONE without TZID');
  const observances: Observance[] = component[2]
    .filter(([name]) => name === 'standard' || name === 'daylight')
    .map(([, props]) => {
      const value = (name: string) => props.find((p) => p[0] === name);
      const dtstart = parseWall(String(value('dtstart')?.[3] ?? ''));
      const from = parseOffset(String(value('tzoffsetfrom')?.[3] ?? ''));
      const to = parseOffset(String(value('tzoffsetto')?.[3] ?? ''));
      if (dtstart === undefined || from === undefined || to === undefined) throw new Error(`VTIMEZONE ${tzid}: observance without DTSTART or offsets`);
      const rrule = value('rrule');
      const rule = rrule ? recurParts(rrule[3]) : undefined;
      const until = rule?.UNTIL?.[0];
      const untilWall = until === undefined ? undefined : until.endsWith('Z') ? parseWall(until)! + from : parseWall(until);
      const rdates = props
        .filter((p) => p[0] === 'rdate')
        .flatMap((p) => p.slice(3).map((v) => (Array.isArray(v) ? v[0] : v)))
        .map((v) => parseWall(String(v)))
        .filter((v): v is number => v !== undefined);
      return { from, to, dtstart, rule, untilWall, rdates };
    });
  if (observances.length === 0) throw new Error(`VTIMEZONE ${tzid} has no observance`);
  const earliest = observances.reduce((a, b) => (a.dtstart - a.from <= b.dtstart - b.from ? a : b));
  const byYear = new Map<number, Array<{ at: number; offset: number }>>();

  /** Onsets (as instants) of every observance in one calendar year, sorted. */
  const onsetsIn = (year: number) => {
    let list = byYear.get(year);
    if (list) return list;
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1) - 1;
    list = [];
    for (const o of observances) {
      const walls = [o.dtstart, ...o.rdates];
      if (o.rule) walls.push(...expandRule(o.rule, o.dtstart, o.untilWall, start, end, 10_000).starts);
      for (const wall of walls) if (wall >= start && wall <= end) list.push({ at: wall - o.from, offset: o.to });
    }
    list.sort((a, b) => a.at - b.at);
    byYear.set(year, list);
    return list;
  };
  // Finite observances (no rule) may have their last onset many years back.
  const finite = observances
    .flatMap((o) => (o.rule ? [{ at: o.dtstart - o.from, offset: o.to }] : [o.dtstart, ...o.rdates].map((wall) => ({ at: wall - o.from, offset: o.to }))))
    .sort((a, b) => a.at - b.at);

  return {
    name: tzid,
    offsetAt(utc) {
      const year = new Date(utc).getUTCFullYear();
      let best: { at: number; offset: number } | undefined;
      for (const candidate of [...onsetsIn(year - 1), ...onsetsIn(year), ...finite]) {
        if (candidate.at <= utc && (!best || candidate.at > best.at)) best = candidate;
      }
      return best ? best.offset : earliest.from;
    },
  };
}

/** "YYYY-MM-DDTHH:MM:SS" (jCal, optional Z) or "YYYY-MM-DD" to wall ms; undefined when not a real date. */
export function parseWall(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z?)?$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1).map((x) => x ?? '0') as string[];
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Math.min(59, Number(s)));
  const back = new Date(wall);
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59) return undefined;
  return wall;
}

function parseOffset(text: string): number | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '-' ? -ms : ms;
}
