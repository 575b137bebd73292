import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { ownPractice, type Actor } from '../auth/permissions.ts';

// Hypercare (docs/rules.md "Hypercare"): the first days after a practice goes live, counted in the
// practice's time zone. One rule in SQL, used by the create form's notice and the console's queues.

/** In hypercare: today, in the practice's time zone, is on or after go-live and before go-live + hypercare days. */
export function hypercareSql(now: Date) {
  const today = sql`(${now}::timestamptz at time zone practices.time_zone)::date`;
  // Every time zone's today is within a day of UTC's (UTC-12 to UTC+14), so only a practice whose
  // window starts or ends within those three days needs the time converted in its zone: a window that
  // holds all three is in, one that misses them is out. The conversion was the cost (on the bench,
  // 180 of 1,000 practices in hypercare: 1.9 ms of each console queue page in EXPLAIN, and 8 ms against
  // 0.6 ms from psql). UTC's date is computed here, once: as `now at time zone 'UTC'` it was
  // converted on every row.
  const utcToday = sql`${now.toISOString().slice(0, 10)}::date`;
  return sql<boolean>`(case
    when practices.go_live_on <= ${utcToday} - 1 and practices.go_live_on + practices.hypercare_days > ${utcToday} + 1 then true
    when practices.go_live_on <= ${utcToday} + 1 and practices.go_live_on + practices.hypercare_days > ${utcToday} - 1
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
