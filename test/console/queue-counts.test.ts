import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor, mayActorSeeTicket, type Actor } from '../../src/auth/permissions.ts';
import { countQueue, loadQueue, queueDepartmentsOf } from '../../src/tickets/queues.ts';
import { foldTicketCounts } from '../../src/tickets/counts.ts';
import { COUNT_CAP, QUEUE_FILTERS, type QueueFilter } from '../../src/tickets/labels.ts';
import type { TicketDepartment } from '../../src/db/schema.ts';

// The console's capped counts ("1,000+") in one statement, from the thread counters and their pending
// deltas (src/tickets/counts.ts) and capped index reads: for every kind of vendor user, every queue and
// practice filter, the counts equal the visibility rule (mayActorSeeTicket) and each filter's words
// applied to every thread, capped at COUNT_CAP + 1, before the changes are folded and after.

let t: TestContext;
let practices: number[] = [];

beforeAll(async () => {
  t = await createTestContext();
  practices = (await t.db.selectFrom('practices').select('id').orderBy('id').execute()).map((p) => p.id);
  const [pm, pair] = await t.db
    .insertInto('users')
    .values([
      { kind: 'vendor', practice_id: null, email: 'pm@stratapt.example', name: 'Pat Manager' },
      { kind: 'vendor', practice_id: null, email: 'pair@stratapt.example', name: 'Pia Pair' },
    ])
    .returning('id')
    .execute();
  await t.db.insertInto('vendor_departments').values([{ user_id: pm.id, department: 'product' }, { user_id: pair.id, department: 'billing' }, { user_id: pair.id, department: 'technical' }]).execute();
  await t.db.updateTable('practices').set({ account_manager_id: pm.id }).where('id', '=', practices[1]).execute();
  const vendors = (await t.db.selectFrom('users').select('id').where('kind', '=', 'vendor').orderBy('id').execute()).map((u) => u.id);
  const creator = (await t.db.selectFrom('users').select('id').where('practice_id', '=', practices[0]).executeTakeFirstOrThrow()).id;
  const creator2 = (await t.db.selectFrom('users').select('id').where('practice_id', '=', practices[1]).executeTakeFirstOrThrow()).id;
  // Threads of every status, department, deadline and assignee at both practices, and 1,100 open
  // Billing threads at the first practice so the counts reach their cap.
  const vendorList = sql.raw(`array[${vendors.join(',')}]::bigint[]`);
  await sql`
    insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                         last_public_message_at, last_public_author_id, waiting_since, created_at, closed_at, response_due_at, assigned_to_user_id)
    select case when i % 2 = 0 then ${practices[0]}::bigint else ${practices[1]}::bigint end,
           case when i % 2 = 0 then ${creator}::bigint else ${creator2}::bigint end,
           'count grid ' || i,
           (array['billing', 'success', 'technical'])[1 + i % 3],
           'anyone',
           (array['waiting_vendor', 'waiting_practice', 'closed', 'waiting_vendor'])[1 + (i / 3) % 4],
           false, ${t.clock.now()}::timestamptz, ${creator}::bigint, ${t.clock.now()}::timestamptz - i * interval '1 minute', ${t.clock.now()}::timestamptz,
           case when (i / 3) % 4 = 2 then ${t.clock.now()}::timestamptz end,
           case when i % 5 = 0 then ${t.clock.now()}::timestamptz - interval '1 hour' when i % 5 = 1 then ${t.clock.now()}::timestamptz + interval '1 hour' end,
           case when i % 4 = 0 then null else (${vendorList})[1 + i % ${vendors.length}] end
      from generate_series(1, 240) i`.execute(t.db);
  await sql`
    insert into tickets (practice_id, created_by_user_id, subject, department, visibility, status, admin_level,
                         last_public_message_at, last_public_author_id, waiting_since, created_at, response_due_at, assigned_to_user_id)
    select ${practices[0]}::bigint, ${creator}::bigint, 'busy billing ' || i, 'billing', 'anyone', 'waiting_vendor', false,
           ${t.clock.now()}::timestamptz, ${creator}::bigint, ${t.clock.now()}::timestamptz, ${t.clock.now()}::timestamptz,
           ${t.clock.now()}::timestamptz - interval '1 day', ${vendors[0]}::bigint
      from generate_series(1, 1100) i`.execute(t.db);
});
afterAll(() => t.close());

