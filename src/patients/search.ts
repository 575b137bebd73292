import type { DB } from '../db/schema.ts';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import { assertCan, practicePatients, type Actor } from '../auth/permissions.ts';
import { escapeLike } from '../db/like.ts';
import { parseDateOfBirth } from './date-of-birth.ts';

/** One patient account as a picker shows it: enough to tell a person's several accounts apart. */
export type PatientMatch = {
  id: number;
  account_number: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  status: 'active' | 'inactive';
  latest_case: string | null;
};

export const PATIENT_SEARCH_MAX = 50;

/**
 * The practice's patient accounts matching `q`: by name (prefix, substring or a small typo, through
 * the trigram index), account number (prefix) or date of birth (YYYY-MM-DD or MM/DD/YYYY).
 * Active accounts only unless `includeInactive` ("Show All"). An empty query lists accounts by name.
 */
export async function searchPatients(
  db: Database,
  actor: Actor,
  q: string,
  options: { includeInactive?: boolean; limit?: number } = {},
): Promise<PatientMatch[]> {
  assertCan(actor, 'patients.view');
  const limit = Math.min(Math.max(options.limit ?? 20, 1), PATIENT_SEARCH_MAX);
  const term = normalise(q);
  const dob = parseDateOfBirth(term);
  const nameExpr = sql<string>`lower(patients.first_name || ' ' || patients.last_name)`;
  let query = practicePatients(db, actor)
    .select([
      'patients.id',
      'patients.account_number',
      'patients.first_name',
      'patients.last_name',
      'patients.date_of_birth',
      'patients.status',
      latestCaseTitle,
    ]);
  if (!options.includeInactive) query = query.where('patients.status', '=', 'active');
  if (term) {
    const like = `%${escapeLike(term)}%`;
    const prefix = `${escapeLike(term)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(nameExpr, 'like', like),
        eb(sql<string>`lower(patients.last_name || ', ' || patients.first_name)`, 'like', prefix),
        eb(sql<boolean>`${term} <% ${nameExpr}`, '=', true),
        eb(sql<string>`lower(patients.account_number)`, 'like', prefix),
        ...(dob ? [eb('patients.date_of_birth', '=', dob)] : []),
      ]),
    );
    query = query
      .orderBy(sql`case when lower(patients.account_number) = ${term} then 0 when ${nameExpr} like ${prefix} or lower(patients.last_name) like ${prefix} then 1 else 2 end`)
      .orderBy(sql`word_similarity(${term}, ${nameExpr})`, 'desc');
  }
  const rows = await query
    .orderBy('patients.last_name')
    .orderBy('patients.first_name')
    .orderBy('patients.date_of_birth')
    .orderBy('patients.id')
    .limit(limit)
    .execute();
  return rows as PatientMatch[];
}

/** One account of this actor's practice, or undefined: how a chosen patient id is checked. */
export async function findPracticePatient(db: Database, actor: Actor, id: number): Promise<PatientMatch | undefined> {
  const row = await practicePatients(db, actor)
    .select(['id', 'account_number', 'first_name', 'last_name', 'date_of_birth', 'status'])
    .select(latestCaseTitle)
    .where('id', '=', id)
    .executeTakeFirst();
  return row as PatientMatch | undefined;
}


function normalise(q: string): string {
  return q.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 100);
}



/** The title of an account's most recent case: how staff tell a person's several accounts apart. */
export function latestCaseTitle(eb: ExpressionBuilder<DB, 'patients'>) {
  return eb
    .selectFrom('cases')
    .select('cases.title')
    .whereRef('cases.patient_id', '=', 'patients.id')
    .orderBy('cases.opened_on', 'desc')
    .orderBy('cases.id', 'desc')
    .limit(1)
    .as('latest_case');
}
