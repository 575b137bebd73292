import { sql } from 'kysely';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/database.ts';
import { runAppointmentReminders } from '../src/reminders/reminders.ts';

// The appointment-reminder run over the benchmark dataset (1M appointments at full scale, every
// scheduled one in the next 85 hours considered). bench/run.ts calls measure() (`--only reminder-run`);
// run this file directly, against a dataset built by `npm run bench -- --build-only`, to time a few runs:
//   npx tsx bench/reminder-run.ts [--runs 3]        (DATABASE_URL defaults to strata_bench)

class RollBack extends Error {}

/**
 * One run of the job, then a second at the same moment (everything already queued: the job's steady
 * cost every minute), in one transaction rolled back so the dataset stays as built.
 */
export async function measure(db: Database): Promise<{ ms: number; rows: number; note: string }> {
  // Earlier runs were rolled back: clear their dead rows, as autovacuum would.
  await sql`vacuum analyze outbox_messages`.execute(db);
  let rows = 0;
  let ms = 0;
  let rerunMs = 0;
  let rerunRows = 0;
  await db
    .transaction()
    .execute(async (trx) => {
      const now = new Date();
      let t = performance.now();
      rows = await runAppointmentReminders(trx, now, 'https://bench.example');
      ms = performance.now() - t;
      t = performance.now();
      rerunRows = await runAppointmentReminders(trx, now, 'https://bench.example');
      rerunMs = performance.now() - t;
      throw new RollBack();
    })
    .catch((e) => {
      if (!(e instanceof RollBack)) throw e;
    });
  return { ms, rows, note: `a second run at the same moment queued ${rerunRows} in ${rerunMs.toFixed(0)} ms; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} after; rolled back` };
}

async function main() {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1] || 3);
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench';
  const { db, close } = await openPostgres(url, 4);
  try {
    const n = await sql<{ n: number }>`select count(*)::int as n from appointments`.execute(db);
    console.log(`reminder run over ${n.rows[0]!.n} appointments, ${runs} runs (each rolled back); load average before ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (let i = 0; i < runs; i++) {
      const r = await measure(db);
      console.log(`run ${i + 1}: ${r.rows} reminders queued in ${r.ms.toFixed(0)} ms (${r.note})`);
    }
  } finally {
    await close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
