// The stall budget at scale: while a patient import (120,000 rows at full scale), a full balance-alert
// run (the worst case: ≈ 35 % of accounts due), a print batch (1,000 statements) and Patient Email Reports (100,000 rows in all) run in the app,
// /healthz is asked every 20 ms and a signed-in page is loaded by 4 clients in a loop. Budget on
// PostgreSQL: /healthz worst ≤ 100 ms, the signed-in page p99 ≤ 500 ms. Whatever the run writes
// (imported patients, alerts, portal links, the print batch) is deleted afterwards.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { probeThreadTasksFile } from './cpu-groups.ts';
import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { createSession, SESSION_COOKIE } from '../src/auth/sessions.ts';
import { csrfTokenFor } from '../src/web/csrf.ts';
import type { ScenarioWorld } from './scenarios.ts';
import { refreshPatientBalances } from '../src/ledger/ledger.ts';
import { addWorstCaseAlertSubscribers, removeWorstCaseAlertSubscribers } from './dataset.ts';

export type StallResult = {
  scale: number;
  importRows: number;
  printStatements: number;
  reportRows: number;
  alertsQueued: number;
  ms: { upload: number; import: number; alerts: number; print: number; reports: number; total: number };
  /** worstAtS: when the worst check was sent, in seconds from the start of the heavy work (the run lasts ms.total). */
  healthz: { worstMs: number; p99Ms: number; checks: number; worstAtS: number };
  page: { p99Ms: number; p50Ms: number; requests: number };
  /** The worst 10-second interval's p99 and the largest single delay of the app's event loop. */
  eventLoop: { worstP99Ms: number; maxMs: number };
  /** The machine's 1-minute load average when the run ended (2 cores: above 2, every process waits). */
  loadAverage: number;
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN) * 10) / 10;
};

/** The bench's sessions: long enough for any run. */
const SESSION_POLICY = { idleMs: 6 * 3_600_000, maxMs: 12 * 3_600_000 };

type ProbeTimes = { times: number[]; sentAt?: number[] };

/**
 * A probe in a thread of its own (bench/stall-probes.mjs), ready once its first, uncounted request has been
 * answered; `stop()` resolves with its times. The health probe joins its CPU group (bench/cpu-groups.ts).
 */
async function startProbe(origin: string, cookie: string, probe: 'health' | 'page'): Promise<{ stop(): Promise<ProbeTimes>; terminate(): Promise<number> }> {
  const worker = new Worker(new URL('./stall-probes.mjs', import.meta.url), {
    workerData: { origin, cookie, probe, cgroupTasks: probe === 'health' ? probeThreadTasksFile() : null, pageRate: probe === 'page' ? stallPageRate() : null },
  });
  const next = () => new Promise<unknown>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await next(); // 'ready'
  const times = next() as Promise<ProbeTimes>;
  return {
    stop() {
      worker.postMessage('stop');
      return times;
    },
    terminate: () => worker.terminate(),
  };
}

