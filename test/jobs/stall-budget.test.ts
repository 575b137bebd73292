import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';

// The stall budget at test scale: while an import, an alert run, a print batch and a report run
// at once, a separate process asks /healthz every 20 ms and keeps the slowest answer. The budget is
// 100 ms on PostgreSQL and 300 ms on the embedded database (bench/stall.ts measures it at scale);
// the shared test machine gets many times that (on 2 cores at a load average of ~20, runs measured
// 286–1,024 ms on PostgreSQL and 771–1,146 ms on PGlite).
const BOUND_MS = { pg: 1_500, pglite: 2_000 };
const IMPORT_ROWS = 4_000;
const PRINT_STATEMENTS = 200;

let t: TestContext;
let server: ReturnType<typeof serve>;
let port: number;

beforeAll(async () => {
  t = await createTestContext();
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

/** Polls /healthz from another process (so this one's stalls cannot hide): slowest answer, count. */
function startHealthPoller(url: string) {
  const script = `
    const http = require('node:http');
    let max = 0, n = 0, failed = 0, stop = false;
    const once = () => {
      const t0 = performance.now();
      http.get(process.env.POLL_URL, (res) => {
        res.resume();
        res.on('end', () => { const ms = performance.now() - t0; n++; if (res.statusCode !== 200) failed++; if (ms > max) max = ms; next(); });
      }).on('error', () => { failed++; next(); });
    };
    const next = () => (stop ? process.stdout.write(JSON.stringify({ max, n, failed }) + '\\n', () => process.exit(0)) : setTimeout(once, 20));
    process.stdin.on('data', () => (stop = true));
    process.stdout.write('ready\\n');
    once();`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, POLL_URL: url }, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((r) => child.stdout.on('data', (d) => ((out += String(d)), out.includes('ready') && r())));
  return {
    ready,
    async stop(): Promise<{ max: number; n: number; failed: number }> {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin.write('stop\n');
      await done;
      return JSON.parse(out.split('\n').filter((l) => l.startsWith('{')).pop()!);
    },
  };
}

async function makePrintBatch(): Promise<number> {
  const admin = await t.db.selectFrom('users').select('practice_id').where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
  const riverside = { id: admin.practice_id! };
  const now = t.clock.now();
  await t.db
    .insertInto('patients')
    .values(Array.from({ length: PRINT_STATEMENTS }, (_, i) => ({ practice_id: riverside.id, account_number: `PRINT-${i}`, first_name: `Print${i}`, last_name: 'Batch', date_of_birth: '1970-01-01', created_at: now, updated_at: now })))
    .execute();
  const sample = await t.db.selectFrom('statements').select(['content', 'anchor_entry_id', 'anchor_at']).executeTakeFirstOrThrow();
  const batch = await t.db.insertInto('print_batches').values({ practice_id: riverside.id, batch_date: '2026-11-22', created_at: t.clock.now() }).returning('id').executeTakeFirstOrThrow();
  const patients = await t.db.selectFrom('patients').select('id').where('practice_id', '=', riverside.id).orderBy('id').limit(PRINT_STATEMENTS).execute();
  await t.db
    .insertInto('statements')
    .values(patients.map((p) => ({
      practice_id: riverside.id, patient_id: p.id, anchor_entry_id: sample.anchor_entry_id, anchor_at: sample.anchor_at, cycle: 90 as const,
      statement_date: '2026-11-22', balance_cents: 1000, delivery: 'mail' as const, address_kind: 'demographic' as const,
      print_batch_id: batch.id, content: JSON.stringify(sample.content), generated_at: t.clock.now(),
    })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return batch.id;
}

describe('stall budget', () => {
  it('the health check answers within the bound while an import, an alert run, a print batch and a report run', async () => {
    const admin = await t.as('admin@riverside.example');
    const billing = await t.as('billing@stratapt.example');
    const lines = ['account_number,first_name,last_name,date_of_birth,email'];
    for (let i = 0; i < IMPORT_ROWS; i++) lines.push(`STALL-${i},Pat${i},Stall,1980-02-${String((i % 28) + 1).padStart(2, '0')},s${i}@example.org`);
    const form = new FormData();
    form.set('kind', 'patients');
    form.set('file', new File([lines.join('\n')], 'stall.csv', { type: 'text/csv' }));
    const batchId = await makePrintBatch();

    const poller = startHealthPoller(`http://127.0.0.1:${port}/healthz`);
    await poller.ready;
    const base = `http://127.0.0.1:${port}`;
    const headers = (c: typeof admin) => ({ Cookie: c.cookie!, Origin: base });
    const upload = await fetch(`${base}/patients/import`, { method: 'POST', body: (form.set('_csrf', admin.csrf!), form), headers: headers(admin), redirect: 'manual' });
    expect(upload.status).toBe(303);
    const importId = Number(upload.headers.get('location')!.match(/(\d+)$/)![1]);
    const [pdf, report, alerts] = await Promise.all([
      fetch(`${base}/vendor/print-batches/${batchId}.pdf`, { headers: headers(billing) }).then(async (r) => ({ status: r.status, bytes: (await r.arrayBuffer()).byteLength })),
      fetch(`${base}/reports/patient-email.csv?status=all`, { headers: headers(admin) }).then(async (r) => ({ status: r.status, text: await r.text() })),
      runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl),
      (async () => {
        for (let i = 0; i < 2_400; i++) {
          const row = await t.db.selectFrom('imports').select('status').where('id', '=', importId).executeTakeFirstOrThrow();
          if (!['validating', 'saving'].includes(row.status)) return row.status;
          await new Promise((r) => setTimeout(r, 25));
        }
        return 'still running';
      })(),
    ]);
    const health = await poller.stop();

    expect(pdf.status).toBe(200);
    expect(pdf.bytes).toBeGreaterThan(PRINT_STATEMENTS * 500);
    expect(report.status).toBe(200);
    expect(report.text.split('\n').length).toBeGreaterThan(10);
    expect(alerts).toBeGreaterThanOrEqual(0);
    const imported = await t.db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
    expect(imported).toMatchObject({ status: 'committed', inserted_rows: IMPORT_ROWS });

    console.log(`stall budget (${t.dialect}): /healthz worst ${health.max.toFixed(0)} ms over ${health.n} checks`);
    expect(health.failed).toBe(0);
    expect(health.n).toBeGreaterThan(20);
    expect(health.max).toBeLessThanOrEqual(BOUND_MS[t.dialect]);
  }, 240_000);
});
