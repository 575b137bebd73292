import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against each mutant (stryker.config.json): only those that exercise the
// rule modules it mutates, on the embedded database (PGlite), so a run stays affordable on 2 cores.
// No browser tests, no Postgres-only tests. STRYKER_TESTS (comma-separated paths) narrows the list for one
// run, e.g. to the rule tests of the module being mutated: a mutant then reruns only those files, which is
// much faster on a busy machine; the score is then a lower bound (the full list can only kill more).
const ALL = [
  'test/auth/permissions.test.ts',
  'test/auth/cleanup.test.ts',
  'test/tickets/visibility-matrix.test.ts',
  'test/tickets/overdue.test.ts',
  'test/tickets/overdue-rules.test.ts',
  'test/console/permissions.test.ts',
  'test/balance-alerts/schedule.test.ts',
  'test/balance-alerts/selection-rules.test.ts',
  'test/engagement/engagement.test.ts',
  'test/engagement/subscriptions-rules.test.ts',
  'test/engagement/kinds.test.ts',
  'test/patients/engagement-settings.test.ts',
  'test/messaging/quiet-hours.test.ts',
  'test/messaging/inbound-rules.test.ts',
  'test/messaging/phone.test.ts',
  'test/messaging/providers.test.ts',
  'test/portal/portal.test.ts',
  'test/portal/access-rules.test.ts',
  'test/portal/date-of-birth.test.ts',
  'test/payments/authorize-net.test.ts',
  'test/payments/posting-rules.test.ts',
];

export default defineConfig({
  test: {
    include: process.env.STRYKER_TESTS ? process.env.STRYKER_TESTS.split(',') : ALL,
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
