import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { recordAudit } from '../../src/audit/audit.ts';

let t: TestContext;
let riverside: number;
let summit: number;

beforeAll(async () => {
  t = await createTestContext();
  const practices = await t.db.selectFrom('practices').select(['id', 'name']).execute();
  riverside = practices.find((p) => p.name.startsWith('Riverside'))!.id;
  summit = practices.find((p) => p.name.startsWith('Summit'))!.id;
  const adminId = await t.userId('admin@riverside.example');
  const samId = await t.userId('admin@summit.example');
  const base = new Date('2026-11-20T18:00:00Z').getTime();
  // 60 patient views at Riverside over two days, one at Summit, one sign-in a week earlier.
  for (let i = 0; i < 60; i++) {
    await recordAudit(t.db, {
      at: new Date(base + i * 60_000),
      actor: { kind: 'staff', id: adminId, practice_id: riverside } as never,
      action: 'patient.viewed',
      recordType: 'patient',
      recordId: 100 + i,
      ip: '10.0.0.1',
    });
  }
  await recordAudit(t.db, { at: new Date(base), actor: { kind: 'staff', id: samId, practice_id: summit } as never, action: 'patient.viewed', recordType: 'patient', recordId: 999, ip: '10.9.9.9' });
  await recordAudit(t.db, { at: new Date('2026-11-13T15:00:00Z'), actor: { kind: 'staff', id: adminId, practice_id: riverside } as never, action: 'settings.changed', recordType: 'practice', recordId: riverside });
});
afterAll(() => t.close());

describe('audit trail page for Practice Administrators', () => {
  it('lists only their practice, newest first, 50 to a page', async () => {
    const admin = await t.as('admin@riverside.example');
    const page1 = await admin.get('/settings/audit?action=patient.viewed');
    expect(page1.status).toBe(200);
    expect(page1.text).toContain('patient 159');
    expect(page1.text).not.toContain('patient 999');
    expect(page1.text).not.toContain('10.9.9.9');
    expect(page1.text).not.toContain('patient 109<');
    expect(page1.text).toContain('Older entries');
    const page2 = await admin.get('/settings/audit?action=patient.viewed&page=2');
    expect(page2.text).toContain('patient 109<');
    expect(page2.text).toContain('patient 100<');
    expect(page2.text).not.toContain('Older entries');
  });

  it('filters by actor, record and date range in the practice time zone', async () => {
    const owner = await t.as('owner@riverside.example');
    const byRecord = await owner.get('/settings/audit?record_type=patient&record_id=123');
    expect(byRecord.text).toContain('patient 123<');
    expect(byRecord.text).not.toContain('patient 124<');
    const byActor = await owner.get('/settings/audit?actor=alvarez');
    expect(byActor.text).toContain('Adam Alvarez');
    const none = await owner.get('/settings/audit?actor=nobody-at-all');
    expect(none.text).toContain('No entries match.');
    // 2026-11-13 15:00 UTC is 09:00 in Chicago: inside the 13th, outside the 14th.
    const day = await owner.get('/settings/audit?from=2026-11-13&to=2026-11-13');
    expect(day.text).toContain('settings.changed');
    expect(day.text).not.toContain('patient.viewed</code>');
    const later = await owner.get('/settings/audit?from=2026-11-14');
    expect(later.text).not.toContain('settings.changed</code>');
  });

  it('refuses malformed filters with a message, and treats SQL metacharacters as text', async () => {
    const admin = await t.as('admin@riverside.example');
    const bad = await admin.get('/settings/audit?from=2026-13-45');
    expect(bad.status).toBe(422);
    const reversed = await admin.get('/settings/audit?from=2026-11-20&to=2026-11-01');
    expect(reversed.status).toBe(422);
    expect(reversed.text).toContain('end date is before');
    for (const needle of ["' or 1=1 --", '%', '_', '\\', '"; drop table audit_log; --']) {
      const res = await admin.get(`/settings/audit?action=${encodeURIComponent(needle)}&actor=${encodeURIComponent(needle)}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('No entries match.');
    }
  });

  it('does not exist for Therapy Directors, the limited user, or the vendor team', async () => {
    for (const email of ['director@riverside.example', 'frontdesk@riverside.example', 'limited@riverside.example']) {
      expect((await (await t.as(email)).get('/settings/audit')).status).toBe(404);
    }
    expect((await (await t.as('root@stratapt.example')).get('/settings/audit')).status).toBe(404);
  });
});

describe('audit trail in the vendor console', () => {
  it('shows every practice to vendor admins, filterable by practice', async () => {
    const root = await t.as('root@stratapt.example');
    const all = await root.get('/vendor/audit?action=patient.viewed&record_id=999');
    expect(all.status).toBe(200);
    expect(all.text).toContain('Summit');
    const riversideOnly = await root.get(`/vendor/audit?practice=${riverside}&record_id=999`);
    expect(riversideOnly.text).toContain('No entries match.');
  });

  it('does not exist for other vendor users or practice staff', async () => {
    expect((await (await t.as('success@stratapt.example')).get('/vendor/audit')).status).toBe(404);
    expect((await (await t.as('admin@riverside.example')).get('/vendor/audit')).status).toBe(404);
  });

  it('records sign-ins with who and from where', async () => {
    const anon = t.anonymous();
    const res = await anon.post('/login', { email: 'admin@summit.example', password: 'strata-demo-1' });
    expect(res.status).toBe(303);
    const root = await t.as('root@stratapt.example');
    const page = await root.get('/vendor/audit?action=sign_in&actor=admin%40summit');
    expect(page.text).toContain('Sam Summers');
    expect(page.text).toContain('<code>sign_in</code>');
  });
});

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of audit entries', async () => {
    const before = await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await expect(t.db.updateTable('audit_log').set({ action: 'tampered' }).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    const after = await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    const tampered = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'tampered').execute();
    expect(tampered).toHaveLength(0);
  });

  it('still accepts new entries', async () => {
    await recordAudit(t.db, { at: t.clock.now(), actor: { kind: 'system' }, action: 'test.appended' });
    const row = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'test.appended').executeTakeFirst();
    expect(row).toBeDefined();
  });
});
