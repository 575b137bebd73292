import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

// A Spanish-speaking patient in a browser (docs/rules.md, Language; README, "In Spanish"): the
// newcomer follows Lucía Hernández's demo balance alert from Sent Messages on a 390 px phone, the
// portal asks for her date of birth in Spanish, shows her balance in Spanish, and the language
// switch turns every page to English and back. Axe finds nothing on any of them.

let h: BrowserHarness;

beforeAll(async () => {
  h = await startBrowserHarness();
  h.t.config.publicUrl = h.baseUrl;
});
afterAll(async () => {
  await h?.close();
});

describe('the portal in Spanish', () => {
  it("Lucía opens her alert's link, confirms her date of birth, reads her balance in Spanish, switches to English and back", async () => {
    const staff = await h.newPage();
    await h.signIn(staff, 'root@stratapt.example');
    await staff.goto('/vendor/messages?recipient=%2B15550102150&kind=balance_alert');
    expect(await staff.getByText('tiene un saldo pendiente', { exact: false }).count()).toBeGreaterThan(0);
    const href = await staff.locator(`a[href^="${h.baseUrl}/portal/"]`).first().getAttribute('href');
    expect(href).toContain(`${h.baseUrl}/portal/`);

    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(href!);
    await expect.poll(() => page.getByRole('heading', { name: 'Confirme que es usted' }).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await expectAccessible(page);

    await page.getByLabel('Mes').fill('3');
    await page.getByLabel('Día').fill('15');
    await page.getByLabel('Año').fill('1986');
    await page.getByRole('button', { name: 'Continuar' }).click();
    await expect.poll(() => page.getByText('no coincide con nuestros registros').count()).toBe(2);
    await expectAccessible(page);

    await page.getByLabel('Día').fill('14');
    await page.getByRole('button', { name: 'Continuar' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    await expect.poll(() => page.getByRole('heading', { name: 'Hola, Lucía' }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Saldo pendiente' }).count()).toBe(1);
    expect(await page.getByTestId('balance-total').textContent()).toBe('$85.00');
    expect(await page.getByRole('heading', { name: 'Historial de pagos' }).count()).toBe(1);
    await expectAccessible(page);

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    await expect.poll(() => page.getByRole('heading', { name: 'Hello, Lucía' }).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('heading', { name: 'Balance due' }).count()).toBe(1);
    await expectAccessible(page);

    // The choice holds on the next page, and the switch there comes back to it.
    await page.getByRole('link', { name: 'Lower back pain' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/portal/cases/'));
    expect(await page.getByText('Your share of a visit').count()).toBe(1);
    await page.getByRole('link', { name: 'Español' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/portal/cases/'));
    await expect.poll(() => page.getByText('Su parte de una visita').count()).toBe(1);
    expect(await page.getByTestId('case-balance').textContent()).toBe('Saldo: $85.00');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Su saldo' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    await page.getByRole('link', { name: 'Avisos de saldo por texto o correo electrónico' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Avisos de saldo', exact: true }).count()).toBe(1);
    await expectAccessible(page);
  }, 120_000); // one patient's whole visit, with axe on six pages: minutes on a busy 2-core machine
});
