import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { createTestContext, type TestContext, TEST_ORIGIN } from '../support/context.ts';
import { makePatient, makePractice, makeStaff } from '../reminders/fixtures.ts';
import { escapeFormula } from '../../src/reports/patient-email.ts';
import { createSession, SESSION_COOKIE } from '../../src/auth/sessions.ts';

let t: TestContext;
let riverside: number;
beforeAll(async () => {
  t = await createTestContext();
  riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

const HEADER = ['First Name', 'Last Name', 'Email', 'Mobile Phone', 'Account Number', 'Status', 'Unsubscribed From Email'];

describe('Patient Email Report', () => {
  it('downloads every active patient of the practice with the report’s columns, and all with the filter', async () => {
    const admin = await t.as('admin@riverside.example');
    const res = await admin.get('/reports/patient-email.csv?status=active');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="patient-email-report-riverside-physical-therapy-2026-11-23\.csv"$/);
    const rows: string[][] = parse(res.text);
    expect(rows[0]).toEqual(HEADER);
    const active = await t.db.selectFrom('patients').select(sql<number>`count(*)::int`.as('n')).where('practice_id', '=', riverside).where('status', '=', 'active').executeTakeFirstOrThrow();
    expect(rows.length - 1).toBe(active.n);
    const james = rows.find((r) => r[0] === 'James' && r[1] === 'Carter');
    expect(james).toEqual(['James', 'Carter', 'james.carter@example.com', '(555) 010-0104', 'R-1004', 'Active', 'No']);
    expect(rows.some((r) => r[1] === 'Finch')).toBe(false); // Harold is inactive
    expect(rows.some((r) => r[4].startsWith('S-'))).toBe(false); // never another practice's patients
    // Maria's two accounts are two rows.
    expect(rows.filter((r) => r[0] === 'Maria' && r[1] === 'Gonzalez').map((r) => r[4]).sort()).toEqual(['R-1001', 'R-1002']);

    const all: string[][] = parse((await admin.get('/reports/patient-email.csv?status=all')).text);
    const total = await t.db.selectFrom('patients').select(sql<number>`count(*)::int`.as('n')).where('practice_id', '=', riverside).executeTakeFirstOrThrow();
    expect(all.length - 1).toBe(total.n);
    expect(all.find((r) => r[1] === 'Finch')).toEqual(['Harold', 'Finch', '', '', 'R-1003', 'Inactive', 'No']);
  });

  it('marks patients unsubscribed from email or whose address bounced', async () => {
    const unsub = await makePatient(t.db, riverside, { first: 'Ursula', last: 'Unsub' });
    const bounced = await makePatient(t.db, riverside, { first: 'Bob', last: 'Bounced' });
    const textOnly = await makePatient(t.db, riverside, { first: 'Tim', last: 'Textoff' });
    const now = t.clock.now();
    await t.db.insertInto('subscriptions').values([
      { practice_id: riverside, patient_id: unsub, kind: 'appointment_reminder', channel: 'email', subscribed: false, updated_at: now },
      { practice_id: riverside, patient_id: textOnly, kind: 'appointment_reminder', channel: 'sms', subscribed: false, updated_at: now },
    ]).execute();
    const email = (await t.db.selectFrom('patients').select('email').where('id', '=', bounced).executeTakeFirstOrThrow()).email!;
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: bounced, email: email.toUpperCase(), reason: 'bounced', at: now }).execute();
    const rows: string[][] = parse((await (await t.as('admin@riverside.example')).get('/reports/patient-email.csv')).text);
    const flag = (last: string) => rows.find((r) => r[1] === last)![6];
    expect(flag('Unsub')).toBe('Yes');
    expect(flag('Bounced')).toBe('Yes');
    expect(flag('Textoff')).toBe('No');
  });

  it('escapes cells a spreadsheet would run as formulas', async () => {
    await makePatient(t.db, riverside, { first: '=HYPERLINK("http://evil.example","click")', last: '+SUM(A1)', email: '@evil.example', phone: '-1' });
    await makePatient(t.db, riverside, { first: '\tTabbed', last: '\rReturn', email: 'safe@example.com', phone: '+442071838750' });
    const rows: string[][] = parse((await (await t.as('admin@riverside.example')).get('/reports/patient-email.csv')).text);
    const evil = rows.find((r) => r[0].includes('HYPERLINK'))!;
    expect(evil.slice(0, 4)).toEqual(['\'=HYPERLINK("http://evil.example","click")', "'+SUM(A1)", "'@evil.example", "'-1"]);
    const tabbed = rows.find((r) => r[0].includes('Tabbed'))!;
    expect(tabbed.slice(0, 4)).toEqual(["'\tTabbed", "'\rReturn", 'safe@example.com', "'+442071838750"]);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(escapeFormula('Ordinary')).toBe('Ordinary');
    expect(escapeFormula('a=b')).toBe('a=b');
  });

  it('writes an audit row per export: who, when, filter, row count', async () => {
    t.clock.set('2026-11-23T18:00:00Z');
    const admin = await t.as('admin@riverside.example');
    const before = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'report.patient_email.exported').execute();
    const rows: string[][] = parse((await admin.get('/reports/patient-email.csv?status=all')).text);
    const audits = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'report.patient_email.exported').orderBy('id').execute();
    expect(audits.length).toBe(before.length + 1);
    const last = audits[audits.length - 1];
    expect(last.actor_user_id).toBe(await t.userId('admin@riverside.example'));
    expect(last.practice_id).toBe(riverside);
    expect(new Date(last.at).toISOString()).toBe('2026-11-23T18:00:00.000Z');
    expect(last.details).toEqual({ filter: 'all', rows: rows.length - 1, completed: true });
    // And the report page lists it.
    const page = await admin.get('/reports/patient-email');
    expect(page.text).toContain('Recent downloads');
    expect(page.text).toContain('Adam Alvarez');
  });

  it('does not exist for users without the Reporting flag', async () => {
    for (const email of ['director@riverside.example', 'frontdesk@riverside.example', 'pt@riverside.example']) {
      const user = await t.as(email);
      for (const path of ['/reports', '/reports/patient-email', '/reports/patient-email.csv?status=all']) {
        const res = await user.get(path);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('Carter');
      }
    }
    const vendor = await t.as('root@stratapt.example');
    expect((await vendor.get('/reports/patient-email.csv')).status).toBe(404);
    const owner = await t.as('owner@riverside.example');
    expect((await owner.get('/reports')).status).toBe(200);
  });

  it('refuses an unknown filter', async () => {
    const res = await (await t.as('admin@riverside.example')).get('/reports/patient-email.csv?status=everyone');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose active patients or all patients.');
  });
});

