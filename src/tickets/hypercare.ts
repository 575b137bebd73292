import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { ownPractice, type Actor } from '../auth/permissions.ts';

// Hypercare (docs/rules.md "Hypercare"): the first days after a practice goes live, counted in the
// practice's time zone. One rule in SQL, used by the create form's notice and the console's queues.

/** In hypercare: today, in the practice's time zone, is on or after go-live and before go-live + hypercare days. */
export function hypercareSql(now: Date) {
  const today = sql`(${now}::timestamptz at time zone practices.time_zone)::date`;
  // Every time zone's today is within a day of UTC's: a practice whose window misses those three days
  // is out without converting the time in its zone (the console lists all practices on each queue page).
  // UTC's date is computed here, once: as `now at time zone 'UTC'` it was converted on every row (with
  // the name index, the 1,000-practice list went from 1.4 ms to 0.9–1.3 ms in EXPLAIN on the bench).
  const utcToday = sql`${now.toISOString().slice(0, 10)}::date`;
  return sql<boolean>`(case when practices.go_live_on <= ${utcToday} + 1 and practices.go_live_on + practices.hypercare_days > ${utcToday} - 1
    then practices.go_live_on <= ${today} and practices.go_live_on + practices.hypercare_days > ${today} else false end)`;
}

/** The actor's practice's hypercare window if today is inside it: who to ask, and the first day after it. */
export async function findHypercare(db: Database, actor: Actor, now: Date): Promise<{ accountManager: string | null; endsOn: string } | null> {
  const row = await ownPractice(db, actor)
    .leftJoin('users', 'users.id', 'practices.account_manager_id')
    .select(['users.name as account_manager', sql<string>`to_char(practices.go_live_on + practices.hypercare_days, 'YYYY-MM-DD')`.as('ends_on')])
    .where(hypercareSql(now))
    .executeTakeFirst();
  return row ? { accountManager: row.account_manager, endsOn: row.ends_on } : null;
}
