import { latestCaseTitle } from './search.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Patient } from '../db/schema.ts';
import { can, practicePatients, type Actor, findPatient } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { normalizeEmail, normalizePhone } from '../messaging/phone.ts';
import { patientLedger, type PatientLedger } from '../ledger/ledger.ts';
import { escapeLike } from '../db/like.ts';
import { parseDateOfBirth } from './date-of-birth.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { answerStateOf } from '../reminders/day-list.ts';
import type { ReminderAnswerState } from '../reminders/labels.ts';
import { paymentActions, type PaymentActions } from '../payments/refunds.ts';

// Patient accounts: the Patients page's search and the account page. Every query is scoped to the
// actor's practice, so another practice's patient id answers 404.

export const PATIENTS_PAGE_SIZE = 25;

export type PatientListRow = {
  id: number;
  account_number: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  status: 'active' | 'inactive';
  balance_cents: number;
  latest_case: string | null;
};

export type PatientListQuery = { q?: string; showAll?: boolean; page?: number };

/** The Patients page: active accounts by default, searched by name, date of birth or account number. */
export async function listPatients(db: Database, actor: Actor, query: PatientListQuery): Promise<{ rows: PatientListRow[]; hasNext: boolean; page: number }> {
  const page = query.page ?? 1;
  let qb = practicePatients(db, actor);
  if (!query.showAll) qb = qb.where('patients.status', '=', 'active');
  const q = (query.q ?? '').trim();
  if (q) {
    const dob = parseDateOfBirth(q);
    qb = qb.where((eb) => {
      const ors = [eb('patients.account_number', 'ilike', `${escapeLike(q)}%`)];
      if (dob) ors.push(eb('patients.date_of_birth', '=', dob));
      const tokens = q.toLowerCase().split(/[\s,]+/).filter(Boolean);
      if (tokens.length && !dob) {
        ors.push(eb.and(tokens.map((t) => eb(sql`lower(patients.first_name || ' ' || patients.last_name)`, 'like', `%${escapeLike(t)}%`))));
      }
      return eb.or(ors);
    });
  }
  const rows = await qb
    .select([
      'patients.id',
      'patients.account_number',
      'patients.first_name',
      'patients.last_name',
      'patients.date_of_birth',
      'patients.status',
      'patients.balance_cents',
      latestCaseTitle,
    ])
    .orderBy('patients.last_name')
    .orderBy('patients.first_name')
    .orderBy('patients.account_number')
    .limit(PATIENTS_PAGE_SIZE + 1)
    .offset((page - 1) * PATIENTS_PAGE_SIZE)
    .execute();
  return {
    rows: rows.slice(0, PATIENTS_PAGE_SIZE).map((r) => ({ ...r, balance_cents: Number(r.balance_cents ?? 0) })),
    hasNext: rows.length > PATIENTS_PAGE_SIZE,
    page,
  };
}

export type AppointmentRow = { id: number; starts_at: Date; provider_name: string; location: string; status: string; answer: ReminderAnswerState };

export type PatientAccount = {
  patient: Patient;
  ledger: PatientLedger;
  appointments: AppointmentRow[];
  cases: { id: number; title: string; closed_on: string | null }[];
  /** Refund links and payments held for review, for those who may act on them. */
  payments: PaymentActions;
};

/** The account page's data; the view is audit-logged as a PHI access. */
export async function viewPatientAccount(db: Database, actor: Actor, id: number, now: Date, ip: string | null): Promise<PatientAccount> {
  const patient = await findPatient(db, actor, id);
  const [ledger, appointments] = await Promise.all([
    patientLedger(db, patient.practice_id, patient.id),
    db
      .selectFrom('appointments as a')
      .select(['a.id', 'a.starts_at', 'a.provider_name', 'a.location', 'a.status'])
      .select(answerStateOf('a').as('answer'))
      .where('a.practice_id', '=', patient.practice_id)
      .where('a.patient_id', '=', patient.id)
      .orderBy('a.starts_at', 'desc')
      .limit(50)
      .execute(),
  ]);
  const payments = can(actor, 'payments.refund') ? await paymentActions(db, actor, patient.id) : { refundable: [], held: [] };
  await recordAudit(db, { at: now, actor, action: 'patient.viewed', recordType: 'patient', recordId: patient.id, ip });
  return { patient, ledger, appointments, cases: ledger.cases.map((c) => ({ id: c.id, title: c.title, closed_on: c.closed_on })), payments };
}

const optional = (max: number, message = `Use at most ${max} characters.`) => z.string().trim().max(max, message).optional().default('');

