import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor, type Actor } from '../../src/auth/permissions.ts';
import { findOverdueBlock, isOverdue } from '../../src/tickets/overdue.ts';
import type { Visibility } from '../../src/db/schema.ts';

// Overdue and the block on new threads, as docs/rules.md (Overdue, Visibility) states them: overdue
// from response_due_at itself; while any thread of a practice is overdue nobody there may create one;
// the block links the overdue threads the user can see and, for the others, says only how many and who
// can answer them (active staff without Limit Messaging Access who can see one of them). A small
// world of its own (no demo data), so a mutant of src/tickets/overdue.ts is judged in seconds (issue 18).

let t: TestContext;
let practice: number;
let other: number;
const users: Record<string, { id: number; actor: Actor }> = {};
const NOW = new Date('2026-11-24T16:00:00Z');
const H = 3_600_000;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: NOW.toISOString() });
  const make = async (name: string) => (await t.db.insertInto('practices').values({ name, phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 60 }).returning('id').executeTakeFirstOrThrow()).id;
  practice = await make('Riverside Physical Therapy');
  other = await make('Summit Sports Rehab');
  const people: [string, string, number, number, { limit?: boolean; active?: boolean }][] = [
    ['owner', 'Olive Owner', practice, 5, {}],
    ['admin', 'Adam Admin', practice, 4, {}],
    ['clinician', 'Cara Clinic', practice, 2, {}],
    ['desk', 'Dan Desk', practice, 1, {}],
    ['limited', 'Abe Limited', practice, 5, { limit: true }],
    ['gone', 'Aaron Gone', practice, 5, { active: false }],
    ['elsewhere', 'Al Elsewhere', other, 5, {}],
  ];
  for (const [key, name, practiceId, role, flags] of people) {
    const row = await t.db
      .insertInto('users')
      .values({ kind: 'staff', practice_id: practiceId, email: `${key}@overdue.example`, name, role: role as 1, limit_messaging: !!flags.limit, active: flags.active ?? true, password_hash: null, password_changed_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    users[key] = { id: row.id, actor: await loadActor(t.db, row) };
  }
});
afterAll(() => t.close());

async function ticket(o: { subject: string; by: string; due: Date | null; visibility?: Visibility; adminLevel?: boolean; practiceId?: number; person?: string }) {
  return (await t.db
    .insertInto('tickets')
    .values({
      practice_id: o.practiceId ?? practice,
      created_by_user_id: users[o.by]!.id,
      subject: o.subject,
      department: 'billing',
      visibility: o.visibility ?? 'anyone',
      visible_user_id: o.person ? users[o.person]!.id : null,
      admin_level: o.adminLevel ?? false,
      status: 'waiting_practice',
      response_due_at: o.due,
      last_public_message_at: NOW,
      waiting_since: NOW,
      created_at: NOW,
    })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
}
const block = (who: string, now = NOW) => findOverdueBlock(t.db, users[who]!.actor, now);
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe('isOverdue', () => {
  it('from the deadline itself, never without one', () => {
    expect(isOverdue(NOW, at(-1))).toBe(false);
    expect(isOverdue(NOW, NOW)).toBe(true);
    expect(isOverdue(NOW, at(1))).toBe(true);
    expect(isOverdue(null, NOW)).toBe(false);
    expect(isOverdue(new Date(0), NOW)).toBe(true);
  });
});

describe('the block on new threads', () => {
  it("nothing overdue, a deadline still ahead, no deadline, or another practice's overdue thread: no block", async () => {
    const ahead = await ticket({ subject: 'Ahead', by: 'owner', due: at(H) });
    await ticket({ subject: 'No deadline', by: 'owner', due: null });
    await ticket({ subject: 'Summit is late', by: 'elsewhere', due: at(-H), practiceId: other });
    expect(await block('owner')).toBeNull();
    expect(await block('desk')).toBeNull();
    expect(await block('elsewhere')).toMatchObject({ visible: [expect.objectContaining({ subject: 'Summit is late' })], hidden: { count: 0, answerers: [] } });
    await t.db.updateTable('tickets').set({ response_due_at: null }).where('id', '=', ahead).execute();
  });

  it('starts at the deadline for everyone at the practice; the threads one can see are listed oldest deadline first, then by number', async () => {
    const first = await ticket({ subject: 'Due in two hours', by: 'desk', due: at(2 * H) });
    const second = await ticket({ subject: 'Also due in two hours', by: 'desk', due: at(2 * H) });
    const earlier = await ticket({ subject: 'Due in one hour', by: 'desk', due: at(H) });
    expect(await block('desk', at(H - 1))).toBeNull();
    expect(await block('desk', at(H))).toEqual({ visible: [{ id: earlier, subject: 'Due in one hour', response_due_at: at(H) }], hidden: { count: 0, answerers: [] } });
    expect((await block('desk', at(2 * H)))!.visible.map((v) => v.id)).toEqual([earlier, first, second]);
    // Even those who see nothing are blocked: the limited user sees no subject, only how many and who can answer.
    const limited = await block('limited', at(2 * H));
    expect(limited).toEqual({ visible: [], hidden: { count: 3, answerers: ['Adam Admin', 'Cara Clinic', 'Dan Desk', 'Olive Owner'] } });
    await t.db.updateTable('tickets').set({ response_due_at: null }).where('id', 'in', [first, second, earlier]).execute();
  });

  it('names as answerers only the active staff without Limit Messaging Access who can see at least one hidden thread, by name', async () => {
    const mine = await ticket({ subject: 'Only Cara', by: 'clinician', due: at(-H), visibility: 'only_me' });
    const admins = await ticket({ subject: 'Admin level', by: 'owner', due: at(-2 * H), adminLevel: true });
    // The front desk sees neither: two hidden; Cara can answer the first, the owner and the admin the second.
    expect(await block('desk')).toEqual({ visible: [], hidden: { count: 2, answerers: ['Adam Admin', 'Cara Clinic', 'Olive Owner'] } });
    // Cara sees hers, not the admin-level one: the owner and admin can answer that.
    expect(await block('clinician')).toEqual({ visible: [{ id: mine, subject: 'Only Cara', response_due_at: at(-H) }], hidden: { count: 1, answerers: ['Adam Admin', 'Olive Owner'] } });
    // The owner sees the admin-level one; Cara's own is hidden and only she can answer it.
    expect(await block('owner')).toEqual({ visible: [{ id: admins, subject: 'Admin level', response_due_at: at(-2 * H) }], hidden: { count: 1, answerers: ['Cara Clinic'] } });
    await t.db.updateTable('tickets').set({ response_due_at: null }).where('id', 'in', [mine, admins]).execute();
  });

  it('a thread for a named person: that person answers; nobody else is named', async () => {
    const named = await ticket({ subject: 'For Dan', by: 'owner', due: at(-H), visibility: 'person', person: 'desk' });
    expect(await block('owner')).toEqual({ visible: [], hidden: { count: 1, answerers: ['Dan Desk'] } });
    expect((await block('desk'))!.visible.map((v) => v.id)).toEqual([named]);
    // Dan deactivated: the thread is still overdue and still blocks, but nobody is left to answer it.
    await t.db.updateTable('users').set({ active: false }).where('id', '=', users.desk!.id).execute();
    expect(await block('owner')).toEqual({ visible: [], hidden: { count: 1, answerers: [] } });
    await t.db.updateTable('users').set({ active: true }).where('id', '=', users.desk!.id).execute();
    await t.db.updateTable('tickets').set({ response_due_at: null }).where('id', '=', named).execute();
  });
});
