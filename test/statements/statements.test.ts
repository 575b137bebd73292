import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { createTestContext, type TestContext, type Client, TEST_ORIGIN } from '../support/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { runStatements, statementCancelReason } from '../../src/statements/statements.ts';
import { reasonToCancel } from '../../src/messaging/dispatcher.ts';
import { makeCase, makePatient, post, type PatientOptions } from '../reminders/fixtures.ts';

const PUBLIC = 'http://localhost:3000';
let t: TestContext;
let riverside: number;
let summit: number;
beforeAll(async () => {
  t = await createTestContext();
  riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
  summit = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

async function patientWithCharge(o: PatientOptions & { cents?: number; at?: string; practice?: number } = {}) {
  const practice = o.practice ?? riverside;
  const patient = await makePatient(t.db, practice, o);
  const kase = await makeCase(t.db, practice, patient);
  await post(t.db, practice, patient, kase, 'responsibility', o.cents ?? 10_000, o.at ?? '2026-11-23T16:00:00Z', 'Visit copay');
  return { patient, kase, practice };
}

async function statementsOf(patientId: number) {
  return t.db.selectFrom('statements').selectAll().where('patient_id', '=', patientId).orderBy('id').execute();
}

async function run(at: string) {
  t.clock.set(at);
  return runStatements(t.db, t.clock.now(), PUBLIC);
}

async function pdfText(client: Client, path: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await t.app.request(`${TEST_ORIGIN}${path}`, { headers: { Cookie: client.cookie!, Origin: TEST_ORIGIN } });
  if (res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), text: '' };
  const pdf = await getDocumentProxy(new Uint8Array(await res.arrayBuffer()));
  const { text } = await extractText(pdf, { mergePages: true });
  return { status: res.status, type: res.headers.get('content-type'), text: text.replace(/\s+/g, ' ') };
}

describe('statements: the 30/60/90 schedule', () => {
  it('generates at 30, 60 and 90 days while a balance remains, once each, and starts again after a payoff', async () => {
    const { patient, kase } = await patientWithCharge({ first: 'Sched', last: 'Ule' });
    // The anchor is Nov 23 in Chicago; day 30 is Dec 23 local (06:00Z is local midnight).
    await run('2026-12-23T05:59:00Z');
    expect(await statementsOf(patient)).toHaveLength(0);
    await run('2026-12-23T06:00:00Z');
    await run('2026-12-23T18:00:00Z');
    let rows = await statementsOf(patient);
    expect(rows.map((r) => [r.cycle, r.statement_date, r.balance_cents])).toEqual([[30, '2026-12-23', 10_000]]);

    await post(t.db, riverside, patient, kase, 'payment', 4_000, '2027-01-05T17:00:00Z', 'Paid at the desk');
    await run('2027-01-21T23:00:00Z');
    expect(await statementsOf(patient)).toHaveLength(1);
    await run('2027-01-22T12:00:00Z');
    rows = await statementsOf(patient);
    expect(rows.map((r) => [r.cycle, r.statement_date, r.balance_cents])).toEqual([[30, '2026-12-23', 10_000], [60, '2027-01-22', 6_000]]);

    // Paid off before day 90: no 90-day statement.
    await post(t.db, riverside, patient, kase, 'payment', 6_000, '2027-02-01T17:00:00Z', 'Paid online');
    await run('2027-02-21T12:00:00Z');
    await run('2027-03-01T12:00:00Z');
    expect(await statementsOf(patient)).toHaveLength(2);

    // A new responsibility after the payoff is a new unpaid balance with its own series.
    const charge = await post(t.db, riverside, patient, kase, 'responsibility', 2_500, '2027-03-02T17:00:00Z', 'Visit copay');
    await run('2027-04-01T12:00:00Z');
    rows = await statementsOf(patient);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ cycle: 30, anchor_entry_id: charge, balance_cents: 2_500, statement_date: '2027-04-01' });
  });

  it('anchors on the first responsibility after the balance last reached zero, not on later charges', async () => {
    const { patient, kase } = await patientWithCharge({ cents: 5_000, at: '2026-09-01T16:00:00Z' });
    await post(t.db, riverside, patient, kase, 'payment', 5_000, '2026-09-10T16:00:00Z');
    const first = await post(t.db, riverside, patient, kase, 'responsibility', 3_000, '2026-11-01T16:00:00Z');
    await post(t.db, riverside, patient, kase, 'responsibility', 2_000, '2026-11-20T16:00:00Z');
    await run('2026-12-01T12:00:00Z'); // day 30 after Nov 1
    const rows = await statementsOf(patient);
    expect(rows.map((r) => [r.anchor_entry_id, r.cycle, r.balance_cents])).toEqual([[first, 30, 5_000]]);
  });

  it('skips a cycle whose day passed more than 30 days ago, and stops after the 90-day one', async () => {
    const { patient } = await patientWithCharge({ at: '2026-11-23T16:00:00Z' });
    await run('2027-01-25T12:00:00Z'); // day 63: the 30-day window is over, the 60-day one is open
    expect((await statementsOf(patient)).map((r) => r.cycle)).toEqual([60]);
    await run('2027-02-21T12:00:00Z'); // day 90
    await run('2027-04-01T12:00:00Z'); // day 129: nothing more
    expect((await statementsOf(patient)).map((r) => r.cycle)).toEqual([60, 90]);
  });

  it('makes each statement once when two instances run at the same moment', async () => {
    const patients: number[] = [];
    for (let i = 0; i < 12; i++) patients.push((await patientWithCharge({ at: '2027-05-01T16:00:00Z' })).patient);
    t.clock.set('2027-05-31T12:00:00Z');
    const second = t.url ? await openPostgres(t.url, 4) : null;
    try {
      const results = await Promise.all([
        runStatements(t.db, t.clock.now(), PUBLIC),
        runStatements(second?.db ?? t.db, t.clock.now(), PUBLIC),
      ]);
      expect(results[0] + results[1]).toBeGreaterThanOrEqual(12);
    } finally {
      await second?.close();
    }
    for (const p of patients) expect(await statementsOf(p)).toHaveLength(1);
    const batches = await t.db.selectFrom('print_batches').select('id').where('practice_id', '=', riverside).where('batch_date', '=', '2027-05-31').execute();
    expect(batches).toHaveLength(1);
  });
});

