import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Every signed-in request of a vendor user reads the practices they manage (src/web/context.ts, and
// the console's queue scope); without an index each read scanned every practice (1,000 on the bench,
// three times per queue page).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index practices_account_manager_idx on practices (account_manager_id) where account_manager_id is not null;
`);
}
