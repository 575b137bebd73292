import { sql } from 'kysely';

// The balance formula (docs/rules.md "Balance"): a patient responsibility and a refund add, a
// payment or an adjustment subtracts. Written once for SQL and once for rows already in memory;
// the trigger that keeps patients.balance_cents, in migrations/, is its SQL twin.

/** What one ledger row adds to the balance, in SQL. */
export function signedAmount(table = 'ledger_entries') {
  const amount = sql.ref(`${table}.amount_cents`);
  return sql<number>`(case when ${sql.ref(`${table}.kind`)} in ('responsibility', 'refund') then ${amount} else -${amount} end)`;
}

/** What one ledger row adds to the balance, for rows already loaded. */
export function balanceDelta(kind: 'responsibility' | 'payment' | 'adjustment' | 'refund', amountCents: number): number {
  return kind === 'responsibility' || kind === 'refund' ? amountCents : -amountCents;
}
