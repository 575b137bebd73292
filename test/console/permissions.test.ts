import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

// The vendor permission matrix: departments × account manager × vendor admin, against threads of
// several departments and both practices. Queues, the thread page, the patient summary and actions
// must agree; practice users reach no vendor page.

let t: TestContext;
const ids: Record<string, number> = {};
const SUBJECTS: Record<string, string> = {
  rivBilling: 'Claim denied for knee visit (CO-197 authorization)',
  rivSuccess: 'Daily note template for ACL protocol',
  rivBillingAdmin: 'Change of billing contract owner',
  rivTechnical: 'Schedule view freezes when switching providers',
  sumBilling: 'EOB submission for October remittance',
  sumSuccess: 'Training for new front desk hire',
};
const ALL = Object.keys(SUBJECTS);
// Who works which thread: a department's members, Riverside's account manager (success@) for all of
// Riverside's, the vendor admin for everything, Product for none.
const WORKS: Record<string, string[]> = {
  'billing@stratapt.example': ['rivBilling', 'rivBillingAdmin', 'sumBilling'],
  'success@stratapt.example': ['rivBilling', 'rivSuccess', 'rivBillingAdmin', 'rivTechnical', 'sumSuccess'],
  'support@stratapt.example': ['rivTechnical'],
  'product@stratapt.example': [],
  'root@stratapt.example': ALL,
};
const QUEUES: Record<string, string[]> = {
  'billing@stratapt.example': ['billing'],
  'success@stratapt.example': ['billing', 'success', 'technical'],
  'support@stratapt.example': ['technical'],
  'product@stratapt.example': [],
  'root@stratapt.example': ['billing', 'success', 'technical'],
};

