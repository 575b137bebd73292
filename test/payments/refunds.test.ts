import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { startFakeAuthorizeNet, FAKE_CREDENTIALS, type FakeAuthorizeNet } from '../support/fake-authorize-net.ts';
import { PortalClient, verifiedPortal } from '../portal/helpers.ts';

// Refunds and voids of portal payments, and payments held for review, against the local
// Authorize.net that speaks its JSON API (element order, refusals and settlement included).

let t: TestContext;
let fake: FakeAuthorizeNet;

beforeAll(async () => {
  fake = await startFakeAuthorizeNet();
  t = await createTestContext({ config: { AUTHORIZE_NET_API_URL: fake.apiUrl, AUTHORIZE_NET_HOSTED_URL: fake.hostedUrl } });
  const admin = await t.as('admin@riverside.example');
  const saved = await admin.post('/settings/payments', {
    api_login_id: FAKE_CREDENTIALS.apiLoginId,
    transaction_key: FAKE_CREDENTIALS.transactionKey,
    signature_key: FAKE_CREDENTIALS.signatureKey,
  });
  expect(saved.status).toBe(303);
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

/** A patient pays online through the portal; the webhook posts it. Returns the ledger row and the transaction. */
async function portalPayment(account: string, amount: string, opts: { capturedAmount?: string } = {}) {
  const { client, patient } = await verifiedPortal(t, account);
  const page = await client.get('/portal/account');
  const caseId = /<option value="(\d+)"/.exec(page.text)![1];
  const started = await client.post('/portal/payments', { _csrf: PortalClient.csrfOf(page.text), case_id: caseId, amount });
  expect(started.status).toBe(303);
  const form = await client.get(started.location!);
  const token = /name="token" value="([^"]+)"/.exec(form.text)![1];
  const paid = fake.pay(token, { amount: opts.capturedAmount });
  const hook = await t.app.request(`http://localhost:3000/webhooks/authorize-net/${patient.practice_id}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-ANET-Signature': paid.webhook.signature },
    body: paid.webhook.body,
  });
  expect(hook.status).toBe(200);
  const entry = await t.db.selectFrom('ledger_entries').selectAll().where('external_ref', '=', `anet:${paid.transId}`).executeTakeFirst();
  return { client, patient, transId: paid.transId, entry, ref: started.location!.split('/').pop()! };
}

async function balanceOf(patientId: number) {
  return (await t.db.selectFrom('patients').select('balance_cents').where('id', '=', patientId).executeTakeFirstOrThrow()).balance_cents;
}

async function refundForm(email: string, patientId: number, entryId: number) {
  const page = await (await t.as(email)).get(`/patients/${patientId}/payments/${entryId}/refunds/new`);
  return { page, key: /name="key" value="([^"]+)"/.exec(page.text)?.[1] ?? '' };
}

describe('refunding a portal payment from the ledger', () => {
  it('a settled payment is refunded in part: Authorize.net gets the card’s last four, the ledger and the portal show it at once', async () => {
    const { patient, transId, entry, client } = await portalPayment('R-1004', '40.00');
    expect(entry).toBeTruthy();
    fake.settle(transId);
    const before = await balanceOf(patient.id);

    const account = await (await t.as('admin@riverside.example')).get(`/patients/${patient.id}`);
    expect(account.text).toContain(`/patients/${patient.id}/payments/${entry!.id}/refunds/new`);
    const { page, key } = await refundForm('admin@riverside.example', patient.id, entry!.id);
    expect(page.status).toBe(200);
    expect(page.text).toContain('value="40.00"');

    const sent = fake.transactionRequests().length;
    const res = await (await t.as('admin@riverside.example')).post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key, amount: '15.00', reason: 'Charged twice for the visit' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/patients/${patient.id}?refunded=refund#ledger`);

    const calls = fake.transactionRequests().slice(sent);
    expect(calls).toHaveLength(1);
    const tr = calls[0].transactionRequest as Record<string, unknown>;
    expect(tr).toEqual({ transactionType: 'refundTransaction', amount: '15.00', payment: { creditCard: { cardNumber: '1111', expirationDate: 'XXXX' } }, refTransId: transId });

    expect(await balanceOf(patient.id)).toBe(before + 1500);
    const refundRow = await t.db.selectFrom('ledger_entries').selectAll().where('patient_id', '=', patient.id).where('kind', '=', 'refund').executeTakeFirstOrThrow();
    expect(refundRow).toMatchObject({ amount_cents: 1500, case_id: entry!.case_id });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'payment.refunded').where('record_id', '=', String(patient.id)).execute();
    expect(audit).toHaveLength(1);

    const portal = await client.get('/portal/account');
    expect(portal.text).toContain('Refunded to your card');
    expect(portal.text).toContain('−$15.00');

    // The rest can still be refunded, but not a cent more.
    const second = await refundForm('admin@riverside.example', patient.id, entry!.id);
    expect(second.page.text).toContain('value="25.00"');
    const over = await (await t.as('admin@riverside.example')).post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key: second.key, amount: '25.01', reason: 'Too much' });
    expect(over.status).toBe(422);
    expect(over.text).toContain('At most $25.00 of this payment can be refunded.');
    expect(over.text).toContain('value="25.01"');
    expect(over.text).toContain('Too much');
    expect(fake.transactionRequests().length).toBe(sent + 1);
  });

  it('the same form sent twice (a double click, a retry) refunds once', async () => {
    const { patient, transId, entry } = await portalPayment('R-1004', '20.00');
    fake.settle(transId);
    const before = await balanceOf(patient.id);
    const { key } = await refundForm('admin@riverside.example', patient.id, entry!.id);
    const sent = fake.transactionRequests().length;
    const admin = await t.as('admin@riverside.example');
    const form = { key, amount: '20.00', reason: 'Patient moved away' };
    const [a, b] = await Promise.all([
      admin.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, form),
      admin.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, form),
    ]);
    const again = await admin.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, form);
    expect([a.status, b.status, again.status]).toEqual([303, 303, 303]);
    expect(fake.transactionRequests().length).toBe(sent + 1);
    expect(await balanceOf(patient.id)).toBe(before + 2000);
    const rows = await t.db.selectFrom('payment_refunds').selectAll().where('request_key', '=', key).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('done');
  });

  it('an unsettled payment can only be voided whole; voiding it restores the balance', async () => {
    const { patient, transId, entry } = await portalPayment('R-1004', '12.00');
    const before = await balanceOf(patient.id);
    const admin = await t.as('admin@riverside.example');
    const part = await refundForm('admin@riverside.example', patient.id, entry!.id);
    const refused = await admin.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key: part.key, amount: '5.00', reason: 'Partial' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('can only be voided whole');
    expect(await balanceOf(patient.id)).toBe(before);

    const whole = await refundForm('admin@riverside.example', patient.id, entry!.id);
    const sent = fake.transactionRequests().length;
    const voided = await admin.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key: whole.key, amount: '12.00', reason: 'Wrong card' });
    expect(voided.status).toBe(303);
    expect(fake.transactionRequests().slice(sent)).toEqual([{ merchantAuthentication: expect.anything(), refId: expect.stringMatching(/^rf\d+$/), transactionRequest: { transactionType: 'voidTransaction', refTransId: transId } }]);
    expect(fake.transactions.get(transId)!.status).toBe('voided');
    expect(await balanceOf(patient.id)).toBe(before + 1200);
    // Nothing is left to refund: the ledger offers no Refund link on it any more.
    const account = await admin.get(`/patients/${patient.id}`);
    expect(account.text).not.toContain(`/payments/${entry!.id}/refunds/new`);
  });

  it('a refusal by Authorize.net keeps the ledger as it was and says why', async () => {
    const { patient, transId, entry } = await portalPayment('R-1004', '9.00');
    fake.settle(transId);
    // Someone refunded it in the merchant interface already: Authorize.net refuses a second credit.
    fake.transactions.set('59999999999', { transId: '59999999999', amount: '9.00', invoiceNumber: '', status: 'refundPendingSettlement', submitTimeUTC: '', refTransId: transId, type: 'refundTransaction' });
    const before = await balanceOf(patient.id);
    const { key } = await refundForm('admin@riverside.example', patient.id, entry!.id);
    const res = await (await t.as('admin@riverside.example')).post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key, amount: '9.00', reason: 'Duplicate' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('would exceed original debit amount');
    expect(await balanceOf(patient.id)).toBe(before);
    const row = await t.db.selectFrom('payment_refunds').selectAll().where('request_key', '=', key).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.ledger_entry_id).toBeNull();
  });

  it('is for Practice Administrators and above, and their own practice only', async () => {
    const { patient, transId, entry } = await portalPayment('R-1004', '7.00');
    fake.settle(transId);
    const { key } = await refundForm('admin@riverside.example', patient.id, entry!.id);
    for (const email of ['director@riverside.example', 'frontdesk@riverside.example', 'admin@summit.example']) {
      const client = await t.as(email);
      expect((await client.get(`/patients/${patient.id}/payments/${entry!.id}/refunds/new`)).status).toBe(404);
      expect((await client.post(`/patients/${patient.id}/payments/${entry!.id}/refunds`, { key, amount: '7.00', reason: 'Not mine to do' })).status).toBe(404);
      expect((await client.get(`/patients/${patient.id}`)).text).not.toContain('/refunds/new');
    }
    expect(await t.db.selectFrom('payment_refunds').selectAll().where('request_key', '=', key).execute()).toHaveLength(0);
    // A desk payment is not an Authorize.net transaction: no refund page for it.
    const desk = await t.db.selectFrom('ledger_entries').select(['id', 'patient_id']).where('kind', '=', 'payment').where('source', '=', 'desk').executeTakeFirstOrThrow();
    expect((await (await t.as('owner@riverside.example')).get(`/patients/${desk.patient_id}/payments/${desk.id}/refunds/new`)).status).toBe(404);
  });
});

