// The feed reader: conditional requests, interval, webcal, redirects, timeout, size cap, file root.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCalendarFeedReader, createFileFeedCache, feedHash, type FeedCacheEntry, type FetchLike } from '../../adapters/calendarFeed.js';

const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
type Call = { url: string; headers: Record<string, string> };
function fakeFetch(answer: (call: Call, n: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers });
    return answer({ url, headers: init.headers }, calls.length);
  };
  return { fetch, calls };
}
const entry = (extra: Partial<FeedCacheEntry> = {}): FeedCacheEntry => ({ url: 'https://cal.example/feed.ics', body: ics, hash: feedHash(ics), checkedAt: 0, ...extra });
const source = { name: 'f', url: 'https://cal.example/feed.ics' };

describe('calendar feed reader over HTTP', () => {
  it('asks conditionally with the validators it kept, and a 304 is unchanged', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 304 }));
    const read = await createCalendarFeedReader({ fetch }).read(source, entry({ etag: '"v1"', lastModified: 'Wed, 01 Jan 2030 00:00:00 GMT' }), 1_000);
    expect(read).toMatchObject({ kind: 'unchanged', asked: true });
    expect(calls[0]?.headers).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': 'Wed, 01 Jan 2030 00:00:00 GMT' });
  });

  it('returns a changed body with its validators; the same bytes again count as unchanged', async () => {
    const { fetch } = fakeFetch(() => new Response(ics, { headers: { etag: '"v2"', 'last-modified': 'Thu, 02 Jan 2030 00:00:00 GMT' } }));
    const reader = createCalendarFeedReader({ fetch });
    expect(await reader.read(source, undefined, 0)).toMatchObject({ kind: 'changed', body: ics, etag: '"v2"', lastModified: 'Thu, 02 Jan 2030 00:00:00 GMT' });
    expect(await reader.read(source, entry(), 0)).toMatchObject({ kind: 'unchanged', asked: true });
  });

  it('does not ask again before the feed interval has passed', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(ics));
    const read = await createCalendarFeedReader({ fetch }).read({ ...source, intervalMs: 60_000 }, entry({ checkedAt: 100_000 }), 130_000);
    expect(read).toMatchObject({ kind: 'unchanged', asked: false });
    expect(calls).toHaveLength(0);
  });

  it('reads webcal:// over https and follows a bounded number of redirects', async () => {
    const { fetch, calls } = fakeFetch((call, n) => (n < 3 ? new Response(null, { status: 302, headers: { location: `/hop${n}` } }) : new Response(ics)));
    expect(await createCalendarFeedReader({ fetch }).read({ name: 'f', url: 'webcal://cal.example/feed.ics' }, undefined, 0)).toMatchObject({ kind: 'changed' });
    expect(calls.map((c) => c.url)).toEqual(['https://cal.example/feed.ics', 'https://cal.example/hop1', 'https://cal.example/hop2']);

    const loop = fakeFetch(() => new Response(null, { status: 301, headers: { location: '/again' } }));
    expect(await createCalendarFeedReader({ fetch: loop.fetch, maxRedirects: 5 }).read(source, undefined, 0)).toMatchObject({ kind: 'failed', error: expect.stringMatching(/more than 5/) });
    expect(loop.calls).toHaveLength(6);

    const toFile = fakeFetch(() => new Response(null, { status: 302, headers: { location: 'file:///etc/passwd' } }));
    expect(await createCalendarFeedReader({ fetch: toFile.fetch }).read(source, undefined, 0)).toMatchObject({ kind: 'failed' });
  });

  it('gives up on a slow feed after the timeout and on a body over the size cap', async () => {
    const slow: FetchLike = (_url, init) => new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    expect(await createCalendarFeedReader({ fetch: slow, timeoutMs: 50 }).read(source, undefined, 0)).toMatchObject({ kind: 'failed' });

    const big = 'X'.repeat(2_000);
    const streamed = fakeFetch(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } })));
    expect(await createCalendarFeedReader({ fetch: streamed.fetch, maxBytes: 1_000 }).read(source, undefined, 0)).toMatchObject({ kind: 'failed', error: expect.stringMatching(/larger/) });
    const declared = fakeFetch(() => new Response(big, { headers: { 'content-length': '2000' } }));
    expect(await createCalendarFeedReader({ fetch: declared.fetch, maxBytes: 1_000 }).read(source, undefined, 0)).toMatchObject({ kind: 'failed' });
  });

  it('reports an error status as a failure, keeping what it had', async () => {
    const { fetch } = fakeFetch(() => new Response('gone', { status: 410 }));
    expect(await createCalendarFeedReader({ fetch }).read(source, entry(), 0)).toMatchObject({ kind: 'failed', cached: { body: ics } });
  });
});

describe('calendar feed reader for files', () => {
  const root = mkdtempSync(join(tmpdir(), 'feeds-'));
  const outside = mkdtempSync(join(tmpdir(), 'elsewhere-'));
  mkdirSync(join(root, 'studio'));
  writeFileSync(join(root, 'studio', 'a.ics'), ics);
  writeFileSync(join(outside, 'secret.ics'), ics);
  symlinkSync(join(outside, 'secret.ics'), join(root, 'link.ics'));
  const reader = createCalendarFeedReader({ fileRoot: root });

  it('reads a file under the root, by relative or absolute path', async () => {
    expect(await reader.read({ name: 'f', url: 'studio/a.ics' }, undefined, 0)).toMatchObject({ kind: 'changed', body: ics });
    expect(await reader.read({ name: 'f', url: `file://${join(root, 'studio', 'a.ics')}` }, undefined, 0)).toMatchObject({ kind: 'changed' });
  });

  it.each([
    ['a path outside the root', () => join(outside, 'secret.ics')],
    ['a path climbing out with ..', () => 'studio/../../' + join(outside.split('/').pop()!, 'secret.ics')],
    ['a symlink pointing out of the root', () => 'link.ics'],
  ])('refuses %s', async (_name, path) => {
    expect(await reader.read({ name: 'f', url: path() }, undefined, 0)).toMatchObject({ kind: 'failed' });
  });

  it('refuses file feeds when no root is configured', async () => {
    expect(await createCalendarFeedReader().read({ name: 'f', url: join(root, 'studio', 'a.ics') }, undefined, 0)).toMatchObject({ kind: 'failed', error: expect.stringMatching(/CALENDAR_FILE_ROOT/) });
  });
});

describe('file feed cache', () => {
  it('keeps the last good copy across cache instances (as across Function instances)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feed-cache-'));
    await createFileFeedCache(dir).put('studio', entry({ etag: '"v3"' }));
    expect(await createFileFeedCache(dir).get('studio')).toMatchObject({ body: ics, etag: '"v3"' });
    expect(await createFileFeedCache(dir).get('other')).toBeUndefined();
  });
});
