import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Texts back are matched to patients by their mobile number (src/messaging/inbound.ts: STOP, START,
// HELP; src/reminders/replies.ts: the answer to any other text), and a STOP lifted sets back the
// balance-alert checks of the patients with that number (20261204_0100_balance_alert_next_check.ts).
// Without an index each of those read every account: 450 ms a text at a million patients. Whether a
// number texted STOP anywhere is asked by the number alone (inbound.ts, isOptedOut); the table's key
// starts with the practice.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index patients_mobile_phone_idx on patients (mobile_phone) where mobile_phone is not null;
create index sms_opt_outs_phone_idx on sms_opt_outs (phone);
`);
}
