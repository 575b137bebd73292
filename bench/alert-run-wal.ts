import { sql } from 'kysely';
import { openPostgres } from '../src/db/database.ts';
import { runBalanceAlerts } from '../src/balance-alerts/alerts.ts';
import { addWorstCaseAlertSubscribers, datasetParams, removeWorstCaseAlertSubscribers } from './dataset.ts';

// What one first balance-alert run writes, on the bench dataset (built by `npm run bench`): the run in
// one transaction, rolled back, with the WAL it wrote by record type (pg_walinspect, PostgreSQL 15+).
//   npx tsx bench/alert-run-wal.ts [typical|worst]
// AUTO_EXPLAIN=1 also logs each batch's plan with its triggers and WAL to the server's log
// (statements over 50 ms). docs/performance-log.md, "The first alert run in two lanes".

const variant = process.argv[2] === 'worst' ? 'worst' : 'typical';
const { db, close } = await openPostgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench', 2);
class RollBack extends Error {}
try {
  await sql`create extension if not exists pg_walinspect`.execute(db);
  await removeWorstCaseAlertSubscribers(db);
  if (variant === 'worst') await addWorstCaseAlertSubscribers(db, datasetParams({}));
  await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  await sql`vacuum analyze outbox_messages`.execute(db);
  await db
    .transaction()
    .execute(async (trx) => {
      if (process.env.AUTO_EXPLAIN) {
        await sql`load 'auto_explain'`.execute(trx);
        for (const setting of ['log_analyze', 'log_buffers', 'log_wal', 'log_triggers']) await sql.raw(`set local auto_explain.${setting} = on`).execute(trx);
        await sql`set local auto_explain.log_min_duration = 50`.execute(trx);
      }
      const start = (await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(trx)).rows[0].lsn;
      const t = performance.now();
      const alerts = await runBalanceAlerts(trx, new Date(), 'https://bench.example');
      const ms = performance.now() - t;
      const wal = await sql<{ mb: number }>`select (pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${start}::pg_lsn) / 1e6)::float8 as mb`.execute(trx);
      console.log(`${variant}: ${alerts} alerts in ${ms.toFixed(0)} ms (one transaction, one connection); WAL ${wal.rows[0].mb.toFixed(0)} MB`);
      const stats = await sql<Record<string, unknown>>`
        select "resource_manager/record_type" as record, count, round(record_size / 1e6) as record_mb, round(fpi_size / 1e6) as full_page_image_mb
          from pg_get_wal_stats(${start}::pg_lsn, pg_current_wal_flush_lsn(), true)
         where count > 0 order by combined_size desc limit 10`.execute(trx);
      console.table(stats.rows);
      throw new RollBack();
    })
    .catch((e) => {
      if (!(e instanceof RollBack)) throw e;
    });
} finally {
  await removeWorstCaseAlertSubscribers(db);
  await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  await close();
}
