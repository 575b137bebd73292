import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type Client, type TestContext } from '../support/context.ts';
import { loadActor, visibleTickets } from '../../src/auth/permissions.ts';
import { queueDepartmentsOf } from '../../src/tickets/queues.ts';
import { unreadSql } from '../../src/tickets/list.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { raceAReadAndAMessage } from '../support/unread-rule.ts';

// The console badge's set (vendor_unread, migration 20261203_1800): after every kind of change to
// threads, reads and vendor users' scope, each vendor user's set is exactly the threads the rule
// gives, computed here from the tables through the visibility rule of src/auth/permissions.ts.

let t: TestContext;
let riverside: number;
let summit: number;

beforeAll(async () => {
  t = await createTestContext();
  riverside = await t.practiceId('Riverside Physical Therapy');
  summit = await t.practiceId('Summit Sports Rehab');
});
afterAll(() => t.close());

/** The rule: open threads of the user's queues they may see, with someone else's public message since they last read them. */
async function unreadByRule(userId: number): Promise<number[]> {
  const actor = await loadActor(t.db, await t.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow());
  const departments = queueDepartmentsOf(actor);
  if (!departments.length) return [];
  const rows = await visibleTickets(t.db, actor)
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .where('tickets.department', 'in', departments)
    .where('tickets.status', '<>', 'closed')
    .where(unreadSql(actor))
    .select('tickets.id')
    .orderBy('tickets.id')
    .execute();
  return rows.map((r) => r.id);
}

async function expectSetsToFollowTheRule(label: string) {
  const vendors = await t.db.selectFrom('users').select(['id', 'email']).where('kind', '=', 'vendor').orderBy('id').execute();
  let pairs = 0;
  for (const v of vendors) {
    const kept = (await t.db.selectFrom('vendor_unread').select('ticket_id').where('user_id', '=', v.id).orderBy('ticket_id').execute()).map((r) => r.ticket_id);
    const rule = await unreadByRule(v.id);
    expect(kept, `${label}: ${v.email}`).toEqual(rule);
    pairs += rule.length;
  }
  // Nothing kept for anyone else.
  const strays = await sql<{ n: number }>`select count(*)::int as n from vendor_unread v join users u on u.id = v.user_id where u.kind <> 'vendor' or not u.active`.execute(t.db);
  expect(strays.rows[0]!.n, `${label}: pairs of users who are not active vendor users`).toBe(0);
  return pairs;
}

