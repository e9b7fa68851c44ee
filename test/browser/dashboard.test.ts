// The operator console in a real browser: headless Chromium (Debian's package, driven by playwright-core)
// against the whole local stack on a fast clock. Screenshots land in test-results/dashboard/.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startStack, waitForBroadcast, type Stack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhookReceiver.js';

const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome']
  .find((path): path is string => Boolean(path) && existsSync(path as string));
const inCi = Boolean(process.env.CI);
if (!chromiumPath && !inCi) {
  console.warn('test/browser/dashboard.test.ts: SKIPPED, no Chromium found (run scripts/ensure-chromium.sh, or set CHROMIUM_PATH). CI always runs it.');
}

const shots = join(repoRoot, 'test-results', 'dashboard');
const MINUTE = 60_000;
/** The page runs in UTC (see newContext), so a datetime-local value is the ISO instant without its zone. */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);

const subscriberSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let stack: Stack;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver(subscriberSecret);
  stack = await startStack({
    speed: 60,
    // Each step lasts about a second of real time, so the page (polling every 0.5 s) shows every phase.
    timings: { allocateMs: 90_000, startMs: 60_000, stopMs: 60_000, deleteMs: 60_000 },
    settings: { WEBHOOK_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'), OUTBOUND_ALLOWED_HOSTS: receiver.host },
  });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('the dashboard function', () => {
  it('needs the function key, like the API it calls, and allows only its own inlined script', async () => {
    const url = `${stack.host.url}/api/dashboard`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}?code=wrong`)).status).toBe(401);
    const page = await fetch(url, { headers: { 'x-functions-key': stack.host.functionKey } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/);
    expect(await page.text()).toContain('<h1>Broadcasts');
  });
});

describe.skipIf(!chromiumPath && !inCi)('the dashboard in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!chromiumPath) throw new Error('CI is set but no Chromium was found: .ci/run installs it with scripts/ensure-chromium.sh');
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumPath });
  });
  afterAll(() => browser?.close());

  it('schedules a broadcast through the form, follows it to live, stops it and sees it end', { timeout: 90_000 }, async () => {
    const key = stack.host.functionKey;
    const subscriber = await stack.api('/api/webhooks/subscribers', {
      method: 'POST',
      headers: { 'x-functions-key': key },
      body: JSON.stringify({ id: 'ops-alerts', url: receiver.url, secret: subscriberSecret }),
    });
    expect(subscriber.status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC', locale: 'en-GB', permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // The browser reports every non-2xx answer; the validation step below provokes one on purpose.
      if (/^Failed to load resource: the server responded with a status of 400/.test(message.text())) return;
      problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    let shot = 0;
    const screenshot = async (name: string) => {
      await page.screenshot({ path: join(shots, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
      await expectNoError(page, problems, name);
    };

    await page.goto(`${stack.host.url}/api/dashboard?code=${encodeURIComponent(key)}&refresh=0.5`);
    await page.waitForSelector('#sync:text-matches("updated")', { timeout: 10_000 });
    await page.waitForSelector('[data-subscriber="ops-alerts"]', { timeout: 10_000 });
    await screenshot('empty');

    // Validation messages come from the API's problem details and land on the field they name.
    // Allocation starts about 7 clock minutes before the start: this leaves seconds of real time in "scheduled".
    const startAt = Math.floor(stack.clock.now() / 1000) * 1000 + 15 * MINUTE; // the form has whole seconds
    await page.fill('#f-title', 'Browser test');
    await page.fill('#f-id', 'browser-test');
    await page.fill('#f-start', localInput(startAt));
    await page.fill('#f-end', localInput(startAt - 5 * MINUTE));
    await page.click('#create-submit');
    await page.waitForSelector('#create-summary:not([hidden])', { timeout: 10_000 });
    expect(await page.getAttribute('#f-end', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#e-endAt')).toContain('must be after startAt');
    await page.screenshot({ path: join(shots, `${String(++shot).padStart(2, '0')}-validation.png`), fullPage: true });
    expect((await stack.api('/api/broadcasts/browser-test', { headers: { 'x-functions-key': key } })).status).toBe(404);

    await page.fill('#f-end', localInput(startAt + 60 * MINUTE));
    await page.click('#create-submit');
    const row = 'tr[data-id="browser-test"]';
    await page.waitForSelector(row, { timeout: 10_000 });
    // Every phase the page shows gets a screenshot; the page must get to live on its own.
    const seen: string[] = [(await page.getAttribute(row, 'data-phase')) ?? ''];
    expect(seen[0]).toBe('scheduled');
    expect(await page.isHidden('#create-summary')).toBe(true);
    await page.click(row);
    await screenshot('scheduled');

    const watchUntil = async (phase: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await page.getAttribute(row, 'data-phase');
        if (current && current !== seen.at(-1)) {
          seen.push(current);
          await screenshot(current);
        }
        if (current === phase) return;
        if (current === 'failed' || current === 'cancelled') {
          const b = (await (await stack.api('/api/broadcasts/browser-test', { headers: { 'x-functions-key': stack.host.functionKey } })).json()) as { error?: unknown; timeline?: unknown };
          throw new Error(`the broadcast became ${current} instead of ${phase}: ${JSON.stringify(b.error)}; timeline ${JSON.stringify(b.timeline)}`);
        }
        if (Date.now() > deadline) throw new Error(`the page never showed ${phase}; it showed ${seen.join(' -> ')}`);
        await page.waitForTimeout(100);
      }
    };
    await watchUntil('live', 45_000);
    // The subscriber's delivery log on the page names the lifecycle notifications it was sent.
    await page.waitForSelector('[data-subscriber="ops-alerts"] td:text-is("broadcast.live")', { timeout: 15_000 });

    // The live broadcast's details: live event state and copyable ingest and preview URLs.
    await page.waitForSelector('#detail[data-phase="live"]');
    expect(await page.textContent('#detail .le-state')).toBe('Running');
    const urls = await page.$$eval('#detail .urls code', (codes) => codes.map((c) => c.textContent ?? ''));
    expect(urls.some((u) => u.startsWith('rtmp://'))).toBe(true);
    expect(urls.some((u) => u.startsWith('https://'))).toBe(true);
    await page.click('#detail .urls button');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(urls[0]);

    // Extend, confirmed in a dialog, goes through the API.
    const newEnd = Date.parse((await get('browser-test')).endAt) + 30 * MINUTE;
    await page.click('#detail [data-action="extend"]');
    await page.fill('#d-end', localInput(newEnd));
    await page.click('#dialog-confirm');
    await page.waitForSelector('#dialog:not([open])', { state: 'attached', timeout: 10_000 });
    await waitForBroadcast(stack, 'browser-test', (b) => b.endAt === new Date(newEnd).toISOString());

    await page.click('#detail [data-action="stop"]');
    await page.waitForSelector('dialog[open]');
    await page.screenshot({ path: join(shots, `${String(++shot).padStart(2, '0')}-confirm-stop.png`) });
    await page.click('#dialog-confirm');
    await page.waitForSelector('#dialog:not([open])', { state: 'attached', timeout: 10_000 });
    await watchUntil('ended', 45_000);
    expect(seen).toEqual(expect.arrayContaining(['scheduled', 'live', 'ended']));
    expect(await page.textContent('#detail .times')).toMatch(/Stop/);

    // It ended because the page asked: the stop went through the API.
    const ended = await waitForBroadcast(stack, 'browser-test', (b) => b.phase === 'ended');
    expect(ended.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ phase: 'live', note: 'stop requested' })]));
    expect(ended.endAt).toBe(new Date(newEnd).toISOString());
    const stopping = (ended.timeline as Array<{ phase: string; at: string }>).find((t) => t.phase === 'stopping');
    expect(Date.parse(stopping?.at ?? '')).toBeLessThan(startAt + 30 * MINUTE); // long before the planned end
    expect(stack.emulator.liveEventStates()['bc-browser-test']).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reschedules and cancels a broadcast before its start, each after a confirmation', { timeout: 60_000 }, async () => {
    const key = stack.host.functionKey;
    const startAt = Math.floor(stack.clock.now() / 1000) * 1000 + 180 * MINUTE;
    const created = await stack.api('/api/broadcasts', { method: 'POST', headers: { 'x-functions-key': key }, body: JSON.stringify({ id: 'later', title: 'Later', startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + 30 * MINUTE).toISOString() }) });
    expect(created.status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${stack.host.url}/api/dashboard?code=${encodeURIComponent(key)}&refresh=0.5&range=12h`);
    await page.click('.bar[data-id="later"]'); // selected from the timeline
    await page.waitForSelector('#detail[data-id="later"]');

    await page.click('#detail [data-action="reschedule"]');
    await page.fill('#d-start', localInput(startAt + 60 * MINUTE));
    await page.fill('#d-end', localInput(startAt + 120 * MINUTE));
    await page.click('#dialog-cancel'); // "Keep as is" changes nothing
    expect((await get('later')).startAt).toBe(new Date(startAt).toISOString());
    await page.click('#detail [data-action="reschedule"]');
    await page.fill('#d-start', localInput(startAt + 60 * MINUTE));
    await page.fill('#d-end', localInput(startAt + 120 * MINUTE));
    await page.click('#dialog-confirm');
    await waitForBroadcast(stack, 'later', (b) => b.startAt === new Date(startAt + 60 * MINUTE).toISOString());
    await page.waitForSelector(`.bar[data-id="later"]`);

    await page.click('#detail [data-action="cancel"]');
    await page.click('#dialog-confirm');
    await page.waitForSelector('tr[data-id="later"][data-phase="cancelled"]', { timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'cancelled.png'), fullPage: true });
    await expectNoError(page, problems, 'cancelled');
    await context.close();
  });
});

async function get(id: string): Promise<{ startAt: string; endAt: string; phase: string }> {
  const res = await stack.api(`/api/broadcasts/${id}`, { headers: { 'x-functions-key': stack.host.functionKey } });
  expect(res.status).toBe(200);
  return (await res.json()) as { startAt: string; endAt: string; phase: string };
}

async function expectNoError(page: Page, problems: string[], step: string): Promise<void> {
  const alerts = await page.$$eval('#alerts .alert-error', (els) => els.map((e) => e.textContent ?? ''));
  expect(alerts, `the page showed an error at "${step}"`).toEqual([]);
  expect(problems, `the browser reported a problem at "${step}"`).toEqual([]);
}
