/**
 * GET /api/dashboard: the operator console, one HTML page with its stylesheet and script inlined, so a
 * single function (with the API's auth level) serves it and the browser fetches nothing else from here
 * besides the API itself. The page reads the function key from its own URL (`?code=`) and sends it as
 * `x-functions-key` on every API call.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponseInit } from '@azure/functions';
import type { MediaAccountRef } from '../contracts/media.js';

/** What the page needs to know about the server's configuration. */
export interface DashboardSettings {
  /** Live events one account may hold at once (AMS default 5); the timeline marks lanes above it. */
  liveEventQuota: number;
  /** The quota of each account of the pool, by account name. */
  quotas?: Record<string, number>;
  /** Shown as a lane even before it has broadcasts. */
  defaultAccount: MediaAccountRef;
}

/** The folder with index.html, dashboard.css and dashboard.js: next to the app's package.json. */
function assetsFolder(): string {
  // functions/dashboard.ts (source, tests) and dist/functions/dashboard.js (deployed) sit at different depths.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('dashboard/index.html was not found next to the app; was the dashboard folder deployed?');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
/** `$` in a replacement string is special; the assets are inserted verbatim. */
const insert = (template: string, marker: string, content: string) => template.split(marker).join(content);

export interface DashboardPage {
  html: string;
  /** Allows exactly the inlined style and script, the API on the same origin, nothing else. */
  contentSecurityPolicy: string;
}

export function buildDashboardPage(settings: DashboardSettings, folder = assetsFolder()): DashboardPage {
  const read = (name: string) => readFileSync(join(folder, name), 'utf8');
  const style = read('dashboard.css');
  const script = read('dashboard.js');
  // A JSON data block is never executed; `<` is escaped so no value can close the element.
  const config = JSON.stringify(settings).replace(/</g, '\\u003c');
  let html = read('index.html');
  html = insert(html, '/*STYLE*/', style);
  html = insert(html, '/*SCRIPT*/', script);
  html = insert(html, '/*CONFIG*/', config);
  const contentSecurityPolicy = [
    "default-src 'none'",
    `style-src ${sha256(style)}`,
    `script-src ${sha256(script)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

/** The handler; the page is built once per worker, on first use. */
export function createDashboardHandler(settings: DashboardSettings) {
  let page: DashboardPage | undefined;
  return async (): Promise<HttpResponseInit> => {
    page ??= buildDashboardPage(settings);
    return {
      status: 200,
      body: page.html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.contentSecurityPolicy,
        // The function key travels in the page's URL: keep it out of caches and Referer headers.
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      },
    };
  };
}