const userId = (email: string) => t.userId(email);
const threadId = async (subject: string) => (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;

describe("the console badge's unread set", () => {
  it('follows the rule through new threads, replies, reads, closing, moving, and changes to who works what', async () => {
    expect(await expectSetsToFollowTheRule('demo data')).toBeGreaterThan(0);

    const practice: Client = await t.as('admin@riverside.example');
    const created = await practice.post('/tickets', { subject: 'Badge set: a new billing question', type: 'billing', message: 'Why was this claim denied?', visible_to: 'anyone' });
    expect(created.status).toBe(303);
    const fresh = await threadId('Badge set: a new billing question');
    expect((await t.db.selectFrom('vendor_unread').select('user_id').where('ticket_id', '=', fresh).execute()).length).toBeGreaterThan(0);
    await expectSetsToFollowTheRule('a new thread');

    const billing = await t.as('billing@stratapt.example');
    expect((await billing.get(`/vendor/tickets/${fresh}`)).status).toBe(200);
    expect(await t.db.selectFrom('vendor_unread').select('ticket_id').where('user_id', '=', await userId('billing@stratapt.example')).where('ticket_id', '=', fresh).executeTakeFirst()).toBeUndefined();
    await expectSetsToFollowTheRule('read by the billing member');

    t.clock.advance(60_000);
    expect((await practice.post(`/tickets/${fresh}/messages`, { message: 'Any news?' })).status).toBeLessThan(400);
    await expectSetsToFollowTheRule('the practice wrote again');

    t.clock.advance(60_000);
    expect((await billing.post(`/vendor/tickets/${fresh}/replies`, { message: 'We resubmitted it today.' })).status).toBeLessThan(400);
    await expectSetsToFollowTheRule('the vendor answered');

    // Closed, reopened, moved to another department, by statements as any code path would run them.
    await t.db.updateTable('tickets').set({ status: 'closed', closed_at: t.clock.now() }).where('id', '=', fresh).execute();
    await expectSetsToFollowTheRule('closed');
    await t.db.updateTable('tickets').set({ status: 'waiting_vendor', closed_at: null }).where('id', '=', fresh).execute();
    await expectSetsToFollowTheRule('reopened');
    await t.db.updateTable('tickets').set({ department: 'technical' }).where('id', '=', fresh).execute();
    await expectSetsToFollowTheRule('moved to Technical Support');
    await t.db.updateTable('tickets').set({ practice_id: summit }).where('id', '=', fresh).execute();
    await expectSetsToFollowTheRule('moved to another practice');

    // Who works what.
    const support = await userId('support@stratapt.example');
    await t.db.insertInto('vendor_departments').values({ user_id: support, department: 'billing' }).execute();
    await expectSetsToFollowTheRule('support joins billing');
    await t.db.deleteFrom('vendor_departments').where('user_id', '=', support).where('department', '=', 'technical').execute();
    await expectSetsToFollowTheRule('support leaves technical');
    const product = await userId('product@stratapt.example');
    await t.db.updateTable('practices').set({ account_manager_id: product }).where('id', '=', summit).execute();
    await expectSetsToFollowTheRule('product manages Summit');
    await t.db.updateTable('practices').set({ account_manager_id: support }).where('id', '=', summit).execute();
    await expectSetsToFollowTheRule('Summit goes from product to support');
    await t.db.updateTable('users').set({ vendor_admin: true }).where('id', '=', product).execute();
    await expectSetsToFollowTheRule('product becomes a vendor admin');
    await t.db.updateTable('users').set({ active: false }).where('id', '=', product).execute();
    expect(await t.db.selectFrom('vendor_unread').select('ticket_id').where('user_id', '=', product).execute()).toEqual([]);
    await expectSetsToFollowTheRule('product deactivated');
    await t.db.updateTable('users').set({ active: true }).where('id', '=', product).execute();
    await expectSetsToFollowTheRule('product reactivated');
    const [newcomer] = await t.db.insertInto('users').values({ kind: 'vendor', practice_id: null, email: 'new@stratapt.example', name: 'Nina New', vendor_admin: true }).returning('id').execute();
    await expectSetsToFollowTheRule('a new vendor admin');
    await t.db.deleteFrom('users').where('id', '=', newcomer!.id).execute();
    await expectSetsToFollowTheRule('the new vendor admin removed');

    // The badge a page shows is the set's size.
    const successMember = await t.as('success@stratapt.example');
    const page = await successMember.get('/vendor');
    const unread = (await unreadByRule(await userId('success@stratapt.example'))).length;
    expect(unread).toBeGreaterThan(0);
    expect(page.text).toContain(`Queues<span class="badge" aria-label="${unread} unread">${unread}</span>`);
  });

  it.skipIf(!onPostgres)(`a read and a new message on the same thread at once, in either order, leave the set exact ${POSTGRES_ONLY}`, async () => {
    const member = await userId('billing@stratapt.example');
    const author = await userId('admin@riverside.example');
    const subject = 'Badge set: a read racing a message';
    const [row] = await sql<{ id: number }>`
      insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                           last_public_message_at, last_public_author_id, waiting_since, created_at)
      values (${riverside}, ${author}, ${subject}, 'billing', 'anyone', 'waiting_vendor', false, now() - interval '1 hour', ${author}, now(), now())
      returning id`.execute(t.db).then((r) => r.rows);
    const id = row!.id;
    for (const messageFirst of [true, false, true, false]) {
      await raceAReadAndAMessage(t.db, { ticketId: id, practiceId: riverside, readerId: member, authorId: author, messageFirst });
      await expectSetsToFollowTheRule(messageFirst ? 'message, then a read meanwhile' : 'read, then a message meanwhile');
    }
  });

  it.skipIf(!onPostgres)(`a change of department while a thread is written there leaves the set exact ${POSTGRES_ONLY}`, async () => {
    const support = await userId('support@stratapt.example');
    const author = await userId('admin@riverside.example');
    await t.db.deleteFrom('vendor_departments').where('user_id', '=', support).where('department', '=', 'success').execute();
    const thread = t.db.transaction().execute(async (trx) => {
      await sql`insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                                     last_public_message_at, last_public_author_id, waiting_since, created_at)
                values (${riverside}, ${author}, 'Badge set: written during a scope change', 'success', 'anyone', 'waiting_vendor', false, now(), ${author}, now(), now())`.execute(trx);
      await sql`select pg_sleep(0.2)`.execute(trx);
    });
    const scope = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      await t.db.insertInto('vendor_departments').values({ user_id: support, department: 'success' }).execute();
    })();
    await Promise.all([thread, scope]);
    const written = await threadId('Badge set: written during a scope change');
    expect(await t.db.selectFrom('vendor_unread').select('ticket_id').where('user_id', '=', support).where('ticket_id', '=', written).executeTakeFirst()).toBeDefined();
    await expectSetsToFollowTheRule('scope changed while a thread was written');
  });
});
