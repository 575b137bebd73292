import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { PortalClient, dobForm, issueLink, patientByAccount, verifiedPortal } from './helpers.ts';
import { hashPortalToken } from '../../src/portal/links.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

const noStore = (res: { headers: Headers }) => expect(res.headers.get('cache-control')).toContain('no-store');

async function auditActions(patientId: number) {
  const rows = await t.db.selectFrom('audit_log').select(['action', 'actor_kind', 'details', 'practice_id']).where('record_type', '=', 'patient').where('record_id', '=', String(patientId)).orderBy('id').execute();
  return rows;
}

describe('patient portal', () => {
  it('asks for the date of birth before showing anything, and audits the view', async () => {
    const james = await patientByAccount(t, 'R-1004');
    const { token, id } = await issueLink(t, james);
    const stored = await t.db.selectFrom('portal_links').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(hashPortalToken(token));
    expect(stored.token_hash).not.toContain(token);

    const res = await new PortalClient(t).get(`/portal/${token}`);
    expect(res.status).toBe(200);
    noStore(res);
    expect(res.text).toContain('Date of birth');
    expect(res.text).toContain('Riverside Physical Therapy');
    expect(res.text).not.toContain('$100.00');
    expect(res.text).not.toContain('Carter');
    const audit = await auditActions(james.id);
    expect(audit.at(-1)).toMatchObject({ action: 'portal.link_opened', actor_kind: 'patient', practice_id: james.practice_id });
    expect(JSON.stringify(audit.at(-1)!.details)).not.toMatch(/1975|Carter|James/);
  });

  it('counts wrong dates of birth, locks after five for 15 minutes, then lets the right one in', async () => {
    const james = await patientByAccount(t, 'R-1004');
    const { token, id } = await issueLink(t, james);
    const client = new PortalClient(t);

    const garbage = await client.post(`/portal/${token}`, { month: 'x', day: '1', year: '75' });
    expect(garbage.status).toBe(422);
    expect(garbage.text).toContain('four-digit year');
    expect((await t.db.selectFrom('portal_links').select('failed_attempts').where('id', '=', id).executeTakeFirstOrThrow()).failed_attempts).toBe(0);

    for (let i = 1; i <= 4; i++) {
      const wrong = await client.post(`/portal/${token}`, dobForm('1975-09-29'));
      expect(wrong.status).toBe(422);
      noStore(wrong);
      expect(wrong.text).toContain('does not match');
      expect(wrong.text).toContain('value="29"');
      const row = await t.db.selectFrom('portal_links').select(['failed_attempts', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.failed_attempts).toBe(i);
      expect(row.locked_until).toBeNull();
    }
    const fifth = await client.post(`/portal/${token}`, dobForm('1975-09-29'));
    expect(fifth.text).toContain('Too many tries');
    const locked = await t.db.selectFrom('portal_links').select(['failed_attempts', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(locked.locked_until!.getTime()).toBe(t.clock.now().getTime() + 15 * 60_000);

    // Locked: even the right date does not open it, and the page says so.
    const right = await client.post(`/portal/${token}`, dobForm('1975-09-30'));
    expect(right.status).not.toBe(303);
    expect(right.text).toContain('Too many tries');
    expect(client.cookie).toBeUndefined();
    const view = await client.get(`/portal/${token}`);
    expect(view.text).toContain('Too many tries');
    expect(view.text).toContain('(555) 010-2000');
    noStore(view);

    t.clock.advanceMinutes(14);
    expect((await client.post(`/portal/${token}`, dobForm('1975-09-30'))).text).toContain('Too many tries');
    t.clock.advanceMinutes(1);
    const opened = await client.post(`/portal/${token}`, dobForm('1975-09-30'));
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/portal/account');
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toContain('Path=/portal');
    expect(cookie).toContain('HttpOnly');
    const after = await t.db.selectFrom('portal_links').select(['failed_attempts', 'last_verified_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(after.failed_attempts).toBe(0);
    expect(after.last_verified_at).not.toBeNull();

    const actions = (await auditActions(james.id)).map((a) => a.action);
    expect(actions.filter((a) => a === 'portal.dob_failed')).toHaveLength(4);
    expect(actions).toContain('portal.locked');
    expect(actions.filter((a) => a === 'portal.dob_refused').length).toBeGreaterThanOrEqual(2);
    expect(actions.at(-1)).toBe('portal.verified');
  });

  it('shows the practice, the balance per case and in total, and says to call the office without Authorize.net', async () => {
    const { client, patient } = await verifiedPortal(t, 'R-1004');
    const res = await client.get('/portal/account');
    expect(res.status).toBe(200);
    noStore(res);
    expect(res.text).toContain('Riverside Physical Therapy');
    expect(res.text).toContain('(555) 010-2000');
    expect(res.text).toContain('Lumbar strain');
    expect(res.text).toContain('$100.00');
    expect(res.text).toContain('call the office');
    expect(res.text).not.toContain('Pay online');
    expect(res.text).not.toContain('menu-bar');
    const viewed = (await auditActions(patient.id)).filter((a) => a.action === 'portal.viewed');
    expect(viewed.at(-1)).toMatchObject({ actor_kind: 'patient', practice_id: patient.practice_id });
    // Each view is one row, written by the page's own statement (src/portal/account.ts).
    await client.get('/portal/account');
    expect((await auditActions(patient.id)).filter((a) => a.action === 'portal.viewed')).toHaveLength(viewed.length + 1);
  });

  it('shows the payment history of this account only', async () => {
    const { client } = await verifiedPortal(t, 'R-1001');
    const res = await client.get('/portal/account');
    expect(res.text).toContain('Payment history');
    expect(res.text).toContain('At the office');
    expect(res.text).toContain('$45.00');
    // The same person's other account (the knee case) is a different portal.
    expect(res.text).not.toContain('knee');
    expect(res.text).not.toContain('$35.00');
  });

  it('says a link has expired after 30 days, with the office phone', async () => {
    const james = await patientByAccount(t, 'R-1004');
    const { token } = await issueLink(t, james);
    const newer = await issueLink(t, james);
    t.clock.advanceDays(31);
    try {
      const res = await new PortalClient(t).get(`/portal/${token}`);
      expect(res.text).toContain('This link has expired');
      expect(res.text).toContain('(555) 010-2000');
      noStore(res);
      const tried = await new PortalClient(t).post(`/portal/${newer.token}`, dobForm('1975-09-30'));
      expect(tried.status).toBe(422);
      expect(tried.text).toContain('This link has expired');
    } finally {
      t.clock.advanceDays(-31);
    }
  });

  it('an older unexpired link keeps working after a newer one is issued', async () => {
    const james = await patientByAccount(t, 'R-1004');
    const older = await issueLink(t, james);
    await issueLink(t, james);
    const res = await new PortalClient(t).post(`/portal/${older.token}`, dobForm('1975-09-30'));
    expect(res.status).toBe(303);
  });

  it('a token from another practice shows only that practice’s patient', async () => {
    const summitPatient = await t.db.selectFrom('patients').selectAll().where('account_number', '=', 'S-5001').executeTakeFirstOrThrow();
    const { token } = await issueLink(t, summitPatient);
    // James's date of birth does not open a Summit patient's link.
    const wrong = await new PortalClient(t).post(`/portal/${token}`, dobForm('1975-09-30'));
    expect(wrong.status).toBe(422);
    const { client } = await verifiedPortal(t, 'S-5001');
    const res = await client.get('/portal/account');
    expect(res.text).toContain('Summit Sports Rehab');
    expect(res.text).toContain('(555) 010-3000');
    expect(res.text).not.toContain('Riverside');
    expect(res.text).not.toContain('Lumbar strain');
    // Unknown tokens answer "not valid", never another practice's page.
    const forged = await new PortalClient(t).get(`/portal/${token.slice(0, -2)}xx`);
    expect(forged.status).toBe(404);
    expect(forged.text).toContain('not valid');
    noStore(forged);
  });

  it('no other patient is reachable by changing an id', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const maria = await patientByAccount(t, 'R-1002');
    const mariaCase = await t.db.selectFrom('cases').select('id').where('patient_id', '=', maria.id).executeTakeFirstOrThrow();
    const withIds = await client.get(`/portal/account?patient_id=${maria.id}&patientId=${maria.id}&case_id=${mariaCase.id}`);
    expect(withIds.text).toContain('Lumbar strain');
    expect(withIds.text).not.toContain('knee');
    // A payment request for Maria's case from James's session is refused.
    const csrf = PortalClient.csrfOf(withIds.text);
    const pay = await client.post('/portal/payments', { _csrf: csrf, case_id: String(mariaCase.id), amount: '10.00' });
    expect(pay.status).toBe(422);
    expect(await t.db.selectFrom('payment_requests').select('id').where('case_id', '=', mariaCase.id).execute()).toHaveLength(0);
    // Another patient's payment request by its reference: not found.
    await t.db
      .insertInto('payment_requests')
      .values({ practice_id: maria.practice_id, patient_id: maria.id, case_id: mariaCase.id, ref_id: 'PMARIAREF00000001', amount_cents: 100, created_at: t.clock.now(), updated_at: t.clock.now() })
      .execute();
    const other = await client.get('/portal/payments/PMARIAREF00000001');
    expect(other.status).toBe(404);
    noStore(other);
    await client.get('/portal/cancel?ref=PMARIAREF00000001');
    expect((await t.db.selectFrom('payment_requests').select('status').where('ref_id', '=', 'PMARIAREF00000001').executeTakeFirstOrThrow()).status).toBe('pending');
  });

  it('every portal response is no-store, with or without a session', async () => {
    const anon = new PortalClient(t);
    for (const path of ['/portal/account', '/portal/payments/PX', '/portal/return?ref=nothing', '/portal/cancel?ref=x', '/portal/nope/deeper', '/portal']) {
      const res = await anon.get(path);
      noStore(res);
      expect(res.text).not.toContain('$');
    }
    const { client } = await verifiedPortal(t, 'R-1004');
    const page = await client.get('/portal/account');
    noStore(page);
    const out = await client.post('/portal/sign-out', { _csrf: PortalClient.csrfOf(page.text) });
    noStore(out);
    expect(out.text).toContain('session has ended');
    const after = await client.get('/portal/account');
    expect(after.text).not.toContain('$100.00');
  });

  it('the portal session expires after 15 idle minutes', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    t.clock.advanceMinutes(16);
    const res = await client.get('/portal/account');
    expect(res.text).toContain('session has ended');
    expect(res.text).not.toContain('$100.00');
  });

  it('a portal post without its form token is refused', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const res = await client.post('/portal/payments', { case_id: '1', amount: '1.00' });
    expect(res.status).toBe(403);
  });
});
