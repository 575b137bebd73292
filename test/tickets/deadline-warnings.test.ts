import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { runTicketDeadlines } from '../../src/tickets/deadlines.ts';

// Deadline warnings with the manual clock (docs/rules.md, "Deadline warnings"): the first at 4 hours
// (half-way for shorter windows) to everyone who can see the thread, the last at 1 hour that also
// reaches the practice's administrators and owners; each once per deadline, per person, however
// many instances run the job at once.

let t: TestContext;
let thread: number;
const URL = 'http://localhost:3000';
const H = 3_600_000;

beforeAll(async () => {
  t = await createTestContext();
  // The director's thread is Visible To only her: the audience of the first warning is one person.
  thread = (await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'Schedule view freezes%').executeTakeFirstOrThrow()).id;
  // The seeded deadlines, warned and recorded as if a month had passed, out of the way.
  await runTicketDeadlines(t.db, new Date(t.clock.now().getTime() + 30 * 24 * H), URL);
});
afterAll(() => t.close());

beforeEach(async () => {
  await t.db.deleteFrom('outbox_messages').where('dedupe_key', 'like', `ticket:${thread}:%`).execute();
});

async function mails(notice: string) {
  return t.db.selectFrom('outbox_messages').select(['recipient', 'body', 'subject', 'dedupe_key']).where('dedupe_key', 'like', `ticket:${thread}:${notice}:%`).orderBy('recipient').execute();
}
async function dueAt() {
  return (await t.db.selectFrom('tickets').select('response_due_at').where('id', '=', thread).executeTakeFirstOrThrow()).response_due_at!;
}
async function requireResponse(hours: string) {
  const vendor = await t.as('support@stratapt.example');
  expect((await vendor.post(`/vendor/tickets/${thread}/replies`, { message: `Please answer within ${hours} hours.`, response_window: hours })).location).toBe(`/vendor/tickets/${thread}?done=required`);
  return dueAt();
}
async function answer() {
  const res = await (await t.as('director@riverside.example')).post(`/tickets/${thread}/messages`, { message: 'Answered.' });
  expect(res.location).toBe(`/tickets/${thread}#reply-heading`);
}
const run = () => runTicketDeadlines(t.db, t.clock.now(), URL);

describe('Deadline warnings', () => {
  it('warn the thread’s audience at 4 h, then at 1 h also the administrators and owners who cannot see it; the key carries the deadline', async () => {
    const due = await requireResponse('24');
    t.clock.set(new Date(due.getTime() - 4 * H - 1000));
    expect(await run()).toBe(0);
    expect(await mails('deadline_warning')).toEqual([]);
    t.clock.set(new Date(due.getTime() - 4 * H));
    expect(await run()).toBe(1);
    const first = await mails('deadline_warning');
    expect(first.map((m) => m.recipient)).toEqual(['director@riverside.example']);
    expect(first[0].dedupe_key).toContain(due.toISOString());
    expect(await run()).toBe(0);

    t.clock.set(new Date(due.getTime() - H - 1000));
    expect(await run()).toBe(0);
    expect(await mails('deadline_final_warning')).toEqual([]);
    t.clock.set(new Date(due.getTime() - H));
    expect(await run()).toBe(1);
    const last = await mails('deadline_final_warning');
    // limitedAdmin has Limit Messaging Access: no ticket email at all.
    expect(last.map((m) => m.recipient)).toEqual(['admin@riverside.example', 'director@riverside.example', 'owner@riverside.example']);
    expect(last.every((m) => m.dedupe_key!.includes(due.toISOString()))).toBe(true);
    const director = last.find((m) => m.recipient === 'director@riverside.example')!;
    expect(director.body).toContain(`${URL}/tickets/${thread}\n`);
    const owner = last.find((m) => m.recipient === 'owner@riverside.example')!;
    expect(owner.body).toContain('You cannot see this thread');
    expect(owner.body).not.toContain(`/tickets/${thread}`);
    // No PHI: only the number and a link.
    for (const m of [...first, ...last]) {
      expect(m.subject).toBe(`StrataPT ticket #${thread}`);
      expect(m.body).not.toMatch(/Schedule|provider|freez/i);
    }
    expect(await run()).toBe(0);
    expect((await mails('deadline_final_warning')).length).toBe(3);
    await answer();
  });

  it('respect the ticket-email preference, and a new deadline is warned afresh (its own key)', async () => {
    await t.db.updateTable('users').set({ notify_email: false }).where('email', '=', 'owner@riverside.example').execute();
    try {
      const due = await requireResponse('8');
      t.clock.set(new Date(due.getTime() - 3 * H));
      expect(await run()).toBe(1); // half of 8 h is 4 h: the first warning is due
      t.clock.set(new Date(due.getTime() - 30 * 60_000));
      expect(await run()).toBe(1);
      expect((await mails('deadline_final_warning')).map((m) => m.recipient)).toEqual(['admin@riverside.example', 'director@riverside.example']);
      await answer();
      const second = await requireResponse('4');
      expect(second.getTime()).not.toBe(due.getTime());
      t.clock.set(new Date(second.getTime() - 2 * H)); // half-way through a 4 h window
      expect(await run()).toBe(1);
      t.clock.set(new Date(second.getTime() - H));
      expect(await run()).toBe(1);
      const finals = await mails('deadline_final_warning');
      expect(finals.length).toBe(4);
      expect(new Set(finals.map((m) => m.dedupe_key)).size).toBe(4);
      await answer();
    } finally {
      await t.db.updateTable('users').set({ notify_email: true }).where('email', '=', 'owner@riverside.example').execute();
    }
  });

  it('a job that wakes inside the last hour sends only the last warning', async () => {
    const due = await requireResponse('24');
    t.clock.set(new Date(due.getTime() - 30 * 60_000));
    expect(await run()).toBe(1);
    expect(await mails('deadline_warning')).toEqual([]);
    expect((await mails('deadline_final_warning')).length).toBe(3);
    await answer();
  });

  it('two instances racing (separate pools on Postgres; interleaved on PGlite): one email per person per warning', async () => {
    const due = await requireResponse('24');
    const second = t.url ? await openPostgres(t.url, 3) : { db: t.db, close: async () => {} };
    try {
      for (const [at, notice, people] of [
        [new Date(due.getTime() - 3 * H), 'deadline_warning', 1],
        [new Date(due.getTime() - 50 * 60_000), 'deadline_final_warning', 3],
      ] as const) {
        t.clock.set(at);
        const results = await Promise.all([runTicketDeadlines(t.db, at, URL), runTicketDeadlines(second.db, at, URL), runTicketDeadlines(second.db, at, URL), runTicketDeadlines(t.db, at, URL)]);
        expect(results.reduce((a, b) => a + b, 0)).toBe(1);
        const sent = await mails(notice);
        expect(sent.length).toBe(people);
        expect(new Set(sent.map((m) => m.recipient)).size).toBe(people);
      }
    } finally {
      await second.close();
    }
    await answer();
  });
});
