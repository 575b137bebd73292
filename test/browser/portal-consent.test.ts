import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { issuePortalLink } from '../../src/portal/links.ts';

// Consent from the portal (docs/rules.md): the patient turns balance alerts on or off per channel,
// for the contact on file only, and the consent history records the words and "through the portal".

let h: BrowserHarness;

beforeAll(async () => {
  h = await startBrowserHarness();
  h.t.config.publicUrl = h.baseUrl;
});
afterAll(async () => {
  await h?.close();
});

async function openPortal(account: string) {
  const patient = await h.t.db.selectFrom('patients').selectAll().where('account_number', '=', account).executeTakeFirstOrThrow();
  const link = await issuePortalLink(h.t.db, h.t.clock.now(), h.baseUrl, { practiceId: patient.practice_id, patientId: patient.id });
  const page = await h.newPage({ width: 390, height: 844 });
  await page.goto(link.url);
  const [y, m, d] = patient.date_of_birth.split('-');
  await page.getByLabel('Month').fill(String(Number(m)));
  await page.getByLabel('Day').fill(String(Number(d)));
  await page.getByLabel('Year').fill(y!);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.pathname === '/portal/account');
  return { page, patient };
}

describe('balance alerts from the portal', () => {
  it('opts in to email alerts at the address on file, recording the exact words as the patient through the portal', async () => {
    const { page, patient } = await openPortal('R-1009');
    const portalRows = () => h.t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', patient.id).where('source', '=', 'portal').orderBy('id').execute();
    expect(await portalRows()).toEqual([]);

    await page.getByRole('link', { name: 'Balance alerts by text or email' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Balance alerts', level: 1 }).count()).toBe(1);
    await expectAccessible(page);
    // No field to type a new number or address: only the contact on file.
    expect(await page.locator('input:not([type=hidden])').count()).toBe(0);
    const email = page.locator('section', { has: page.getByRole('heading', { name: 'Email' }) });
    expect(await email.innerText()).toContain(`To ${patient.email}: Off`);
    const shown = (await email.locator('.consent-wording').innerText()).trim();
    expect(shown).toBe(
      `The patient agrees to receive balance alerts from Riverside Physical Therapy by email at ${patient.email}. Email is not encrypted. Messages hold only the practice name, that something is waiting, a secure link and our phone number — never amounts or clinical details. Every email has a one-click unsubscribe link.`,
    );

    await email.getByRole('button', { name: 'Turn on email' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved.');
    expect(await page.locator('section', { has: page.getByRole('heading', { name: 'Email' }) }).innerText()).toContain(`To ${patient.email}: On`);
    await expectAccessible(page);

    const rows = await portalRows();
    expect(rows.map((r) => ({ kind: r.kind, channel: r.channel, subscribed: r.subscribed, address: r.address, wording: r.wording, actor_kind: r.actor_kind, actor_user_id: r.actor_user_id }))).toEqual([
      { kind: 'balance_alert', channel: 'email', subscribed: true, address: patient.email, wording: shown, actor_kind: 'patient', actor_user_id: null },
    ]);
    expect(await h.t.db.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', patient.id).where('kind', '=', 'balance_alert').where('channel', '=', 'email').executeTakeFirst()).toEqual({ subscribed: true });

    // Staff read it in the consent history like their own changes.
    const staff = await h.newPage();
    await h.signIn(staff, 'frontdesk@riverside.example');
    await staff.goto(`/patients/${patient.id}/engagement`);
    const row = staff.locator('table.consent-history tbody tr').first();
    expect(await row.innerText()).toContain('Patient (through the portal)');
    expect(await row.innerText()).toContain('by email at');

    // And off again, from the portal.
    await page.getByRole('button', { name: 'Turn off email' }).click();
    await expect.poll(() => page.locator('section', { has: page.getByRole('heading', { name: 'Email' }) }).innerText()).toContain(': Off');
    expect((await portalRows()).map((r) => [r.subscribed, r.wording])).toEqual([
      [true, shown],
      [false, `Stop sending balance alerts by email to ${patient.email}.`],
    ]);
  }, 120_000);

  it('cannot turn on texts for a patient without a mobile number on file: it says to call the office', async () => {
    const { page, patient } = await openPortal('R-1011');
    await h.t.db.updateTable('patients').set({ mobile_phone: null }).where('id', '=', patient.id).execute();
    await h.t.db.deleteFrom('subscriptions').where('patient_id', '=', patient.id).execute();
    await page.goto('/portal/notifications');
    const text = page.locator('section', { has: page.getByRole('heading', { name: 'Text messages' }) });
    expect(await text.innerText()).toContain('No mobile phone on file. To add one, call the office at (555) 010-2000.');
    expect(await text.getByRole('button').count()).toBe(0);
    await expectAccessible(page);
    // A hand-made post is refused the same way, with a 422 and nothing recorded.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const res = await page.request.post('/portal/notifications', { form: { _csrf: csrf, channel: 'sms', subscribed: 'on' }, headers: { Origin: h.baseUrl } });
    expect(res.status()).toBe(422);
    expect(await h.t.db.selectFrom('consent_events').select('id').where('patient_id', '=', patient.id).where('channel', '=', 'sms').where('source', '=', 'portal').execute()).toEqual([]);
  }, 120_000);
});
