import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function idea(title: string) {
  return t.db.selectFrom('feedback_ideas').selectAll().where('title', '=', title).executeTakeFirstOrThrow();
}
async function votes(ideaId: number) {
  return t.db.selectFrom('feedback_votes').select('user_id').where('idea_id', '=', ideaId).execute();
}

describe('Product Feedback portal', () => {
  it('is for staff who may use tickets and for the whole vendor team; ideas are shared by all practices', async () => {
    for (const email of ['frontdesk@riverside.example', 'admin@summit.example', 'product@stratapt.example', 'support@stratapt.example']) {
      const page = await (await t.as(email)).get('/feedback');
      expect([email, page.status]).toEqual([email, 200]);
      expect(page.text).toContain('Drag and drop appointments on the schedule'); // posted at Riverside
      expect(page.text).toContain('Text reminders in Spanish'); // posted at Summit
    }
    expect((await (await t.as('limited@riverside.example')).get('/feedback')).status).toBe(404);
  });

  it('posts an idea with a warning about patient information, and the author’s vote', async () => {
    const client = await t.as('pt@summit.example');
    const form = await client.get('/feedback/new');
    expect(form.text).toContain('Do not include patient names');
    const bad = await client.post('/feedback', { title: 'ab', description: '' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('at least 3 characters');
    const res = await client.post('/feedback', { title: 'Bulk print home exercise programs', description: 'Print all HEPs for tomorrow’s patients at once.' });
    expect(res.status).toBe(303);
    const row = await idea('Bulk print home exercise programs');
    expect(row.vote_count).toBe(1);
    expect(row.status).toBe('under_review');
    expect((await votes(row.id)).map((v) => v.user_id)).toEqual([await t.userId('pt@summit.example')]);
  });

  it('shows similar ideas as the title is typed, tolerating typos', async () => {
    const client = await t.as('frontdesk@riverside.example');
    const typo = await client.get(`/feedback/similar?title=${encodeURIComponent('drag and drop apointments')}`, { 'HX-Request': 'true' });
    expect(typo.status).toBe(200);
    expect(typo.text).toContain('Drag and drop appointments on the schedule');
    expect(typo.text).not.toContain('Text reminders in Spanish');
    const spanish = await client.get(`/feedback/similar?title=${encodeURIComponent('spanish text')}`);
    expect(spanish.text).toContain('Text reminders in Spanish');
    const none = await client.get(`/feedback/similar?title=${encodeURIComponent('zzqx')}`);
    expect(none.text).not.toContain('<a href');
    // The form also carries the live region and the htmx wiring.
    const form = await client.get('/feedback/new?title=drag');
    expect(form.text).toContain('hx-get="/feedback/similar"');
  });

  it('counts one vote per user: a second vote is refused, withdrawing toggles it off', async () => {
    const row = await idea('Copy the previous daily note');
    const client = await t.as('admin@summit.example');
    expect((await client.post(`/feedback/${row.id}/vote`)).status).toBe(303);
    expect((await idea(row.title)).vote_count).toBe(row.vote_count + 1);
    const twice = await client.post(`/feedback/${row.id}/vote`);
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('You have already voted for this idea');
    const htmxTwice = await client.post(`/feedback/${row.id}/vote`, {}, { headers: { 'HX-Request': 'true' } });
    expect(htmxTwice.status).toBe(409);
    expect(htmxTwice.text).toContain('already voted');
    expect((await idea(row.title)).vote_count).toBe(row.vote_count + 1);
    expect((await votes(row.id)).length).toBe(row.vote_count + 1);
    const off = await client.post(`/feedback/${row.id}/vote/delete`, {}, { headers: { 'HX-Request': 'true' } });
    expect(off.status).toBe(200);
    expect(off.text).toContain(`/feedback/${row.id}/vote"`);
    expect((await idea(row.title)).vote_count).toBe(row.vote_count);
    expect((await client.post(`/feedback/${row.id}/vote/delete`)).status).toBe(409);
    expect((await idea(row.title)).vote_count).toBe(row.vote_count);
  });

  it('lets the Product team set a status, with a changelog; anyone else is refused and nothing changes', async () => {
    const row = await idea('Copy the previous daily note');
    for (const email of ['support@stratapt.example', 'owner@riverside.example']) {
      const res = await (await t.as(email)).post(`/feedback/${row.id}/status`, { status: 'shipped', note: 'sneaky' });
      expect([email, res.status]).toEqual([email, 403]);
      expect(res.text).toContain('Only StrataPT’s Product team sets the status');
    }
    expect((await idea(row.title)).status).toBe('under_review');
    const product = await t.as('product@stratapt.example');
    expect((await product.get(`/feedback/${row.id}`)).text).toContain('Set status (Product team)');
    expect((await (await t.as('owner@riverside.example')).get(`/feedback/${row.id}`)).text).not.toContain('Set status (Product team)');
    expect((await product.post(`/feedback/${row.id}/status`, { status: 'planned', note: 'Next quarter' })).status).toBe(303);
    t.clock.advanceDays(3);
    expect((await (await t.as('root@stratapt.example')).post(`/feedback/${row.id}/status`, { status: 'in_progress' })).status).toBe(303);
    const changes = await t.db.selectFrom('feedback_status_changes').select(['from_status', 'to_status', 'note']).where('idea_id', '=', row.id).orderBy('id').execute();
    expect(changes).toEqual([
      { from_status: null, to_status: 'under_review', note: null },
      { from_status: 'under_review', to_status: 'planned', note: 'Next quarter' },
      { from_status: 'planned', to_status: 'in_progress', note: null },
    ]);
    const page = await (await t.as('frontdesk@riverside.example')).get(`/feedback/${row.id}`);
    expect(page.text).toContain('Under review → Planned');
    expect(page.text).toContain('Next quarter');
    expect(page.text).toContain('Planned → In progress');
  });

  it('comments, sorts by votes or newest and filters by status', async () => {
    const row = await idea('Text reminders in Spanish');
    const client = await t.as('director@riverside.example');
    expect((await client.post(`/feedback/${row.id}/comments`, { comment: '' })).status).toBe(422);
    expect((await client.post(`/feedback/${row.id}/comments`, { comment: 'We need this for half our patients.' })).status).toBe(303);
    expect((await idea(row.title)).comment_count).toBe(1);
    expect((await client.get(`/feedback/${row.id}`)).text).toContain('We need this for half our patients.');

    const byVotes = (await client.get('/feedback?sort=votes')).text;
    expect(byVotes.indexOf('Drag and drop appointments')).toBeLessThan(byVotes.indexOf('Text reminders in Spanish'));
    const newest = (await client.get('/feedback?sort=newest')).text;
    expect(newest.indexOf('Bulk print home exercise programs')).toBeLessThan(newest.indexOf('Drag and drop appointments'));
    const declined = (await client.get('/feedback?status=declined')).text;
    expect(declined).toContain('Export the schedule to a calendar feed');
    expect(declined).not.toContain('Drag and drop appointments');
  });
});
