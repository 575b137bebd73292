import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Scheduled messages written set-based (docs/rules.md, Delivery): a row may hold a template key and
// its parameters instead of finished words. The dispatcher renders it, in TypeScript, when the
// message first leaves and stores the words then; until that moment body is null.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table outbox_messages add column template text;
alter table outbox_messages add column template_params jsonb;
alter table outbox_messages alter column body drop not null;
alter table outbox_messages add constraint outbox_messages_words_check check (body is not null or template is not null);
`);
}
