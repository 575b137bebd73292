import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { startFakeAuthorizeNet, FAKE_CREDENTIALS, type FakeAuthorizeNet } from '../support/fake-authorize-net.ts';
import { PortalClient, verifiedPortal } from '../portal/helpers.ts';
import { signWebhookBody } from '../../src/payments/authorize-net.ts';

let t: TestContext;
let fake: FakeAuthorizeNet;

beforeAll(async () => {
  fake = await startFakeAuthorizeNet();
  t = await createTestContext({ config: { AUTHORIZE_NET_API_URL: fake.apiUrl, AUTHORIZE_NET_HOSTED_URL: fake.hostedUrl } });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const credentialsForm = {
  api_login_id: FAKE_CREDENTIALS.apiLoginId,
  transaction_key: FAKE_CREDENTIALS.transactionKey,
  signature_key: FAKE_CREDENTIALS.signatureKey,
};

async function portalPayments(account = 'R-1004') {
  const rows = await t.db
    .selectFrom('ledger_entries')
    .innerJoin('patients', 'patients.id', 'ledger_entries.patient_id')
    .select(['ledger_entries.id', 'ledger_entries.amount_cents', 'ledger_entries.external_ref', 'ledger_entries.case_id', 'ledger_entries.source'])
    .where('patients.account_number', '=', account)
    .where('ledger_entries.kind', '=', 'payment')
    .where('ledger_entries.source', '=', 'portal')
    .execute();
  return rows;
}

/** Through the portal: pick an amount, get the hosted form; returns the token the form carries. */
async function startPayment(client: PortalClient, amount: string): Promise<{ token: string; ref: string; page: string }> {
  const account = await client.get('/portal/account');
  const caseId = /<option value="(\d+)"/.exec(account.text)![1];
  const res = await client.post('/portal/payments', { _csrf: PortalClient.csrfOf(account.text), case_id: caseId, amount });
  expect(res.status).toBe(303);
  const ref = res.location!.split('/').pop()!;
  const page = await client.get(res.location!);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toContain('no-store');
  const match = /name="token" value="([^"]+)"/.exec(page.text);
  if (!match) throw new Error(`no hosted form token on the page: ${/<main[\s\S]*<\/main>/.exec(page.text)?.[0]}`);
  const token = match[1];
  return { token, ref, page: page.text };
}

function postWebhook(body: string, signature?: string, path = '/webhooks/authorize-net') {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature) headers['X-ANET-Signature'] = signature;
  return t.app.request(`http://localhost:3000${path}`, { method: 'POST', headers, body });
}

describe('Settings → Credit Card Processing', () => {
  it('is for Practice Administrators and above', async () => {
    for (const email of ['director@riverside.example', 'frontdesk@riverside.example']) {
      const res = await (await t.as(email)).get('/settings/payments');
      expect(res.status).toBe(404);
      const post = await (await t.as(email)).post('/settings/payments', credentialsForm);
      expect(post.status).toBe(404);
    }
    expect(await t.db.selectFrom('payment_settings').selectAll().execute()).toHaveLength(0);
  });

  it('refuses malformed keys at each field and keeps nothing', async () => {
    const admin = await t.as('admin@riverside.example');
    const res = await admin.post('/settings/payments', { api_login_id: 'ab', transaction_key: 'short', signature_key: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('6 to 25 letters and digits');
    expect(res.text).toContain('16 letters and digits');
    expect(res.text).toContain('Enter the Signature Key');
    expect(await t.db.selectFrom('payment_settings').selectAll().execute()).toHaveLength(0);
  });

  it('stores the credentials encrypted, shows only their last four, audits, and tests the connection', async () => {
    const admin = await t.as('admin@riverside.example');
    const saved = await admin.post('/settings/payments', credentialsForm);
    expect(saved.status).toBe(303);
    const row = await t.db.selectFrom('payment_settings').selectAll().executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(FAKE_CREDENTIALS.transactionKey);
    expect(stored).not.toContain(FAKE_CREDENTIALS.signatureKey);
    expect(stored).not.toContain(FAKE_CREDENTIALS.apiLoginId);
    expect(row.transaction_key_last4).toBe('1234');

    const page = await admin.get('/settings/payments');
    expect(page.text).toContain('ending in 1234');
    expect(page.text).not.toContain(FAKE_CREDENTIALS.transactionKey);
    expect(page.text).not.toContain(FAKE_CREDENTIALS.signatureKey);
    expect(page.text).toContain('Sandbox');
    expect(page.text).toContain(`/webhooks/authorize-net/${row.practice_id}`);

    const audit = await t.db.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'payments.%').execute();
    expect(audit.map((a) => a.action)).toContain('payments.settings_created');
    expect(JSON.stringify(audit)).not.toContain(FAKE_CREDENTIALS.transactionKey);

    const tested = await admin.post('/settings/payments/connection-test');
    expect(tested.status).toBe(303);
    expect(fake.requests.at(-1)!.root).toBe('authenticateTestRequest');
    const after = await admin.get('/settings/payments');
    expect(after.text).toContain('Connected to Authorize.net (sandbox)');
    expect((await t.db.selectFrom('payment_settings').select('last_test_ok').executeTakeFirstOrThrow()).last_test_ok).toBe(true);
  });

  it('a wrong transaction key fails the connection test with Authorize.net’s reason; blank fields keep the stored ones', async () => {
    const admin = await t.as('admin@riverside.example');
    expect((await admin.post('/settings/payments', { transaction_key: 'WRONGtransKEY999' })).status).toBe(303);
    const row = await t.db.selectFrom('payment_settings').selectAll().executeTakeFirstOrThrow();
    expect(row.transaction_key_last4).toBe('Y999');
    expect(row.signature_key_last4).toBe(FAKE_CREDENTIALS.signatureKey.slice(-4));
    await admin.post('/settings/payments/connection-test');
    const page = await admin.get('/settings/payments');
    expect(page.text).toContain('E00007');
    expect((await admin.post('/settings/payments', { transaction_key: FAKE_CREDENTIALS.transactionKey })).status).toBe(303);
    const audit = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'payments.settings_changed').execute();
    expect(audit).toHaveLength(2);
  });
});

