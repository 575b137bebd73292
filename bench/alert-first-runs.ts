import { sql } from 'kysely';
import { openPostgres } from '../src/db/database.ts';
import { runBalanceAlerts } from '../src/balance-alerts/alerts.ts';
import { addWorstCaseAlertSubscribers, datasetParams, removeWorstCaseAlertSubscribers } from './dataset.ts';
import { saveBeforeRuns, undoRuns } from './alert-selection.ts';
import { CLOCK_TICKS, postgresTicks } from './proc-cpu.ts';

// The worst case's first balance-alert run, several times on the built bench dataset (npm run bench
// builds it), each committed batch by batch as the job does and then undone: the spread of the run, not
// one figure. Each line gives the wall time, the PostgreSQL CPU it took (all postgres processes, from
// /proc: run it on the database's machine) and how many lanes were running in each half second
// (docs/performance-log.md, "A lane's first batch").
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/strata_bench npx tsx bench/alert-first-runs.ts --runs 5

function postgresCpuSeconds(): number {
  return postgresTicks() / CLOCK_TICKS;
}

async function main() {
  const args = process.argv.slice(2);
  const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench';
  const { db, close } = await openPostgres(url, 4);
  try {
    await removeWorstCaseAlertSubscribers(db);
    await addWorstCaseAlertSubscribers(db, datasetParams({}));
    for (let i = 1; i <= runs; i++) {
      await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
      await sql`vacuum analyze outbox_messages`.execute(db);
      await sql`vacuum analyze portal_links`.execute(db);
      await sql`checkpoint`.execute(db);
      const lastId = await saveBeforeRuns(db);
      const lanes: number[] = [];
      const sampler = setInterval(() => {
        sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%with batch as materialized%' and pid <> pg_backend_pid()`
          .execute(db)
          .then((r) => lanes.push(r.rows[0].n), () => {});
      }, 500);
      const cpu = postgresCpuSeconds();
      const t = performance.now();
      let alerts: number;
      try {
        alerts = await runBalanceAlerts(db, new Date(), 'https://bench.example');
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - t) / 1000;
      console.log(`run ${i}: ${alerts} alerts in ${seconds.toFixed(1)} s, PostgreSQL CPU ${(postgresCpuSeconds() - cpu).toFixed(1)} s, lanes running each half second: ${lanes.join('')}`);
      await undoRuns(db, lastId);
    }
  } finally {
    await removeWorstCaseAlertSubscribers(db);
    await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
    await close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
