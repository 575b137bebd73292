import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Two warnings before a response deadline (docs/rules.md, "Deadline warnings"): the first at 4 hours
// (half-way for shorter windows), recorded in overdue_warning_sent_at as before, and the last one
// hour before, recorded here. Both start afresh when a new deadline is set.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table tickets add column final_warning_sent_at timestamptz;
`);
}
