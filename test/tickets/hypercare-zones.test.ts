import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { findQueuePractices } from '../../src/tickets/queues.ts';
import { hypercareSql } from '../../src/tickets/hypercare.ts';

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

  it('gives what each practice’s own calendar gives, for windows around, before and after today, at any hour', async () => {
    // UTC-12 to UTC+14 and between; windows opening from four days before to four days after UTC's
    // date, one to five days long, judged at six hours of one day. The SQL decides most windows from
    // UTC's date alone and converts only near their edges: each answer is checked against the date in
    // the practice's zone, computed here.
    const zones = ['Etc/GMT+12', 'America/Los_Angeles', 'UTC', 'Asia/Kolkata', 'Asia/Tokyo', 'Pacific/Kiritimati'];
    const day = (iso: string, plus: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);
    const practices: { name: string; time_zone: string; go_live_on: string; hypercare_days: number }[] = [];
    for (const time_zone of zones) {
      for (let start = -4; start <= 4; start++) {
        for (let days = 1; days <= 5; days++) practices.push({ name: `Grid ${time_zone} ${start} ${days}`, time_zone, go_live_on: day('2026-12-10', start), hypercare_days: days });
      }
    }
    await t.db.insertInto('practices').values(practices.map((p) => ({ ...p, phone: '(555) 010-0199' }))).execute();
    let inside = 0;
    for (const hour of ['00:30', '05:00', '09:59', '12:00', '18:45', '23:30']) {
      const now = new Date(`2026-12-10T${hour}:00Z`);
      const rows = await t.db.selectFrom('practices').select(['name', hypercareSql(now).as('hypercare')]).where('name', 'like', 'Grid %').execute();
      const got = Object.fromEntries(rows.map((r) => [r.name, !!r.hypercare]));
      for (const p of practices) {
        const local = new Intl.DateTimeFormat('en-CA', { timeZone: p.time_zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
        const expected = p.go_live_on <= local && local < day(p.go_live_on, p.hypercare_days);
        expect(got[p.name], `${p.name} at ${hour} UTC (local ${local})`).toBe(expected);
        if (expected) inside++;
      }
    }
    expect(inside).toBeGreaterThan(100);
  });
});
