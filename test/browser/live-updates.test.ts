import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../support/context.ts';
import { CHROMIUM_PATH, expectAccessible } from '../support/browser.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { postForm, sessionCookieFrom, startInstance, type Instance } from '../cluster/instances.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';

// Live updates across instances (docs/rules.md, "Live updates"): a reply posted on instance A
// reaches a Chromium page connected to instance B through Postgres NOTIFY → B's LISTEN → B's event
// stream → the page re-fetching its own fragments. The pages' polling runs every 30 s, so anything
// seen well inside that came through the stream.

describe.skipIf(!onPostgres)(`live updates between two instances ${POSTGRES_ONLY}`, () => {
  let t: TestContext;
  let a: Instance;
  let b: Instance;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestContext({ now: new Date().toISOString() }); // the instances read the real clock
    const env = { DATABASE_URL: t.url!, APP_SECRET: t.config.appSecret!, SCHEDULER: 'false', DATABASE_POOL_SIZE: '4' };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }, 120_000);

  afterAll(async () => {
    // SIGTERM while the pages' event streams are still open: each instance ends them and stops cleanly.
    const started = performance.now();
    await Promise.all([a?.stop(), b?.stop()]);
    const stopMs = performance.now() - started;
    await browser?.close();
    await t?.close();
    expect(stopMs).toBeLessThan(10_000);
    expect(a.child.exitCode).toBe(0);
    expect(b.child.exitCode).toBe(0);
  }, 60_000);

  async function signIn(origin: string, email: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: origin, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return page;
  }

  /** Opens a page and waits until its event stream to the instance is open. */
  async function openLive(page: Page, path: string) {
    const stream = page.waitForResponse((r) => new URL(r.url()).pathname === '/live/tickets');
    await page.goto(path);
    const res = await stream;
    expect(res.headers()['content-type']).toContain('text/event-stream');
  }

  async function vendorReply(origin: string, email: string, ticketId: number, form: Record<string, string>) {
    const login = await postForm(origin, '/login', { email, password: DEMO_PASSWORD });
    const cookie = sessionCookieFrom(login)!;
    const page = await fetch(`${origin}/vendor/tickets/${ticketId}`, { headers: { Cookie: cookie } });
    const html = await page.text();
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
    if (!csrf) throw new Error(`no form on /vendor/tickets/${ticketId} (${login.status} ${login.headers.get('location')} → ${page.status}): ${html.slice(0, 300)}`);
    const res = await postForm(origin, `/vendor/tickets/${ticketId}/replies`, { ...form, _csrf: csrf }, cookie);
    expect(res.status).toBe(303);
    return performance.now();
  }

  const ticketId = async (subject: string) => (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;

  it('a reply on instance A shows in an open thread on instance B, and B’s Dashboard panel and Get Help badge update, without a reload', async () => {
    const claim = await ticketId('Claim denied for knee visit (CO-197 authorization)');
    const superbill = await ticketId('Superbill printer margins');

    const thread = await signIn(b.origin, 'owner@riverside.example');
    await openLive(thread, `/tickets/${claim}`);
    const dashboard = await signIn(b.origin, 'frontdesk@riverside.example');
    // The front desk has read the closed thread (a request in the same browser context).
    expect((await dashboard.request.get(`/tickets/${superbill}`)).status()).toBe(200);
    await openLive(dashboard, '/dashboard');
    const badge = async () => Number((await dashboard.locator('#unread-badge').textContent())?.trim() || 0);
    const badgeBefore = await badge();
    expect(await dashboard.locator('#needs-reply').textContent()).not.toContain('Superbill printer margins');
    // A mark in each page's window: a reload would lose it.
    for (const p of [thread, dashboard]) await p.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const text = 'The corrected claim went out this morning; no action needed.';
    const sentAt = await vendorReply(a.origin, 'billing@stratapt.example', claim, { message: text });
    await thread.locator('#conversation', { hasText: text }).waitFor({ timeout: 10_000 });
    const threadLatency = performance.now() - sentAt;

    // A closed thread reopened by StrataPT with a required response: it needs the practice's reply now.
    const sentAt2 = await vendorReply(a.origin, 'support@stratapt.example', superbill, { message: 'The margins issue is back in the new release; could you confirm your printer model?', response_window: '24' });
    await dashboard.locator('#needs-reply', { hasText: 'Superbill printer margins' }).waitFor({ timeout: 10_000 });
    const panelLatency = performance.now() - sentAt2;
    await expect.poll(badge, { timeout: 10_000 }).toBeGreaterThan(badgeBefore);
    const badgeLatency = performance.now() - sentAt2;

    console.log(`live update latency, instance A → page on instance B: thread ${Math.round(threadLatency)} ms, Dashboard panel ${Math.round(panelLatency)} ms, badge ${Math.round(badgeLatency)} ms`);
    for (const p of [thread, dashboard]) expect(await p.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await dashboard.locator('#needs-reply').textContent()).toMatch(/reply within 2[34] h/);
    // The issue asks for 2 s; the bound is generous for a busy shared machine, and still far inside the 30 s polling.
    expect(threadLatency).toBeLessThan(10_000);
    expect(panelLatency).toBeLessThan(10_000);
    await expectAccessible(dashboard);
    await expectAccessible(thread);
  }, 120_000);
});