describe('statements: delivery', () => {
  it('mails to the alternate statement address when set, else the demographic address, in the day’s print batch', async () => {
    const alt = await patientWithCharge({ first: 'Alma', last: 'Alternate', alt: true, at: '2027-06-01T16:00:00Z' });
    const home = await patientWithCharge({ first: 'Hugo', last: 'Home', at: '2027-06-01T16:00:00Z' });
    const none = await patientWithCharge({ first: 'Nia', last: 'Noaddress', address: false, at: '2027-06-01T16:00:00Z' });
    await run('2027-07-01T12:00:00Z');
    const [a] = await statementsOf(alt.patient);
    const [h] = await statementsOf(home.patient);
    const [n] = await statementsOf(none.patient);
    expect(a).toMatchObject({ delivery: 'mail', address_kind: 'alternate' });
    expect((a.content as { mailTo: { lines: string[] } }).mailTo.lines).toEqual([expect.stringMatching(/^PO Box \d+$/), 'Shelbyville, IL 62565']);
    expect(h).toMatchObject({ delivery: 'mail', address_kind: 'demographic' });
    expect((h.content as { mailTo: { lines: string[] } }).mailTo.lines).toEqual([expect.stringMatching(/^\d+ Demographic Road$/), 'Springfield, IL 62701']);
    expect(a.print_batch_id).not.toBeNull();
    expect(h.print_batch_id).toBe(a.print_batch_id);
    expect(n).toMatchObject({ delivery: 'mail', address_kind: null, print_batch_id: null });
    expect(await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'statement').where('patient_id', 'in', [alt.patient, home.patient]).execute()).toHaveLength(0);
  });

  it('emails electronic statements as a portal link with no amount, and mails them when the address bounced', async () => {
    const e = await patientWithCharge({ first: 'Elle', last: 'Electronic', delivery: 'electronic', alt: true, cents: 12_345, at: '2027-08-01T16:00:00Z' });
    const b = await patientWithCharge({ first: 'Bea', last: 'Bounced', delivery: 'electronic', at: '2027-08-01T16:00:00Z' });
    const bEmail = (await t.db.selectFrom('patients').select('email').where('id', '=', b.patient).executeTakeFirstOrThrow()).email!;
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: b.patient, email: bEmail, reason: 'bounced', at: t.clock.now() }).execute();
    await run('2027-08-31T12:00:00Z');
    const [es] = await statementsOf(e.patient);
    expect(es).toMatchObject({ delivery: 'electronic', address_kind: null, print_batch_id: null });
    const email = await t.db.selectFrom('outbox_messages').selectAll().where('id', '=', es.outbox_message_id!).executeTakeFirstOrThrow();
    const patient = await t.db.selectFrom('patients').select('email').where('id', '=', e.patient).executeTakeFirstOrThrow();
    expect(email).toMatchObject({ kind: 'statement', channel: 'email', recipient: patient.email, subject: 'Riverside Physical Therapy: your statement is ready' });
    // The stored email holds a placeholder for the portal link's token (issue 12); the token waits beside it.
    expect(email.body).toBe('Riverside Physical Therapy: a new statement is ready for you.\n\nView it and pay securely: http://localhost:3000/portal/{portal-link-token}\n\nQuestions? Call (555) 010-2000.\n');
    expect(email.portal_link_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(email.body).not.toMatch(/\$|123\.45|12,345/);
    const links = await t.db.selectFrom('portal_links').select('purpose').where('patient_id', '=', e.patient).execute();
    expect(links).toEqual([{ purpose: 'statement' }]);
    const [bs] = await statementsOf(b.patient);
    expect(bs).toMatchObject({ delivery: 'mail', address_kind: 'demographic' });

    // Paid before the email went out: the dispatcher's send-time check cancels it.
    expect(await reasonToCancel(t.db, email, t.clock.now())).toBeNull();
    await post(t.db, riverside, e.patient, e.kase, 'payment', 12_345, '2027-08-31T13:00:00Z');
    expect(await statementCancelReason(t.db, { statementId: es.id })).toBe('balance paid');
    expect(await reasonToCancel(t.db, email, t.clock.now())).toBe('balance paid');
  });
});

