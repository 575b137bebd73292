import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { runTicketDeadlines } from '../../src/tickets/deadlines.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('ticket emails', () => {
  it('carry no subject, patient data or message text — only the ticket number and a link', async () => {
    const subject = 'Claim denied for knee visit (CO-197 authorization)';
    const id = (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
    const secret = 'Authorization 77-ALPHA for Maria Gonzalez born 1980-04-12';
    await (await t.as('billing@stratapt.example')).post(`/vendor/tickets/${id}/replies`, { message: secret, response_window: '8' });
    await (await t.as('frontdesk@riverside.example')).post(`/tickets/${id}/messages`, { message: `Reply about ${secret}` });
    await (await t.as('billing@stratapt.example')).post(`/vendor/tickets/${id}/replies`, { message: secret, response_window: '4' });
    // The first warning (half-way through 4 h), the last one (1 h before), then Overdue.
    for (const hours of [2.5, 1, 1.5]) {
      t.clock.advanceHours(hours);
      await runTicketDeadlines(t.db, t.clock.now(), t.config.publicUrl);
    }
    const mails = await t.db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'ticket_notification').execute();
    const notices = new Set(mails.map((m) => (m.reason as { notice: string }).notice));
    for (const n of ['vendor_reply', 'practice_reply', 'deadline_warning', 'deadline_final_warning', 'overdue']) expect(notices).toContain(n);
    for (const m of mails) {
      const text = `${m.subject}\n${m.body}\n${m.html ?? ''}`;
      for (const forbidden of ['Claim denied', 'CO-197', 'Authorization 77', 'Maria', 'Gonzalez', '1980-04-12', 'EOB', 'knee']) {
        expect([m.dedupe_key, text.includes(forbidden)]).toEqual([m.dedupe_key, false]);
      }
      expect(m.subject).toMatch(/^StrataPT ticket #\d+$/);
      expect(m.body).toMatch(/ticket #\d+.*Sign in to read it\.|Sign in to read it\./s);
      expect(m.body).toMatch(new RegExp(`${t.config.publicUrl}/(vendor/)?tickets/\\d+`));
    }
  });

  it('respect each user’s ticket email preference', async () => {
    const client = await t.as('owner@riverside.example');
    expect((await client.get('/account/notifications')).text).toContain('Email me about tickets');
    expect((await client.post('/account/notifications', { submitted: '1' })).status).toBe(303);
    expect((await t.db.selectFrom('users').select('notify_email').where('email', '=', 'owner@riverside.example').executeTakeFirstOrThrow()).notify_email).toBe(false);
    const id = (await t.db.selectFrom('tickets').select('id').where('subject', '=', 'Daily note template for ACL protocol').executeTakeFirstOrThrow()).id;
    await (await t.as('success@stratapt.example')).post(`/vendor/tickets/${id}/replies`, { message: 'Template ready', response_window: '' });
    const to = (await t.db.selectFrom('outbox_messages').select('recipient').where('dedupe_key', 'like', `ticket:${id}:vendor_reply:%`).execute()).map((m) => m.recipient);
    expect(to).toContain('pt@riverside.example');
    expect(to).not.toContain('owner@riverside.example'); // opted out
    expect(to).not.toContain('frontdesk@riverside.example'); // cannot see a Clinical Only thread
    await client.post('/account/notifications', { submitted: '1', notify_email: 'on' });
    expect((await t.db.selectFrom('users').select('notify_email').where('email', '=', 'owner@riverside.example').executeTakeFirstOrThrow()).notify_email).toBe(true);
  });
});

