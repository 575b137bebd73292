import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { runTicketDeadlines, warningLeadMs } from '../../src/tickets/deadlines.ts';
import { jobs } from '../../src/jobs/index.ts';

// The scheduler's side of response deadlines, with the injected clock: the warning goes once before
// the deadline, going Overdue is recorded and both sides are told once, a practice reply in between
// cancels the pending warning, and two instances at once still send each email once.

let t: TestContext;
let thread: number;
const URL = 'http://localhost:3000';

beforeAll(async () => {
  t = await createTestContext();
  thread = (await t.db.selectFrom('tickets').select('id').where('subject', '=', 'Claim denied for knee visit (CO-197 authorization)').executeTakeFirstOrThrow()).id;
  // The seeded deadlines (Summit's overdue and amber threads, Riverside's two-week one): warn and
  // record them all now, as if a month had passed, so each test starts quiet.
  await runTicketDeadlines(t.db, new Date(t.clock.now().getTime() + 30 * 24 * 3_600_000), URL);
});
afterAll(() => t.close());

async function mails(notice: string) {
  return t.db.selectFrom('outbox_messages').select(['recipient', 'body', 'subject', 'dedupe_key']).where('dedupe_key', 'like', `ticket:${thread}:${notice}:%`).orderBy('recipient').execute();
}
async function row() {
  return t.db.selectFrom('tickets').selectAll().where('id', '=', thread).executeTakeFirstOrThrow();
}
async function requireResponse(hours: string) {
  const vendor = await t.as('billing@stratapt.example');
  expect((await vendor.post(`/vendor/tickets/${thread}/replies`, { message: `Please answer within ${hours} hours.`, response_window: hours })).location).toBe(`/vendor/tickets/${thread}?done=required`);
}
async function answer(message: string) {
  const res = await (await t.as('frontdesk@riverside.example')).post(`/tickets/${thread}/messages`, { message });
  expect(res.location).toBe(`/tickets/${thread}#reply-heading`);
  expect((await row()).response_due_at).toBeNull();
}
const run = () => runTicketDeadlines(t.db, t.clock.now(), URL);

