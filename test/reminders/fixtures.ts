import type { Database } from '../../src/db/database.ts';

// Small, explicit rows for the engagement tools' tests: a practice in a chosen zone, patients with
// or without contacts, appointments and ledger rows.

let seq = 0;

export async function makePractice(db: Database, o: { name?: string; timeZone?: string; leadHours?: 24 | 48 | 72; phone?: string } = {}) {
  const row = await db
    .insertInto('practices')
    .values({
      name: o.name ?? `Test Practice ${++seq}`,
      phone: o.phone ?? '(555) 010-9000',
      time_zone: o.timeZone ?? 'America/Chicago',
      go_live_on: '2026-01-01',
      reminder_lead_hours: o.leadHours ?? 24,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeStaff(db: Database, practiceId: number, o: { email: string; role: 1 | 2 | 3 | 4 | 5; reporting?: boolean }) {
  const row = await db
    .insertInto('users')
    .values({ kind: 'staff', practice_id: practiceId, email: o.email, name: o.email.split('@')[0], role: o.role, reporting: !!o.reporting })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type PatientOptions = {
  first?: string;
  last?: string;
  phone?: string | null;
  email?: string | null;
  status?: 'active' | 'inactive';
  delivery?: 'mail' | 'electronic';
  address?: boolean;
  alt?: boolean;
};

export async function makePatient(db: Database, practiceId: number, o: PatientOptions = {}) {
  const n = ++seq;
  const row = await db
    .insertInto('patients')
    .values({
      practice_id: practiceId,
      account_number: `T-${n}`,
      first_name: o.first ?? `First${n}`,
      last_name: o.last ?? `Last${n}`,
      date_of_birth: '1980-01-01',
      status: o.status ?? 'active',
      mobile_phone: o.phone === undefined ? `+1555020${String(n).padStart(4, '0')}` : o.phone,
      email: o.email === undefined ? `patient${n}@example.com` : o.email,
      address_line1: o.address === false ? null : `${n} Demographic Road`,
      city: o.address === false ? null : 'Springfield',
      state: o.address === false ? null : 'IL',
      postal_code: o.address === false ? null : '62701',
      alt_address_line1: o.alt ? `PO Box ${n}` : null,
      alt_city: o.alt ? 'Shelbyville' : null,
      alt_state: o.alt ? 'IL' : null,
      alt_postal_code: o.alt ? '62565' : null,
      statement_delivery: o.delivery ?? 'mail',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeAppointment(db: Database, practiceId: number, patientId: number, startsAt: string | Date, o: { status?: 'scheduled' | 'cancelled' | 'completed'; location?: string } = {}) {
  const row = await db
    .insertInto('appointments')
    .values({
      practice_id: practiceId,
      patient_id: patientId,
      starts_at: new Date(startsAt),
      provider_name: 'Pat Provider, DPT (pelvic health)',
      location: o.location ?? 'Main Clinic, 1 River Road',
      status: o.status ?? 'scheduled',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeCase(db: Database, practiceId: number, patientId: number, title = 'Left knee rehabilitation') {
  const row = await db
    .insertInto('cases')
    .values({ practice_id: practiceId, patient_id: patientId, title, opened_on: '2026-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function post(db: Database, practiceId: number, patientId: number, caseId: number, kind: 'responsibility' | 'payment' | 'adjustment', cents: number, at: string | Date, note: string = kind) {
  const row = await db
    .insertInto('ledger_entries')
    .values({ practice_id: practiceId, patient_id: patientId, case_id: caseId, kind, amount_cents: cents, posted_at: new Date(at), note })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function outboxFor(db: Database, kind: string) {
  return db.selectFrom('outbox_messages').selectAll().where('kind', '=', kind).orderBy('id').execute();
}
