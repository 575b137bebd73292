import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { findQueuePractices } from '../../src/tickets/queues.ts';

// Hypercare is counted in the practice's own calendar (docs/rules.md, Hypercare). hypercareSql first
// rules out practices by UTC's date, within a day either way; practices whose local date differs from
// UTC's on the day their window opens or closes must still be judged by their own date.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function practice(name: string, time_zone: string, go_live_on: string, hypercare_days: number) {
  await t.db.insertInto('practices').values({ name, phone: '(555) 010-0199', time_zone, go_live_on, hypercare_days }).execute();
}

describe('hypercare across time zones', () => {
  it('follows the local date where it is a day behind or ahead of UTC', async () => {
    // 07:00 UTC on Nov 23 is still Nov 22 in Los Angeles; 12:00 UTC is already Nov 24 on Kiritimati (UTC+14).
    await practice('Zone West Opens', 'America/Los_Angeles', '2026-11-22', 1); // local Nov 22: its one day
    await practice('Zone West Closed', 'America/Los_Angeles', '2026-11-21', 1); // ended locally on Nov 22
    await practice('Zone East Opens', 'Pacific/Kiritimati', '2026-11-24', 1); // local Nov 24: its first day
    await practice('Zone East Not Yet', 'Pacific/Kiritimati', '2026-11-25', 3); // starts tomorrow locally
    const root = await loadActor(t.db, await t.db.selectFrom('users').selectAll().where('email', '=', 'root@stratapt.example').executeTakeFirstOrThrow());
    const at = async (iso: string) =>
      Object.fromEntries((await findQueuePractices(t.db, root, 'zone', new Date(iso))).map((p) => [p.name, p.hypercare]));
    expect(await at('2026-11-23T07:00:00Z')).toMatchObject({ 'Zone West Opens': true, 'Zone West Closed': false });
    expect(await at('2026-11-23T12:00:00Z')).toMatchObject({ 'Zone East Opens': true, 'Zone East Not Yet': false, 'Zone West Opens': false });
  });
});
