import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { cadenceEnd, dueBalanceAlertsQuery, runBalanceAlerts, selectDueBalanceAlerts, withSelectionPlan } from '../src/balance-alerts/alerts.ts';
import { refreshPatientBalances } from '../src/ledger/ledger.ts';
import { addWorstCaseAlertSubscribers, removeWorstCaseAlertSubscribers, type DatasetParams } from './dataset.ts';

// The balance-alert selection at scale. bench/run.ts calls measure() on its big dataset; run this
// file directly for a self-contained check on a scratch database:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/alert-selection.ts --patients 200000

export { selectDueBalanceAlerts, dueBalanceAlertsQuery, runBalanceAlerts };

export type AlertVariant = 'typical' | 'worst';

export type AlertRunFigures = {
  variant: AlertVariant;
  /** The selection alone: every due (patient, channel) pair, read in one statement. */
  selection: { ms: number; rows: number };
  /** The first run: an outbox row for every due pair. */
  ms: number;
  rows: number;
  /** The next day's run, with the first run's alerts spread over the last two weeks. */
  steady: { ms: number; rows: number };
  note: string;
};

/**
 * One full run of the job (an outbox row per due patient and channel, written set-based with its template;
 * the portal link is made when each alert is sent), committed batch by batch as the job does and then undone, so the dataset stays as built; the
 * selection alone is timed too. `worst` first subscribes every third account (bench/dataset.ts), so
 * about 35 % of accounts are due instead of the typical 10 %, and unsubscribes them again afterwards.
 */
export async function measure(db: Database, params: DatasetParams, variant: AlertVariant): Promise<AlertRunFigures> {
  // The generated dataset is loaded with triggers off; bring the balance summaries up to date once.
  const r0 = performance.now();
  const refreshed = await refreshPatientBalances(db);
  const refreshMs = performance.now() - r0;
  // The backfill rewrote every account (1M dead rows until autovacuum comes round, and each run read them).
  if (refreshed) await sql`vacuum analyze patients`.execute(db);
  // An interrupted worst case left its subscribers behind: the typical figures must not count them.
  if (await removeWorstCaseAlertSubscribers(db)) await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  // Earlier runs were undone: clear their dead rows, as autovacuum would, so they are not counted.
  await sql`vacuum analyze outbox_messages`.execute(db);
  await sql`vacuum analyze portal_links`.execute(db);
  // The worst case's extra subscribers are committed and vacuumed first, as a dataset built that way would
  // be (inside the measured transaction their rows are not all-visible, and every index probe reads the heap).
  if (variant === 'worst') await addWorstCaseAlertSubscribers(db, params);
  await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  const now = new Date();
  // BENCH_ALERT_LANES=1 measures the runs in one lane, to see what the second one adds.
  const lanes = process.env.BENCH_ALERT_LANES ? Number(process.env.BENCH_ALERT_LANES) : undefined;
  const figures: AlertRunFigures = { variant, selection: { ms: 0, rows: 0 }, ms: 0, rows: 0, steady: { ms: 0, rows: 0 }, note: '' };
  // The runs commit batch by batch, as the job does (its lanes run on connections of their own, which
  // a transaction could not give them); what they change is put back afterwards (undoRuns).
  const lastId = await saveBeforeRuns(db);
  try {
    const t0 = performance.now();
    figures.selection.rows = (await selectDueBalanceAlerts(db, now)).length;
    figures.selection.ms = performance.now() - t0;
    const t = performance.now();
    figures.rows = await runBalanceAlerts(db, now, 'https://bench.example', { lanes });
    figures.ms = performance.now() - t;
    // The steady state: spread the alerts just written over the last two weeks (as if they had gone
    // out day by day), then time the next day's run. It examines the pairs whose next check has come
    // and writes the alerts whose cadence comes round that day: about a fourteenth of the pairs at
    // practices that send every two weeks. (Not timed: the spreading itself.)
    await db.transaction().execute(async (trx) => {
      await sql`update outbox_messages set created_at = created_at - make_interval(days => (patient_id % 14)::int)
                 where kind = 'balance_alert' and created_at = ${now} and id > ${lastId}::bigint`.execute(trx);
      // Each of those pairs' next check moves with its alert, as the run that wrote it would have set it.
      await sql`update balance_alert_checks s set next_at = ${cadenceEnd(sql`m.created_at`, sql`pr.balance_alert_frequency`, sql`pr.time_zone`)}
                  from outbox_messages m join practices pr on pr.id = m.practice_id
                 where m.kind = 'balance_alert' and m.id > ${lastId}::bigint
                   and s.patient_id = m.patient_id and s.kind = 'balance_alert' and s.channel = m.channel`.execute(trx);
    });
    // A day passes: autovacuum would have cleared the first run's old versions and counted its alerts.
    await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
    await sql`vacuum analyze outbox_messages`.execute(db);
    const s = performance.now();
    figures.steady.rows = await runBalanceAlerts(db, new Date(now.getTime() + 86_400_000), 'https://bench.example', { lanes });
    figures.steady.ms = performance.now() - s;
  } finally {
    await undoRuns(db, lastId);
    if (variant === 'worst' && (await removeWorstCaseAlertSubscribers(db))) await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  }
  figures.note =
    `${variant === 'worst' ? 'worst case, every third account subscribed' : 'typical dataset'}: selection alone ${figures.selection.ms.toFixed(0)} ms for ${figures.selection.rows} due (patient, channel) pairs; ` +
    `the first run queues an outbox row for each, set-based, in two lanes, each batch committed; the steady daily run (the next day, with the first run's alerts spread over two weeks) ${figures.steady.ms.toFixed(0)} ms for ${figures.steady.rows}; all undone afterwards` +
    (refreshed ? `; one-time balance-summary backfill of ${refreshed} accounts took ${refreshMs.toFixed(0)} ms` : '');
  return figures;
}

