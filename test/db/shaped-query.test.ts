import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../support/db.ts';
import { checkShapedStatements, shapedStatement } from '../../src/db/shaped-query.ts';
import type { OpenedDatabase } from '../../src/db/database.ts';

// A shaped statement (src/db/shaped-query.ts) is built once per key and run with each call's values.

let opened: OpenedDatabase;
beforeAll(async () => {
  opened = await openTestDatabase();
});
afterAll(() => opened.close());
// The suite runs with the check on (test/support/shaped-statements.ts); these tests set it themselves.
afterEach(() => checkShapedStatements(true));

type Args = { kind: 'sum' | 'difference'; a: number; b: number; at: Date };

function counted() {
  let builds = 0;
  const statement = shapedStatement({
    key: ({ kind }: Args) => kind,
    placeholders: (args, placeholder) => ({ ...args, a: placeholder('a'), b: placeholder('b'), at: placeholder('at') }),
    values: ({ a, b, at }) => ({ a, b, at }),
    build: (db, { kind, a, b, at }) => {
      builds++;
      const value = kind === 'sum' ? sql<number>`${a}::int + ${b}::int` : sql<number>`${a}::int - ${b}::int`;
      return db.selectNoFrom([value.as('value'), sql<Date>`${at}::timestamptz`.as('at')]);
    },
  });
  return { statement, builds: () => builds };
}

describe('shaped statements', () => {
  it('builds each shape once and runs it with each call’s values in their places', async () => {
    checkShapedStatements(false);
    const { statement, builds } = counted();
    const at = new Date('2026-12-05T10:00:00Z');
    const run = async (args: Args) => (await statement(opened.db, args)).rows[0]!;
    expect(await run({ kind: 'sum', a: 2, b: 3, at })).toMatchObject({ value: 5 });
    expect(await run({ kind: 'sum', a: 10, b: 20, at })).toMatchObject({ value: 30 });
    expect(await run({ kind: 'difference', a: 10, b: 20, at })).toMatchObject({ value: -10 });
    const later = new Date('2027-01-01T00:00:00Z');
    expect((await run({ kind: 'difference', a: 1, b: 1, at: later })).at.getTime()).toBe(later.getTime());
    expect(builds()).toBe(2);
  });

  it('refuses a placeholder used as a value while the shape is built', async () => {
    checkShapedStatements(false);
    const statement = shapedStatement({
      key: () => 'one',
      placeholders: (args: { n: number }, placeholder) => ({ n: placeholder('n') }),
      values: ({ n }) => ({ n }),
      build: (db, { n }) => db.selectNoFrom(sql<number>`${n + 1}::int`.as('value')),
    });
    await expect(statement(opened.db, { n: 1 })).rejects.toThrow(/n was used as a value/);
    const asJson = shapedStatement({
      key: () => 'one',
      placeholders: (args: { n: number }, placeholder) => ({ n: placeholder('n') }),
      values: ({ n }) => ({ n }),
      build: (db, { n }) => db.selectNoFrom(sql<string>`${JSON.stringify({ n })}::jsonb`.as('value')),
    });
    await expect(asJson(opened.db, { n: 1 })).rejects.toThrow(/n was used as a value/);
  });

  it('with the check on, fails a call whose text the key does not decide', async () => {
    checkShapedStatements(true);
    // The key forgets the kind: the second call would run the sum's text for a difference.
    const statement = shapedStatement({
      key: () => 'forgets the kind',
      placeholders: (args: Args, placeholder) => ({ ...args, a: placeholder('a'), b: placeholder('b') }),
      values: ({ a, b }) => ({ a, b }),
      build: (db, { kind, a, b }) => db.selectNoFrom((kind === 'sum' ? sql<number>`${a}::int + ${b}::int` : sql<number>`${a}::int - ${b}::int`).as('value')),
    });
    const at = new Date();
    expect((await statement(opened.db, { kind: 'sum', a: 1, b: 2, at })).rows[0]).toEqual({ value: 3 });
    await expect(statement(opened.db, { kind: 'difference', a: 1, b: 2, at })).rejects.toThrow(/the key misses an input/);
  });

  it('with the check on, fails a value baked into the text as a constant', async () => {
    checkShapedStatements(true);
    // b is read from the arguments but not given a placeholder: the first call's b would stay.
    const statement = shapedStatement({
      key: () => 'bakes b',
      placeholders: (args: Args, placeholder) => ({ ...args, a: placeholder('a') }),
      values: ({ a }) => ({ a }),
      build: (db, { a, b }) => db.selectNoFrom(sql<number>`${a}::int + ${b}::int`.as('value')),
    });
    const at = new Date();
    expect((await statement(opened.db, { kind: 'sum', a: 1, b: 2, at })).rows[0]).toEqual({ value: 3 });
    await expect(statement(opened.db, { kind: 'sum', a: 1, b: 5, at })).rejects.toThrow(/the key misses an input/);
  });
});
