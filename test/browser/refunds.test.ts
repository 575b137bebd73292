import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { startFakeAuthorizeNet, FAKE_CREDENTIALS, type FakeAuthorizeNet } from '../support/fake-authorize-net.ts';

// The staff side of online payments in Chromium: a Practice Administrator refunds part of a portal
// payment from the ledger, then decides a payment held for review. The demo's two Authorize.net
// transactions (Amelia Taylor's, R-1015) exist in the local fake, settled and captured.

let h: BrowserHarness;
let fake: FakeAuthorizeNet;
beforeAll(async () => {
  fake = await startFakeAuthorizeNet();
  h = await startBrowserHarness({ config: { AUTHORIZE_NET_API_URL: fake.apiUrl, AUTHORIZE_NET_HOSTED_URL: fake.hostedUrl } });
  const transaction = { invoiceNumber: '', submitTimeUTC: '2026-11-01T15:00:00Z' };
  fake.transactions.set('40000000001', { ...transaction, transId: '40000000001', amount: '50.00', status: 'settledSuccessfully', invoiceNumber: 'DEMO-PAID-1' });
  fake.transactions.set('40000000002', { ...transaction, transId: '40000000002', amount: '3.00', status: 'settledSuccessfully', invoiceNumber: 'DEMO-HELD-1' });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('refunds and held payments in a browser', () => {
  it('an administrator refunds $20 of a portal payment, then posts a held payment to its case', { timeout: 180_000 }, async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@riverside.example');
    await page.goto('/settings/payments');
    await page.getByLabel('API Login ID').fill(FAKE_CREDENTIALS.apiLoginId);
    await page.getByLabel('Transaction Key').fill(FAKE_CREDENTIALS.transactionKey);
    await page.getByLabel('Signature Key').fill(FAKE_CREDENTIALS.signatureKey);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.search.includes('saved=1'));

    const patient = await h.t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1015').executeTakeFirstOrThrow();
    await page.goto(`/patients/${patient.id}`);
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$0.00');
    await page.getByRole('link', { name: 'Refund', exact: true }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/refunds/new'));
    await expectAccessible(page);
    await page.getByLabel('Amount to refund').fill('20');
    await page.getByLabel('Reason').fill('Visit billed twice');
    await page.getByRole('button', { name: 'Refund to the card' }).click();
    await expect.poll(() => page.getByText('The refund went through in Authorize.net').count()).toBe(1);
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$20.00');
    expect(await page.locator('#ledger').textContent()).toContain('Refunded to the card');
    await expectAccessible(page);
    expect(fake.transactionRequests().map((r) => (r.transactionRequest as { transactionType: string }).transactionType)).toEqual(['refundTransaction']);

    // The held payment: announced on the ledger, decided on its own page.
    await page.getByRole('link', { name: 'Post or refund it' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/settings/payments/held/'));
    await expectAccessible(page);
    await page.locator('#reason').fill('Patient confirmed a partial payment by phone');
    await page.getByRole('button', { name: 'Post payment' }).click();
    await expect.poll(() => page.getByTestId('held-outcome').count()).toBe(1);
    expect(await page.getByTestId('held-outcome').textContent()).toContain('Posted to the ledger by Adam Alvarez');
    await expectAccessible(page);
    await page.goto(`/patients/${patient.id}`);
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$17.00');
  });

  it('the refund page works at phone width', { timeout: 90_000 }, async () => {
    const page = await h.newPage({ width: 390, height: 844 });
    await h.signIn(page, 'owner@riverside.example');
    const entry = await h.t.db.selectFrom('ledger_entries').select(['id', 'patient_id']).where('external_ref', '=', 'anet:40000000001').executeTakeFirstOrThrow();
    await page.goto(`/patients/${entry.patient_id}/payments/${entry.id}/refunds/new`);
    expect(await page.getByRole('heading', { name: 'Refund a payment' }).count()).toBe(1);
    await expectAccessible(page);
  });
});
