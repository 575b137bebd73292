import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type Client, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { raceAReadAndAMessage, staffUnreadByRule } from '../support/unread-rule.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';

// The Get Help badge's set (staff_unread, migration 20261205_0100): after every kind of change to
// threads, reads and practice users, each user's set is exactly the threads the rule gives, computed
// here from the tables through the visibility rule of src/auth/permissions.ts. The triggers carry
// their own copy of that rule (staff_may_see), so this is where the two are held together.

let t: TestContext;
let riverside: number;
let summit: number;

beforeAll(async () => {
  t = await createTestContext();
  riverside = await t.practiceId('Riverside Physical Therapy');
  summit = await t.practiceId('Summit Sports Rehab');
});
afterAll(() => t.close());

async function expectSetsToFollowTheRule(label: string) {
  const staff = await t.db.selectFrom('users').selectAll().where('kind', '=', 'staff').orderBy('id').execute();
  let pairs = 0;
  for (const user of staff) {
    const kept = (await t.db.selectFrom('staff_unread').select('ticket_id').where('user_id', '=', user.id).orderBy('ticket_id').execute()).map((r) => r.ticket_id);
    const rule = await staffUnreadByRule(t.db, await loadActor(t.db, user));
    expect(kept, `${label}: ${user.email}`).toEqual(rule);
    pairs += rule.length;
  }
  // Nothing kept for anyone else, and each pair under its thread's practice.
  const strays = await sql<{ n: number }>`
    select count(*)::int as n from staff_unread s join users u on u.id = s.user_id join tickets k on k.id = s.ticket_id
     where u.kind <> 'staff' or not u.active or u.limit_messaging or s.practice_id <> k.practice_id or u.practice_id <> k.practice_id`.execute(t.db);
  expect(strays.rows[0]!.n, `${label}: pairs of users who may not use Get Help, or across practices`).toBe(0);
  return pairs;
}

