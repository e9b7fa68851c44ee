// Switching an account's provider is configuration only: orchestration and activity code decides from capabilities
// and never names a provider (nor branches on a provider setting).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaProviders } from '../../contracts/media.js';

const root = join(import.meta.dirname, '..', '..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });

/** Provider names as identifiers or strings; "AMS" as a word in prose is the service's API family, not a branch. */
const named = [/ravnur/i, /\bmk\.?io\b/i, /mediakind/i, /['"`]ams['"`]/, /\bprovider\b/i, /AMS_PROVIDER/];

describe('provider names', () => {
  it('appear nowhere in orchestrators/ or activities/', () => {
    expect(MediaProviders).toEqual(['ams', 'ravnur', 'mkio']); // the names the patterns cover
    const hits = ['orchestrators', 'activities'].flatMap((dir) =>
      files(join(root, dir)).flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${relative(root, file)}:${i + 1}`, line }))
          .filter(({ line }) => named.some((pattern) => pattern.test(line))),
      ),
    );
    expect(hits).toEqual([]);
  });

  it('would catch a provider branch (the check can fail)', () => {
    expect(named.some((p) => p.test(`if (account.provider === 'mkio') return;`))).toBe(true);
    expect(named.some((p) => p.test(`const skip = kind === "ams";`))).toBe(true);
  });
});