export async function measureStall(db: Database, world: ScenarioWorld, scale: number, appSecret: string, log: (m: string) => void): Promise<StallResult> {
  const importRows = Math.max(1_000, Math.round(120_000 * scale));
  const printStatements = Math.max(20, Math.round(1_000 * scale));
  const reportTarget = Math.max(1_000, Math.round(100_000 * scale));
  const startedAt = new Date();
  const stamp = `S${startedAt.getTime().toString(36)}`;
  const signIn = async (userId: number) => {
    const { token, session } = await createSession(db, new Date(), SESSION_POLICY, userId);
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: csrfTokenFor(appSecret, session.id) };
  };
  // An interrupted earlier run may have left its work behind: remove it before measuring.
  await removeStallWork(db, log);
  // The alert run at its worst case (≈ 355,000 due pairs, as issue 16 sets the budget): every third account subscribed.
  await addWorstCaseAlertSubscribers(db, world.params);
  await sql`analyze subscriptions`.execute(db);
  // The generated dataset is loaded with triggers off: bring the balance summaries the alert run reads up to date once.
  if (await refreshPatientBalances(db)) await sql`vacuum analyze patients`.execute(db);
  const practiceId = world.practiceId;
  const admin = await signIn(world.ids.staffId(practiceId, 4));
  const vendorAdmin = await signIn(world.ids.vendor.admin);
  const billing = await signIn(world.ids.vendor.billing);
  const o = world.origin;
  const headers = (s: { cookie: string }) => ({ cookie: s.cookie, origin: o });

  // The print batch: statements for the practice's patients with a ledger entry, as the statement job would file them.
  const practice = await db.selectFrom('practices').select(['name', 'phone']).where('id', '=', practiceId).executeTakeFirstOrThrow();
  const content = {
    practice: { name: practice.name, phone: practice.phone },
    patient: { name: 'Bench Patient', accountNumber: 'BENCH' },
    statementDate: startedAt.toISOString().slice(0, 10),
    cycle: 90,
    delivery: 'mail',
    mailTo: { name: 'Bench Patient', lines: ['1 Main St', 'Springfield, IL 62701'] },
    balanceForwardCents: 0,
    cases: [{ title: 'General', entries: Array.from({ length: 6 }, (_, i) => ({ date: '2026-10-0' + (i + 1), description: 'Visit', chargeCents: 5_000, creditCents: i % 2 ? 2_000 : 0 })), subtotalCents: 24_000 }],
    balanceCents: 24_000,
  };
  const batch = await db.insertInto('print_batches').values({ practice_id: practiceId, batch_date: STALL_BATCH_DATE, created_at: startedAt }).returning('id').executeTakeFirstOrThrow();
  await sql`
    insert into statements (practice_id, patient_id, anchor_entry_id, anchor_at, cycle, statement_date, balance_cents, delivery, address_kind, print_batch_id, content, generated_at)
    select p.practice_id, p.id, l.id, l.posted_at, 90, current_date, 24000, 'mail', 'demographic', ${batch.id}, ${JSON.stringify(content)}::jsonb, now()
      from patients p
      join lateral (select id, posted_at from ledger_entries where patient_id = p.id order by id limit 1) l on true
     where p.practice_id = ${practiceId}
     limit ${printStatements}
    on conflict do nothing`.execute(db);
  const printed = (await sql<{ n: number }>`select count(*)::int as n from statements where print_batch_id = ${batch.id}`.execute(db)).rows[0].n;

  // Reports: practices in turn until about reportTarget rows.
  const perPractice = (await sql<{ n: number }>`select count(*)::int as n from patients where practice_id = ${practiceId}`.execute(db)).rows[0].n;
  const reportPractices = Math.max(1, Math.min(world.params.practices, Math.ceil(reportTarget / Math.max(perPractice, 1))));
  const reporters = await Promise.all(Array.from({ length: reportPractices }, (_, k) => signIn(world.ids.staffId(k + 1, 4))));

  const lines = ['account_number,first_name,last_name,date_of_birth,email'];
  for (let i = 0; i < importRows; i++) lines.push(`${stamp}-${i},Pat${i},Stall,1980-03-${String((i % 28) + 1).padStart(2, '0')},stall${i}@example.org`);
  const csv = lines.join('\n') + '\n';

  // Probes: /healthz every 20 ms, and a signed-in page by 4 clients back to back; each in a thread of its own (bench/stall-probes.mjs).
  const staff = await signIn(world.ids.staffId(practiceId, 4));
  const probes = await Promise.all((['health', 'page'] as const).map((probe) => startProbe(o, staff.cookie, probe)));
  const stopProbes = () => Promise.all(probes.map((p) => p.terminate()));

  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, performance.now() - t];
  };
  let uploadMs = NaN; // the upload's own answer: stored, and redirected to the progress page
  const t0 = performance.now();
  const t0Wall = Date.now();
  const [[, importMs], [alertsQueued, alertsMs], [, printMs], [reportRows, reportsMs]] = await Promise.all([
    timed(async () => {
      const form = new FormData();
      form.set('kind', 'patients');
      form.set('_csrf', admin.csrf);
      form.set('file', new File([csv], 'stall.csv', { type: 'text/csv' }));
      const sent = performance.now();
      const res = await fetch(`${o}/patients/import`, { method: 'POST', body: form, headers: headers(admin), redirect: 'manual' });
      uploadMs = performance.now() - sent;
      const id = Number(res.headers.get('location')?.match(/(\d+)$/)?.[1]);
      if (res.status !== 303 || !id) throw new Error(`import upload answered ${res.status}`);
      for (;;) {
        const row = await db.selectFrom('imports').select(['status', 'inserted_rows']).where('id', '=', id).executeTakeFirstOrThrow();
        if (!['validating', 'saving'].includes(row.status)) {
          if (row.status !== 'committed') throw new Error(`import ended ${row.status}`);
          return row.inserted_rows;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
    timed(async () => {
      const body = new URLSearchParams({ _csrf: vendorAdmin.csrf });
      const res = await fetch(`${o}/vendor/jobs/balance-alerts/runs`, { method: 'POST', body, headers: { ...headers(vendorAdmin), 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
      const loc = new URL(res.headers.get('location') ?? '', o).searchParams;
      if (loc.has('rows')) return Number(loc.get('rows'));
      if (!loc.has('started') && !loc.has('handed')) throw new Error(`Run now answered ${res.status} ${loc}`);
      // A run longer than the page waits goes on in the background; its end is recorded in job_runs.
      for (;;) {
        const run = await db.selectFrom('job_runs').select(['last_finished_at', 'last_outcome', 'rows_handled', 'last_error']).where('name', '=', 'balance-alerts').executeTakeFirst();
        if (run?.last_finished_at && run.last_finished_at >= startedAt) {
          if (run.last_outcome !== 'ok') throw new Error(`balance-alert run failed: ${run.last_error}`);
          return Number(run.rows_handled);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
    timed(async () => {
      const res = await fetch(`${o}/vendor/print-batches/${batch.id}.pdf`, { headers: headers(billing) });
      if (res.status !== 200) throw new Error(`print batch answered ${res.status}`);
      return (await res.arrayBuffer()).byteLength;
    }),
    timed(async () => {
      let rows = 0;
      for (const r of reporters) {
        const text = await (await fetch(`${o}/reports/patient-email.csv?status=all`, { headers: headers(r) })).text();
        rows += text.split('\n').filter(Boolean).length - 1;
      }
      return rows;
    }),
  ]).catch(async (err) => {
    await stopProbes();
    throw err;
  });
  const totalMs = performance.now() - t0;
  const [{ times: health, sentAt }, { times: page }] = await Promise.all(probes.map((p) => p.stop()));
  await stopProbes();
  const worst = health.indexOf(Math.max(...health));

  // The app's own event-loop delay over the run, from its heartbeats (every 10 s): what the loop did,
  // apart from the probes' own scheduling on a loaded machine. The interval that holds the run's end is
  // written up to 10 s later: wait for it.
  const endedAt = new Date();
  for (let waited = 0; waited < 15_000; waited += 250) {
    const after = await db.selectFrom('instance_heartbeats').select('at').where('role', '=', 'web').where('at', '>=', endedAt).executeTakeFirst();
    if (after) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const loop = (await sql<{ p99: number | null; max: number | null }>`
    select max(event_loop_p99_ms) as p99, max(event_loop_max_ms) as max from instance_heartbeats
     where role = 'web' and at > ${startedAt}`.execute(db)).rows[0];
  const r: StallResult = {
    scale,
    importRows,
    printStatements: printed,
    reportRows,
    alertsQueued,
    ms: { upload: Math.round(uploadMs), import: Math.round(importMs), alerts: Math.round(alertsMs), print: Math.round(printMs), reports: Math.round(reportsMs), total: Math.round(totalMs) },
    healthz: { worstMs: Math.round(health[worst]), p99Ms: pct(health, 99), checks: health.length, worstAtS: Math.round((sentAt![worst] - t0Wall) / 100) / 10 },
    page: { p99Ms: pct(page, 99), p50Ms: pct(page, 50), requests: page.length },
    eventLoop: { worstP99Ms: Math.round(Number(loop?.p99 ?? NaN)), maxMs: Math.round(Number(loop?.max ?? NaN)) },
    loadAverage: os.loadavg()[0],
  };
  log(`- stall: ${JSON.stringify(r)}`);
  await removeStallWork(db, log);
  return r;
}

export type ReportsAtOnceResult = { clients: number; seconds: number; reports: number; healthz: { p50Ms: number; p99Ms: number; worstMs: number; checks: number } };

/**
 * Many heavy requests of one kind at once: `clients` staff members of as many practices download their
 * Patient Email Report back to back for `seconds`, while /healthz is asked every 20 ms. Each report is
 * read 500 rows a page and written a page per turn (src/jobs/yield.ts): one waiting job resumes per
 * turn of the event loop, so the health check waits for one page of one report, not one of each.
 */
export async function measureReportsAtOnce(db: Database, world: ScenarioWorld, clients = 16, seconds = 15): Promise<ReportsAtOnceResult> {
  const practices = Math.min(clients, world.params.practices);
  const cookies = await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      const { token } = await createSession(db, new Date(), SESSION_POLICY, world.ids.staffId((k % practices) + 1, 4));
      return `${SESSION_COOKIE}=${token}`;
    }),
  );
  const o = world.origin;
  const probe = await startProbe(o, cookies[0], 'health');
  const until = performance.now() + seconds * 1000;
  let reports = 0;
  try {
    await Promise.all(
      cookies.map(async (cookie) => {
        while (performance.now() < until) {
          const res = await fetch(`${o}/reports/patient-email.csv?status=all`, { headers: { cookie } });
          if (res.status !== 200) throw new Error(`report answered ${res.status}`);
          await res.arrayBuffer();
          reports++;
        }
      }),
    );
    const { times } = await probe.stop();
    return { clients, seconds, reports, healthz: { p50Ms: pct(times, 50), p99Ms: pct(times, 99), worstMs: Math.round(Math.max(...times)), checks: times.length } };
  } finally {
    await probe.terminate();
  }
}

/**
 * BENCH_STALL_PAGE_RATE=<n>: the signed-in page asked for n times a second on a schedule (open loop), instead of
 * by 4 clients back to back, which keep the app's thread busy whatever the heavy work does.
 */
export function stallPageRate(): number | null {
  const v = process.env.BENCH_STALL_PAGE_RATE;
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!(n > 0 && n <= 1000)) throw new Error(`BENCH_STALL_PAGE_RATE must be a rate between 0 and 1000 a second, not "${v}"`);
  return n;
}

/** Stall runs mark themselves by a print batch dated 2099-01-01 and imported accounts named S<stamp>-<n>. */
const STALL_BATCH_DATE = '2099-01-01';

/**
 * Leaves the dataset as it was built: the print batch and its statements, the alerts and portal links
 * written since the run began, the import and the imported accounts. tickets.patient_id has no index
 * (the app never deletes a patient), so each deleted account's foreign-key check would read all
 * 1M threads (120,000 × 1M: it ran for 17 minutes before it was cancelled); a temporary index makes
 * each check a probe, and is dropped again so the page benchmarks see the dataset's own indexes.
 */
async function removeStallWork(db: Database, log: (m: string) => void) {
  if (await removeWorstCaseAlertSubscribers(db)) await sql`vacuum analyze subscriptions, balance_alert_checks`.execute(db);
  const marks = await db.selectFrom('print_batches').select(['id', 'created_at']).where('batch_date', '=', STALL_BATCH_DATE).execute();
  if (!marks.length) return;
  const since = new Date(Math.min(...marks.map((m) => new Date(m.created_at).getTime())));
  const t = performance.now();
  await sql`create index if not exists bench_stall_tickets_patient_idx on tickets (patient_id) where patient_id is not null`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      const ids = marks.map((m) => m.id);
      await sql`delete from statements where print_batch_id = any(${ids})`.execute(trx);
      await sql`delete from print_batches where id = any(${ids})`.execute(trx);
      await sql`delete from outbox_messages where kind = 'balance_alert' and created_at >= ${since}`.execute(trx);
      await sql`delete from portal_links where created_at >= ${since}`.execute(trx);
      await sql`delete from imports where filename = 'stall.csv' and created_at >= ${since}`.execute(trx);
      await sql`delete from patients where account_number ~ '^S[0-9a-z]+-[0-9]+$'`.execute(trx);
      // Every subscribed pair waits for its first check again, as the dataset was built (the run parked some).
      await sql`insert into balance_alert_checks (patient_id, channel, next_at)
                select patient_id, channel, '-infinity' from subscriptions where kind = 'balance_alert' and subscribed
                on conflict (patient_id, channel) do update set next_at = '-infinity'`.execute(trx);
    });
  } finally {
    await sql`drop index if exists bench_stall_tickets_patient_idx`.execute(db);
  }
  // 120,000 deleted accounts and 355,000 alerts: leave the tables as autovacuum would for what is measured next.
  await sql`vacuum analyze patients`.execute(db);
  await sql`vacuum analyze outbox_messages`.execute(db);
  await sql`vacuum analyze balance_alert_checks`.execute(db);
  log(`- stall: removed the run's work in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