describe('statements: what staff and the vendor see', () => {
  it('shows each statement as a PDF with the expected lines on the patient’s Statements tab', async () => {
    const { patient, kase } = await patientWithCharge({ first: 'Paula', last: 'Pdf', alt: true, cents: 10_000, at: '2027-09-01T16:00:00Z' });
    const other = await makeCase(t.db, riverside, patient, 'Right shoulder impingement');
    await post(t.db, riverside, patient, other, 'responsibility', 4_550, '2027-09-05T16:00:00Z', 'Evaluation coinsurance');
    await post(t.db, riverside, patient, kase, 'payment', 2_000, '2027-09-10T16:00:00Z', 'Paid at the desk');
    await run('2027-10-01T12:00:00Z');
    const [s] = await statementsOf(patient);
    const account = (await t.db.selectFrom('patients').select('account_number').where('id', '=', patient).executeTakeFirstOrThrow()).account_number;

    const staff = await t.as('frontdesk@riverside.example');
    const page = await staff.get(`/patients/${patient}/statements`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('aria-current="page">Statements');
    expect(page.text).toContain('Mail to alternate statement address');
    expect(page.text).toContain(`/patients/${patient}/statements/${s.id}.pdf`);

    const pdf = await pdfText(staff, `/patients/${patient}/statements/${s.id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    for (const line of [
      'Riverside Physical Therapy',
      'Phone: (555) 010-2000',
      'Patient Statement',
      'Statement date: October 1, 2027',
      'Patient: Paula Pdf',
      `Account number: ${account}`,
      'Mail to:',
      'Shelbyville, IL 62565',
      'Case: Left knee rehabilitation',
      'Patient responsibility: Visit copay',
      'Payment: Paid at the desk',
      'Case total: $80.00',
      'Case: Right shoulder impingement',
      'Patient responsibility: Evaluation coinsurance',
      '$45.50',
      'Case total: $45.50',
      'Balance due: $125.50',
      'How to pay',
      'By phone: call (555) 010-2000',
    ]) expect(pdf.text).toContain(line);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'statement.viewed').where('record_id', '=', String(s.id)).execute();
    expect(audit).toHaveLength(1);

    const summitAdmin = await t.as('admin@summit.example');
    expect((await summitAdmin.get(`/patients/${patient}/statements`)).status).toBe(404);
    expect((await pdfText(summitAdmin, `/patients/${patient}/statements/${s.id}.pdf`)).status).toBe(404);
  });

  it('lets the vendor’s Billing team download a day’s print batch as one PDF with a payment link on each statement', async () => {
    const a = await patientWithCharge({ first: 'Bart', last: 'Batchone', at: '2027-11-01T17:00:00Z' });
    const b = await patientWithCharge({ first: 'Cleo', last: 'Batchtwo', alt: true, at: '2027-11-01T17:00:00Z' });
    const s = await patientWithCharge({ first: 'Sid', last: 'Summitside', practice: summit, at: '2027-11-01T17:00:00Z' });
    await run('2027-12-01T18:00:00Z');
    const [sa] = await statementsOf(a.patient);
    const [ss] = await statementsOf(s.patient);
    expect(ss.print_batch_id).not.toBe(sa.print_batch_id); // one batch per practice and day

    const billing = await t.as('billing@stratapt.example');
    const list = await billing.get('/vendor/print-batches');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`/vendor/print-batches/${sa.print_batch_id}.pdf`);
    expect(list.text).toContain('Riverside Physical Therapy');

    const linksBefore = (await t.db.selectFrom('portal_links').select('id').where('patient_id', 'in', [a.patient, b.patient]).execute()).length;
    const pdf = await pdfText(billing, `/vendor/print-batches/${sa.print_batch_id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.text).toContain('Patient: Bart Batchone');
    expect(pdf.text).toContain('Patient: Cleo Batchtwo');
    expect(pdf.text).not.toContain('Sid Summitside');
    const inBatch = await t.db.selectFrom('statements').select('id').where('print_batch_id', '=', sa.print_batch_id!).execute();
    expect(inBatch.length).toBeGreaterThanOrEqual(2);
    expect(pdf.text.match(/Online: http:\/\/localhost:3000\/portal\/[A-Za-z0-9_-]+/g)!.length).toBe(inBatch.length);
    expect((await t.db.selectFrom('portal_links').select('id').where('patient_id', 'in', [a.patient, b.patient]).execute()).length).toBe(linksBefore + 2);
    const batch = await t.db.selectFrom('print_batches').selectAll().where('id', '=', sa.print_batch_id!).executeTakeFirstOrThrow();
    expect(batch.downloaded_by_user_id).toBe(await t.userId('billing@stratapt.example'));
    expect(await t.db.selectFrom('audit_log').select('id').where('action', '=', 'print_batch.downloaded').where('record_id', '=', String(batch.id)).execute()).toHaveLength(1);

    for (const email of ['success@stratapt.example', 'admin@riverside.example']) {
      const user = await t.as(email);
      expect((await user.get('/vendor/print-batches')).status).toBe(404);
      expect((await pdfText(user, `/vendor/print-batches/${sa.print_batch_id}.pdf`)).status).toBe(404);
    }
    expect((await (await t.as('root@stratapt.example')).get('/vendor/print-batches')).status).toBe(200);
  });
});