/** Keeps every pair's next check aside, for undoRuns; returns the outbox's last id before the runs. */
export async function saveBeforeRuns(db: Database): Promise<string> {
  await sql`drop table if exists bench_alert_next_saved`.execute(db);
  await sql`create unlogged table bench_alert_next_saved as select patient_id, channel, next_at from balance_alert_checks`.execute(db);
  const before = await sql<{ id: string }>`select coalesce(max(id), 0)::text as id from outbox_messages`.execute(db);
  return before.rows[0].id;
}

/**
 * Puts back what the measured runs committed: their alerts deleted, every pair's next check as it
 * was. Triggers are off for it (the bench connects as a superuser), so deleting 355,000 alerts does
 * not set each pair back one by one.
 */
export async function undoRuns(db: Database, lastId: string) {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql`delete from outbox_messages where id > ${lastId}::bigint`.execute(trx);
    await sql`delete from balance_alert_checks`.execute(trx);
    await sql`insert into balance_alert_checks (patient_id, channel, next_at) select patient_id, channel, next_at from bench_alert_next_saved`.execute(trx);
    await sql`drop table bench_alert_next_saved`.execute(trx);
  });
  await sql`vacuum analyze outbox_messages`.execute(db);
  await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
}

/** EXPLAIN (ANALYZE, BUFFERS) of the selection, as text. */
export async function explainSelection(db: Database, now: Date): Promise<string> {
  const explain = (trx: Database) => withSelectionPlan(trx, () => sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) ${dueBalanceAlertsQuery(now)}`.execute(trx));
  const { rows } = await (db.isTransaction ? explain(db) : db.transaction().execute(explain));
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const patients = Number(args[args.indexOf('--patients') + 1] || 200_000);
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL to a PostgreSQL server (a scratch database is created on it)');
  const name = `strata_bench_alerts_${patients}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!exists.rowCount) await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const { db, close } = await openPostgres(url.toString(), 4);
  try {
    await migrateToLatest(db);
    const { ensureDataset, datasetParams } = await import('./dataset.ts');
    const params = datasetParams({ patients, practices: Math.max(2, Math.round(patients / 1000)), threads: 10 });
    const built = await ensureDataset(db, params, (m) => console.log(m));
    console.log(`dataset: ${patients} accounts, ${patients * params.ledgerPerPatient} ledger rows (${built.built ? `built in ${built.seconds.toFixed(0)} s` : 'already built'})`);
    const r0 = performance.now();
    const refreshed = await refreshPatientBalances(db);
    console.log(`balance summaries backfilled for ${refreshed} accounts in ${((performance.now() - r0) / 1000).toFixed(1)} s (the dataset is loaded with triggers off)`);
    await sql`vacuum analyze ledger_entries`.execute(db);
    await sql`vacuum analyze patients`.execute(db);
    await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
    await sql`analyze outbox_messages`.execute(db);
    const now = new Date();
    console.log(await explainSelection(db, now));
    const times: number[] = [];
    let due = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      due = (await selectDueBalanceAlerts(db, now)).length;
      times.push(performance.now() - t);
    }
    console.log(`selection: ${due} due pairs; ${times.map((t) => (t / 1000).toFixed(2)).join(' s, ')} s`);
    for (const variant of ['typical', 'worst'] as const) {
      const full = await measure(db, params, variant);
      console.log(`${variant}: full run (undone afterwards): ${full.rows} alerts queued in ${(full.ms / 1000).toFixed(2)} s; the next day's run: ${full.steady.rows} in ${(full.steady.ms / 1000).toFixed(2)} s`);
    }
  } finally {
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
