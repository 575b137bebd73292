import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { can, loadActor, mayActorSeeTicket, visibleTickets, type Actor, type Capability } from '../../src/auth/permissions.ts';
import type { Visibility } from '../../src/db/schema.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

function staff(role: 1 | 2 | 3 | 4 | 5, flags: Partial<Actor> = {}): Actor {
  return {
    id: 9999, kind: 'staff', practice_id: 1, role, name: 'X', email: 'x@example.com',
    limit_messaging: false, reporting: false, active: true, vendor_admin: false, departments: [], managedPracticeIds: [], ...flags,
  };
}

// Expected capabilities per role (1 Front Desk … 5 Business Owner), from SPEC.md section 1.
const expected: Record<Capability, [boolean, boolean, boolean, boolean, boolean]> = {
  'tickets.use': [true, true, true, true, true],
  'tickets.createAdminLevel': [false, false, false, true, true],
  'feedback.use': [true, true, true, true, true],
  'patients.view': [true, true, true, true, true],
  'patients.import': [false, false, false, true, true],
  'settings.view': [false, false, true, true, true],
  'engagement.configure': [false, false, true, true, true],
  'emergency.send': [false, false, true, true, true],
  'staff.manage': [false, false, false, true, true],
  'payments.configure': [false, false, false, true, true],
  'payments.refund': [false, false, false, true, true],
  'audit.view': [false, false, false, true, true],
  'deliverability.view': [false, false, false, true, true],
  'reports.run': [false, false, false, false, false],
  'vendor.console': [false, false, false, false, false],
  'vendor.admin': [false, false, false, false, false],
  'feedback.setStatus': [false, false, false, false, false],
  'statements.print': [false, false, false, false, false],
};

describe('capabilities by role and flag', () => {
  for (const [capability, byRole] of Object.entries(expected) as [Capability, boolean[]][]) {
    for (const role of [1, 2, 3, 4, 5] as const) {
      it(`${capability} for role ${role} is ${byRole[role - 1]}`, () => {
        expect(can(staff(role), capability)).toBe(byRole[role - 1]);
      });
    }
  }
  it('Limit Messaging Access removes tickets and feedback, nothing else', () => {
    const limited = staff(4, { limit_messaging: true });
    expect(can(limited, 'tickets.use')).toBe(false);
    expect(can(limited, 'tickets.createAdminLevel')).toBe(false);
    expect(can(limited, 'feedback.use')).toBe(false);
    expect(can(limited, 'staff.manage')).toBe(true);
  });
  it('Reporting is a flag, at any role', () => {
    for (const role of [1, 2, 3, 4, 5] as const) expect(can(staff(role, { reporting: true }), 'reports.run')).toBe(true);
  });
  it('an inactive user may do nothing', () => {
    for (const capability of Object.keys(expected) as Capability[]) expect(can(staff(5, { active: false, reporting: true }), capability)).toBe(false);
  });
  it('vendor users reach the console, admins and Product set feedback status, none reach practice pages', () => {
    const vendor = (departments: Actor['departments'], admin = false): Actor => ({ ...staff(1), kind: 'vendor', practice_id: null, role: null, departments, vendor_admin: admin });
    expect(can(vendor(['billing']), 'vendor.console')).toBe(true);
    expect(can(vendor(['billing']), 'vendor.admin')).toBe(false);
    expect(can(vendor(['billing']), 'feedback.setStatus')).toBe(false);
    expect(can(vendor(['product']), 'feedback.setStatus')).toBe(true);
    expect(can(vendor(['billing']), 'statements.print')).toBe(true);
    expect(can(vendor(['success']), 'statements.print')).toBe(false);
    expect(can(vendor([], true), 'statements.print')).toBe(true);
    expect(can(vendor([], true), 'vendor.admin')).toBe(true);
    for (const c of ['tickets.use', 'patients.view', 'staff.manage', 'reports.run', 'settings.view'] as Capability[]) {
      expect(can(vendor([], true), c)).toBe(false);
    }
  });
});

