import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

let t: TestContext;
const riverside = async () => t.db.selectFrom('practices').selectAll().where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow();

// Each test starts from the demo world (Riverside: every two weeks, 24 hours): none relies on another's changes.
beforeEach(async () => {
  t = await createTestContext();
});
afterEach(async () => {
  await t.close();
});

describe('Settings → Patient Engagement', () => {
  it('does not exist for Front Desk or Clinicians, and their posts change nothing', async () => {
    for (const email of ['frontdesk@riverside.example', 'pt@riverside.example']) {
      const c = await t.as(email);
      expect((await c.get('/settings/patient-engagement')).status).toBe(404);
      expect((await c.post('/settings/patient-engagement', { balance_alert_frequency: 'off', reminder_lead_hours: '72' })).status).toBe(404);
    }
    expect((await riverside()).balance_alert_frequency).toBe('biweekly');
    expect((await t.as('success@stratapt.example').then((c) => c.get('/settings/patient-engagement'))).status).toBe(404);
  });

  it('a Therapy Director saves both settings; the page says who changed them and when; an audit row records it', async () => {
    const director = await t.as('director@riverside.example');
    const page = await director.get('/settings/patient-engagement');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Every two weeks');
    expect(page.text).toContain('Every Month');
    expect(page.text).toContain('Don’t Send');
    expect(page.text).toContain('Not changed since');
    const res = await director.post('/settings/patient-engagement', { balance_alert_frequency: 'monthly', reminder_lead_hours: '48' });
    expect(res.status).toBe(303);
    const p = await riverside();
    expect(p).toMatchObject({ balance_alert_frequency: 'monthly', reminder_lead_hours: 48, engagement_updated_by_user_id: await t.userId('director@riverside.example') });
    expect(p.engagement_updated_at!.toISOString()).toBe(t.clock.now().toISOString());
    const after = await director.get('/settings/patient-engagement?saved=1');
    expect(after.text).toContain('Last changed by Diana Diaz on Nov 23, 2026, 9:00 AM.');
    expect(after.text).toMatch(/id="frequency-monthly"[^>]*checked/);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'engagement.settings_updated').executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ balance_alert_frequency: { from: 'biweekly', to: 'monthly' }, reminder_lead_hours: { from: 24, to: 48 } });
    expect(audit.practice_id).toBe(p.id);
  });

  it('refuses values that are not offered, with 422', async () => {
    const admin = await t.as('admin@riverside.example');
    const res = await admin.post('/settings/patient-engagement', { balance_alert_frequency: 'daily', reminder_lead_hours: '12' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose how often balance alerts go out.');
    expect(res.text).toContain('Choose 24, 48 or 72 hours.');
    expect(await riverside()).toMatchObject({ balance_alert_frequency: 'biweekly', reminder_lead_hours: 24 });
  });

  it('only touches the actor’s own practice', async () => {
    await t.db.updateTable('practices').set({ balance_alert_frequency: 'monthly' }).where('name', '=', 'Riverside Physical Therapy').execute();
    const summitBefore = await t.db.selectFrom('practices').selectAll().where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow();
    await (await t.as('admin@summit.example')).post('/settings/patient-engagement', { balance_alert_frequency: 'off', reminder_lead_hours: '72' });
    const summit = await t.db.selectFrom('practices').selectAll().where('id', '=', summitBefore.id).executeTakeFirstOrThrow();
    expect(summitBefore.balance_alert_frequency).not.toBe('off');
    expect(summit.balance_alert_frequency).toBe('off');
    expect((await riverside()).balance_alert_frequency).toBe('monthly');
  });
});
