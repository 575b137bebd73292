import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Issue 12. A portal link counts every wrong date of birth over its life and dies for good at the cap
// (disabled_at says when). An outbox row stores its text with a placeholder where a portal link's
// token goes; the token itself waits in portal_link_token, which staff pages never read, and is
// cleared once the message is sent or cancelled (src/messaging/portal-link-token.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table portal_links add column failed_total integer not null default 0;
alter table portal_links add column disabled_at timestamptz;
alter table outbox_messages add column portal_link_token text;
`);
}
