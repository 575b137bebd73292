import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';

const DAY = 86_400_000;

/**
 * Online payments to look at in the demo: Amelia Taylor (R-1015) paid a visit online two weeks ago
 * (the ledger offers a Refund link to Practice Administrators), and a later portal payment of hers
 * was captured for less than she asked, so it waits in Settings → Credit Card Processing for an
 * administrator to post or refund. Refunds need Authorize.net set up (the demo has none, and says so).
 */
export async function seedPaymentsDemo(db: Database, now: Date, world: DemoWorld): Promise<void> {
  const patientId = world.patients['riverside-1015'];
  if (!patientId) return;
  const kase = await db.selectFrom('cases').select(['id', 'practice_id']).where('patient_id', '=', patientId).orderBy('opened_on', 'desc').executeTakeFirstOrThrow();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const base = { practice_id: kase.practice_id, patient_id: patientId, case_id: kase.id };
  await db.insertInto('ledger_entries').values({ ...base, kind: 'responsibility', amount_cents: 5_000, posted_at: ago(25), note: 'Visit copay', source: 'demo', created_at: ago(25) }).execute();
  const payment = await db
    .insertInto('ledger_entries')
    .values({ ...base, kind: 'payment', amount_cents: 5_000, posted_at: ago(15), external_ref: 'anet:40000000001', note: 'Paid online through the patient portal', source: 'portal', created_at: ago(15) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('payment_requests')
    .values({ ...base, ref_id: 'DEMO-PAID-1', amount_cents: 5_000, status: 'paid', trans_id: '40000000001', ledger_entry_id: payment.id, posted_via: 'webhook', created_at: ago(15), updated_at: ago(15), paid_at: ago(15) })
    .execute();
  await db
    .insertInto('payment_requests')
    .values({
      ...base, ref_id: 'DEMO-HELD-1', amount_cents: 3_000, status: 'review', trans_id: '40000000002',
      review_reason: 'Authorize.net captured $3.00 for a request of $30.00', created_at: ago(2), updated_at: ago(2),
    })
    .execute();
}
