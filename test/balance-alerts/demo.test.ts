import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => {
  await t.close();
});

it('the demo world: the first run queues alerts for exactly the patients who are due', async () => {
  const before = await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'balance_alert').execute();
  await runBalanceAlerts(t.db, t.clock.now(), 'http://localhost:3000');
  const rows = await t.db
    .selectFrom('outbox_messages')
    .innerJoin('patients', 'patients.id', 'outbox_messages.patient_id')
    .select(['patients.account_number', 'outbox_messages.channel'])
    .where('outbox_messages.kind', '=', 'balance_alert')
    .where('outbox_messages.id', 'not in', before.length ? before.map((b) => b.id) : [0])
    .orderBy('patients.account_number')
    .execute();
  // R-1006 by email and R-1007 by text are due; R-1012 (charge 90 days ago), R-1010 (paid off),
  // R-1009 (number opted out) and James Carter (alerted 4 days ago, or not subscribed) are not.
  expect(rows.map((r) => `${r.account_number}:${r.channel}`)).toEqual(['R-1006:email', 'R-1007:sms']);
});