describe('Patient Email Report at scale', () => {
  it('streams 100,000 patients without holding them in memory', { timeout: 240_000 }, async () => {
    const big = await makePractice(t.db, { name: 'Big Practice' });
    await makeStaff(t.db, big, { email: 'reports@big.example', role: 4, reporting: true });
    await sql`
      insert into patients (practice_id, account_number, first_name, last_name, date_of_birth, status, mobile_phone, email)
      select ${big}, 'B-' || g, 'First' || g, 'Last' || g, date '1970-01-01' + (g % 10000),
             case when g % 10 = 0 then 'inactive' else 'active' end,
             '+1555' || lpad((g % 10000000)::text, 7, '0'), 'p' || g || '@example.com'
        from generate_series(1, 100000) g`.execute(t.db);

    const { session, token } = await createSession(t.db, t.clock.now(), { idleMs: t.config.sessionIdleMs, maxMs: t.config.sessionMaxMs }, await t.userId('reports@big.example'));
    void session;
    // Retained heap, sampled after a full collection every few chunks: what the download holds on to.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const started = performance.now();
    const res = await t.app.request(`${TEST_ORIGIN}/reports/patient-email.csv?status=all`, { headers: { Cookie: `${SESSION_COOKIE}=${token}`, Origin: TEST_ORIGIN } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let lines = 0;
    let bytes = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      const text = decoder.decode(value, { stream: true });
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
      if (++chunks % 10 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(lines).toBe(100_001);
    const growthMb = (peak - baseline) / 1024 / 1024;
    // The file is ~7 MB of CSV; held as 100,000 row objects plus the text it would retain far more than 15 MB.
    console.log(`patient email report: 100,000 rows, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${chunks} chunks, ${seconds.toFixed(1)} s, retained heap growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(15);
    const audit = await t.db.selectFrom('audit_log').select('details').where('action', '=', 'report.patient_email.exported').where('practice_id', '=', big).executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ filter: 'all', rows: 100_000, completed: true });
  });
});
