import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true' } });
});
afterAll(() => h.close());

describe('foundation in a browser', () => {
  it('signs in as a demo user, shows the Dashboard with Create Thread, and signs out', async () => {
    const page = await h.newPage();
    await page.goto('/dashboard');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect.poll(() => page.getByText('Demo logins').count()).toBe(1);
    await expectAccessible(page);

    await h.signIn(page, 'owner@riverside.example');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await expect.poll(() => page.getByRole('heading', { name: 'Dashboard' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Create Thread' }).isVisible()).toBe(true);
    const menu = page.getByRole('navigation', { name: 'Menu Bar' });
    for (const item of ['Dashboard', 'Get Help', 'Patients', 'Reports', 'Settings']) {
      expect(await menu.getByRole('link', { name: new RegExp(`^${item}`) }).count()).toBe(1);
    }
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.goto('/dashboard');
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('shows Settings → Staff to a Practice Administrator, accessible at phone width', async () => {
    const page = await h.newPage({ width: 390, height: 844 });
    await h.signIn(page, 'admin@riverside.example');
    await page.goto('/settings/staff');
    await expect.poll(() => page.getByRole('link', { name: 'Liam Lim' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Add staff member' }).click();
    await page.getByLabel('Name').fill('Nora New');
    await page.getByLabel('Email').fill('PT@riverside.example');
    await page.getByLabel('Temporary password').fill('long-enough-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Another account already uses this email.').count()).toBe(1);
    expect(await page.getByLabel('Name').inputValue()).toBe('Nora New');
    await expectAccessible(page);
  });

  it('hides menu items a Front Desk user may not use', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'frontdesk@riverside.example');
    const menu = page.getByRole('navigation', { name: 'Menu Bar' });
    expect(await menu.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    expect(await menu.getByRole('link', { name: 'Reports' }).count()).toBe(0);
    expect(await menu.getByRole('link', { name: /^Get Help/ }).count()).toBe(1);
  });
});
