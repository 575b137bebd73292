import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { findVendorThread } from './threads.ts';

// The linked patient account, read-only, for the vendor's team: only from a thread they can work,
// and every open is written to the audit trail (who, when, which account, from which thread).

export async function openLinkedPatientSummary(db: Database, actor: Actor, ticketId: number, now: Date, ip: string | null) {
  const thread = await findVendorThread(db, actor, ticketId, now);
  if (!thread.patient_id) throw new NotFound();
  const patient = await db
    .selectFrom('patients')
    .select([
      'id', 'account_number', 'first_name', 'last_name', 'date_of_birth', 'status', 'mobile_phone', 'email',
      'address_line1', 'address_line2', 'city', 'state', 'postal_code',
      'alt_address_line1', 'alt_address_line2', 'alt_city', 'alt_state', 'alt_postal_code', 'statement_delivery',
    ])
    .where('id', '=', thread.patient_id)
    .where('practice_id', '=', thread.practice_id)
    .executeTakeFirst();
  if (!patient) throw new NotFound();
  const [cases, subscriptions] = await Promise.all([
    db
      .selectFrom('cases')
      .leftJoin('ledger_entries', (j) => j.onRef('ledger_entries.case_id', '=', 'cases.id').onRef('ledger_entries.practice_id', '=', 'cases.practice_id'))
      .select([
        'cases.id',
        'cases.title',
        'cases.opened_on',
        'cases.closed_on',
        sql<number>`coalesce(sum(case when ledger_entries.kind in ('responsibility', 'refund') then ledger_entries.amount_cents else -ledger_entries.amount_cents end), 0)`.as('balance_cents'),
      ])
      .where('cases.patient_id', '=', patient.id)
      .where('cases.practice_id', '=', thread.practice_id)
      .groupBy('cases.id')
      .orderBy('cases.opened_on', 'desc')
      .execute(),
    db
      .selectFrom('subscriptions')
      .select(['kind', 'channel', 'subscribed', 'updated_at'])
      .where('patient_id', '=', patient.id)
      .where('practice_id', '=', thread.practice_id)
      .orderBy('kind')
      .orderBy('channel')
      .execute(),
  ]);
  await recordAudit(db, {
    at: now,
    actor,
    action: 'vendor.patient_summary.viewed',
    practiceId: thread.practice_id,
    recordType: 'patient',
    recordId: patient.id,
    ip,
    details: { ticketId: thread.id },
  });
  const casesWithBalance = cases.map((c) => ({ ...c, balance_cents: Number(c.balance_cents) }));
  return {
    thread,
    patient,
    cases: casesWithBalance,
    balanceCents: casesWithBalance.reduce((sum, c) => sum + c.balance_cents, 0),
    subscriptions,
  };
}
