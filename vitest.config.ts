import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/shaped-statements.ts'],
    pool: 'forks',
    // Files share each worker's module cache. Every file opens its own database and app
    // (test/support/context.ts) and nothing is mocked, so no state crosses files but what modules
    // register once at load; importing the app again for each of 111 files was a quarter of the
    // run's CPU (PGlite run 701 s -> 459 s, PostgreSQL 736 s -> 388 s on a 2-core machine).
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    sequence: { sequencer: SlowFirstSequencer },
  },
});
