import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { startFakeAuthorizeNet, FAKE_CREDENTIALS, type FakeAuthorizeNet } from '../support/fake-authorize-net.ts';
import { issuePortalLink } from '../../src/portal/links.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';
import { savePaymentSettings } from '../../src/payments/settings.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';

let h: BrowserHarness;
let fake: FakeAuthorizeNet;

beforeAll(async () => {
  fake = await startFakeAuthorizeNet();
  h = await startBrowserHarness({ config: { AUTHORIZE_NET_API_URL: fake.apiUrl, AUTHORIZE_NET_HOSTED_URL: fake.hostedUrl } });
  // Links, return URLs and webhooks must point at the port the browser talks to.
  h.t.config.publicUrl = h.baseUrl;
  fake.webhookUrl = `${h.baseUrl}/webhooks/authorize-net`;
  const admin = await h.t.db.selectFrom('users').selectAll().where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
  const saved = await savePaymentSettings(
    h.t.db,
    h.t.config,
    await loadActor(h.t.db, admin),
    { api_login_id: FAKE_CREDENTIALS.apiLoginId, transaction_key: FAKE_CREDENTIALS.transactionKey, signature_key: FAKE_CREDENTIALS.signatureKey },
    h.t.clock.now(),
  );
  expect(saved.ok).toBe(true);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function patient(account: string) {
  return h.t.db.selectFrom('patients').selectAll().where('account_number', '=', account).executeTakeFirstOrThrow();
}

describe('patient portal in a browser', () => {
  it('James follows his balance alert from the captured messages, enters his date of birth, pays $100.00 and sees $0.00', async () => {
    // The demo's alert to James went out 4 days ago; a month later the run sends the next one,
    // with a new portal link, and Sent Messages shows it.
    h.t.clock.advanceDays(32);
    expect(await runBalanceAlerts(h.t.db, h.t.clock.now(), h.baseUrl)).toBeGreaterThan(0);
    // Captured (no provider): the sent row keeps the live link (issue 12), so the newcomer can follow it.
    await drainOutbox(h.t.db, h.t.clock.now(), capturedTransports);
    const staff = await h.newPage();
    await h.signIn(staff, 'root@stratapt.example');
    await staff.goto('/vendor/messages?recipient=james.carter%40example.com&kind=balance_alert');
    const link = staff.locator(`a[href^="${h.baseUrl}/portal/"]`).first();
    const href = await link.getAttribute('href');
    expect(href).toContain(`${h.baseUrl}/portal/`);

    // The patient's phone.
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(href!);
    await expect.poll(() => page.getByRole('heading', { name: 'Confirm it is you' }).count()).toBe(1);
    expect(await page.getByText('$100.00').count()).toBe(0);
    await expectAccessible(page);

    await page.getByLabel('Month').fill('9');
    await page.getByLabel('Day').fill('30');
    await page.getByLabel('Year').fill('1974');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByText('does not match our records').count()).toBe(2);
    await expectAccessible(page);

    await page.getByLabel('Year').fill('1975');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    await expect.poll(() => page.getByTestId('balance-total').textContent()).toBe('$100.00');
    expect(await page.getByText('Riverside Physical Therapy').count()).toBeGreaterThan(0);
    await expectAccessible(page);

    await page.getByLabel('Amount (US dollars)').fill('100.00');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Pay $100.00' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Continue to secure payment' }).click();

    // Authorize.net's hosted form (the fake): pay, and come back.
    await expect.poll(() => page.getByRole('heading', { name: /Fake Authorize.net/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account' && u.origin === h.baseUrl);
    await expect.poll(() => page.getByTestId('balance-total').textContent()).toBe('$0.00');
    expect(await page.getByText('Thank you. Your payment was received.').count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'Online' }).count()).toBe(1);
    await expectAccessible(page);

    // Exactly one ledger payment, whichever of webhook and return came first.
    await expect.poll(() => fake.deliveries.length).toBe(1);
    const james = await patient('R-1004');
    const payments = await h.t.db.selectFrom('ledger_entries').selectAll().where('patient_id', '=', james.id).where('kind', '=', 'payment').execute();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ amount_cents: 10000, source: 'portal' });

    // The staff ledger shows it at once.
    const desk = await h.newPage();
    await h.signIn(desk, 'frontdesk@riverside.example');
    const res = await desk.goto(`/patients/${james.id}`);
    expect(res?.status()).toBe(200);
    expect(await desk.getByText('Patient portal (online payment)').count()).toBeGreaterThan(0);

    // No further alert: the balance is paid. Fifteen days on, the two-week interval since the last
    // alert has passed and the $100 responsibility is still inside its 60 days, so the paid balance
    // is the only thing that keeps James from another alert.
    h.t.clock.advanceDays(15);
    try {
      const practice = await h.t.db.selectFrom('practices').select('balance_alert_frequency').where('id', '=', james.practice_id).executeTakeFirstOrThrow();
      expect(practice.balance_alert_frequency).toBe('biweekly');
      const responsibilities = await h.t.db.selectFrom('ledger_entries').select('posted_at').where('patient_id', '=', james.id).where('kind', '=', 'responsibility').execute();
      const newest = Math.max(...responsibilities.map((r) => r.posted_at.getTime()));
      expect(h.t.clock.now().getTime() - newest).toBeLessThan(60 * 86_400_000);
      const before = await h.t.db.selectFrom('outbox_messages').select('created_at').where('patient_id', '=', james.id).where('kind', '=', 'balance_alert').execute();
      expect(before.length).toBeGreaterThan(0);
      expect(h.t.clock.now().getTime() - Math.max(...before.map((r) => r.created_at.getTime()))).toBeGreaterThan(14 * 86_400_000);
      await runBalanceAlerts(h.t.db, h.t.clock.now(), h.baseUrl);
      const after = await h.t.db.selectFrom('outbox_messages').select('id').where('patient_id', '=', james.id).where('kind', '=', 'balance_alert').execute();
      expect(after.length).toBe(before.length);
    } finally {
      h.t.clock.advanceDays(-15);
    }
  }, 120_000);

  it('a Practice Administrator sees the stored credentials only by their last four and tests the connection', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@riverside.example');
    await page.goto('/settings');
    await page.getByRole('link', { name: /Credit Card Processing/ }).click();
    await page.waitForURL((u) => u.pathname === '/settings/payments');
    expect(await page.getByTestId('payments-status').textContent()).toContain('Configured');
    expect(await page.getByText('Stored, ending in 1234').count()).toBe(1);
    expect(await page.content()).not.toContain(FAKE_CREDENTIALS.transactionKey);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('connection-test').textContent()).toContain('Connected to Authorize.net (sandbox)');
    await expectAccessible(page);
  });

  it('a practice without Authorize.net tells the patient to call the office, with its number', async () => {
    const summitPatient = await patient('S-5003');
    const link = await issuePortalLink(h.t.db, h.t.clock.now(), h.baseUrl, { practiceId: summitPatient.practice_id, patientId: summitPatient.id });
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(link.url);
    const [year, month, day] = summitPatient.date_of_birth.split('-');
    await page.getByLabel('Month').fill(month);
    await page.getByLabel('Day').fill(day);
    await page.getByLabel('Year').fill(year);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    expect(await page.getByText('Summit Sports Rehab').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Continue to payment' }).count()).toBe(0);
    expect(await page.getByTestId('balance-total').textContent()).toBe('$120.00');
    expect(await page.getByTestId('call-office').textContent()).toContain('call the office at (555) 010-3000');
    expect(await page.getByRole('link', { name: '(555) 010-3000' }).first().getAttribute('href')).toBe('tel:+15550103000');
    await expectAccessible(page);
  });

  it('an expired link says so with the office phone, accessibly', async () => {
    const james = await patient('R-1004');
    const link = await issuePortalLink(h.t.db, new Date(h.t.clock.now().getTime() - 31 * 86_400_000), h.baseUrl, { practiceId: james.practice_id, patientId: james.id });
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(link.url);
    await expect.poll(() => page.getByRole('heading', { name: 'This link has expired' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: '(555) 010-2000' }).count()).toBe(1);
    await expectAccessible(page);
  });

  it('a link guessed at too often says to call the office, and staff see why on the Engagement tab, accessibly', async () => {
    const maria = await patient('R-1002');
    const link = await issuePortalLink(h.t.db, h.t.clock.now(), h.baseUrl, { practiceId: maria.practice_id, patientId: maria.id });
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(link.url);
    // Nine wrong dates are on record already (the HTTP tests count them one by one); the tenth ends the link.
    await h.t.db.updateTable('portal_links').set({ failed_total: 9 }).where('id', '=', link.id).execute();
    await page.getByLabel('Month').fill('1');
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Year').fill('1901');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'This link no longer works' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: '(555) 010-2000' }).count()).toBe(1);
    await expectAccessible(page);

    const staff = await h.newPage();
    await h.signIn(staff, 'frontdesk@riverside.example');
    await staff.goto(`/patients/${maria.id}/engagement`);
    await expect.poll(() => staff.getByText('link locked after repeated wrong dates').count()).toBe(1);
    await expectAccessible(staff);
  });
});
