import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';

// SPEC §1 and §8: every table a practice owns carries practice_id, so a distributed Postgres (Citus)
// can shard by it. The tables below are global by design; anything else without practice_id fails here.
const GLOBAL_TABLES: Record<string, string> = {
  practices: 'the tenants themselves (their id is the shard key)',
  users: 'staff carry practice_id, the vendor team has none; one table for sign-in',
  vendor_departments: "the vendor team's departments",
  sessions: 'sign-in sessions, looked up by token hash',
  throttles: 'sign-in and portal throttles, keyed by account/IP',
  app_meta: 'application settings',
  webhook_events: 'provider webhooks, deduplicated before the practice is known',
  job_runs: 'scheduler bookkeeping',
  instance_heartbeats: 'each app instance’s event-loop delay and work in hand (counts, no practice data)',
  kysely_migration: 'migrator bookkeeping',
  kysely_migration_lock: 'migrator bookkeeping',
  feedback_ideas: 'Product Feedback is shared by all practices (SPEC §1)',
  feedback_votes: 'Product Feedback is shared by all practices',
  feedback_comments: 'Product Feedback is shared by all practices',
  feedback_status_changes: 'Product Feedback is shared by all practices',
  password_tokens: 'set-password links belong to a user, like sessions',
  print_batches: 'mail-house batches gather statements of many practices',
  bench_meta: 'benchmark bookkeeping (bench database only)',
  department_targets: "the vendor team's first-response target per department (console settings)",
  ticket_macros: "the vendor team's canned replies per department (console settings)",
  ticket_count_totals: 'thread counts per department and status across all practices (numbers only)',
  balance_alert_checks: "the balance-alert run's next check per subscribed pair (patient id, channel, a time); it belongs to its subscription, which carries practice_id, and goes with it (a cascading reference); read only by the run",
  vendor_unread: "each vendor user's unread threads across the practices they work (the console badge; read only by user id)",
};

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ seed: false });
});
afterAll(() => t.close());

describe('tenancy', () => {
  it('every table outside the global list has a practice_id column', async () => {
    const tables = await sql<{ table_name: string; has_practice: boolean }>`
      select t.table_name,
             exists (select 1 from information_schema.columns c
                      where c.table_schema = t.table_schema and c.table_name = t.table_name and c.column_name = 'practice_id') as has_practice
        from information_schema.tables t
       where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
       order by 1`.execute(t.db);
    expect(tables.rows.length).toBeGreaterThan(10);
    const missing = tables.rows.filter((r) => !r.has_practice && !(r.table_name in GLOBAL_TABLES)).map((r) => r.table_name);
    expect(missing, `tables without practice_id: add the column, or add the table to GLOBAL_TABLES with the reason`).toEqual([]);
  });

  it('practice_id is NOT NULL wherever a row always belongs to one practice', async () => {
    const nullable = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
       where table_schema = 'public' and column_name = 'practice_id' and is_nullable = 'YES'
       order by 1`.execute(t.db);
    // Rows that may belong to no practice: vendor users, audit entries of the vendor team or anonymous
    // sign-in attempts, and system messages (staff notifications of the vendor team).
    const allowedNullable = new Set(['users', 'audit_log', 'outbox_messages']);
    expect(nullable.rows.map((r) => r.table_name).filter((n) => !allowedNullable.has(n))).toEqual([]);
  });
});
