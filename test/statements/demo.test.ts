import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('statements in the demo world', () => {
  it('has first-run statements: one mailed to an alternate address, one emailed, the rest in today’s print batch', async () => {
    const rows = await t.db
      .selectFrom('statements as s')
      .innerJoin('patients as p', 'p.id', 's.patient_id')
      .select(['p.account_number', 's.delivery', 's.address_kind', 's.print_batch_id', 's.outbox_message_id', 's.cycle'])
      .execute();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.find((r) => r.account_number === 'R-1014')).toMatchObject({ delivery: 'mail', address_kind: 'alternate' });
    const emailed = rows.find((r) => r.account_number === 'R-1011');
    expect(emailed).toMatchObject({ delivery: 'electronic', print_batch_id: null });
    expect(emailed!.outbox_message_id).not.toBeNull();
    for (const r of rows.filter((r) => r.delivery === 'mail' && r.address_kind)) expect(r.print_batch_id).not.toBeNull();
    // A second run the same day adds nothing.
    const { runStatements } = await import('../../src/statements/statements.ts');
    expect(await runStatements(t.db, t.clock.now(), 'http://localhost:3000')).toBe(0);
  });
});
