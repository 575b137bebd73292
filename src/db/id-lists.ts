import { sql, type RawBuilder } from 'kysely';

/**
 * A list of row ids as one `bigint[]` parameter, for `= any(…)` and `<> all(…)`. An `in (…)` list
 * sends one parameter per id, so its statement's text changes with the list's length, and past 64
 * parameters it is not kept prepared (src/db/database.ts) and is planned on every execution: an
 * account manager's 100 practices cost the console's queue page ~1.2 ms of planning per query.
 */
export function idArray(ids: readonly number[]): RawBuilder<number[]> {
  return sql<number[]>`${sql.val(ids)}::bigint[]`;
}

/** `column = any($1::bigint[])`: the row's id is one of these (false for none). */
export function inIds(column: string, ids: readonly number[]) {
  return sql<boolean>`${sql.ref(column)} = any(${idArray(ids)})`;
}

/** `column <> all($1::bigint[])`: the row's id is none of these (true for none). */
export function notInIds(column: string, ids: readonly number[]) {
  return sql<boolean>`${sql.ref(column)} <> all(${idArray(ids)})`;
}
