import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

let t: TestContext;
const patientId = async (account: string) =>
  (await t.db.selectFrom('patients').select('id').where('account_number', '=', account).executeTakeFirstOrThrow()).id;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => {
  await t.close();
});

describe('the Patients page', () => {
  it('lists active accounts by default; Show All adds inactive ones', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    const active = await desk.get('/patients?q=Finch');
    expect(active.status).toBe(200);
    expect(active.text).not.toContain('Finch, Harold');
    expect(active.text).toContain('Try Show All');
    const all = await desk.get('/patients?q=Finch&all=1');
    expect(all.text).toContain('Finch, Harold');
    expect(all.text).toContain('Inactive');
  });

  it('finds by name, by date of birth in either format, and by account number', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    const byName = await desk.get('/patients?q=gonzalez%20maria');
    expect(byName.text.match(/Gonzalez, Maria/g)).toHaveLength(2);
    expect(byName.text).toContain('R-1001');
    expect(byName.text).toContain('Left knee ACL rehabilitation');
    const byDob = await desk.get('/patients?q=04/12/1980');
    expect(byDob.text.match(/Gonzalez, Maria/g)).toHaveLength(2);
    expect((await desk.get('/patients?q=1975-09-30')).text).toContain('Carter, James');
    const byAccount = await desk.get('/patients?q=R-1004');
    expect(byAccount.text).toContain('Carter, James');
    expect(byAccount.text).toContain('$100.00');
    expect(byAccount.text).not.toContain('Gonzalez');
  });

  it('treats an impossible date of birth as text in both searches (one strict parser), never as a date', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    expect((await desk.get('/patients?q=02/31/1980')).status).toBe(200);
    // The ticket form's patient picker searched with its own, lenient parser and sent 1980-02-31 to a date column.
    const picker = await desk.get('/tickets/new/patients?patient_q=02/31/1980');
    expect(picker.status).toBe(200);
    expect((await desk.get('/tickets/new/patients?patient_q=04/12/1980')).text).toContain('Gonzalez, Maria');
  });

  it('never lists another practice’s patients', async () => {
    const summit = await t.as('admin@summit.example');
    const res = await summit.get('/patients?q=Gonzalez');
    expect(res.text).not.toContain('Gonzalez, Maria');
    const all = await summit.get('/patients?all=1');
    expect(all.text).not.toContain('R-10');
    expect(all.text).toContain('S-5001');
  });

  it('pages 25 at a time', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    const first = await desk.get('/patients?all=1');
    expect(first.text).toContain('Next page');
    const second = await desk.get('/patients?all=1&page=2');
    expect(second.text).toContain('Previous page');
    expect(second.text).not.toContain('Next page');
  });

  it('answers an htmx search with the results fragment only', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    const res = await desk.get('/patients?q=Carter', { 'HX-Request': 'true', 'HX-Target': 'div#patient-results' });
    expect(res.text.startsWith('<div id="patient-results"')).toBe(true);
    expect(res.text).toContain('Carter, James');
  });
});

