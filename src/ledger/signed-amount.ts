import { sql } from 'kysely';

/**
 * What one ledger row adds to the balance (docs/rules.md "Balance"): a patient responsibility adds,
 * a payment or an adjustment subtracts. The one place the balance formula is written in src/ (the
 * trigger that keeps patients.balance_cents, in migrations/, is its SQL twin).
 */
export function signedAmount(table = 'ledger_entries') {
  const amount = sql.ref(`${table}.amount_cents`);
  return sql<number>`(case ${sql.ref(`${table}.kind`)} when 'responsibility' then ${amount} else -${amount} end)`;
}
