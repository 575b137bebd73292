import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type Client, type TestContext } from '../support/context.ts';

// Where a patient's preferred language comes from (docs/rules.md, Language): the staff form's
// field (a bad value refused at the field with 422) and the patient import's optional "Preferred
// Language" column (English/Spanish/en/es; anything else rejects its row).

let t: TestContext;
let admin: Client;

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.as('admin@riverside.example');
});
afterAll(() => t.close());

const patient = (account: string) => t.db.selectFrom('patients').select(['id', 'preferred_language']).where('account_number', '=', account).executeTakeFirstOrThrow();

async function upload(csv: string) {
  const form = new FormData();
  form.set('kind', 'patients');
  form.set('file', new File([csv], 'patients.csv', { type: 'text/csv' }));
  const res = await admin.post('/patients/import', form);
  expect(res.status).toBe(303);
  const id = Number(res.location!.match(/\/patients\/import\/(\d+)/)![1]);
  for (let i = 0; i < 200; i++) {
    const row = await t.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    if (!['validating', 'saving'].includes(row.status)) return { id, row };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('import did not finish');
}

describe('preferred language', () => {
  it('staff set it on Patient Info; anything but English or Spanish is refused at the field', async () => {
    const { id } = await patient('R-1004');
    expect((await patient('R-1004')).preferred_language).toBe('en');
    const desk = await t.as('frontdesk@riverside.example');
    const edit = await desk.get(`/patients/${id}/edit`);
    expect(edit.text).toMatch(/<select[^>]*name="preferred_language"/);
    const form = {
      first_name: 'James', last_name: 'Carter', date_of_birth: '1975-09-30', status: 'active', mobile_phone: '', email: 'jc@example.com',
      address_line1: '', address_line2: '', city: '', state: '', postal_code: '',
      alt_address_line1: '', alt_address_line2: '', alt_city: '', alt_state: '', alt_postal_code: '', statement_delivery: 'mail',
    };
    const bad = await desk.post(`/patients/${id}`, { ...form, preferred_language: 'fr' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose English or Spanish.');
    expect(bad.text).toMatch(/name="preferred_language"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="preferred_language"/);
    expect((await patient('R-1004')).preferred_language).toBe('en');

    expect((await desk.post(`/patients/${id}`, { ...form, preferred_language: 'es' })).status).toBe(303);
    expect((await patient('R-1004')).preferred_language).toBe('es');
    expect((await desk.get(`/patients/${id}`)).text).toContain('Spanish (Español)');
    // A form without the field (an older page) keeps the language on file.
    expect((await desk.post(`/patients/${id}`, { ...form, first_name: 'Jim' })).status).toBe(303);
    expect((await patient('R-1004')).preferred_language).toBe('es');
  });

  it('imports take an optional Preferred Language column: English, Spanish, en, es or blank', async () => {
    const template = await admin.get('/patients/import/templates/patients.csv');
    expect(template.text.trim().split(',')).toContain('preferred_language');
    const ok = await upload(
      [
        'Account Number,First Name,Last Name,Date of Birth,Preferred Language',
        'LANG-1,Lucía,Prueba,1986-03-14,Spanish',
        'LANG-2,José,Prueba,11/05/1972,es',
        'LANG-3,Ann,Test,1970-01-01,English',
        'LANG-4,Bo,Test,1970-01-02,EN',
        'LANG-5,Cy,Test,1970-01-03,',
      ].join('\n'),
    );
    expect(ok.row).toMatchObject({ status: 'committed', inserted_rows: 5, rejected_rows: 0 });
    expect((await Promise.all(['LANG-1', 'LANG-2', 'LANG-3', 'LANG-4', 'LANG-5'].map(patient))).map((p) => p.preferred_language)).toEqual(['es', 'es', 'en', 'en', 'en']);
  });

  it('a row with another language is rejected, with the row and column in the report, and nothing is saved', async () => {
    const res = await upload(['Account Number,First Name,Last Name,Date of Birth,Preferred Language', 'LANG-6,Di,Test,1970-01-04,es', 'LANG-7,Ed,Test,1970-01-05,French', 'LANG-8,Flo,Test,1970-01-06,constructor'].join('\n'));
    expect(res.row).toMatchObject({ status: 'rejected', rejected_rows: 2 });
    const report = await admin.get(`/patients/import/${res.id}/report.csv`);
    expect(report.text).toContain('3,preferred_language,preferred language must be English or Spanish (en or es)');
    expect(report.text).toContain('4,preferred_language,');
    expect(await t.db.selectFrom('patients').select('id').where('account_number', 'in', ['LANG-6', 'LANG-7', 'LANG-8']).execute()).toEqual([]);
  });
});