describe('payments held for review', () => {
  it('a captured amount that differs from the request is held; an administrator posts it to a case with a reason', async () => {
    const { patient, ref } = await portalPayment('R-1004', '30.00', { capturedAmount: '3.00' });
    const request = await t.db.selectFrom('payment_requests').selectAll().where('ref_id', '=', ref).executeTakeFirstOrThrow();
    expect(request.status).toBe('review');
    const before = await balanceOf(patient.id);

    const admin = await t.as('admin@riverside.example');
    const account = await admin.get(`/patients/${patient.id}`);
    expect(account.text).toContain(`/settings/payments/held/${request.id}`);
    const page = await admin.get(`/settings/payments/held/${request.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Authorize.net captured $3.00 for a request of $30.00');

    const missing = await admin.post(`/settings/payments/held/${request.id}/posting`, { case_id: String(request.case_id), reason: '' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Say why');
    expect(await balanceOf(patient.id)).toBe(before);

    const posted = await admin.post(`/settings/payments/held/${request.id}/posting`, { case_id: String(request.case_id), reason: 'Patient paid part by phone; amount confirmed' });
    expect(posted.status).toBe(303);
    expect(await balanceOf(patient.id)).toBe(before - 300);
    const after = await t.db.selectFrom('payment_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'paid', posted_via: 'staff', resolution_note: 'Patient paid part by phone; amount confirmed' });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'payment.review_posted').execute();
    expect(audit.map((a) => a.record_id)).toContain(String(patient.id));
    // Decided once: a second decision is refused.
    const again = await admin.post(`/settings/payments/held/${request.id}/posting`, { case_id: String(request.case_id), reason: 'Again' });
    expect(again.status).toBe(422);
    expect(await balanceOf(patient.id)).toBe(before - 300);
    expect((await admin.get(`/settings/payments/held/${request.id}`)).text).toContain('Posted to the ledger by Adam Alvarez');
  });

  it('or gives it back whole: a void before settlement, nothing posted, the request marked refunded', async () => {
    const { patient, ref, transId } = await portalPayment('R-1004', '30.00', { capturedAmount: '31.00' });
    const request = await t.db.selectFrom('payment_requests').selectAll().where('ref_id', '=', ref).executeTakeFirstOrThrow();
    expect(request.status).toBe('review');
    const before = await balanceOf(patient.id);
    const admin = await t.as('admin@riverside.example');
    const page = await admin.get(`/settings/payments/held/${request.id}`);
    const key = /name="key" value="([^"]+)"/.exec(page.text)![1];
    const res = await admin.post(`/settings/payments/held/${request.id}/refunds`, { key, refund_reason: 'Amount does not match any bill' });
    expect(res.status, /field-error[^>]*>([^<]*)/.exec(res.text)?.[1]).toBe(303);
    expect(fake.transactions.get(transId)!.status).toBe('voided');
    expect(await balanceOf(patient.id)).toBe(before);
    expect((await t.db.selectFrom('payment_requests').select('status').where('id', '=', request.id).executeTakeFirstOrThrow()).status).toBe('refunded');
    expect((await admin.get(`/settings/payments/held/${request.id}`)).text).toContain('Refunded to the card by Adam Alvarez');
    // Front desk and other practices cannot see it.
    expect((await (await t.as('frontdesk@riverside.example')).get(`/settings/payments/held/${request.id}`)).status).toBe(404);
    expect((await (await t.as('admin@summit.example')).get(`/settings/payments/held/${request.id}`)).status).toBe(404);
  });
});
