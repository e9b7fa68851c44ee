import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/functionsCore.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Host and emulator tests open servers and SQLite files; forks keep native modules isolated.
    pool: 'forks',
  },
});