const userId = (email: string) => t.userId(email);
const threadId = async (subject: string) => (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
const setOf = async (email: string) =>
  (await t.db.selectFrom('staff_unread').select('ticket_id').where('user_id', '=', await userId(email)).orderBy('ticket_id').execute()).map((r) => r.ticket_id);

/** A thread written straight into the table, as any code path could. */
async function insertThread(subject: string, o: { practiceId: number; creator: number; author: number; visibility?: string; adminLevel?: boolean }) {
  const [row] = await sql<{ id: number }>`
    insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                         last_public_message_at, last_public_author_id, waiting_since, created_at)
    values (${o.practiceId}, ${o.creator}, ${subject}, 'billing', ${o.visibility ?? 'anyone'}, 'waiting_practice', ${o.adminLevel ?? false},
            ${t.clock.now()}, ${o.author}, ${t.clock.now()}, ${t.clock.now()})
    returning id`.execute(t.db).then((r) => r.rows);
  return row!.id;
}

describe("the Get Help badge's unread set", () => {
  it('follows the rule through new threads, replies, reads, Visible To, admin level, moves and changes to who people are', async () => {
    expect(await expectSetsToFollowTheRule('demo data')).toBeGreaterThan(0);

    // Through the app: a thread, a read, replies from both sides.
    const admin: Client = await t.as('admin@riverside.example');
    const created = await admin.post('/tickets', { subject: 'Staff badge: a new question', type: 'billing', message: 'Why was this claim denied?', visible_to: 'anyone' });
    expect(created.status).toBe(303);
    const fresh = await threadId('Staff badge: a new question');
    await expectSetsToFollowTheRule('a new thread');

    const billing = await t.as('billing@stratapt.example');
    t.clock.advance(60_000);
    expect((await billing.post(`/vendor/tickets/${fresh}/replies`, { message: 'We resubmitted it today.' })).status).toBeLessThan(400);
    expect(await setOf('owner@riverside.example')).toContain(fresh);
    expect(await setOf('admin@riverside.example')).toContain(fresh);
    expect(await setOf('admin@summit.example')).not.toContain(fresh);
    expect(await setOf('limited@riverside.example')).toEqual([]);
    await expectSetsToFollowTheRule('the vendor answered');

    const owner = await t.as('owner@riverside.example');
    expect((await owner.get(`/tickets/${fresh}`)).status).toBe(200);
    expect(await setOf('owner@riverside.example')).not.toContain(fresh);
    await expectSetsToFollowTheRule('read by the owner');

    t.clock.advance(60_000);
    expect((await owner.post(`/tickets/${fresh}/messages`, { message: 'Thank you, any news?' })).status).toBeLessThan(400);
    expect(await setOf('owner@riverside.example')).not.toContain(fresh);
    expect(await setOf('director@riverside.example')).toContain(fresh);
    await expectSetsToFollowTheRule('the owner wrote again');

    // Visible To and admin level, by statements as any code path would run them.
    const pt = await userId('pt@riverside.example');
    for (const visibility of ['admins', 'clinical', 'owners', 'only_me', 'anyone'] as const) {
      await t.db.updateTable('tickets').set({ visibility }).where('id', '=', fresh).execute();
      await expectSetsToFollowTheRule(`Visible To ${visibility}`);
    }
    await t.db.updateTable('tickets').set({ visibility: 'person', visible_user_id: pt }).where('id', '=', fresh).execute();
    expect(await setOf('pt@riverside.example')).toContain(fresh);
    await expectSetsToFollowTheRule('Visible To a named clinician');
    await t.db.updateTable('tickets').set({ visible_user_id: await userId('frontdesk@riverside.example') }).where('id', '=', fresh).execute();
    expect(await setOf('pt@riverside.example')).not.toContain(fresh);
    await expectSetsToFollowTheRule('named another person');
    await t.db.updateTable('tickets').set({ visibility: 'anyone', visible_user_id: null, admin_level: true }).where('id', '=', fresh).execute();
    expect(await setOf('pt@riverside.example')).not.toContain(fresh);
    await expectSetsToFollowTheRule('admin-level');
    await t.db.updateTable('tickets').set({ admin_level: false, visibility: 'only_me', created_by_user_id: pt }).where('id', '=', fresh).execute();
    expect(await setOf('pt@riverside.example')).toContain(fresh);
    await expectSetsToFollowTheRule('Only Me, created by the clinician');
    await t.db.updateTable('tickets').set({ visibility: 'anyone', created_by_user_id: await userId('admin@riverside.example') }).where('id', '=', fresh).execute();
    await t.db.updateTable('tickets').set({ practice_id: summit }).where('id', '=', fresh).execute();
    expect(await setOf('admin@summit.example')).toContain(fresh);
    expect(await setOf('director@riverside.example')).not.toContain(fresh);
    await expectSetsToFollowTheRule('moved to another practice');
    await t.db.updateTable('tickets').set({ practice_id: riverside }).where('id', '=', fresh).execute();
    await expectSetsToFollowTheRule('moved back');

    // A read taken away makes the thread unread again.
    expect((await (await t.as('director@riverside.example')).get(`/tickets/${fresh}`)).status).toBe(200);
    expect(await setOf('director@riverside.example')).not.toContain(fresh);
    await t.db.deleteFrom('ticket_reads').where('user_id', '=', await userId('director@riverside.example')).where('ticket_id', '=', fresh).execute();
    expect(await setOf('director@riverside.example')).toContain(fresh);
    await expectSetsToFollowTheRule('a read removed');

    // Who people are.
    await t.db.updateTable('users').set({ role: 4 }).where('id', '=', pt).execute();
    await expectSetsToFollowTheRule('the clinician made a practice admin');
    await t.db.updateTable('users').set({ role: 2 }).where('id', '=', pt).execute();
    await expectSetsToFollowTheRule('and back to clinician');
    await t.db.updateTable('users').set({ limit_messaging: true }).where('id', '=', pt).execute();
    expect(await setOf('pt@riverside.example')).toEqual([]);
    await expectSetsToFollowTheRule('Limit Messaging Access given');
    await t.db.updateTable('users').set({ limit_messaging: false }).where('id', '=', pt).execute();
    await expectSetsToFollowTheRule('Limit Messaging Access taken away');
    await t.db.updateTable('users').set({ active: false }).where('id', '=', pt).execute();
    expect(await setOf('pt@riverside.example')).toEqual([]);
    await expectSetsToFollowTheRule('deactivated');
    await t.db.updateTable('users').set({ active: true }).where('id', '=', pt).execute();
    await expectSetsToFollowTheRule('reactivated');
    const [newcomer] = await t.db.insertInto('users').values({ kind: 'staff', practice_id: riverside, email: 'new@riverside.example', name: 'Nora New', role: 5 }).returning('id').execute();
    expect((await setOf('new@riverside.example')).length).toBeGreaterThan(0);
    await expectSetsToFollowTheRule('a new business owner');
    await t.db.insertInto('ticket_reads').values({ user_id: newcomer!.id, ticket_id: fresh, practice_id: riverside, last_read_at: t.clock.now() }).execute();
    expect(await setOf('new@riverside.example')).not.toContain(fresh);
    await expectSetsToFollowTheRule('the newcomer read one');
    await t.db.updateTable('users').set({ practice_id: summit }).where('id', '=', newcomer!.id).execute();
    await expectSetsToFollowTheRule('the newcomer moved to Summit');
    await t.db.updateTable('users').set({ kind: 'vendor', practice_id: null, role: null }).where('id', '=', newcomer!.id).execute();
    expect(await setOf('new@riverside.example')).toEqual([]);
    await expectSetsToFollowTheRule('the newcomer became a vendor user');
    await t.db.deleteFrom('users').where('id', '=', newcomer!.id).execute();
    await expectSetsToFollowTheRule('the newcomer removed');

    // A thread removed takes its pairs with it.
    const bare = await insertThread('Staff badge: written and removed', { practiceId: riverside, creator: pt, author: await userId('billing@stratapt.example') });
    expect(await setOf('pt@riverside.example')).toContain(bare);
    await t.db.deleteFrom('tickets').where('id', '=', bare).execute();
    expect(await t.db.selectFrom('staff_unread').select('user_id').where('ticket_id', '=', bare).execute()).toEqual([]);
    await expectSetsToFollowTheRule('a thread removed');

    // The badge a page shows is the set's size.
    const page = await owner.get('/tickets');
    const unread = (await setOf('owner@riverside.example')).length;
    expect(unread).toBeGreaterThan(0);
    expect(page.text).toContain(`aria-label="${unread} unread"`);
  });

  it.skipIf(!onPostgres)(`a read and a new message on the same thread at once, in either order, leave the set exact ${POSTGRES_ONLY}`, async () => {
    const reader = await userId('director@riverside.example');
    const vendor = await userId('billing@stratapt.example');
    const id = await insertThread('Staff badge: a read racing a message', { practiceId: riverside, creator: await userId('admin@riverside.example'), author: vendor });
    for (const messageFirst of [true, false, true, false]) {
      await raceAReadAndAMessage(t.db, { ticketId: id, practiceId: riverside, readerId: reader, authorId: vendor, messageFirst });
      await expectSetsToFollowTheRule(messageFirst ? 'message, then a read meanwhile' : 'read, then a message meanwhile');
    }
  });

  it.skipIf(!onPostgres)(`a role change while a thread is written leaves the set exact ${POSTGRES_ONLY}`, async () => {
    const frontDesk = await userId('frontdesk@riverside.example');
    const vendor = await userId('billing@stratapt.example');
    const thread = t.db.transaction().execute(async (trx) => {
      await sql`insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                                     last_public_message_at, last_public_author_id, waiting_since, created_at)
                values (${riverside}, ${await userId('admin@riverside.example')}, 'Staff badge: written during a role change', 'billing', 'admins', 'waiting_practice', false, now(), ${vendor}, now(), now())`.execute(trx);
      await sql`select pg_sleep(0.2)`.execute(trx);
    });
    const promotion = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      await t.db.updateTable('users').set({ role: 4 }).where('id', '=', frontDesk).execute();
    })();
    await Promise.all([thread, promotion]);
    const written = await threadId('Staff badge: written during a role change');
    expect(await setOf('frontdesk@riverside.example')).toContain(written);
    await expectSetsToFollowTheRule('promoted while an Admins Only thread was written');
    await t.db.updateTable('users').set({ role: 1 }).where('id', '=', frontDesk).execute();
  });
});