function expectedCounts(actor: Actor, all: Awaited<ReturnType<typeof allTickets>>, departments: TicketDepartment[], practiceId: number | null, now: Date) {
  const matches: Record<QueueFilter, (tk: (typeof all)[number]) => boolean> = {
    vendor: (tk) => tk.status === 'waiting_vendor',
    practice: (tk) => tk.status === 'waiting_practice',
    overdue: (tk) => tk.response_due_at !== null && tk.response_due_at <= now,
    mine: (tk) => tk.assigned_to_user_id === actor.id && tk.status !== 'closed',
    open: (tk) => tk.status !== 'closed',
    closed: (tk) => tk.status === 'closed',
  };
  const scoped = all.filter((tk) => mayActorSeeTicket(actor, tk) && departments.includes(tk.department) && (practiceId === null || tk.practice_id === practiceId));
  return Object.fromEntries(QUEUE_FILTERS.map((f) => [f, Math.min(COUNT_CAP + 1, scoped.filter(matches[f]).length)]));
}

function allTickets() {
  return t.db
    .selectFrom('tickets')
    .select(['id', 'practice_id', 'department', 'visibility', 'visible_user_id', 'admin_level', 'created_by_user_id', 'status', 'response_due_at', 'assigned_to_user_id'])
    .execute();
}

describe('queue counts', () => {
  it.each(['pending', 'folded'] as const)('equal the visibility rule and the filters, capped, for every vendor user, queue and practice filter (changes %s)', async (state) => {
    if (state === 'folded') await foldTicketCounts(t.db);
    const pending = await t.db.selectFrom('ticket_count_deltas').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (state === 'pending') expect(Number(pending.n)).toBeGreaterThan(3);
    else expect(Number(pending.n)).toBe(0);
    const all = await allTickets();
    const now = t.clock.now();
    const users = await t.db.selectFrom('users').selectAll().where('kind', '=', 'vendor').execute();
    expect(users.length).toBeGreaterThanOrEqual(7);
    let capped = 0;
    let compared = 0;
    for (const user of users) {
      const actor = await loadActor(t.db, user);
      const queues = queueDepartmentsOf(actor);
      for (const scope of [...queues.map((d) => [d]), queues]) {
        if (!scope.length) continue;
        for (const practiceId of [null, ...practices]) {
          const got = await countQueue(t.db, actor, scope, practiceId, now);
          expect(got, `${user.email} ${scope.join('+')} practice ${practiceId}`).toEqual(expectedCounts(actor, all, scope, practiceId, now));
          capped += Object.values(got).filter((n) => n === COUNT_CAP + 1).length;
          compared += Object.values(got).filter((n) => n > 0).length;
        }
      }
    }
    // The comparison is not of zeros, and the cap was reached.
    expect(compared).toBeGreaterThan(100);
    expect(capped).toBeGreaterThan(5);
  });

  it('show the cap as "1,000+" on the queue page', async () => {
    const root = await t.as('root@stratapt.example');
    const page = await root.get('/vendor/queues/billing?filter=open');
    expect(page.status).toBe(200);
    expect(page.text).toContain('1,000+');
    const actor = await loadActor(t.db, await t.db.selectFrom('users').selectAll().where('email', '=', 'root@stratapt.example').executeTakeFirstOrThrow());
    const loaded = await loadQueue(t.db, actor, { department: 'billing', filter: 'open' }, t.clock.now());
    expect(loaded.counts.open).toBe(COUNT_CAP + 1);
    expect(loaded.rows.length).toBe(50);
  });
});