describe('ticket deadlines', () => {
  beforeEach(async () => {
    await t.db.deleteFrom('outbox_messages').where('dedupe_key', 'like', `ticket:${thread}:%`).execute();
  });

  it('the job is registered with the scheduler', () => {
    expect(jobs.map((j) => j.name)).toContain('ticket-deadlines');
  });

  it('warns the practice once before a 24 h deadline, then records Overdue and tells both sides once', async () => {
    await requireResponse('24');
    const due = (await row()).response_due_at!;
    t.clock.advanceHours(19);
    expect(await run()).toBe(0); // 5 h before: too early
    expect(await mails('deadline_warning')).toEqual([]);

    t.clock.advanceHours(1.5); // 3.5 h before the deadline
    expect(await run()).toBe(1);
    const warnings = await mails('deadline_warning');
    expect(warnings.map((m) => m.recipient)).toEqual(['admin@riverside.example', 'director@riverside.example', 'frontdesk@riverside.example', 'owner@riverside.example', 'pt@riverside.example']);
    expect((await row()).overdue_warning_sent_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(await run()).toBe(0);
    expect((await mails('deadline_warning')).length).toBe(5);

    // The last warning, one hour before (docs/rules.md, "Deadline warnings"), once.
    t.clock.set(new Date(due.getTime() - 3_600_000 - 1000));
    expect(await run()).toBe(0);
    t.clock.set(new Date(due.getTime() - 3_600_000));
    expect(await run()).toBe(1);
    expect((await mails('deadline_final_warning')).length).toBe(5);
    t.clock.set(new Date(due.getTime() - 1000));
    expect(await run()).toBe(0);
    expect((await (await t.as('frontdesk@riverside.example')).get(`/tickets/${thread}`)).text).not.toContain('class="overdue"');

    // The moment the deadline passes, the thread is Overdue on read, before any job runs.
    t.clock.set(due);
    expect((await (await t.as('frontdesk@riverside.example')).get(`/tickets/${thread}`)).text).toContain('class="overdue"');
    expect((await row()).overdue_recorded_at).toBeNull();
    t.clock.advanceMinutes(1);
    expect(await run()).toBe(1);
    expect((await row()).overdue_recorded_at?.toISOString()).toBe(t.clock.now().toISOString());
    const overdue = await mails('overdue');
    const recipients = overdue.map((m) => m.recipient);
    expect(recipients).toContain('frontdesk@riverside.example');
    expect(recipients).toContain('billing@stratapt.example');
    expect(recipients).toContain('success@stratapt.example'); // Riverside's account manager
    expect(recipients).not.toContain('support@stratapt.example');
    expect(recipients).not.toContain('limited@riverside.example');
    t.clock.advanceHours(3);
    expect(await run()).toBe(0);
    expect((await mails('overdue')).length).toBe(overdue.length);
    const kinds = (await t.db.selectFrom('ticket_events').select('kind').where('ticket_id', '=', thread).execute()).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'deadline_warning_sent')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'went_overdue')).toHaveLength(1);

    // The practice answers: Overdue clears at once.
    expect((await (await t.as('frontdesk@riverside.example')).post(`/tickets/${thread}/messages`, { message: 'Here is the authorization number.' })).location).toBe(`/tickets/${thread}#reply-heading`);
    expect((await row()).response_due_at).toBeNull();
    expect((await (await t.as('frontdesk@riverside.example')).get(`/tickets/${thread}`)).text).not.toContain('class="overdue"');
  });

  it('a practice reply before the warning cancels it; nothing is sent later', async () => {
    await requireResponse('8');
    t.clock.advanceHours(1);
    const practice = await t.as('frontdesk@riverside.example');
    expect((await practice.post(`/tickets/${thread}/messages`, { message: 'Answered early.' })).location).toBe(`/tickets/${thread}#reply-heading`);
    expect((await row()).response_due_at).toBeNull();
    for (const hours of [3, 2, 4, 10]) {
      t.clock.advanceHours(hours);
      expect(await run()).toBe(0);
    }
    expect(await mails('deadline_warning')).toEqual([]);
    expect(await mails('overdue')).toEqual([]);
  });

  it('a short window is warned half-way: 4 h window → warning 2 h before', async () => {
    expect(warningLeadMs(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T04:00:00Z'))).toBe(2 * 3_600_000);
    expect(warningLeadMs(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-08T00:00:00Z'))).toBe(4 * 3_600_000);
    await requireResponse('4');
    t.clock.advanceMinutes(119);
    expect(await run()).toBe(0);
    t.clock.advanceMinutes(2);
    expect(await run()).toBe(1);
    expect((await mails('deadline_warning')).length).toBe(5);
    await answer('Done.');
  });

  it('a new requirement after an answered one is warned and recorded afresh', async () => {
    await requireResponse('8');
    t.clock.advanceHours(9);
    expect(await run()).toBe(1); // straight to Overdue: the late warning is skipped
    expect(await mails('deadline_warning')).toEqual([]);
    expect((await mails('overdue')).length).toBeGreaterThan(0);
    await answer('Sorry, answered now.');
  });

  it('two instances at once (separate pools on Postgres; interleaved on PGlite) still notify once', async () => {
    await requireResponse('24');
    t.clock.advanceHours(21);
    // On the real server a second pool is a second instance; PGlite has one connection, so both share it.
    const second = t.url ? await openPostgres(t.url, 3) : { db: t.db, close: async () => {} };
    try {
      const now = t.clock.now();
      const results = await Promise.all([runTicketDeadlines(t.db, now, URL), runTicketDeadlines(second.db, now, URL), runTicketDeadlines(second.db, now, URL)]);
      expect(results.reduce((a, b) => a + b, 0)).toBe(1);
      expect((await mails('deadline_warning')).length).toBe(5);
      t.clock.advanceHours(4);
      const later = t.clock.now();
      const overdue = await Promise.all([runTicketDeadlines(second.db, later, URL), runTicketDeadlines(t.db, later, URL), runTicketDeadlines(second.db, later, URL)]);
      expect(overdue.reduce((a, b) => a + b, 0)).toBe(1);
      const sent = await mails('overdue');
      expect(new Set(sent.map((m) => m.recipient)).size).toBe(sent.length);
      expect(sent.length).toBeGreaterThan(5);
    } finally {
      await second.close();
    }
  });
});
