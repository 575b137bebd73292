import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type Client, type TestContext } from '../support/context.ts';

let t: TestContext;
let admin: Client;

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.as('admin@riverside.example');
});
afterAll(async () => {
  await t.close();
});

/** Uploads a CSV as the browser would, then waits (as the status page's polling would) for the result. */
async function upload(kind: string, csv: string, name = `${kind}.csv`) {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new File([csv], name, { type: 'text/csv' }));
  const res = await admin.post('/patients/import', form);
  expect(res.status).toBe(303);
  const id = Number(res.location!.match(/\/patients\/import\/(\d+)/)![1]);
  for (let i = 0; i < 200; i++) {
    const row = await t.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    if (!['validating', 'saving'].includes(row.status)) return { id, row, location: res.location! };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('import did not finish');
}

const count = async (table: 'patients' | 'ledger_entries' | 'appointments') => (await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

const PATIENTS = [
  'Account Number,First Name,Last Name,Date of Birth,Mobile Phone,Email,Statement Delivery',
  'IMP-1,Rosa,Diaz,1988-03-04,(555) 010-7001,rosa@example.org,electronic',
  'IMP-2,Omar,Haddad,07/21/1979,,omar@example.org,mail',
  'IMP-3,"Lee, Jr.",Park,1990-12-01,555-010-7003,,',
].join('\n');

describe('CSV import', () => {
  it('only Practice Administrators and above may import', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    expect((await desk.get('/patients/import')).status).toBe(404);
    const form = new FormData();
    form.set('kind', 'patients');
    form.set('file', new File([PATIENTS], 'p.csv'));
    expect((await desk.post('/patients/import', form)).status).toBe(404);
    expect(await t.db.selectFrom('imports').select('id').execute()).toHaveLength(0);
  });

  it('imports patients, normalising phones; the same file again adds nothing', async () => {
    const before = await count('patients');
    const first = await upload('patients', PATIENTS);
    expect(first.row).toMatchObject({ status: 'committed', inserted_rows: 3, existing_rows: 0, rejected_rows: 0 });
    expect(await count('patients')).toBe(before + 3);
    const rosa = await t.db.selectFrom('patients').selectAll().where('account_number', '=', 'IMP-1').executeTakeFirstOrThrow();
    expect(rosa).toMatchObject({ first_name: 'Rosa', mobile_phone: '+15550107001', statement_delivery: 'electronic', status: 'active' });
    expect((await t.db.selectFrom('patients').select('date_of_birth').where('account_number', '=', 'IMP-2').executeTakeFirstOrThrow()).date_of_birth).toBe('1979-07-21');
    const page = await admin.get(first.location);
    expect(page.text).toContain('3 rows added');
    // Imported patients enrolled in nothing: balance alerts show off (they need a recorded opt-in), reminders on.
    expect(await t.db.selectFrom('subscriptions').select('kind').where('patient_id', '=', rosa.id).execute()).toEqual([]);
    const engagement = (await admin.get(`/patients/${rosa.id}/engagement`)).text;
    for (const channel of ['sms', 'email']) {
      expect(engagement).toMatch(new RegExp(`id="toggle-balance_alert-${channel}" role="switch" aria-checked="false"`));
      expect(engagement).toMatch(new RegExp(`id="toggle-appointment_reminder-${channel}" role="switch" aria-checked="true"`));
    }

    const again = await upload('patients', PATIENTS);
    expect(again.id).toBe(first.id);
    expect(again.location).toContain('again=1');
    expect((await admin.get(again.location)).text).toContain('already imported; nothing was added again');
    expect(await count('patients')).toBe(before + 3);

    // A different file overlapping by account number: existing rows are skipped, not doubled.
    const overlap = await upload('patients', PATIENTS + '\nIMP-4,Ann,Lee,1970-01-01,,,\n');
    expect(overlap.row).toMatchObject({ status: 'committed', inserted_rows: 1, existing_rows: 3 });
    expect(await count('patients')).toBe(before + 4);
  });

  it('a ledger file with one bad row commits nothing and reports the row', async () => {
    const before = await count('ledger_entries');
    const csv = [
      'external_ref,account_number,case,kind,amount,posted_at,note',
      'L-1,IMP-1,Knee,responsibility,100.00,2026-11-20,Visit',
      'L-2,IMP-1,Knee,payment,40,2026-11-21,',
      'L-3,NOPE-9,,responsibility,25,2026-11-21,',
      'L-4,IMP-2,,responsibility,-30,2026-11-21,',
      'L-5,IMP-2,,responsibility,30,2026-13-01,',
      'L-1,IMP-2,,responsibility,30,2026-11-21,',
      'L-7,IMP-2,,refund,30,2026-11-21,',
    ].join('\n');
    const res = await upload('ledger', csv);
    expect(res.row.status).toBe('rejected');
    expect(res.row.rejected_rows).toBe(5);
    expect(res.row.errors).toEqual([
      { row: 4, field: 'account_number', problem: 'unknown account (import the patient first)' },
      { row: 5, field: 'amount', problem: 'negative amount (record payments and adjustments with their kind, as positive amounts)' },
      { row: 6, field: 'posted_at', problem: 'bad date (use YYYY-MM-DD or an ISO date and time)' },
      { row: 7, field: 'external_ref', problem: 'duplicate external reference (also on row 2)' },
      { row: 8, field: 'kind', problem: 'kind must be responsibility, payment or adjustment' },
    ]);
    expect(await count('ledger_entries')).toBe(before);
    const page = await admin.get(`/patients/import/${res.id}`);
    expect(page.text).toContain('5 rows were rejected, so nothing in the file was saved');
    const report = await admin.get(`/patients/import/${res.id}/report.csv`);
    expect(report.headers.get('content-type')).toContain('text/csv');
    expect(report.text.split('\n')[0]).toBe('row,column,problem');
    expect(report.text).toContain('4,account_number,unknown account (import the patient first)');
    expect(report.text).toContain('7,external_ref,duplicate external reference (also on row 2)');

    // Fixed, the same rows go in whole, to a case created by title; re-importing is a no-op.
    const fixed = csv.split('\n').slice(0, 3).join('\n') + '\nL-3,IMP-2,,responsibility,25,2026-11-21,\n';
    const ok = await upload('ledger', fixed);
    expect(ok.row).toMatchObject({ status: 'committed', inserted_rows: 3 });
    expect(await count('ledger_entries')).toBe(before + 3);
    const rosa = await t.db.selectFrom('patients').select('id').where('account_number', '=', 'IMP-1').executeTakeFirstOrThrow();
    const cases = await t.db.selectFrom('cases').select(['title']).where('patient_id', '=', rosa.id).execute();
    expect(cases.map((c) => c.title)).toEqual(['Knee']);
    const entry = await t.db.selectFrom('ledger_entries').selectAll().where('external_ref', '=', 'L-1').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ amount_cents: 10_000, source: 'import', created_by_user_id: await t.userId('admin@riverside.example') });
    expect(entry.posted_at.toISOString()).toBe('2026-11-20T18:00:00.000Z'); // noon in Chicago
    const again = await upload('ledger', fixed);
    expect(again.id).toBe(ok.id);
    expect(await count('ledger_entries')).toBe(before + 3);
  });

  it('appointments: local times in the practice zone; a missing column rejects the file at row 1', async () => {
    const bad = await upload('appointments', 'external_ref,account_number,starts_at,provider\nA-1,IMP-1,2026-12-01 09:30,Paul Torres\n');
    expect(bad.row.status).toBe('rejected');
    expect(bad.row.errors).toEqual([{ row: 1, field: 'location', problem: 'missing column location' }]);
    const before = await count('appointments');
    const ok = await upload('appointments', 'external_ref,account_number,starts_at,provider,location,status\nA-1,IMP-1,2026-12-01 09:30,Paul Torres,Riverside Main Clinic,\nA-2,IMP-2,2026-12-02T10:00:00-06:00,Paul Torres,Riverside Main Clinic,cancelled\n');
    expect(ok.row).toMatchObject({ status: 'committed', inserted_rows: 2 });
    expect(await count('appointments')).toBe(before + 2);
    const a1 = await t.db.selectFrom('appointments').selectAll().where('external_ref', '=', 'A-1').executeTakeFirstOrThrow();
    expect(a1.starts_at.toISOString()).toBe('2026-12-01T15:30:00.000Z');
    expect(a1.status).toBe('scheduled');
  });

  it('imports are per practice: Summit cannot see Riverside’s import or its report', async () => {
    const imp = await t.db.selectFrom('imports').select('id').orderBy('id').executeTakeFirstOrThrow();
    const summit = await t.as('admin@summit.example');
    expect((await summit.get(`/patients/import/${imp.id}`)).status).toBe(404);
    expect((await summit.get(`/patients/import/${imp.id}/report.csv`)).status).toBe(404);
  });

  it('a file of several stored slices, a character split across the first boundary, is read whole', async () => {
    // The upload is stored, and read back, in parts of 1 MB (storeUpload and uploadSlices in
    // src/imports/imports.ts). Padding (trimmed from unquoted fields) puts the two bytes of "é" on
    // either side of byte 1,048,576 and the third row past the second part.
    const header = 'Account Number,First Name,Last Name,Date of Birth,Mobile Phone,Email,Statement Delivery\n';
    const tail = ',1980-01-01,,,\n';
    const pad = 1_048_575 - Buffer.byteLength(header + 'BIG-1,Ana,Lopez' + tail + 'BIG-2,Zo');
    const csv = header + 'BIG-1,Ana,Lopez' + ' '.repeat(pad) + tail + 'BIG-2,Zoé,Martín,1975-05-06,,,\n' + 'BIG-3,Bo,Ng' + ' '.repeat(1_100_000) + ',1990-02-03,,,\n';
    expect(Buffer.from(csv).subarray(1_048_575, 1_048_577).toString()).toBe('é');
    const done = await upload('patients', csv, 'big.csv');
    expect(done.row).toMatchObject({ status: 'committed', inserted_rows: 3, rejected_rows: 0 });
    const rows = await t.db.selectFrom('patients').select(['account_number', 'first_name', 'last_name', 'date_of_birth']).where('account_number', 'like', 'BIG-%').orderBy('account_number').execute();
    expect(rows).toEqual([
      { account_number: 'BIG-1', first_name: 'Ana', last_name: 'Lopez', date_of_birth: '1980-01-01' },
      { account_number: 'BIG-2', first_name: 'Zoé', last_name: 'Martín', date_of_birth: '1975-05-06' },
      { account_number: 'BIG-3', first_name: 'Bo', last_name: 'Ng', date_of_birth: '1990-02-03' },
    ]);
    expect(await t.db.selectFrom('import_uploads').select('import_id').where('import_id', '=', done.id).execute()).toEqual([]);
  });

  it('a form without a file re-renders with 422', async () => {
    const form = new FormData();
    form.set('kind', 'patients');
    const res = await admin.post('/patients/import', form);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose a CSV file to upload.');
  });
});
