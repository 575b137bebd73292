import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { createTestContext, TEST_ORIGIN, type TestContext } from '../support/context.ts';
import { PortalClient, patientByAccount, verifiedPortal } from './helpers.ts';
import { PORTAL_COOKIE } from '../../src/portal/sessions.ts';
import { runStatements } from '../../src/statements/statements.ts';

// What a patient can keep from the portal: statements (the PDF staff see), receipts, visit detail,
// and a clear "paid in full". Everything is the session patient's own: another patient's ids are 404.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

async function pdfText(client: PortalClient, path: string) {
  const res = await t.app.request(`${TEST_ORIGIN}${path}`, { headers: { Cookie: `${PORTAL_COOKIE}=${client.cookie}` } });
  if (res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), text: '', bytes: new Uint8Array() };
  const bytes = new Uint8Array(await res.arrayBuffer());
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: true });
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), text: text.replace(/\s+/g, ' '), bytes };
}

describe('the portal’s documents', () => {
  it('lists the patient’s statements and downloads the same PDF staff see', async () => {
    const james = await patientByAccount(t, 'R-1004');
    // James's first responsibility was 5 days ago: his 30-day statement comes 25 days from now.
    t.clock.advance(26 * 86_400_000);
    expect(await runStatements(t.db, t.clock.now(), t.config.publicUrl)).toBeGreaterThan(0);
    const statement = await t.db.selectFrom('statements').selectAll().where('patient_id', '=', james.id).executeTakeFirstOrThrow();

    const { client } = await verifiedPortal(t, 'R-1004');
    const account = await client.get('/portal/account');
    expect(account.text).toContain(`/portal/statements/${statement.id}.pdf`);
    const pdf = await pdfText(client, `/portal/statements/${statement.id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.cache).toContain('no-store');
    expect(pdf.text).toContain('Patient Statement');
    expect(pdf.text).toContain('James Carter');
    expect(pdf.text).toContain('$100.00');

    // Staff download the same document.
    const staff = await t.app.request(`${TEST_ORIGIN}/patients/${james.id}/statements/${statement.id}.pdf`, {
      headers: { Cookie: (await t.as('frontdesk@riverside.example')).cookie!, Origin: TEST_ORIGIN },
    });
    const { text: staffText } = await extractText(await getDocumentProxy(new Uint8Array(await staff.arrayBuffer())), { mergePages: true });
    expect(staffText.replace(/\s+/g, ' ')).toBe(pdf.text);

    const audit = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'portal.statement_downloaded').where('record_id', '=', String(statement.id)).execute();
    expect(audit).toHaveLength(1);
  });

  it('a receipt for a payment at the desk and its PDF: practice, date, amount, case, method, reference', async () => {
    const maria = await patientByAccount(t, 'R-1001');
    const payment = await t.db.selectFrom('ledger_entries').selectAll().where('patient_id', '=', maria.id).where('kind', '=', 'payment').executeTakeFirstOrThrow();
    const { client } = await verifiedPortal(t, 'R-1001');
    const account = await client.get('/portal/account');
    expect(account.text).toContain(`/portal/receipts/${payment.id}`);
    const page = await client.get(`/portal/receipts/${payment.id}`);
    expect(page.status).toBe(200);
    for (const fact of ['Riverside Physical Therapy', '$45.00', 'Right shoulder impingement', 'Paid at the office', `Receipt ${payment.id}`]) expect(page.text).toContain(fact);
    const pdf = await pdfText(client, `/portal/receipts/${payment.id}.pdf`);
    expect(pdf.status).toBe(200);
    for (const fact of ['Payment receipt', 'Riverside Physical Therapy', '$45.00', 'Right shoulder impingement', 'Paid at the office']) expect(pdf.text).toContain(fact);
  });

  it('a receipt for an online payment names the card by its last four and the Authorize.net transaction', async () => {
    const maria = await patientByAccount(t, 'R-1002');
    const kase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', maria.id).executeTakeFirstOrThrow();
    const entry = await t.db
      .insertInto('ledger_entries')
      .values({ practice_id: maria.practice_id, patient_id: maria.id, case_id: kase.id, kind: 'payment', amount_cents: 1000, posted_at: t.clock.now(), external_ref: 'anet:61000000001', source: 'portal', note: 'Paid online' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('payment_requests')
      .values({ practice_id: maria.practice_id, patient_id: maria.id, case_id: kase.id, ref_id: 'R-TEST-1', amount_cents: 1000, status: 'paid', trans_id: '61000000001', ledger_entry_id: entry.id, card_last4: '4242', created_at: t.clock.now(), updated_at: t.clock.now() })
      .execute();
    const { client } = await verifiedPortal(t, 'R-1002');
    const page = await client.get(`/portal/receipts/${entry.id}`);
    expect(page.text).toContain('Card ending 4242, online');
    expect(page.text).toContain('Authorize.net transaction 61000000001');
  });

  it('the lines behind a case’s balance, dated, with the running balance', async () => {
    const { client, patient } = await verifiedPortal(t, 'R-1004');
    const kase = await t.db.selectFrom('cases').select(['id', 'title']).where('patient_id', '=', patient.id).executeTakeFirstOrThrow();
    const account = await client.get('/portal/account');
    expect(account.text).toContain(`/portal/cases/${kase.id}`);
    const page = await client.get(`/portal/cases/${kase.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lumbar strain');
    expect(page.text).toContain('Your share of a visit');
    expect(page.text).toContain('Visit coinsurance');
    expect(page.text).toMatch(/Balance: \$100\.00/);
  });

  it('another patient’s statement, receipt or case is not found', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const maria = await patientByAccount(t, 'R-1001');
    const herPayment = await t.db.selectFrom('ledger_entries').select('id').where('patient_id', '=', maria.id).where('kind', '=', 'payment').executeTakeFirstOrThrow();
    const herCase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', maria.id).executeTakeFirstOrThrow();
    const summit = await t.db.selectFrom('statements').innerJoin('patients', 'patients.id', 'statements.patient_id').select('statements.id').where('patients.account_number', '!=', 'R-1004').executeTakeFirst();
    for (const path of [`/portal/receipts/${herPayment.id}`, `/portal/cases/${herCase.id}`, ...(summit ? [`/portal/statements/${summit.id}.pdf`] : [])]) {
      const res = await client.get(path);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('Gonzalez');
    }
    expect((await pdfText(client, `/portal/receipts/${herPayment.id}.pdf`)).status).toBe(404);
    // Without a portal session: nothing.
    expect((await new PortalClient(t).get(`/portal/receipts/${herPayment.id}`)).text).not.toContain('$45.00');
  });

  it('says "paid in full" with thanks when the balance is $0', async () => {
    const { client } = await verifiedPortal(t, 'R-1001');
    const account = await client.get('/portal/account');
    expect(account.text).toContain('Paid in full. Thank you!');
    const { client: owing } = await verifiedPortal(t, 'R-1004');
    expect((await owing.get('/portal/account')).text).not.toContain('Paid in full');
  });
});
