// The stall budget at scale: while a patient import (120,000 rows at full scale), a full balance-alert
// run, a print batch (1,000 statements) and Patient Email Reports (100,000 rows in all) run in the app,
// /healthz is asked every 20 ms and a signed-in page is loaded by 4 clients in a loop. Budget on
// PostgreSQL: /healthz worst ≤ 100 ms, the signed-in page p99 ≤ 500 ms. Whatever the run writes
// (imported patients, alerts, portal links, the print batch) is deleted afterwards.
import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { createSession, SESSION_COOKIE } from '../src/auth/sessions.ts';
import { csrfTokenFor } from '../src/web/csrf.ts';
import type { ScenarioWorld } from './scenarios.ts';
import { refreshPatientBalances } from '../src/ledger/ledger.ts';

export type StallResult = {
  scale: number;
  importRows: number;
  printStatements: number;
  reportRows: number;
  alertsQueued: number;
  ms: { import: number; alerts: number; print: number; reports: number; total: number };
  healthz: { worstMs: number; p99Ms: number; checks: number };
  page: { p99Ms: number; p50Ms: number; requests: number };
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN) * 10) / 10;
};

export async function measureStall(db: Database, world: ScenarioWorld, scale: number, appSecret: string, log: (m: string) => void): Promise<StallResult> {
  const importRows = Math.max(1_000, Math.round(120_000 * scale));
  const printStatements = Math.max(20, Math.round(1_000 * scale));
  const reportTarget = Math.max(1_000, Math.round(100_000 * scale));
  const startedAt = new Date();
  const stamp = `S${startedAt.getTime().toString(36)}`;
  const policy = { idleMs: 6 * 3_600_000, maxMs: 12 * 3_600_000 };
  const signIn = async (userId: number) => {
    const { token, session } = await createSession(db, new Date(), policy, userId);
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: csrfTokenFor(appSecret, session.id) };
  };
  // The generated dataset is loaded with triggers off: bring the balance summaries the alert run reads up to date once.
  if (await refreshPatientBalances(db)) await sql`analyze patients`.execute(db);
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
  const batch = await db.insertInto('print_batches').values({ practice_id: practiceId, batch_date: '2099-01-01', created_at: startedAt }).returning('id').executeTakeFirstOrThrow();
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

  // Probes: /healthz every 20 ms; a signed-in page by 4 clients back to back.
  let stop = false;
  const health: number[] = [];
  const page: number[] = [];
  const healthProbe = (async () => {
    while (!stop) {
      const t = performance.now();
      await fetch(`${o}/healthz`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const staff = await signIn(world.ids.staffId(practiceId, 4));
  const pageProbes = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const t = performance.now();
      await fetch(`${o}/dashboard`, { headers: { cookie: staff.cookie } }).then((r) => r.arrayBuffer());
      page.push(performance.now() - t);
    }
  });

  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, performance.now() - t];
  };
  const t0 = performance.now();
  const [[, importMs], [alertsQueued, alertsMs], [, printMs], [reportRows, reportsMs]] = await Promise.all([
    timed(async () => {
      const form = new FormData();
      form.set('kind', 'patients');
      form.set('_csrf', admin.csrf);
      form.set('file', new File([csv], 'stall.csv', { type: 'text/csv' }));
      const res = await fetch(`${o}/patients/import`, { method: 'POST', body: form, headers: headers(admin), redirect: 'manual' });
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
      const loc = res.headers.get('location') ?? '';
      return Number(new URL(loc, o).searchParams.get('rows') ?? NaN);
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
  ]);
  const totalMs = performance.now() - t0;
  stop = true;
  await Promise.all([healthProbe, ...pageProbes]);

  // Leave the dataset as it was.
  await db.transaction().execute(async (trx) => {
    await sql`delete from statements where print_batch_id = ${batch.id}`.execute(trx);
    await sql`delete from print_batches where id = ${batch.id}`.execute(trx);
    await sql`delete from outbox_messages where kind = 'balance_alert' and created_at >= ${startedAt}`.execute(trx);
    await sql`delete from portal_links where created_at >= ${startedAt}`.execute(trx);
    await sql`delete from patients where account_number like ${stamp + '-%'}`.execute(trx);
  });

  const r: StallResult = {
    scale,
    importRows,
    printStatements: printed,
    reportRows,
    alertsQueued,
    ms: { import: Math.round(importMs), alerts: Math.round(alertsMs), print: Math.round(printMs), reports: Math.round(reportsMs), total: Math.round(totalMs) },
    healthz: { worstMs: Math.round(Math.max(...health)), p99Ms: pct(health, 99), checks: health.length },
    page: { p99Ms: pct(page, 99), p50Ms: pct(page, 50), requests: page.length },
  };
  log(`- stall: ${JSON.stringify(r)}`);
  return r;
}
