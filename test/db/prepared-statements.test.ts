import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { openPostgres, preparedStatementName, type OpenedDatabase } from '../../src/db/database.ts';

// On PostgreSQL, parameterised queries run as named prepared statements (planned once per
// connection), except table-shaped results (`select t.*`), which must survive a column added by a
// migration while the process runs.

describe('which queries are prepared', () => {
  it('names parameterised queries by their text; leaves scripts, long parameter lists and table-shaped results unnamed', () => {
    const q = 'select "id", "name" from "practices" where "id" = $1';
    expect(preparedStatementName(q, [1])).toMatch(/^s[\w-]{27}$/);
    expect(preparedStatementName(q, [2])).toBe(preparedStatementName(q, [1]));
    expect(preparedStatementName(q + ' limit $2', [1, 2])).not.toBe(preparedStatementName(q, [1]));
    expect(preparedStatementName('create index x on y (z)', [])).toBeNull();
    expect(preparedStatementName('select 1 where 1 = any($1)', Array.from({ length: 65 }, (_, i) => i))).toBeNull();
    expect(preparedStatementName('select "users".*, "sessions"."id" from "sessions" where "id" = $1', ['a'])).toBeNull();
    expect(preparedStatementName('select * from "practices" where "id" = $1', [1])).toBeNull();
    expect(preparedStatementName('insert into "x" ("a") values ($1) returning *', [1])).toBeNull();
    expect(preparedStatementName('select count(*) as "n" from "tickets" where "practice_id" = $1', [1])).not.toBeNull();
  });
});

describe.skipIf(!onPostgres)(`prepared statements on PostgreSQL ${POSTGRES_ONLY}`, () => {
  let t: TestContext;
  let one: OpenedDatabase;
  beforeAll(async () => {
    t = await createTestContext({ seed: false });
    one = await openPostgres(t.url!, 1); // one connection: every query below shares it
  });
  afterAll(async () => {
    await one?.close();
    await t?.close();
  });

  const prepared = async () =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(one.db)).rows.map((r) => r.statement);

  it('keeps a parameterised query prepared on its connection, and reuses it', async () => {
    for (let i = 0; i < 3; i++) await one.db.selectFrom('practices').select(['id', 'name']).where('id', '=', i).execute();
    const statements = await prepared();
    expect(statements.filter((s) => s.includes('from "practices" where "id" = $1'))).toHaveLength(1);
  });

  it('runs table-shaped results unnamed, so a column added meanwhile does not break them', async () => {
    await one.db.selectFrom('practices').selectAll().where('id', '=', 1).execute();
    expect((await prepared()).some((s) => s.includes('select * from "practices"'))).toBe(false);
    await sql`alter table practices add column prepared_probe text`.execute(t.db);
    const rows = await one.db.selectFrom('practices').selectAll().where('id', '=', 1).execute();
    expect(rows).toEqual([]);
    // An explicit column list stays prepared and unaffected by the addition.
    expect(await one.db.selectFrom('practices').select(['id', 'name']).where('id', '=', 1).execute()).toEqual([]);
  });
});