describe('ticket visibility: the SQL scope and the pure rule agree', () => {
  it('for every demo user over a grid of generated threads', async () => {
    const riverside = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id;
    const summit = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Summit%').executeTakeFirstOrThrow()).id;
    const users = await t.db.selectFrom('users').selectAll().execute();
    const riversideStaff = users.filter((u) => u.practice_id === riverside);
    const visibilities: Visibility[] = ['only_me', 'person', 'anyone', 'owners', 'clinical', 'admins'];
    const now = t.clock.now();
    for (const practiceId of [riverside, summit]) {
      const creators = users.filter((u) => u.practice_id === practiceId);
      for (const creator of creators.slice(0, 3)) {
        for (const visibility of visibilities) {
          for (const adminLevel of [false, true]) {
            for (const department of ['billing', 'success'] as const) {
              const person = visibility === 'person' ? (practiceId === riverside ? riversideStaff[3] : creators[1]).id : null;
              await t.db
                .insertInto('tickets')
                .values({
                  practice_id: practiceId, created_by_user_id: creator.id, subject: `grid ${visibility}`, department, visibility,
                  visible_user_id: person, admin_level: adminLevel, last_public_message_at: now, last_public_author_id: creator.id,
                  waiting_since: now, created_at: now,
                })
                .execute();
            }
          }
        }
      }
    }
    const tickets = await t.db.selectFrom('tickets').selectAll().execute();
    let checked = 0;
    for (const user of users) {
      const actor = await loadActor(t.db, user);
      const viaSql = new Set((await visibleTickets(t.db, actor).select('tickets.id').execute()).map((r) => r.id));
      const viaRule = new Set(tickets.filter((tk) => mayActorSeeTicket(actor, tk)).map((tk) => tk.id));
      expect([...viaSql].sort(), user.email).toEqual([...viaRule].sort());
      checked += tickets.length;
    }
    expect(checked).toBeGreaterThan(1000);
    // Spot checks of the rule itself.
    const liam = await loadActor(t.db, users.find((u) => u.email === 'limited@riverside.example')!);
    expect(await visibleTickets(t.db, liam).select('id').execute()).toEqual([]);
    const sam = await loadActor(t.db, users.find((u) => u.email === 'admin@summit.example')!);
    const samSees = await visibleTickets(t.db, sam).select(['practice_id']).execute();
    expect(samSees.length).toBeGreaterThan(0);
    expect(samSees.filter((r) => r.practice_id !== summit)).toEqual([]);
  });
});

describe('tenancy', () => {
  it('a Summit administrator reaches no Riverside staff member by URL', async () => {
    const sam = await t.as('admin@summit.example');
    const riversideIds = await t.db.selectFrom('users').select('id').where('email', 'like', '%@riverside.example').execute();
    for (const { id } of riversideIds) {
      expect((await sam.get(`/settings/staff/${id}`)).status).toBe(404);
      const res = await sam.post(`/settings/staff/${id}`, { name: 'Hijacked', email: `h${id}@example.com`, role: '1', active: 'on' });
      expect(res.status).toBe(404);
    }
    const names = await t.db.selectFrom('users').select('name').where('name', '=', 'Hijacked').execute();
    expect(names).toEqual([]);
  });

  it('a Practice Administrator cannot grant a role above their own', async () => {
    const adam = await t.as('admin@riverside.example');
    const res = await adam.post('/settings/staff', { name: 'New Owner', email: 'newowner@example.com', role: '5', password: 'long-enough-password' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('above your own');
    expect(res.text).toContain('value="New Owner"');
  });

  it('staff management is invisible below Practice Administrator', async () => {
    for (const email of ['director@riverside.example', 'pt@riverside.example', 'frontdesk@riverside.example']) {
      const c = await t.as(email);
      expect((await c.get('/settings/staff')).status).toBe(404);
    }
  });

  it('vendor users reach no practice page and staff reach no vendor page', async () => {
    const ben = await t.as('billing@stratapt.example');
    expect((await ben.get('/dashboard')).status).toBe(404);
    expect((await ben.get('/settings/staff')).status).toBe(404);
    const olivia = await t.as('owner@riverside.example');
    expect((await olivia.get('/vendor')).status).toBe(404);
  });
});
