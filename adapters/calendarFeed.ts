/**
 * Reads calendar feeds politely: conditional requests (ETag / Last-Modified), a per-feed interval,
 * webcal:// URLs, bounded redirects, a timeout and a size cap; file feeds only under a configured
 * folder. The fetch function is injected (the outbound SSRF guard wraps it). The last good copy of
 * each feed is kept in a FeedCache so a feed that fails or goes away for a while changes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

export type FetchLike = (url: string, init: { method: 'GET'; headers: Record<string, string>; redirect: 'manual'; signal: AbortSignal }) => Promise<Response>;

/** What is kept per feed between syncs (and between Function instances: see createFileFeedCache). */
export interface FeedCacheEntry {
  /** The source the copy came from (a changed URL starts afresh). */
  url: string;
  /** The last copy that parsed. */
  body: string;
  hash: string;
  etag?: string;
  lastModified?: string;
  /** Last time the source was asked (ms), for the per-feed interval. */
  checkedAt: number;
  /**
   * Until this instant (ms) nothing new can enter the sync window from this copy: the start of its
   * first occurrence after the window last planned. An unchanged feed is not planned again before it.
   */
  plannedUntil?: number;
  /** Fingerprint of the feed settings that plan was made with. */
  plannedWith?: string;
  /** Invalid events already notified (hashes), so an unchanged problem is notified once. */
  notified?: string[];
}

export interface FeedCache {
  get(feed: string): Promise<FeedCacheEntry | undefined>;
  put(feed: string, entry: FeedCacheEntry): Promise<void>;
}

export type FeedRead =
  | { kind: 'changed'; body: string; hash: string; etag?: string; lastModified?: string; cached?: FeedCacheEntry }
  /** 304, the same bytes again, or asked again before the feed's interval: nothing was parsed. */
  | { kind: 'unchanged'; cached: FeedCacheEntry; asked: boolean }
  | { kind: 'failed'; error: string; cached?: FeedCacheEntry };

export interface FeedSource {
  name: string;
  url: string;
  /** Minimum time between two requests to the source (ms). */
  intervalMs?: number;
}

export interface FeedReaderOptions {
  fetch?: FetchLike;
  /** Folder file feeds must lie in (symlinks resolved); file feeds are refused without it. */
  fileRoot?: string;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
}

export const feedHash = (body: string) => createHash('sha256').update(body).digest('hex');

export function createCalendarFeedReader(options: FeedReaderOptions = {}) {
  const fetchLike: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;

  async function read(source: FeedSource, kept: FeedCacheEntry | undefined, now: number): Promise<FeedRead> {
    const cached = kept?.url === source.url ? kept : undefined;
    if (cached && source.intervalMs && now - cached.checkedAt < source.intervalMs) return { kind: 'unchanged', cached, asked: false };
    try {
      const got = /^(https?|webcal):\/\//i.test(source.url) ? await fetchFeed(source.url, cached) : await readFileFeed(source.url);
      if (got === 'not-modified') return { kind: 'unchanged', cached: cached!, asked: true };
      const hash = feedHash(got.body);
      if (cached && cached.hash === hash) return { kind: 'unchanged', cached: { ...cached, etag: got.etag ?? cached.etag, lastModified: got.lastModified ?? cached.lastModified }, asked: true };
      return { kind: 'changed', body: got.body, hash, etag: got.etag, lastModified: got.lastModified, cached };
    } catch (error) {
      return { kind: 'failed', error: error instanceof Error ? error.message : String(error), cached };
    }
  }

  async function fetchFeed(url: string, cached: FeedCacheEntry | undefined): Promise<'not-modified' | { body: string; etag?: string; lastModified?: string }> {
    const signal = AbortSignal.timeout(timeoutMs);
    let location = webcalToHttps(url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5', 'user-agent': options.userAgent ?? 'broadcast-scheduler-calendar-sync' };
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
      const response = await fetchLike(location, { method: 'GET', headers, redirect: 'manual', signal });
      if ([301, 302, 303, 307, 308].includes(response.status)) {
        await response.body?.cancel();
        const next = response.headers.get('location');
        if (!next) throw new Error(`calendar feed answered ${response.status} without a Location`);
        if (hop + 1 > maxRedirects) throw new Error(`calendar feed redirected more than ${maxRedirects} times`);
        location = webcalToHttps(new URL(next, location).toString());
        if (!/^https?:\/\//i.test(location)) throw new Error(`calendar feed redirected to a non-HTTP location`);
        continue;
      }
      if (response.status === 304) {
        if (!cached) throw new Error('calendar feed answered 304 to an unconditional request');
        return 'not-modified';
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`calendar feed answered ${response.status}`);
      }
      const body = await readCapped(response, maxBytes);
      return { body, etag: response.headers.get('etag') ?? undefined, lastModified: response.headers.get('last-modified') ?? undefined };
    }
  }

  async function readFileFeed(location: string): Promise<{ body: string; etag?: string; lastModified?: string }> {
    if (!options.fileRoot) throw new Error('file calendar feeds need CALENDAR_FILE_ROOT');
    const root = await realpath(options.fileRoot);
    const path = location.replace(/^file:\/\//i, '');
    const target = await realpath(resolve(root, path)); // follows symlinks, so a link out of the root is caught below
    const inside = relative(root, target);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new Error(`calendar file ${location} lies outside CALENDAR_FILE_ROOT`);
    const info = await stat(target);
    if (info.size > maxBytes) throw new Error(`calendar file is larger than ${maxBytes} bytes`);
    return { body: await readFile(target, 'utf8') };
  }

  return { read };
}

function webcalToHttps(url: string): string {
  return url.replace(/^webcal:\/\//i, 'https://');
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`calendar feed is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`calendar feed is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/**
 * Keeps each feed's last good copy as a JSON file. On Azure Functions, %HOME% (HOME on Linux) is an
 * Azure Files share that all instances of the app see and that survives restarts, so the default
 * folder there is $HOME/data/calendar-feeds; locally it is the temp folder. Memory would not do: each
 * Function instance has its own and loses it on scale-in. (A Blob container on AzureWebJobsStorage is
 * the alternative for plans without a shared %HOME%, such as Flex Consumption.)
 */
export function createFileFeedCache(dir: string): FeedCache {
  const file = (feed: string) => join(dir, `${feed.replace(/[^a-zA-Z0-9-_]/g, '_')}.json`);
  return {
    async get(feed) {
      try {
        return JSON.parse(await readFile(file(feed), 'utf8')) as FeedCacheEntry;
      } catch {
        return undefined;
      }
    },
    async put(feed, entry) {
      await mkdir(dir, { recursive: true });
      const temp = `${file(feed)}.${randomUUID()}.tmp`; // two syncs may overlap (timer and HTTP)
      await writeFile(temp, JSON.stringify(entry));
      await rename(temp, file(feed)); // atomic: a reader sees the old copy or the new one
    },
  };
}

export function defaultFeedCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.CALENDAR_CACHE_DIR) return env.CALENDAR_CACHE_DIR;
  if (env.WEBSITE_INSTANCE_ID && env.HOME) return join(env.HOME, 'data', 'calendar-feeds');
  return join(tmpdir(), 'broadcast-calendar-feeds');
}