describe('paying through Accept Hosted', () => {
  it('requests a hosted form token after the identity check and shows a real form to Authorize.net', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const account = await client.get('/portal/account');
    expect(account.text).toContain('Pay online');
    expect(account.text).not.toContain('call the office at');
    const before = fake.requests.length;
    const { token, ref, page } = await startPayment(client, '100.00');
    const request = fake.requests.slice(before).find((r) => r.root === 'getHostedPaymentPageRequest')!;
    expect(request).toBeTruthy();
    const tr = request.body.transactionRequest as { amount: string; order: { invoiceNumber: string } };
    expect(tr.amount).toBe('100.00');
    expect(tr.order.invoiceNumber).toBe(ref);
    expect(fake.tokens.get(token)!.returnUrl).toBe(`http://localhost:3000/portal/return?ref=${ref}`);
    expect(page).toContain(`action="${fake.hostedUrl}"`);
    expect(page).toContain('Continue to secure payment');
    expect(page).not.toMatch(/<script(?! src)/);
  });

  it('refuses an amount above the case balance or not above zero', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const account = await client.get('/portal/account');
    const caseId = /<option value="(\d+)"/.exec(account.text)![1];
    for (const amount of ['100.01', '0', '-5', 'ten']) {
      const res = await client.post('/portal/payments', { _csrf: PortalClient.csrfOf(account.text), case_id: caseId, amount });
      expect(res.status).toBe(422);
      expect(res.text).toContain(`value="${amount}"`);
    }
  });

  it('a forged or unsigned webhook is refused with 401, logged, and changes nothing', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const { token } = await startPayment(client, '10.00');
    const paid = fake.pay(token);
    const forged = fake.webhookFor(paid.transId, { signatureKey: 'CD'.repeat(64) });
    expect((await postWebhook(forged.body, forged.signature)).status).toBe(401);
    expect((await postWebhook(paid.webhook.body)).status).toBe(401);
    // A body changed after signing.
    const tampered = paid.webhook.body.replace(paid.transId, '60000000000');
    expect((await postWebhook(tampered, paid.webhook.signature)).status).toBe(401);
    expect(t.logLines.some((l) => l.includes('signature does not match'))).toBe(true);
    expect(await portalPayments()).toHaveLength(0);
    expect(await t.db.selectFrom('webhook_events').selectAll().where('provider', '=', 'authorize-net').execute()).toHaveLength(0);
    // The real one, later, posts it.
    const good = await postWebhook(paid.webhook.body, paid.webhook.signature);
    expect(good.status).toBe(200);
    expect(await portalPayments()).toHaveLength(1);
  });

  it('a good webhook posts the payment to the case once; a duplicate posts nothing more', async () => {
    const { client, patient } = await verifiedPortal(t, 'R-1004');
    const { token, ref } = await startPayment(client, '15.00');
    const before = (await portalPayments()).length;
    const paid = fake.pay(token);
    const first = await postWebhook(paid.webhook.body, paid.webhook.signature, `/webhooks/authorize-net/${patient.practice_id}`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ outcome: 'posted' });
    const again = await postWebhook(paid.webhook.body, paid.webhook.signature);
    expect(await again.json()).toEqual({ outcome: 'duplicate' });
    // A second notification about the same transaction (new notificationId) is also harmless.
    const resent = fake.webhookFor(paid.transId);
    expect(await (await postWebhook(resent.body, resent.signature)).json()).toEqual({ outcome: 'already_posted' });
    const rows = (await portalPayments()).filter((r) => r.external_ref === `anet:${paid.transId}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount_cents: 1500, source: 'portal' });
    expect(await portalPayments()).toHaveLength(before + 1);
    const request = await t.db.selectFrom('payment_requests').selectAll().where('ref_id', '=', ref).executeTakeFirstOrThrow();
    expect(request).toMatchObject({ status: 'paid', trans_id: paid.transId, posted_via: 'webhook', ledger_entry_id: rows[0].id });
    expect(rows[0].case_id).toBe(request.case_id);
    // Visible at once in the portal.
    const account = await client.get('/portal/account');
    expect(account.text).toContain('Online');
    expect(account.text).toContain('$15.00');
  });

  it('webhook and return racing post exactly one ledger payment', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const { token, ref } = await startPayment(client, '20.00');
    const paid = fake.pay(token);
    const [hook, back] = await Promise.all([postWebhook(paid.webhook.body, paid.webhook.signature), client.get(`/portal/return?ref=${ref}`)]);
    expect(hook.status).toBe(200);
    expect(back.status).toBe(303);
    expect(back.location).toBe('/portal/account?paid=1');
    const rows = (await portalPayments()).filter((r) => r.external_ref === `anet:${paid.transId}`);
    expect(rows).toHaveLength(1);
    // Repeated returns change nothing either.
    await Promise.all([client.get(`/portal/return?ref=${ref}`), client.get(`/portal/return?ref=${ref}`)]);
    expect((await portalPayments()).filter((r) => r.external_ref === `anet:${paid.transId}`)).toHaveLength(1);
  });

  it('the return alone posts the payment (found by its reference) and the portal and staff ledger show it', async () => {
    const { client, patient } = await verifiedPortal(t, 'R-1004');
    const before = await client.get('/portal/account');
    const balanceBefore = /data-testid="balance-total">\$([\d.,]+)/.exec(before.text)![1];
    const { token, ref } = await startPayment(client, '5.00');
    fake.pay(token);
    const back = await client.get(`/portal/return?ref=${ref}`);
    expect(back.location).toBe('/portal/account?paid=1');
    const page = await client.get(back.location!);
    expect(page.text).toContain('Thank you');
    const after = /data-testid="balance-total">\$([\d.,]+)/.exec(page.text)![1];
    expect(Number(balanceBefore) - Number(after)).toBeCloseTo(5, 2);
    const request = await t.db.selectFrom('payment_requests').selectAll().where('ref_id', '=', ref).executeTakeFirstOrThrow();
    expect(request.posted_via).toBe('return');
    const staffRow = await t.db.selectFrom('ledger_entries').selectAll().where('id', '=', request.ledger_entry_id!).executeTakeFirstOrThrow();
    expect(staffRow).toMatchObject({ patient_id: patient.id, kind: 'payment', amount_cents: 500, source: 'portal' });
  });

  it('a return before Authorize.net knows the transaction says it is being recorded, posting nothing', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const { ref } = await startPayment(client, '1.00');
    const anonymous = new PortalClient(t);
    const res = await anonymous.get(`/portal/return?ref=${ref}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('being recorded');
    expect((await t.db.selectFrom('payment_requests').select('status').where('ref_id', '=', ref).executeTakeFirstOrThrow()).status).toBe('pending');
    // Authorize.net's cancel link is a GET: it shows a button, and the button's POST cancels.
    const confirm = await client.get(`/portal/cancel?ref=${ref}`);
    expect((await t.db.selectFrom('payment_requests').select('status').where('ref_id', '=', ref).executeTakeFirstOrThrow()).status).toBe('pending');
    const cancelled = await client.post('/portal/cancel', { ref, _csrf: PortalClient.csrfOf(confirm.text) });
    expect(cancelled.location).toBe('/portal/account?cancelled=1');
    expect((await t.db.selectFrom('payment_requests').select('status').where('ref_id', '=', ref).executeTakeFirstOrThrow()).status).toBe('cancelled');
  });

  it('a captured amount that differs from the request is held for review, not posted', async () => {
    const { client } = await verifiedPortal(t, 'R-1004');
    const { token, ref } = await startPayment(client, '2.00');
    const before = (await portalPayments()).length;
    const paid = fake.pay(token, { amount: '1.00' });
    const res = await postWebhook(paid.webhook.body, paid.webhook.signature);
    expect(await res.json()).toEqual({ outcome: 'mismatch' });
    expect(await portalPayments()).toHaveLength(before);
    const request = await t.db.selectFrom('payment_requests').selectAll().where('ref_id', '=', ref).executeTakeFirstOrThrow();
    expect(request.status).toBe('review');
    const admin = await (await t.as('admin@riverside.example')).get('/settings/payments');
    expect(admin.text).toContain('Needs review');
    expect(admin.text).toContain(paid.transId);
    expect(admin.text).toContain('Posted (webhook)');
  });

  it('when Authorize.net refuses the token request, the patient is told to call the office', async () => {
    const admin = await t.as('admin@riverside.example');
    await admin.post('/settings/payments', { transaction_key: 'WRONGtransKEY999' });
    try {
      const { client } = await verifiedPortal(t, 'R-1004');
      const account = await client.get('/portal/account');
      const caseId = /<option value="(\d+)"/.exec(account.text)![1];
      const res = await client.post('/portal/payments', { _csrf: PortalClient.csrfOf(account.text), case_id: caseId, amount: '3.00' });
      const page = await client.get(res.location!);
      expect(page.text).toContain('not available right now');
      expect(page.text).toContain('(555) 010-2000');
      expect(page.text).not.toContain('name="token"');
    } finally {
      await admin.post('/settings/payments', { transaction_key: FAKE_CREDENTIALS.transactionKey });
    }
  });

  it('a webhook signed with another practice’s key cannot post this practice’s payment', async () => {
    const summitAdmin = await t.as('admin@summit.example');
    const summitKey = 'EF'.repeat(64);
    expect((await summitAdmin.post('/settings/payments', { api_login_id: 'summitLogin1', transaction_key: 'SUMMITtransKEY12', signature_key: summitKey })).status).toBe(303);
    try {
      const { client, patient } = await verifiedPortal(t, 'R-1004');
      const { token } = await startPayment(client, '4.00');
      const before = (await portalPayments()).length;
      const paid = fake.pay(token);
      const signedBySummit = fake.webhookFor(paid.transId, { signatureKey: summitKey });
      // Matched to Summit: looked up with Summit's credentials, so nothing of Riverside's is posted.
      const bare = await postWebhook(signedBySummit.body, signedBySummit.signature);
      expect(bare.status).not.toBe(200);
      // Sent to Riverside's URL, Summit's signature does not verify at all.
      expect((await postWebhook(signedBySummit.body, signedBySummit.signature, `/webhooks/authorize-net/${patient.practice_id}`)).status).toBe(401);
      expect(await portalPayments()).toHaveLength(before);
      // Riverside's own signature on the bare URL finds Riverside among several configured practices.
      expect(await (await postWebhook(paid.webhook.body, paid.webhook.signature)).json()).toEqual({ outcome: 'posted' });
    } finally {
      await summitAdmin.post('/settings/payments/removal');
    }
    expect(await t.db.selectFrom('payment_settings').selectAll().execute()).toHaveLength(1);
  });

  it('signatures are sha512= and uppercase hex of the raw body', () => {
    const sig = signWebhookBody('key', '{}');
    expect(sig).toMatch(/^sha512=[0-9A-F]{128}$/);
  });

  it('a practice without Authorize.net offers no online payment', async () => {
    const { client } = await verifiedPortal(t, 'S-5003');
    const page = await client.get('/portal/account');
    expect(page.text).toContain('$120.00');
    expect(page.text).not.toContain('Pay online');
    expect(page.text).toContain('call the office at');
    expect(page.text).toContain('(555) 010-3000');
    const res = await client.post('/portal/payments', { _csrf: PortalClient.csrfOf(page.text), case_id: '1', amount: '1.00' });
    expect(res.status).toBe(422);
  });
});
