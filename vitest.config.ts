import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no server; `integration` runs against the real Redis, PostgreSQL and
// embedded PGlite servers that test/setup/servers.ts starts once for the whole run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/servers.ts'],
          setupFiles: ['test/setup/leaks.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
