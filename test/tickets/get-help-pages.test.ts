import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor, visibleTickets } from '../../src/auth/permissions.ts';
import { candidatesPerPage, listTickets } from '../../src/tickets/list.ts';
import { LIST_FILTERS, type ListFilter } from '../../src/tickets/labels.ts';

// Get Help's order (threads with a deadline first, soonest first; then newest activity; ties by
// newest id) held page by page: listTickets reads each page's candidates in index order and sorts
// only those, so every page boundary must fall where one sort of everything the user may see would put it.
// The page, the filters' counts and the Overdue check are one statement (JSON columns): the rows'
// times must come back as the same dates.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const practice = await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
  const creators = await t.db.selectFrom('users').select(['id', 'role']).where('practice_id', '=', practice.id).where('kind', '=', 'staff').execute();
  const base = new Date('2026-11-20T12:00:00Z').getTime();
  // 60 threads: a quarter with deadlines (some sharing one), activity times with ties, every Visible To
  // option and status, so each filter spans several pages of 4, with and without a deadline.
  for (let i = 0; i < 60; i++) {
    const creator = creators[i % creators.length];
    const visibility = (['anyone', 'admins', 'only_me', 'clinical', 'owners', 'anyone'] as const)[i % 6];
    const at = new Date(base - Math.floor(i / 3) * 3_600_000);
    await t.db
      .insertInto('tickets')
      .values({
        practice_id: practice.id,
        created_by_user_id: creator.id,
        subject: `Paging check ${i}`,
        department: (['billing', 'success', 'technical'] as const)[i % 3],
        visibility,
        admin_level: i % 11 === 0,
        status: (['waiting_vendor', 'waiting_practice', 'closed'] as const)[i % 3],
        response_due_at: i % 4 === 1 ? new Date(base + (i % 3) * 86_400_000) : null,
        last_public_message_at: at,
        last_public_author_id: creator.id,
        waiting_since: at,
        closed_at: i % 3 === 2 ? at : null,
        created_at: at,
      })
      .execute();
  }
});
afterAll(() => t.close());

describe('Get Help pages', () => {
  for (const email of ['admin@riverside.example', 'frontdesk@riverside.example']) {
    it(`follow one order across pages, for every filter, as ${email}`, async () => {
      const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      const actor = await loadActor(t.db, user);
      for (const filter of LIST_FILTERS as readonly ListFilter[]) {
        const all = await visibleTickets(t.db, actor)
          .select(['tickets.id', 'tickets.status', 'tickets.response_due_at', 'tickets.last_public_message_at'])
          .$if(filter !== 'all', (q) => q.where('tickets.status', '=', ({ needs_reply: 'waiting_practice', waiting: 'waiting_vendor', closed: 'closed' } as const)[filter as 'closed']))
          .execute();
        const expected = all
          .sort(
            (a, b) =>
              (a.response_due_at?.getTime() ?? Infinity) - (b.response_due_at?.getTime() ?? Infinity) ||
              b.last_public_message_at.getTime() - a.last_public_message_at.getTime() ||
              b.id - a.id,
          )
          .map((r) => r.id);
        expect(expected.length, filter).toBeGreaterThan(4);
        const seen: number[] = [];
        for (let page = 1; ; page++) {
          const { rows, hasMore, counts } = await listTickets(t.db, actor, { now: t.clock.now(), page, pageSize: 4, filter });
          seen.push(...rows.map((r) => r.id));
          // Read in the same statement: the filter's count, and each row's times as dates (they travel as JSON text).
          expect(counts[filter]).toBe(expected.length);
          for (const r of rows) {
            const stored = all.find((a) => a.id === r.id)!;
            expect([r.response_due_at, r.last_public_message_at]).toEqual([stored.response_due_at, stored.last_public_message_at]);
            expect(r.last_public_message_at).toBeInstanceOf(Date);
          }
          if (!hasMore) break;
          expect(rows).toHaveLength(4);
        }
        expect(seen, `${email}, ${filter}`).toEqual(expected);
      }
    });
  }

  it('lists a thread with a deadline before newer activity without one', async () => {
    const admin = await loadActor(t.db, await t.db.selectFrom('users').selectAll().where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow());
    const { rows } = await listTickets(t.db, admin, { now: t.clock.now(), pageSize: 200 });
    const firstWithout = rows.findIndex((r) => r.response_due_at === null);
    expect(firstWithout).toBeGreaterThan(0);
    expect(rows.slice(firstWithout).every((r) => r.response_due_at === null)).toBe(true);
    const oldestWithDeadline = Math.min(...rows.slice(0, firstWithout).map((r) => r.last_public_message_at.getTime()));
    expect(rows[firstWithout].last_public_message_at.getTime()).toBeGreaterThan(oldestWithDeadline);
  });

  it('reads enough candidates for every page, with a few statement texts however deep the pages go', () => {
    // The count read is a literal in the statement (src/tickets/list.ts, candidatesPerPage).
    const counts = new Set<number>();
    for (let page = 1; page <= 40_000; page++) {
      const offset = (page - 1) * 25;
      const n = candidatesPerPage({ offset, limit: 26 });
      expect(n).toBeGreaterThanOrEqual(offset + 26);
      expect(n).toBeLessThan(2 * (offset + 26));
      counts.add(n);
    }
    expect(counts.size).toBeLessThanOrEqual(20);
  });
});