describe('the patient account page', () => {
  it('shows info, ledger with running balance, appointments, and audits the view', async () => {
    const id = await patientId('R-1004');
    const before = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'patient.viewed').where('record_id', '=', String(id)).execute();
    const res = await (await t.as('pt@riverside.example')).get(`/patients/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Carter, James');
    expect(res.text).toContain('(555) 010-0104');
    expect(res.text).toContain('Lumbar strain');
    expect(res.text).toContain('Visit coinsurance');
    expect(res.text).toContain('$100.00');
    expect(res.text).toContain('Diana Diaz');
    expect(res.text).toContain('Patient Menu Bar');
    const after = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'patient.viewed').where('record_id', '=', String(id)).execute();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)!.actor_user_id).toBe(await t.userId('pt@riverside.example'));
  });

  it('another practice’s patient id is 404, and so is nonsense', async () => {
    const id = await patientId('R-1004');
    const summit = await t.as('admin@summit.example');
    for (const path of [`/patients/${id}`, `/patients/${id}/edit`]) expect((await summit.get(path)).status).toBe(404);
    expect((await summit.post(`/patients/${id}/ledger-entries`, { kind: 'payment', case_id: '1', amount: '5', posted_on: '2026-11-23' })).status).toBe(404);
    expect((await summit.post(`/patients/${id}`, { first_name: 'X' })).status).toBe(404);
    expect((await summit.get('/patients/abc')).status).toBe(404);
    const entries = await t.db.selectFrom('ledger_entries').select('id').where('patient_id', '=', id).execute();
    expect(entries).toHaveLength(1);
  });
});

describe('recording at the desk', () => {
  it('a $100 patient responsibility posts to the case, says who and when, and raises the balance', async () => {
    const id = await patientId('R-1002');
    const kase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', id).executeTakeFirstOrThrow();
    const desk = await t.as('frontdesk@riverside.example');
    const res = await desk.post(`/patients/${id}/ledger-entries`, { kind: 'responsibility', case_id: String(kase.id), amount: '$100.00', posted_on: '2026-11-23', note: 'Visit copay' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/patients/${id}?recorded=1#ledger`);
    const entry = await t.db.selectFrom('ledger_entries').selectAll().where('patient_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ kind: 'responsibility', amount_cents: 10_000, case_id: kase.id, source: 'desk', note: 'Visit copay', created_by_user_id: await t.userId('frontdesk@riverside.example') });
    expect(entry.posted_at.toISOString()).toBe(t.clock.now().toISOString());
    const page = await desk.get(`/patients/${id}`);
    expect(page.text).toContain('$135.00'); // $35 earlier copay + $100
    expect(page.text).toContain('Fiona Desmond');
    const audit = await t.db.selectFrom('audit_log').select(['details']).where('action', '=', 'ledger.posted').where('record_id', '=', String(id)).executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ entryId: entry.id, caseId: kase.id, kind: 'responsibility' });
  });

  it('a payment lowers it', async () => {
    const id = await patientId('R-1002');
    const kase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', id).executeTakeFirstOrThrow();
    const desk = await t.as('frontdesk@riverside.example');
    expect((await desk.post(`/patients/${id}/ledger-entries`, { kind: 'payment', case_id: String(kase.id), amount: '35', posted_on: '2026-11-23' })).status).toBe(303);
    const page = await desk.get(`/patients/${id}`);
    expect(page.text).toContain('data-testid="patient-balance">$100.00');
  });

  it('refuses bad input with 422, keeps what was typed, and posts nothing', async () => {
    const id = await patientId('R-1002');
    const count = async () => (await t.db.selectFrom('ledger_entries').select('id').where('patient_id', '=', id).execute()).length;
    const before = await count();
    const otherCase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', await patientId('R-1004')).executeTakeFirstOrThrow();
    const desk = await t.as('frontdesk@riverside.example');
    const res = await desk.post(`/patients/${id}/ledger-entries`, { kind: 'responsibility', case_id: String(otherCase.id), amount: '-20', posted_on: '2026-12-25', note: 'typed note' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter an amount above zero.');
    expect(res.text).toContain('The date cannot be in the future.');
    expect(res.text).toContain('Choose one of this patient’s cases.');
    expect(res.text).toContain('value="-20"');
    expect(res.text).toContain('typed note');
    const bad = await desk.post(`/patients/${id}/ledger-entries`, { kind: 'payment', case_id: String(otherCase.id), amount: '12.345', posted_on: '2026-02-30' });
    expect(bad.text).toContain('Enter an amount in dollars and cents');
    expect(bad.text).toContain('Enter a real date.');
    expect(await count()).toBe(before);
  });
});

describe('editing Patient Info', () => {
  const form = (over: Record<string, string>) => ({
    first_name: 'James', last_name: 'Carter', date_of_birth: '1975-09-30', status: 'active', mobile_phone: '(555) 010-0199', email: 'JC@Example.com',
    address_line1: '12 Oak St', address_line2: '', city: 'Springfield', state: 'il', postal_code: '62701',
    alt_address_line1: '', alt_address_line2: '', alt_city: '', alt_state: '', alt_postal_code: '', statement_delivery: 'electronic', ...over,
  });

  it('saves with the phone as E.164 and the email lower-cased, and audits field names only', async () => {
    const id = await patientId('R-1004');
    const desk = await t.as('frontdesk@riverside.example');
    const res = await desk.post(`/patients/${id}`, form({ alt_address_line1: 'PO Box 9', alt_city: 'Chicago', alt_state: 'IL', alt_postal_code: '60601' }));
    expect(res.status).toBe(303);
    const p = await t.db.selectFrom('patients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(p).toMatchObject({ mobile_phone: '+15550100199', email: 'jc@example.com', state: 'IL', alt_address_line1: 'PO Box 9', alt_city: 'Chicago', statement_delivery: 'electronic' });
    const audit = await t.db.selectFrom('audit_log').select('details').where('action', '=', 'patient.updated').where('record_id', '=', String(id)).executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.details)).not.toContain('0199');
    expect((audit.details as { fields: string[] }).fields).toContain('mobile_phone');
    const page = await desk.get(`/patients/${id}`);
    expect(page.text).toContain('PO Box 9');
  });

  it('re-renders with 422 and messages at each field', async () => {
    const id = await patientId('R-1004');
    const desk = await t.as('frontdesk@riverside.example');
    const res = await desk.post(`/patients/${id}`, form({ first_name: '', mobile_phone: '12', email: 'not-an-email', date_of_birth: '2030-01-01', alt_city: 'Chicago' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a first name.');
    const again = await desk.post(`/patients/${id}`, form({ mobile_phone: '12', email: 'not-an-email', date_of_birth: '2030-01-01', alt_city: 'Chicago' }));
    expect(again.status).toBe(422);
    expect(again.text).toContain('Enter a mobile number');
    expect(again.text).toContain('Enter a valid email address');
    expect(again.text).toContain('between 1900 and today');
    expect(again.text).toContain('Enter the street address, or clear the alternate statement address.');
    expect(again.text).toContain('value="not-an-email"');
    const p = await t.db.selectFrom('patients').select('email').where('id', '=', id).executeTakeFirstOrThrow();
    expect(p.email).toBe('jc@example.com');
  });
});
