import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { startBrowserHarness, type BrowserHarness } from '../support/browser.ts';

// XSS payloads stored in the text fields people type (ticket subject and message, staff name,
// patient name, practice name, feedback idea) render as text on every page that shows them: in
// Chromium no dialog opens and the payload is visible literally.

const PAYLOAD = `<img src=x onerror="alert('xss')">"'><script>alert('xss2')</script><svg onload=alert(3)>`;

let h: BrowserHarness;
let ticketId: number;
let patientId: number;
let ideaId: number;

beforeAll(async () => {
  h = await startBrowserHarness();
  const db = h.t.db;
  const riverside = await db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
  const ticket = await db.selectFrom('tickets').select('id').where('practice_id', '=', riverside.id).where('visibility', '=', 'anyone').where('admin_level', '=', false).where('department', '=', 'billing').orderBy('id').executeTakeFirstOrThrow();
  ticketId = ticket.id;
  await db.updateTable('tickets').set({ subject: `Subject ${PAYLOAD}` }).where('id', '=', ticketId).execute();
  await db.updateTable('ticket_messages').set({ body: `Body ${PAYLOAD}` }).where('ticket_id', '=', ticketId).execute();
  await db.updateTable('users').set({ name: `Fiona ${PAYLOAD}` }).where('email', '=', 'frontdesk@riverside.example').execute();
  const patient = await db.selectFrom('patients').select('id').where('practice_id', '=', riverside.id).where('first_name', '=', 'Maria').orderBy('id').executeTakeFirstOrThrow();
  patientId = patient.id;
  await db.updateTable('patients').set({ last_name: `Gonzalez ${PAYLOAD}` }).where('id', '=', patientId).execute();
  await db.updateTable('practices').set({ name: `Riverside ${PAYLOAD}` }).where('id', '=', riverside.id).execute();
  const idea = await db.selectFrom('feedback_ideas').select('id').orderBy('id').executeTakeFirstOrThrow();
  ideaId = idea.id;
  await db.updateTable('feedback_ideas').set({ title: `Idea ${PAYLOAD}`.slice(0, 150), description: `Description ${PAYLOAD}` }).where('id', '=', ideaId).execute();
});
afterAll(() => h.close());

/**
 * Counting injected nodes proves nothing on a page that did not render: each page must answer 200
 * and show the payload as literal text (a 404, a redirect to sign-in or an empty page fails here).
 */
async function expectRenderedAsText(res: Response | null, page: Page, path: string) {
  expect(res?.status(), path).toBe(200);
  expect(new URL(page.url()).pathname + new URL(page.url()).search, path).toBe(path);
  expect(await page.locator('body').innerText(), path).toContain(`<script>alert('xss2')</script>`);
}

describe('stored XSS payloads render as text', () => {
  it('for practice staff', async () => {
    const page = await h.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await h.signIn(page, 'admin@riverside.example');
    for (const path of ['/dashboard', '/tickets', `/tickets/${ticketId}`, '/tickets?q=Subject', '/settings/staff', '/patients?q=gonz', `/patients/${patientId}`, `/feedback`, `/feedback/${ideaId}`, '/tickets/new']) {
      const res = await page.goto(path);
      await page.waitForLoadState('load');
      await expectRenderedAsText(res, page, path);
      expect(await page.locator('script:not([src])').count(), path).toBe(0);
      expect(await page.locator('img[src="x"], svg[onload]').count(), path).toBe(0);
    }
    await page.goto(`/tickets/${ticketId}`);
    expect(await page.getByText(`Subject ${PAYLOAD}`).first().isVisible()).toBe(true);
    expect(dialogs).toEqual([]);
  });

  it('for the vendor team', async () => {
    const page = await h.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await h.signIn(page, 'root@stratapt.example');
    for (const path of ['/vendor', '/vendor/queues/billing', `/vendor/tickets/${ticketId}`, `/vendor/tickets/${ticketId}/patient`, '/vendor/practices', '/vendor/audit', `/feedback/${ideaId}`]) {
      const res = await page.goto(path);
      await page.waitForLoadState('load');
      await expectRenderedAsText(res, page, path);
      expect(await page.locator('img[src="x"], svg[onload]').count(), path).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });
});