const patientInfoSchema = z.object({
  first_name: z.string().trim().min(1, 'Enter a first name.').max(100, 'Use at most 100 characters.'),
  last_name: z.string().trim().min(1, 'Enter a last name.').max(100, 'Use at most 100 characters.'),
  date_of_birth: z.string().trim().min(1, 'Enter the date of birth.'),
  status: z.enum(['active', 'inactive'], { error: 'Choose a status.' }),
  mobile_phone: optional(40),
  email: optional(254),
  address_line1: optional(200),
  address_line2: optional(200),
  city: optional(100),
  state: optional(2, 'Use the two-letter state code.'),
  postal_code: optional(10),
  alt_address_line1: optional(200),
  alt_address_line2: optional(200),
  alt_city: optional(100),
  alt_state: optional(2, 'Use the two-letter state code.'),
  alt_postal_code: optional(10),
  statement_delivery: z.enum(['mail', 'electronic'], { error: 'Choose how statements are delivered.' }),
  // A form without the field keeps the language on file.
  preferred_language: z.enum(['en', 'es'], { error: 'Choose English or Spanish.' }).optional(),
});

export type PatientInfoInput = Record<string, string | undefined>;
export type PatientInfoResult = { ok: true } | { ok: false; errors: Record<string, string> };

/** Edits Patient Info. Phones are stored as E.164, emails lower-cased, blanks as null. */
export async function updatePatientInfo(db: Database, actor: Actor, id: number, input: PatientInfoInput, now: Date): Promise<PatientInfoResult> {
  const existing = await findPatient(db, actor, id);
  const parsed = patientInfoSchema.safeParse(input);
  const errors: Record<string, string> = {};
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  const dob = parseDateOfBirth(v.date_of_birth);
  if (!dob) errors.date_of_birth = 'Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY.';
  else if (dob > now.toISOString().slice(0, 10) || dob < '1900-01-01') errors.date_of_birth = 'Enter a date of birth between 1900 and today.';
  const phone = normalizePhone(v.mobile_phone);
  if (v.mobile_phone && !phone) errors.mobile_phone = 'Enter a mobile number such as (555) 010-0123.';
  const email = normalizeEmail(v.email);
  if (v.email && !email) errors.email = 'Enter a valid email address, such as name@example.com.';
  if (v.statement_delivery === 'electronic' && !email && !errors.email) errors.email = 'Electronic statements need an email address.';
  for (const prefix of ['', 'alt_'] as const) {
    const state = v[`${prefix}state`];
    if (state && !/^[A-Za-z]{2}$/.test(state)) errors[`${prefix}state`] = 'Use the two-letter state code.';
    const zip = v[`${prefix}postal_code`];
    if (zip && !/^\d{5}(-?\d{4})?$/.test(zip)) errors[`${prefix}postal_code`] = 'Enter a ZIP code such as 62701 or 62701-1234.';
  }
  const altGiven = [v.alt_address_line1, v.alt_address_line2, v.alt_city, v.alt_state, v.alt_postal_code].some(Boolean);
  if (altGiven) {
    if (!v.alt_address_line1) errors.alt_address_line1 ??= 'Enter the street address, or clear the alternate statement address.';
    if (!v.alt_city) errors.alt_city ??= 'Enter the city.';
    if (!v.alt_state) errors.alt_state ??= 'Enter the state.';
    if (!v.alt_postal_code) errors.alt_postal_code ??= 'Enter the ZIP code.';
  }
  if (Object.keys(errors).length || !dob) return { ok: false, errors };
  const blank = (s: string) => s || null;
  const values = {
    first_name: v.first_name,
    last_name: v.last_name,
    date_of_birth: dob,
    status: v.status,
    mobile_phone: phone,
    email,
    address_line1: blank(v.address_line1),
    address_line2: blank(v.address_line2),
    city: blank(v.city),
    state: blank(v.state.toUpperCase()),
    postal_code: blank(v.postal_code),
    alt_address_line1: blank(v.alt_address_line1),
    alt_address_line2: blank(v.alt_address_line2),
    alt_city: blank(v.alt_city),
    alt_state: blank(v.alt_state.toUpperCase()),
    alt_postal_code: blank(v.alt_postal_code),
    statement_delivery: v.statement_delivery,
    preferred_language: v.preferred_language ?? existing.preferred_language,
  };
  const changed = (Object.keys(values) as (keyof typeof values)[]).filter((k) => String(existing[k] ?? '') !== String(values[k] ?? ''));
  if (!changed.length) return { ok: true };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('patients')
      .set({ ...values, updated_at: now })
      .where('id', '=', existing.id)
      .where('practice_id', '=', existing.practice_id)
      .execute();
    // Field names only: the audit trail holds no PHI itself.
    await recordAudit(trx, { at: now, actor, action: 'patient.updated', recordType: 'patient', recordId: existing.id, details: { fields: changed } });
  });
  return { ok: true };
}


export { parseDateOfBirth } from './date-of-birth.ts';
