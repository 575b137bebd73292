import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { PortalClient, verifiedPortal } from '../portal/helpers.ts';
import { csrfTokenFor } from '../../src/web/csrf.ts';

// Issue 12, "Should fix": audit search and ticket visibility, Referrer-Policy on secret-bearing
// pages, cancelling a payment by POST, and a CSRF token masked afresh in every response.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const threadId = (location: string | null) => Number(/\/tickets\/(\d+)/.exec(location ?? '')![1]);

describe('audit search applies ticket visibility', () => {
  it('a practice administrator does not see ticket.* rows of an Only Me thread of a colleague', async () => {
    const pt = await t.as('pt@riverside.example');
    const hidden = threadId((await pt.post('/tickets', { subject: 'Private note to self', type: 'success', message: 'Only for me', visible_to: 'only_me' })).location);
    const shared = threadId((await pt.post('/tickets', { subject: 'A question for everyone', type: 'success', message: 'Shared', visible_to: 'anyone' })).location);
    const admin = await t.as('admin@riverside.example');
    expect((await admin.get(`/tickets/${hidden}`)).status).toBe(404);

    const forHidden = await admin.get(`/settings/audit?record_type=ticket&record_id=${hidden}`);
    expect(forHidden.status).toBe(200);
    expect(forHidden.text).toContain('No entries match.');
    const forShared = await admin.get(`/settings/audit?record_type=ticket&record_id=${shared}`);
    expect(forShared.text).toContain('ticket.created');
    const all = await admin.get('/settings/audit?action=ticket.');
    expect(all.text).toContain(`ticket ${shared}`);
    expect(all.text).not.toContain(`ticket ${hidden}<`);
    // Nor does the Business Owner: the thread is visible to its creator alone.
    expect((await (await t.as('owner@riverside.example')).get(`/settings/audit?record_type=ticket&record_id=${hidden}`)).text).toContain('No entries match.');
    const rows = await t.db.selectFrom('audit_log').select('id').where('record_type', '=', 'ticket').where('record_id', '=', String(hidden)).execute();
    expect(rows).toHaveLength(1);
  });
});

describe('Referrer-Policy', () => {
  it('the portal and set-password pages keep no-referrer; other pages get same-origin', async () => {
    const james = await t.db.selectFrom('patients').select(['id', 'practice_id']).where('account_number', '=', 'R-1004').executeTakeFirstOrThrow();
    const { issuePortalLink } = await import('../../src/portal/links.ts');
    const { token } = await issuePortalLink(t.db, t.clock.now(), t.config.publicUrl, { practiceId: james.practice_id, patientId: james.id });
    expect((await new PortalClient(t).get(`/portal/${token}`)).headers.get('referrer-policy')).toBe('no-referrer');
    expect((await t.anonymous().get('/set-password/abcdefghijklmnopqrstuvwxyz234567')).headers.get('referrer-policy')).toBe('no-referrer');
    expect((await t.anonymous().post('/set-password/abcdefghijklmnopqrstuvwxyz234567', { password: 'x' })).headers.get('referrer-policy')).toBe('no-referrer');
    expect((await t.anonymous().get('/login')).headers.get('referrer-policy')).toBe('same-origin');
    expect((await (await t.as('pt@riverside.example')).get('/dashboard')).headers.get('referrer-policy')).toBe('same-origin');
  });
});

describe('cancelling a portal payment', () => {
  it('GET /portal/cancel only shows a button; the POST cancels', async () => {
    const { client, patient } = await verifiedPortal(t, 'R-1004');
    const kase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', patient.id).executeTakeFirstOrThrow();
    const now = t.clock.now();
    await t.db
      .insertInto('payment_requests')
      .values({ practice_id: patient.practice_id, patient_id: patient.id, case_id: kase.id, ref_id: 'PCANCELTEST000001', amount_cents: 1_000, created_at: now, updated_at: now })
      .execute();
    const status = async () => (await t.db.selectFrom('payment_requests').select('status').where('ref_id', '=', 'PCANCELTEST000001').executeTakeFirstOrThrow()).status;

    const page = await client.get('/portal/cancel?ref=PCANCELTEST000001');
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/portal/cancel"');
    expect(page.text).toContain('value="PCANCELTEST000001"');
    expect(await status()).toBe('pending');

    expect((await client.post('/portal/cancel', { ref: 'PCANCELTEST000001' })).status).toBe(403);
    expect(await status()).toBe('pending');
    const res = await client.post('/portal/cancel', { ref: 'PCANCELTEST000001', _csrf: PortalClient.csrfOf(page.text) });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/portal/account?cancelled=1');
    expect(await status()).toBe('cancelled');
  });
});

describe('CSRF token masking', () => {
  it('each response carries the token under a fresh pad; every one of them is accepted, a tampered one is not', async () => {
    const pt = await t.as('pt@riverside.example');
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await pt.get('/tickets?q=csrf');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      expect(page.text).toContain(`X-CSRF-Token&quot;:&quot;${token}`);
      tokens.push(token);
    }
    expect(new Set(tokens).size).toBe(3);
    const sessions = await t.db.selectFrom('sessions').select('id').where('user_id', '=', await t.userId('pt@riverside.example')).execute();
    const bare = sessions.map((s) => csrfTokenFor(t.config.appSecret!, s.id));
    for (const token of tokens) {
      for (const b of bare) expect(token).not.toBe(b);
      // A form post with this token passes the check: the handler answers (422 for a wrong current password), not 403.
      const res = await new Client(t.app, pt.cookie, token).post('/account/password', { current: 'wrong', password: 'another-long-password', confirm: 'another-long-password' });
      expect(res.status).toBe(422);
    }
    const tampered = tokens[0].slice(0, 10) + (tokens[0][10] === 'A' ? 'B' : 'A') + tokens[0].slice(11);
    expect((await new Client(t.app, pt.cookie, tampered).post('/account/password', { current: 'wrong', password: 'another-long-password', confirm: 'another-long-password' })).status).toBe(403);
    // A token masked for another session is refused.
    const other = await t.as('director@riverside.example');
    const otherToken = /name="_csrf" value="([^"]+)"/.exec((await other.get('/tickets')).text)![1];
    expect((await new Client(t.app, pt.cookie, otherToken).post('/account/password', { current: 'wrong', password: 'another-long-password', confirm: 'another-long-password' })).status).toBe(403);
  });
});