beforeAll(async () => {
  t = await createTestContext();
  for (const [key, subject] of Object.entries(SUBJECTS)) {
    ids[key] = (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
  }
});
afterAll(() => t.close());

describe('vendor permission matrix', () => {
  for (const [email, works] of Object.entries(WORKS)) {
    it(`${email}: thread pages, queues and counts follow departments, account manager and admin`, async () => {
      const client = await t.as(email);
      for (const key of ALL) {
        const res = await client.get(`/vendor/tickets/${ids[key]}`);
        expect([key, res.status]).toEqual([key, works.includes(key) ? 200 : 404]);
        if (res.status === 404) expect(res.text).not.toContain(SUBJECTS[key]);
      }
      for (const department of ['billing', 'success', 'technical']) {
        const res = await client.get(`/vendor/queues/${department}?filter=open`);
        const allowed = QUEUES[email].includes(department);
        expect([department, res.status]).toEqual([department, allowed ? 200 : 404]);
        if (!allowed) continue;
        for (const key of ALL) {
          const ticket = await t.db.selectFrom('tickets').select('department').where('id', '=', ids[key]).executeTakeFirstOrThrow();
          const expected = works.includes(key) && ticket.department === department;
          expect([department, key, res.text.includes(SUBJECTS[key])]).toEqual([department, key, expected]);
        }
      }
      const home = await client.get('/vendor');
      expect(home.status).toBe(200);
      if (!QUEUES[email].length) expect(home.text).toContain('not in a department with a ticket queue');
    });

    it(`${email}: actions and the patient summary only on threads they can work`, async () => {
      const client = await t.as(email);
      for (const key of ALL) {
        const notesBefore = await countMessages(ids[key]);
        const res = await client.post(`/vendor/tickets/${ids[key]}/notes`, { note: `matrix note by ${email}` });
        expect([key, res.status]).toEqual([key, works.includes(key) ? 303 : 404]);
        expect(await countMessages(ids[key])).toBe(notesBefore + (works.includes(key) ? 1 : 0));

        const before = await t.db.selectFrom('tickets').select(['status', 'response_due_at']).where('id', '=', ids[key]).executeTakeFirstOrThrow();
        const reply = await client.post(`/vendor/tickets/${ids[key]}/replies`, { message: 'Thanks', response_window: '' });
        if (!works.includes(key)) {
          expect(reply.status).toBe(404);
          const after = await t.db.selectFrom('tickets').select(['status', 'response_due_at']).where('id', '=', ids[key]).executeTakeFirstOrThrow();
          expect(after).toEqual(before);
        }
      }
      const auditsBefore = await countSummaryAudits();
      const summary = await client.get(`/vendor/tickets/${ids.rivBilling}/patient`);
      expect(summary.status).toBe(works.includes('rivBilling') ? 200 : 404);
      expect(await countSummaryAudits()).toBe(auditsBefore + (works.includes('rivBilling') ? 1 : 0));
      if (summary.status === 200) {
        expect(summary.text).toContain('Gonzalez');
        expect(summary.text).toContain('R-1002');
        expect(summary.text).toContain('Left knee ACL rehabilitation');
      } else {
        expect(summary.text).not.toContain('Gonzalez');
      }
      // A thread with no linked patient has no summary, whoever asks.
      expect((await client.get(`/vendor/tickets/${ids.rivSuccess}/patient`)).status).toBe(404);
    });
  }

  it('records who opened the patient summary, when, which account and from which thread', async () => {
    const client = await t.as('billing@stratapt.example');
    await client.get(`/vendor/tickets/${ids.rivBilling}/patient`);
    const row = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'vendor.patient_summary.viewed')
      .where('actor_user_id', '=', await t.userId('billing@stratapt.example'))
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const ticket = await t.db.selectFrom('tickets').select(['patient_id', 'practice_id']).where('id', '=', ids.rivBilling).executeTakeFirstOrThrow();
    expect(row.record_type).toBe('patient');
    expect(row.record_id).toBe(String(ticket.patient_id));
    expect(row.practice_id).toBe(ticket.practice_id);
    expect(row.details).toEqual({ ticketId: ids.rivBilling });
    expect(row.at.toISOString()).toBe(t.clock.now().toISOString());
  });

  it('practice users reach no vendor page, whatever their role', async () => {
    for (const email of ['owner@riverside.example', 'admin@riverside.example', 'frontdesk@riverside.example', 'admin@summit.example']) {
      const client = await t.as(email);
      for (const path of ['/vendor', '/vendor/queues/billing', `/vendor/tickets/${ids.rivBilling}`, `/vendor/tickets/${ids.rivBilling}/patient`, '/vendor/practices', '/vendor/team', '/vendor/tickets/new']) {
        expect([email, path, (await client.get(path)).status]).toEqual([email, path, 404]);
      }
      const before = await countMessages(ids.rivBilling);
      expect((await client.post(`/vendor/tickets/${ids.rivBilling}/notes`, { note: 'x' })).status).toBe(404);
      expect(await countMessages(ids.rivBilling)).toBe(before);
    }
  });

  it('practices and the team are for vendor admins only', async () => {
    for (const email of ['billing@stratapt.example', 'success@stratapt.example', 'product@stratapt.example']) {
      const client = await t.as(email);
      expect((await client.get('/vendor/practices')).status).toBe(404);
      expect((await client.get('/vendor/team')).status).toBe(404);
      expect((await client.post('/vendor/practices', { name: 'Sneaky PT' })).status).toBe(404);
    }
    expect(await t.db.selectFrom('practices').select('id').where('name', '=', 'Sneaky PT').executeTakeFirst()).toBeUndefined();
    const root = await t.as('root@stratapt.example');
    expect((await root.get('/vendor/practices')).status).toBe(200);
    expect((await root.get('/vendor/team')).status).toBe(200);
  });
});

async function countMessages(ticketId: number) {
  const row = await t.db.selectFrom('ticket_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('ticket_id', '=', ticketId).executeTakeFirstOrThrow();
  return Number(row.n);
}
async function countSummaryAudits() {
  const row = await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'vendor.patient_summary.viewed').executeTakeFirstOrThrow();
  return Number(row.n);
}
