import type { TestContext } from '../support/context.ts';
import type { BalanceAlertFrequency, Channel } from '../../src/db/schema.ts';

// A patient of Riverside built for one test, with a case, so the demo world's patients do not interfere.

let counter = 0;

export async function riversideId(t: TestContext): Promise<number> {
  const row = await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow();
  return row.id;
}

export async function makePatient(t: TestContext, o: { practiceId?: number; phone?: string | null; email?: string | null; id?: number } = {}) {
  const practiceId = o.practiceId ?? (await riversideId(t));
  counter++;
  const patient = await t.db
    .insertInto('patients')
    .values({
      ...(o.id === undefined ? {} : { id: o.id }),
      practice_id: practiceId,
      account_number: `T-${process.pid}-${counter}`,
      first_name: 'Test',
      last_name: `Patient${counter}`,
      date_of_birth: '1970-01-0' + ((counter % 9) + 1),
      mobile_phone: o.phone === undefined ? `+1555019${String(1000 + counter).slice(-4)}` : o.phone,
      email: o.email === undefined ? `test${counter}@example.org` : o.email,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const kase = await t.db
    .insertInto('cases')
    .values({ practice_id: practiceId, patient_id: patient.id, title: 'Test case', opened_on: '2026-11-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { practiceId, patientId: patient.id, caseId: kase.id };
}

/** A ledger entry for the patient's case, posted now or at `at`. */
export async function post(t: TestContext, p: { practiceId: number; patientId: number; caseId: number }, kind: 'responsibility' | 'payment' | 'adjustment', cents: number, at: Date = t.clock.now()) {
  await t.db
    .insertInto('ledger_entries')
    .values({ practice_id: p.practiceId, patient_id: p.patientId, case_id: p.caseId, kind, amount_cents: cents, posted_at: at, source: 'test' })
    .execute();
}

export async function subscribe(t: TestContext, p: { practiceId: number; patientId: number }, channel: Channel, subscribed = true) {
  await t.db
    .insertInto('subscriptions')
    .values({ practice_id: p.practiceId, patient_id: p.patientId, kind: 'balance_alert', channel, subscribed, updated_at: t.clock.now() })
    .onConflict((oc) => oc.columns(['patient_id', 'kind', 'channel']).doUpdateSet({ subscribed }))
    .execute();
}

export async function setFrequency(t: TestContext, practiceId: number, f: BalanceAlertFrequency) {
  await t.db.updateTable('practices').set({ balance_alert_frequency: f }).where('id', '=', practiceId).execute();
}

/** The UTC dates on which balance alerts were queued for a patient, per channel. */
export async function alertDates(t: TestContext, patientId: number, channel: Channel): Promise<string[]> {
  const rows = await t.db
    .selectFrom('outbox_messages')
    .select('created_at')
    .where('patient_id', '=', patientId)
    .where('kind', '=', 'balance_alert')
    .where('channel', '=', channel)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => r.created_at.toISOString().slice(0, 10));
}