describe('practices and their first Practice Administrator', () => {
  it('a vendor admin creates a practice; its administrator sets a password from the emailed link, once', async () => {
    const root = await t.as('root@stratapt.example');
    const success = await t.userId('success@stratapt.example');
    const bad = await root.post('/vendor/practices', { name: 'Lakeside PT', phone: '12', time_zone: 'Mars/Base', go_live_on: '', hypercare_days: '90', admin_name: '', admin_email: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Lakeside PT');
    expect(bad.text).toContain('Hypercare lasts 30 to 60 days.');
    expect(await t.db.selectFrom('practices').select('id').where('name', '=', 'Lakeside PT').executeTakeFirst()).toBeUndefined();

    const res = await root.post('/vendor/practices', {
      name: 'Lakeside PT', phone: '(555) 010-4000', time_zone: 'America/New_York', go_live_on: '2026-11-20', hypercare_days: '45',
      account_manager_id: String(success), admin_name: 'Lena Lake', admin_email: 'lena@lakeside.example',
    });
    expect(res.status).toBe(303);
    const practice = await t.db.selectFrom('practices').selectAll().where('name', '=', 'Lakeside PT').executeTakeFirstOrThrow();
    expect(practice).toMatchObject({ time_zone: 'America/New_York', hypercare_days: 45, account_manager_id: success, go_live_on: '2026-11-20' });
    const admin = await t.db.selectFrom('users').selectAll().where('email', '=', 'lena@lakeside.example').executeTakeFirstOrThrow();
    expect(admin).toMatchObject({ practice_id: practice.id, role: 4, password_hash: null });
    const mail = await t.db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'staff_invite').where('recipient', '=', 'lena@lakeside.example').executeTakeFirstOrThrow();
    const token = mail.body!.match(/\/set-password\/([a-z2-7]+)/)![1];
    const stored = await t.db.selectFrom('password_tokens').selectAll().where('user_id', '=', admin.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);

    const anon = t.anonymous();
    expect((await anon.get(`/set-password/${token}`)).text).toContain('Lena Lake');
    const mismatch = await anon.post(`/set-password/${token}`, { password: 'a-long-password-1', confirm: 'different-password' }, { csrf: false });
    expect(mismatch.status).toBe(422);
    const ok = await anon.post(`/set-password/${token}`, { password: 'a-long-password-1', confirm: 'a-long-password-1' }, { csrf: false });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Your password is set');
    const signIn = await t.anonymous().post('/login', { email: 'lena@lakeside.example', password: 'a-long-password-1' }, { csrf: false });
    expect(signIn.status).toBe(303);
    expect((await anon.get(`/set-password/${token}`)).status).toBe(404); // used once
    expect((await t.anonymous().get('/set-password/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);

    // The account manager now sees the new practice's threads in every queue; editing keeps it.
    const edit = await root.post(`/vendor/practices/${practice.id}`, { name: 'Lakeside Physical Therapy', phone: '(555) 010-4000', time_zone: 'America/New_York', go_live_on: '2026-11-20', hypercare_days: '60', account_manager_id: String(success) });
    expect(edit.status).toBe(303);
    expect((await t.db.selectFrom('practices').select('name').where('id', '=', practice.id).executeTakeFirstOrThrow()).name).toBe('Lakeside Physical Therapy');
  });

  it('a link expires after 3 days', async () => {
    const root = await t.as('root@stratapt.example');
    await root.post('/vendor/team', { name: 'Nina New', email: 'nina@stratapt.example', departments: ['billing', 'technical'] });
    const nina = await t.db.selectFrom('users').selectAll().where('email', '=', 'nina@stratapt.example').executeTakeFirstOrThrow();
    const depts = await t.db.selectFrom('vendor_departments').select('department').where('user_id', '=', nina.id).orderBy('department').execute();
    expect(depts.map((d) => d.department)).toEqual(['billing', 'technical']);
    const mail = await t.db.selectFrom('outbox_messages').selectAll().where('recipient', '=', 'nina@stratapt.example').executeTakeFirstOrThrow();
    const token = mail.body!.match(/\/set-password\/([a-z2-7]+)/)![1];
    t.clock.advanceDays(3);
    t.clock.advanceMinutes(1);
    expect((await t.anonymous().get(`/set-password/${token}`)).status).toBe(404);
    const late = await t.anonymous().post(`/set-password/${token}`, { password: 'a-long-password-1', confirm: 'a-long-password-1' }, { csrf: false });
    expect(late.status).toBe(404);
    expect((await t.db.selectFrom('users').select('password_hash').where('id', '=', nina.id).executeTakeFirstOrThrow()).password_hash).toBeNull();
  });
});
