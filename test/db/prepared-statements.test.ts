import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { openPostgres, preparedStatementName, type OpenedDatabase } from '../../src/db/database.ts';
import { createSession } from '../../src/auth/sessions.ts';
import { loadSignedInRequest } from '../../src/web/context.ts';

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
    // A comment is not the statement: one that mentions a star leaves it prepared, and one cannot hide a star.
    expect(preparedStatementName('select "id" from "users" -- never select * here\n where "id" = $1', [1])).not.toBeNull();
    expect(preparedStatementName('select "id" /* not "users".* */ from "users" where "id" = $1', [1])).not.toBeNull();
    expect(preparedStatementName('select * -- a comment\n from "users" where "id" = $1', [1])).toBeNull();
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

  it('keeps the statement every signed-in request runs prepared, with a generic plan', async () => {
    // Each page's first statement (src/web/context.ts): session, user, practice and menu badge. Run unnamed,
    // it was parsed and planned on every request: 2.3 ms a call on the bench dataset, 0.97 ms prepared.
    const seeded = await createTestContext();
    const single = await openPostgres(seeded.url!, 1);
    try {
      const policy = { idleMs: seeded.config.sessionIdleMs, maxMs: seeded.config.sessionMaxMs };
      const staff = await seeded.db.selectFrom('users').select('id').where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
      const { token } = await createSession(seeded.db, seeded.clock.now(), policy, staff.id);
      for (let i = 0; i < 8; i++) expect(await loadSignedInRequest(single.db, seeded.clock.now(), policy, token, { withMenu: true })).not.toBeNull();
      const { rows } = await sql<{ generic_plans: string | number }>`
        select generic_plans from pg_prepared_statements where statement like '%from sessions s%'`.execute(single.db);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].generic_plans)).toBeGreaterThan(0);
    } finally {
      await single.close();
      await seeded.close();
    }
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
