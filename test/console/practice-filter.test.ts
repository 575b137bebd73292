import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

// The console's practice filter is a search, not a list of every practice: the queue page names only
// the practice shown and those in hypercare; a search suggests at most 20, within the user's reach.

let t: TestContext;
let riverside: number;
let summit: number;

beforeAll(async () => {
  t = await createTestContext();
  riverside = await t.practiceId('Riverside Physical Therapy');
  summit = await t.practiceId('Summit Sports Rehab');
  // 25 more practices named alike, none in hypercare (go-live long past).
  await t.db
    .insertInto('practices')
    .values(Array.from({ length: 25 }, (_, i) => ({ name: `Summit Branch ${String(i + 1).padStart(2, '0')}`, phone: '(555) 010-0199', time_zone: 'America/Chicago', go_live_on: '2024-01-01', hypercare_days: 60 })))
    .execute();
  // Product's member manages Summit: their reach is that practice alone.
  const product = await t.db.selectFrom('users').select('id').where('email', '=', 'product@stratapt.example').executeTakeFirstOrThrow();
  await t.db.updateTable('practices').set({ account_manager_id: product.id }).where('id', '=', summit).execute();
});
afterAll(() => t.close());

const hx = { 'HX-Request': 'true' };

describe('the console practice filter', () => {
  it('the queue page names the practices in hypercare, not every practice', async () => {
    const billing = await t.as('billing@stratapt.example');
    const page = await billing.get('/vendor/queues/billing?filter=open');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/In hypercare:\s*<a href="\/vendor\/queues\/billing\?filter=open&amp;practice=\d+">Riverside Physical Therapy<\/a>/);
    expect(page.text).not.toContain('Summit Branch');
    expect(page.text).not.toContain('<option');
  });

  it('suggests matches as one types, those starting with the words first, at most 20, with links that filter the queue', async () => {
    const billing = await t.as('billing@stratapt.example');
    const res = await billing.get('/vendor/queues/billing/practices?filter=open&practice_q=SUMMIT', hx);
    expect(res.status).toBe(200);
    const names = [...res.text.matchAll(/practice=(\d+)">([^<]+)<\/a>/g)].map((m) => m[2]);
    expect(names).toHaveLength(20);
    expect(names[0]).toBe('Summit Branch 01');
    expect(res.text).toContain('The first 20 are listed');
    const rehab = await billing.get('/vendor/queues/billing/practices?filter=open&practice_q=sports', hx);
    expect(rehab.text).toContain(`href="/vendor/queues/billing?filter=open&amp;practice=${summit}">Summit Sports Rehab</a>`);
    const byNumber = await billing.get(`/vendor/queues/billing/practices?filter=open&practice_q=${riverside}`, hx);
    expect(byNumber.text).toContain('Riverside Physical Therapy');
    expect(byNumber.text).toContain('Hypercare');
    const none = await billing.get('/vendor/queues/billing/practices?filter=open&practice_q=nowhere%25', hx);
    expect(none.text).toContain('No practice you work with matches “nowhere%”');
  });

  it('without script, one match filters the queue and several are listed on the page', async () => {
    const billing = await t.as('billing@stratapt.example');
    const one = await billing.get('/vendor/queues/billing?filter=open&practice_q=sports+rehab');
    expect(one.status).toBe(303);
    expect(one.location).toBe(`/vendor/queues/billing?filter=open&practice=${summit}`);
    const shown = await billing.get(one.location!);
    expect(shown.text).toMatch(/Showing <strong>Summit Sports Rehab<\/strong>/);
    expect(shown.text).toContain('EOB submission for October remittance');
    expect(shown.text).not.toContain('Claim denied for knee visit');
    expect(shown.text).toContain('Show all practices');
    const several = await billing.get('/vendor/queues/billing?filter=open&practice_q=branch');
    expect(several.status).toBe(200);
    expect(several.text).toContain('Practices matching “branch”');
    expect(several.text).toContain('Summit Branch 07');
  });

  it('an account manager in Product finds and filters to their own practices only', async () => {
    const product = await t.as('product@stratapt.example');
    const found = await product.get('/vendor/queues/all/practices?filter=open&practice_q=r', hx);
    expect(found.status).toBe(200);
    expect(found.text).toContain('Summit Sports Rehab');
    expect(found.text).not.toContain('Riverside');
    expect(found.text).not.toContain('Summit Branch');
    expect((await product.get(`/vendor/queues/all?filter=open&practice=${riverside}`)).status).toBe(404);
    expect((await product.get(`/vendor/queues/all?filter=open&practice=${summit}`)).status).toBe(200);
  });

  it('refuses the suggestions to anyone without that queue', async () => {
    const support = await t.as('support@stratapt.example');
    expect((await support.get('/vendor/queues/billing/practices?practice_q=summit', hx)).status).toBe(404);
    const staff = await t.as('admin@riverside.example');
    expect((await staff.get('/vendor/queues/all/practices?practice_q=summit', hx)).status).toBe(404);
  });
});
