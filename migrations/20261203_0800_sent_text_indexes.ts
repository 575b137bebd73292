import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The two "last text sent to this number" indexes (inbound C/R find the reminder; HELP/STOP/START
// find the patient's language) covered every queued text too, although both lookups read only sent
// ones. Each row the balance-alert and reminder runs queue paid for an entry that a later send
// replaced: at 355,000 queued alerts, half of them texts. Over sent texts only, a queued row skips
// both; the lookups say `sent_at is not null` so the planner can prove the predicate.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop index outbox_sms_reminders_idx;
create index outbox_sms_reminders_idx on outbox_messages (recipient, sent_at desc)
  where kind = 'appointment_reminder' and channel = 'sms' and sent_at is not null;
drop index outbox_sms_last_patient_text_idx;
create index outbox_sms_last_patient_text_idx on outbox_messages (recipient, sent_at desc)
  where channel = 'sms' and kind in ('appointment_reminder', 'balance_alert') and sent_at is not null;
`);
}
