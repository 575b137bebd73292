import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { findOverdueBlock, isOverdue } from '../../src/tickets/overdue.ts';

let t: TestContext;
let summit: number;
let eob: number;
let secret: number;
const SECRET_SUBJECT = 'Payroll dispute with the landlord';

// Each test gets its own database and clock, set up here: none depends on what another left behind.
beforeEach(async () => {
  t = await createTestContext();
  summit = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Summit%').executeTakeFirstOrThrow()).id;
  eob = (await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'EOB submission%').executeTakeFirstOrThrow()).id;
  // Start with nothing overdue: the seeded deadline moves two hours ahead.
  await t.db.updateTable('tickets').set({ response_due_at: new Date(t.clock.now().getTime() + 2 * 3_600_000) }).where('id', '=', eob).execute();
  const admin = await t.userId('admin@summit.example');
  const now = t.clock.now();
  secret = (await t.db
    .insertInto('tickets')
    .values({
      practice_id: summit, created_by_user_id: admin, subject: SECRET_SUBJECT, department: 'billing', visibility: 'only_me',
      status: 'waiting_practice', response_due_at: new Date(now.getTime() + 3 * 3_600_000), last_public_message_at: now, waiting_since: now, created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
});
afterEach(() => t.close());

/** Both deadlines (the EOB thread's, two hours ahead, and the secret one's, three hours ahead) have passed. */
function passBothDeadlines() {
  t.clock.set(new Date(t.clock.now().getTime() + 3 * 3_600_000 + 60_000));
}

async function actor(email: string) {
  return loadActor(t.db, await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow());
}
async function ticketCount() {
  return (await t.db.selectFrom('tickets').select('id').where('practice_id', '=', summit).execute()).length;
}

describe('Overdue', () => {
  it('starts at the deadline itself: not a millisecond before, and never without a deadline', () => {
    const due = new Date('2026-11-23T17:00:00Z');
    expect(isOverdue(due, new Date(due.getTime() - 1))).toBe(false);
    expect(isOverdue(due, due)).toBe(true);
    expect(isOverdue(due, new Date(due.getTime() + 1))).toBe(true);
    expect(isOverdue(null, due)).toBe(false);
  });

  it('is not overdue one second before the deadline and is one second after, with no job in between', async () => {
    const due = (await t.db.selectFrom('tickets').select('response_due_at').where('id', '=', eob).executeTakeFirstOrThrow()).response_due_at!;
    t.clock.set(new Date(due.getTime() - 1000));
    const pt = await t.as('pt@summit.example');
    expect(await findOverdueBlock(t.db, await actor('pt@summit.example'), t.clock.now())).toBeNull();
    let page = await pt.get(`/tickets/${eob}`);
    expect(page.text).not.toContain('class="overdue"');
    let list = await pt.get('/tickets');
    expect(list.text).toContain('href="/tickets/new">');
    expect(list.text).not.toContain('>Overdue<');

    // Two seconds later, in the same session: overdue on read.
    t.clock.set(new Date(due.getTime() + 1000));
    page = await pt.get(`/tickets/${eob}`);
    expect(page.text).toContain('<span class="overdue">Overdue</span>');
    list = await pt.get('/tickets');
    expect(list.text).toContain('<span class="overdue">Overdue</span>');
    expect(list.text).toMatch(/<button type="button" class="primary" disabled="" aria-describedby="overdue-block">\s*Create New Message Thread/);
  });

  it('blocks every user of the practice, never shows an invisible subject, and names who can answer', async () => {
    passBothDeadlines();
    const pt = await t.as('pt@summit.example');
    for (const path of ['/tickets', '/tickets/new', '/dashboard']) {
      const res = await pt.get(path);
      expect(res.text, path).toContain('New threads are blocked.');
      expect(res.text, path).toContain(`href="/tickets/${eob}"`);
      expect(res.text, path).toContain('EOB submission for October remittance');
      expect(res.text, path).toContain('One overdue thread is not visible to you.');
      expect(res.text, path).toContain('<strong>Sam Summers</strong>');
      expect(res.text, path).not.toContain(SECRET_SUBJECT);
      expect(res.text, path).not.toContain(`/tickets/${secret}`);
    }
    const admin = await t.as('admin@summit.example');
    const adminDash = await admin.get('/dashboard');
    expect(adminDash.text).toContain(SECRET_SUBJECT);
    expect(adminDash.text).toMatch(/disabled="" aria-describedby="overdue-block">\s*Create Thread/);
    // Riverside is not affected by Summit's overdue threads.
    const riverside = await t.as('owner@riverside.example');
    expect((await riverside.get('/dashboard')).text).not.toContain('New threads are blocked.');

    const block = await findOverdueBlock(t.db, await actor('pt@summit.example'), t.clock.now());
    expect(block).toEqual({ visible: [expect.objectContaining({ id: eob })], hidden: { count: 1, answerers: ['Sam Summers'] } });
    expect(JSON.stringify(block)).not.toContain(SECRET_SUBJECT);
  });

  it('refuses to create while blocked, keeping what was typed, for every user', async () => {
    passBothDeadlines();
    const before = await ticketCount();
    for (const email of ['pt@summit.example', 'admin@summit.example']) {
      const client = await t.as(email);
      const res = await client.post('/tickets', { subject: 'Need a new report', type: 'success', message: 'Please keep me', visible_to: 'anyone' });
      expect(res.status).toBe(409);
      expect(res.text).toContain('New threads are blocked.');
      expect(res.text).toContain('Please keep me');
      expect(res.text).toContain('value="Need a new report"');
    }
    expect(await ticketCount()).toBe(before);
  });

  it('lifts thread by thread as someone who can see each one replies', async () => {
    passBothDeadlines();
    const pt = await t.as('pt@summit.example');
    const reply = await pt.post(`/tickets/${eob}/messages`, { message: 'Uploading the EOB now.' });
    expect(reply.status).toBe(303);
    const row = await t.db.selectFrom('tickets').selectAll().where('id', '=', eob).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ response_due_at: null, status: 'waiting_vendor' });
    const event = await t.db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', eob).where('kind', '=', 'response_received').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ was_overdue: true });
    expect((await pt.get(`/tickets/${eob}`)).text).not.toContain('<span class="overdue">Overdue</span>');

    // Still blocked by the thread pt cannot see.
    let block = await findOverdueBlock(t.db, await actor('pt@summit.example'), t.clock.now());
    expect(block).toEqual({ visible: [], hidden: { count: 1, answerers: ['Sam Summers'] } });
    expect((await pt.post(`/tickets/${secret}/messages`, { message: 'Trying' })).status).toBe(404);

    const admin = await t.as('admin@summit.example');
    expect((await admin.post(`/tickets/${secret}/messages`, { message: 'Answered.' })).status).toBe(303);
    block = await findOverdueBlock(t.db, await actor('pt@summit.example'), t.clock.now());
    expect(block).toBeNull();
    const list = await pt.get('/tickets');
    expect(list.text).toMatch(/class="button primary" href="\/tickets\/new">\s*Create New Message Thread/);
    const before = await ticketCount();
    const created = await pt.post('/tickets', { subject: 'Need a new report', type: 'success', message: 'Now it works', visible_to: 'anyone' });
    expect(created.status).toBe(303);
    expect(await ticketCount()).toBe(before + 1);
  });

  it('shows the response deadline in the practice time zone', async () => {
    const due = new Date('2026-12-01T18:30:00Z');
    await t.db.updateTable('tickets').set({ response_due_at: due }).where('id', '=', eob).execute();
    const pt = await t.as('pt@summit.example');
    const page = await pt.get(`/tickets/${eob}`);
    // Summit is in America/Denver: 18:30 UTC is 11:30 AM MST.
    expect(page.text).toContain('Response required by');
    expect(page.text).toContain('Tue, Dec 1, 2026, 11:30 AM MST');
  });
});
