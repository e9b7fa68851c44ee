/** Reads an iCalendar feed from a URL or a file, with a timeout and bounded retries for network errors. */
import { readFile } from 'node:fs/promises';

export async function readCalendarFeed(location: string, attempts = 3): Promise<string> {
  if (!/^https?:\/\//i.test(location)) return readFile(location.replace(/^file:\/\//, ''), 'utf8');
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(location, { headers: { accept: 'text/calendar' }, signal: AbortSignal.timeout(15_000) });
      if (response.ok) return await response.text();
      lastError = new Error(`calendar feed ${location} answered ${response.status}`);
      if (response.status < 500 && response.status !== 429) break; // a client error will not go away by retrying
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
  }
  throw lastError;
}
