import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';
import type { Channel } from '../db/schema.ts';
import { consentWording } from '../engagement/subscriptions.ts';

const DAY = 86_400_000;

/**
 * Balances worth looking at on the Patients page, and patients in each state the balance alert run
 * distinguishes: due now by text or email, stopped (charge older than 60 days), paid off, and a
 * number opted out by STOP. The first run of the 'balance-alerts' job queues exactly the due ones.
 */
export async function seedPatientsDemo(db: Database, now: Date, world: DemoWorld): Promise<void> {
  const frontDesk = world.users['frontdesk@riverside.example'];
  const practice = await db.selectFrom('practices').select(['id', 'name']).where('id', '=', world.riverside).executeTakeFirstOrThrow();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);

  const post = async (key: string, kind: 'responsibility' | 'payment' | 'adjustment', cents: number, daysAgo: number, note: string, byDesk = false) => {
    const patientId = world.patients[key];
    if (!patientId) return;
    const kase = await db.selectFrom('cases').select(['id', 'practice_id']).where('patient_id', '=', patientId).orderBy('opened_on', 'desc').executeTakeFirst();
    if (!kase) return;
    await db
      .insertInto('ledger_entries')
      .values({
        practice_id: kase.practice_id, patient_id: patientId, case_id: kase.id, kind, amount_cents: cents, posted_at: ago(daysAgo), note,
        source: byDesk ? 'desk' : 'demo', created_by_user_id: byDesk ? frontDesk : null, created_at: ago(daysAgo),
      })
      .execute();
  };
  const subscribe = async (key: string, channel: Channel, daysAgo: number) => {
    const patientId = world.patients[key];
    if (!patientId) return;
    const p = await db.selectFrom('patients').select(['practice_id', 'mobile_phone', 'email']).where('id', '=', patientId).executeTakeFirstOrThrow();
    const address = channel === 'sms' ? p.mobile_phone : p.email;
    await db
      .insertInto('subscriptions')
      .values({ practice_id: p.practice_id, patient_id: patientId, kind: 'balance_alert', channel, subscribed: true, updated_at: ago(daysAgo), updated_by_user_id: frontDesk })
      .onConflict((oc) => oc.columns(['patient_id', 'kind', 'channel']).doNothing())
      .execute();
    await db
      .insertInto('consent_events')
      .values({
        practice_id: p.practice_id, patient_id: patientId, kind: 'balance_alert', channel, subscribed: true, address,
        wording: consentWording('balance_alert', channel, practice.name, address, true), actor_kind: 'staff', actor_user_id: frontDesk,
        source: 'engagement_screen', at: ago(daysAgo),
      })
      .execute();
  };

  // Due now: a recent responsibility, a balance, subscribed.
  await post('riverside-1006', 'responsibility', 6_000, 8, 'Visit coinsurance', true);
  await subscribe('riverside-1006', 'email', 8);
  await post('riverside-1007', 'responsibility', 24_000, 20, 'Evaluation coinsurance');
  await post('riverside-1007', 'payment', 4_000, 10, 'Paid at the desk', true);
  await subscribe('riverside-1007', 'sms', 20);
  // Alerts stopped: the last responsibility is older than 60 days, though $150 is still owed.
  await post('riverside-1012', 'responsibility', 15_000, 90, 'Visit coinsurance');
  await subscribe('riverside-1012', 'sms', 90);
  // Paid off: nothing to alert about.
  await post('riverside-1010', 'responsibility', 8_000, 12, 'Visit copay');
  await post('riverside-1010', 'payment', 8_000, 6, 'Paid at the desk', true);
  await subscribe('riverside-1010', 'email', 12);
  // Subscribed by text, but the number replied STOP: no text goes.
  await post('riverside-1009', 'responsibility', 4_500, 3, 'Visit copay');
  await subscribe('riverside-1009', 'sms', 3);
  const optedOut = world.patients['riverside-1009'];
  if (optedOut) {
    const p = await db.selectFrom('patients').select('mobile_phone').where('id', '=', optedOut).executeTakeFirstOrThrow();
    if (p.mobile_phone) {
      await db.insertInto('sms_opt_outs').values({ practice_id: practice.id, phone: p.mobile_phone, opted_out_at: ago(2) }).onConflict((oc) => oc.doNothing()).execute();
    }
  }
}
