// Vitest configuration: real servers are started per run/file, so workers are few and timeouts generous.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', '**/node_modules/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    pool: 'forks',
    // Two cores shared with other jobs: each worker may run PostgreSQL, DNS servers, Pebble and lego at once.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // expect.poll waits for a condition; its 1 s default is shorter than a cold page load on a busy machine.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    // Line coverage of the daemon's code, measured in the test workers (in-process daemons); test/run.sh prints it.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'src/**/*.tsx'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: '.tmp/coverage',
      reportOnFailure: true,
    },
  },
});
