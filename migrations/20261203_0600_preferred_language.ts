import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The patient's language (docs/rules.md, "Language"; issue 15): every patient-facing text is
// rendered from the message catalogs in it. English until staff or an import says otherwise.

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table patients add column preferred_language text not null default 'en'
  constraint patients_preferred_language_check check (preferred_language in ('en', 'es'));

create index outbox_sms_last_patient_text_idx on outbox_messages (recipient, sent_at desc)
  where channel = 'sms' and kind in ('appointment_reminder', 'balance_alert');
`);
}
