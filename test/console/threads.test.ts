import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { countUnreadTickets } from '../../src/tickets/unread.ts';
import { loadActor } from '../../src/auth/permissions.ts';

// Working a thread from the console, through HTTP as the vendor's team would.

let t: TestContext;
let rivBilling: number; // Riverside, Billing/Patient, visible to anyone at Riverside, Maria Gonzalez linked
let rivSuccess: number; // Riverside, Customer Success, clinical
const NOTE = 'INTERNAL-ONLY: practice seems confused, escalate to Ben if it recurs';

beforeAll(async () => {
  t = await createTestContext();
  rivBilling = await ticketId('Claim denied for knee visit (CO-197 authorization)');
  rivSuccess = await ticketId('Daily note template for ACL protocol');
});
afterAll(() => t.close());

async function ticketId(subject: string) {
  return (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
}
async function ticket(id: number) {
  return t.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
async function events(id: number) {
  return t.db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
}
async function unreadFor(email: string) {
  const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  return countUnreadTickets(t.db, await loadActor(t.db, user));
}

describe('internal notes never reach the practice side', () => {
  it('is shown yellow to the vendor and absent from every practice page, count, search and email', async () => {
    const practice = await t.as('frontdesk@riverside.example');
    await practice.get(`/tickets/${rivBilling}`); // read everything first
    const unreadBefore = await unreadFor('frontdesk@riverside.example');
    const before = await ticket(rivBilling);
    const outboxBefore = await t.db.selectFrom('outbox_messages').select('id').execute();

    const vendor = await t.as('billing@stratapt.example');
    t.clock.advanceMinutes(5);
    const res = await vendor.post(`/vendor/tickets/${rivBilling}/notes`, { note: NOTE });
    expect(res.status).toBe(303);
    const vendorPage = await vendor.get(`/vendor/tickets/${rivBilling}`);
    expect(vendorPage.text).toContain(NOTE);
    expect(vendorPage.text).toMatch(/class="internal"/);

    // Nothing the practice can observe changed.
    const after = await ticket(rivBilling);
    expect(after.last_public_message_at).toEqual(before.last_public_message_at);
    expect(after.last_public_author_id).toBe(before.last_public_author_id);
    expect(after.status).toBe(before.status);
    expect(await unreadFor('frontdesk@riverside.example')).toBe(unreadBefore);
    expect((await t.db.selectFrom('outbox_messages').select('id').execute()).length).toBe(outboxBefore.length);

    for (const email of ['frontdesk@riverside.example', 'owner@riverside.example', 'admin@riverside.example']) {
      const client = await t.as(email);
      for (const path of ['/tickets', `/tickets/${rivBilling}`, '/tickets?q=claim+denied', '/tickets?q=escalate', '/dashboard', `/tickets/new/similar?subject=${encodeURIComponent('escalate to Ben')}`]) {
        const page = await client.get(path);
        expect([email, path, page.text.includes('INTERNAL-ONLY'), page.text.includes('escalate to Ben')]).toEqual([email, path, false, false]);
      }
    }
    const mails = await t.db.selectFrom('outbox_messages').select(['body', 'subject']).execute();
    for (const m of mails) expect(`${m.subject} ${m.body}`).not.toContain('INTERNAL-ONLY');
    expect((await events(rivBilling)).at(-1)?.kind).toBe('internal_note');
  });
});

describe('replies and response windows', () => {
  it('a reply waits on the practice, sets response_due_at = now + window, and the practice sees it in its time zone', async () => {
    const vendor = await t.as('billing@stratapt.example');
    const now = t.clock.now();
    const res = await vendor.post(`/vendor/tickets/${rivBilling}/replies`, { message: 'Please send the authorization number.', response_window: '24' });
    expect(res.status).toBe(303);
    const after = await ticket(rivBilling);
    expect(after.status).toBe('waiting_practice');
    expect(after.response_due_at?.toISOString()).toBe(new Date(now.getTime() + 24 * 3_600_000).toISOString());
    expect(after.response_required_by_user_id).toBe(await t.userId('billing@stratapt.example'));
    expect(after.last_public_author_id).toBe(await t.userId('billing@stratapt.example'));
    expect((await events(rivBilling)).map((e) => e.kind).slice(-2)).toEqual(['vendor_reply', 'response_required']);
    // 2026-11-24T15:05Z is 9:05 AM in Chicago (CST).
    const practicePage = await (await t.as('frontdesk@riverside.example')).get(`/tickets/${rivBilling}`);
    expect(practicePage.text).toContain('Please send the authorization number.');
    expect(practicePage.text).toMatch(/Nov 24, 2026, 9:05\s?AM CST/);
    const vendorPage = await vendor.get(`/vendor/tickets/${rivBilling}`);
    expect(vendorPage.text).toMatch(/Nov 24, 2026, 9:05\s?AM CST/);
  });

  it('refuses windows outside 4 hours to 14 days, and changes nothing', async () => {
    const vendor = await t.as('billing@stratapt.example');
    const before = await ticket(rivBilling);
    const count = (await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', rivBilling).execute()).length;
    for (const w of ['3', '2', '337', '400', '12', 'abc', '-4']) {
      const res = await vendor.post(`/vendor/tickets/${rivBilling}/replies`, { message: 'Reply', response_window: w });
      expect([w, res.status]).toEqual([w, 422]);
      expect(res.text).toContain('Choose a response window from the list: 4 hours to 14 days.');
      expect(res.text).toContain('Reply'); // what was typed is kept
    }
    expect(await ticket(rivBilling)).toEqual(before);
    expect((await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', rivBilling).execute()).length).toBe(count);
  });

  it('lifting the requirement clears the deadline at once', async () => {
    const vendor = await t.as('billing@stratapt.example');
    expect((await ticket(rivBilling)).response_due_at).not.toBeNull();
    expect((await vendor.post(`/vendor/tickets/${rivBilling}/response-requirement/delete`)).status).toBe(303);
    expect((await ticket(rivBilling)).response_due_at).toBeNull();
    expect((await events(rivBilling)).at(-1)?.kind).toBe('requirement_lifted');
  });
});

describe('assign, move, close and reopen, admin-level', () => {
  it('assigns only to colleagues who can work the thread', async () => {
    const root = await t.as('root@stratapt.example');
    const support = await t.userId('support@stratapt.example');
    const refused = await root.post(`/vendor/tickets/${rivBilling}/assignment`, { assignee: String(support) });
    expect(refused.status).toBe(422);
    expect((await ticket(rivBilling)).assigned_to_user_id).toBeNull();
    const billing = await t.userId('billing@stratapt.example');
    expect((await root.post(`/vendor/tickets/${rivBilling}/assignment`, { assignee: String(billing) })).status).toBe(303);
    expect((await ticket(rivBilling)).assigned_to_user_id).toBe(billing);
    const mine = await (await t.as('billing@stratapt.example')).get('/vendor/queues/billing?filter=mine');
    expect(mine.text).toContain('Claim denied for knee visit');
  });

  it('moves to another department only with a reason, and the mover may lose the thread', async () => {
    const vendor = await t.as('billing@stratapt.example');
    const noReason = await vendor.post(`/vendor/tickets/${rivBilling}/department`, { department: 'technical', reason: '' });
    expect(noReason.status).toBe(422);
    expect((await ticket(rivBilling)).department).toBe('billing');
    const moved = await vendor.post(`/vendor/tickets/${rivBilling}/department`, { department: 'technical', reason: 'Looks like a claim export bug' });
    expect(moved.status).toBe(303);
    expect(moved.location).toBe('/vendor?done=moved');
    const after = await ticket(rivBilling);
    expect(after.department).toBe('technical');
    expect(after.assigned_to_user_id).toBeNull();
    const moveEvent = (await events(rivBilling)).at(-1)!;
    expect(moveEvent.kind).toBe('moved');
    expect(moveEvent.details).toEqual({ from: 'billing', to: 'technical', reason: 'Looks like a claim export bug' });
    expect(moveEvent.actor_user_id).toBe(await t.userId('billing@stratapt.example'));
    expect((await vendor.get(`/vendor/tickets/${rivBilling}`)).status).toBe(404);
    expect((await (await t.as('support@stratapt.example')).get(`/vendor/tickets/${rivBilling}`)).status).toBe(200);
    const told = await t.db.selectFrom('outbox_messages').select('recipient').where('dedupe_key', 'like', `ticket:${rivBilling}:moved:%`).execute();
    expect(told.map((m) => m.recipient)).toContain('support@stratapt.example');
  });

  it('closes (as a resource) and reopens; a closure lifts any requirement', async () => {
    const vendor = await t.as('success@stratapt.example');
    await vendor.post(`/vendor/tickets/${rivSuccess}/replies`, { message: 'Template attached; does it work?', response_window: '48' });
    expect((await ticket(rivSuccess)).response_due_at).not.toBeNull();
    expect((await vendor.post(`/vendor/tickets/${rivSuccess}/closure`)).status).toBe(303);
    let after = await ticket(rivSuccess);
    expect(after.status).toBe('closed');
    expect(after.closed_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(after.response_due_at).toBeNull();
    const closedQueue = await vendor.get('/vendor/queues/success?filter=closed');
    expect(closedQueue.text).toContain('Daily note template');
    expect((await vendor.post(`/vendor/tickets/${rivSuccess}/closure/delete`)).status).toBe(303);
    after = await ticket(rivSuccess);
    expect(after.status).toBe('waiting_vendor');
    expect(after.closed_at).toBeNull();
    expect((await events(rivSuccess)).map((e) => e.kind).slice(-2)).toEqual(['closed', 'reopened']);
  });

  it('marking admin-level hides the thread from staff below Practice Administrator', async () => {
    const clinician = await t.as('pt@riverside.example');
    expect((await clinician.get(`/tickets/${rivSuccess}`)).status).toBe(200);
    const vendor = await t.as('success@stratapt.example');
    expect((await vendor.post(`/vendor/tickets/${rivSuccess}/admin-level`)).status).toBe(303);
    expect((await ticket(rivSuccess)).admin_level).toBe(true);
    expect((await clinician.get(`/tickets/${rivSuccess}`)).status).toBe(404);
    expect((await vendor.post(`/vendor/tickets/${rivSuccess}/admin-level/delete`)).status).toBe(303);
    expect((await clinician.get(`/tickets/${rivSuccess}`)).status).toBe(200);
  });
});

describe('queues', () => {
  it('counts per filter and puts hypercare practices first in Customer Success', async () => {
    const vendor = await t.as('root@stratapt.example');
    // Summit's thread has waited longer, but Riverside is in hypercare.
    const page = await vendor.get('/vendor/queues/success?filter=open');
    expect(page.status).toBe(200);
    const riverside = page.text.indexOf('Daily note template');
    const summit = page.text.indexOf('Training for new front desk hire');
    expect(riverside).toBeGreaterThan(-1);
    expect(summit).toBeGreaterThan(-1);
    expect(riverside).toBeLessThan(summit);
    await t.db.updateTable('tickets').set({ waiting_since: new Date(t.clock.now().getTime() - 500 * 3_600_000) }).where('subject', '=', 'Training for new front desk hire').execute();
    const again = await vendor.get('/vendor/queues/success?filter=open');
    expect(again.text.indexOf('Daily note template')).toBeLessThan(again.text.indexOf('Training for new front desk hire'));
    // Billing has no hypercare ordering: oldest waiting first. Counts per filter are on the page.
    const billing = await vendor.get('/vendor/queues/billing?filter=overdue');
    expect(billing.text).toContain('EOB submission for October remittance');
    expect(billing.text).toMatch(/Overdue <span class="count overdue">1<\/span>/);
    const summitOnly = await vendor.get(`/vendor/queues/billing?filter=open&practice=${(await t.db.selectFrom('practices').select('id').where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow()).id}`);
    expect(summitOnly.text).toContain('EOB submission');
    expect(summitOnly.text).not.toContain('Change of billing contract owner');
  });
});

describe('starting a thread to a practice', () => {
  it('the account manager starts an admin-level thread; only admins and up at the practice see it', async () => {
    const vendor = await t.as('success@stratapt.example');
    const practiceId = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
    const res = await vendor.post('/vendor/tickets', {
      practice_id: String(practiceId),
      department: 'success',
      audience: 'anyone',
      admin_level: 'on',
      subject: 'Hypercare check-in: contract renewal',
      message: 'Let us schedule your 30-day review.',
      response_window: '',
    });
    expect(res.status).toBe(303);
    const id = Number(res.location!.match(/\/vendor\/tickets\/(\d+)/)![1]);
    const row = await ticket(id);
    expect(row).toMatchObject({ created_by_side: 'vendor', status: 'waiting_practice', admin_level: true, visibility: 'anyone', department: 'success' });
    expect((await (await t.as('admin@riverside.example')).get(`/tickets/${id}`)).status).toBe(200);
    expect((await (await t.as('frontdesk@riverside.example')).get(`/tickets/${id}`)).status).toBe(404);
    const mails = await t.db.selectFrom('outbox_messages').select('recipient').where('dedupe_key', 'like', `ticket:${id}:%`).execute();
    expect(mails.map((m) => m.recipient).sort()).toEqual(['admin@riverside.example', 'owner@riverside.example']);
  });

  it('refuses a practice or department the user could not work', async () => {
    const vendor = await t.as('support@stratapt.example');
    const summit = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow()).id;
    const res = await vendor.post('/vendor/tickets', { practice_id: String(summit), department: 'billing', audience: 'anyone', subject: 'x', message: 'y' });
    expect(res.status).toBe(422);
    expect(await t.db.selectFrom('tickets').select('id').where('subject', '=', 'x').executeTakeFirst()).toBeUndefined();
  });
});
