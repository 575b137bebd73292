import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor, type Actor } from '../../src/auth/permissions.ts';
import { actorPractice } from '../../src/auth/account.ts';
import { createSession } from '../../src/auth/sessions.ts';
import { countUnreadTickets } from '../../src/tickets/unread.ts';
import { staffUnreadByRule } from '../support/unread-rule.ts';
import { countQueueUnread } from '../../src/tickets/queues.ts';
import { loadSignedInRequest } from '../../src/web/context.ts';
import type { Visibility } from '../../src/db/schema.ts';

// The one statement every signed-in request runs (src/web/context.ts) must give what the separate
// queries give: the same actor as loadActor, the same practice, and the same menu badge as
// countUnreadTickets / countQueueUnread (and, for practice users, as the rule counted from the threads:
// the badge reads a kept set), for every kind of user over a grid of threads; and the session rules
// of src/auth/sessions.ts (expired, idle and deactivated refused, sliding expiry).

let t: TestContext;
const policy = () => ({ idleMs: t.config.sessionIdleMs, maxMs: t.config.sessionMaxMs });
const sorted = (a: Actor) => ({ ...a, departments: [...a.departments].sort(), managedPracticeIds: [...a.managedPracticeIds].sort((x, y) => x - y) });

beforeAll(async () => {
  t = await createTestContext();
  const riverside = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id;
  const summit = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Summit%').executeTakeFirstOrThrow()).id;
  // Vendor users the demo lacks: Product with a managed practice (every queue), and an admin-less pair of departments.
  const [pm, pair] = await t.db
    .insertInto('users')
    .values([
      { kind: 'vendor', practice_id: null, email: 'pm@stratapt.example', name: 'Pat Manager' },
      { kind: 'vendor', practice_id: null, email: 'pair@stratapt.example', name: 'Pia Pair' },
    ])
    .returning('id')
    .execute();
  await t.db.insertInto('vendor_departments').values([{ user_id: pm.id, department: 'product' }, { user_id: pair.id, department: 'billing' }, { user_id: pair.id, department: 'technical' }]).execute();
  await t.db.updateTable('practices').set({ account_manager_id: pm.id }).where('id', '=', summit).execute();

  const users = await t.db.selectFrom('users').selectAll().execute();
  const visibilities: Visibility[] = ['only_me', 'person', 'anyone', 'owners', 'clinical', 'admins'];
  const now = t.clock.now();
  const vendorIds = users.filter((u) => u.kind === 'vendor').map((u) => u.id);
  let n = 0;
  for (const practiceId of [riverside, summit]) {
    const staff = users.filter((u) => u.practice_id === practiceId);
    for (const creator of staff.slice(0, 4)) {
      for (const visibility of visibilities) {
        for (const adminLevel of [false, true]) {
          for (const department of ['billing', 'success', 'technical'] as const) {
            n++;
            // Half answered by the vendor (unread for the practice), half last written by the creator; some closed.
            const author = n % 2 ? vendorIds[n % vendorIds.length] : creator.id;
            const status = n % 7 === 0 ? 'closed' : n % 2 ? 'waiting_practice' : 'waiting_vendor';
            const row = await t.db
              .insertInto('tickets')
              .values({
                practice_id: practiceId, created_by_user_id: creator.id, subject: `context grid ${n}`, department, visibility, status,
                visible_user_id: visibility === 'person' ? staff[n % staff.length].id : null, admin_level: adminLevel,
                last_public_message_at: now, last_public_author_id: author, waiting_since: now, created_at: now,
                closed_at: status === 'closed' ? now : null,
              })
              .returning('id')
              .executeTakeFirstOrThrow();
            // Some threads read since by someone, so the read markers count too.
            if (n % 3 === 0) {
              const reader = users[n % users.length];
              await t.db.insertInto('ticket_reads').values({ user_id: reader.id, ticket_id: row.id, practice_id: practiceId, last_read_at: now }).execute();
            }
          }
        }
      }
    }
  }
});
afterAll(() => t.close());

describe('the per-request statement', () => {
  it('gives every user the actor, practice and menu badge the separate queries give', async () => {
    const users = await t.db.selectFrom('users').selectAll().where('active', '=', true).execute();
    expect(users.filter((u) => u.kind === 'vendor').length).toBeGreaterThanOrEqual(7);
    const badges: number[] = [];
    for (const user of users) {
      const { token } = await createSession(t.db, t.clock.now(), policy(), user.id);
      const got = await loadSignedInRequest(t.db, t.clock.now(), policy(), token, { withMenu: true });
      expect(got, user.email).not.toBeNull();
      const actor = await loadActor(t.db, user);
      expect(sorted(got!.actor), user.email).toEqual(sorted(actor));
      const unread = actor.kind === 'staff' ? await countUnreadTickets(t.db, actor) : await countQueueUnread(t.db, actor);
      expect(got!.menu, user.email).toEqual({ practice: await actorPractice(t.db, actor), unreadTickets: unread });
      if (actor.kind === 'staff') expect(unread, `${user.email}: the kept set against the rule`).toBe((await staffUnreadByRule(t.db, actor)).length);
      badges.push(unread);
      const without = await loadSignedInRequest(t.db, t.clock.now(), policy(), token, { withMenu: false });
      expect(without!.menu).toBeNull();
      expect(sorted(without!.actor)).toEqual(sorted(actor));
    }
    // The grid gives most users something unread, so the comparison is not of zeros.
    expect(badges.filter((b) => b > 0).length).toBeGreaterThan(users.length / 2);
  });

  it('refuses an unknown token', async () => {
    expect(await loadSignedInRequest(t.db, t.clock.now(), policy(), 'no-such-token', { withMenu: true })).toBeNull();
  });

  it('refuses and deletes an idle session, an expired one, and a deactivated user’s', async () => {
    const email = 'frontdesk@riverside.example';
    const userId = await t.userId(email);
    const start = t.clock.now();
    const atIdle = new Date(start.getTime() + policy().idleMs);
    const idleAgain = await createSession(t.db, start, policy(), userId);
    expect(await loadSignedInRequest(t.db, new Date(atIdle.getTime() - 1000), policy(), (await createSession(t.db, start, policy(), userId)).token, { withMenu: true })).not.toBeNull();
    expect(await loadSignedInRequest(t.db, atIdle, policy(), idleAgain.token, { withMenu: true })).toBeNull();
    expect(await t.db.selectFrom('sessions').select('id').where('id', '=', idleAgain.session.id).execute()).toEqual([]);

    const expired = await createSession(t.db, start, { idleMs: policy().maxMs * 2, maxMs: policy().maxMs }, userId);
    expect(await loadSignedInRequest(t.db, new Date(start.getTime() + policy().maxMs), { idleMs: policy().maxMs * 2, maxMs: policy().maxMs }, expired.token, { withMenu: true })).toBeNull();
    expect(await t.db.selectFrom('sessions').select('id').where('id', '=', expired.session.id).execute()).toEqual([]);

    const live = await createSession(t.db, start, policy(), userId);
    expect(await loadSignedInRequest(t.db, start, policy(), live.token, { withMenu: true })).not.toBeNull();
    await t.db.updateTable('users').set({ active: false }).where('id', '=', userId).execute();
    try {
      expect(await loadSignedInRequest(t.db, start, policy(), live.token, { withMenu: true })).toBeNull();
      expect(await t.db.selectFrom('sessions').select('id').where('id', '=', live.session.id).execute()).toEqual([]);
    } finally {
      await t.db.updateTable('users').set({ active: true }).where('id', '=', userId).execute();
    }
  });

  it('slides the idle deadline, writing it at most once a minute', async () => {
    const userId = await t.userId('owner@riverside.example');
    const start = t.clock.now();
    const { token, session } = await createSession(t.db, start, policy(), userId);
    const lastActive = async () => (await t.db.selectFrom('sessions').select('last_active_at').where('id', '=', session.id).executeTakeFirstOrThrow()).last_active_at.getTime();
    await loadSignedInRequest(t.db, new Date(start.getTime() + 30_000), policy(), token, { withMenu: true });
    expect(await lastActive()).toBe(start.getTime());
    const later = new Date(start.getTime() + 20 * 60_000);
    const got = await loadSignedInRequest(t.db, later, policy(), token, { withMenu: true });
    expect(got!.session.lastActiveAt.getTime()).toBe(later.getTime());
    expect(await lastActive()).toBe(later.getTime());
    // 20 + 25 minutes after sign-in: past the first idle deadline, inside the slid one.
    expect(await loadSignedInRequest(t.db, new Date(start.getTime() + 45 * 60_000), policy(), token, { withMenu: true })).not.toBeNull();
  });
});

describe('the menu badge through the pages', () => {
  it('no longer counts a thread once its page is opened (the page reads it after the request’s statement)', async () => {
    const owner = await t.as('owner@riverside.example');
    const actor = await loadActor(t.db, await t.db.selectFrom('users').selectAll().where('email', '=', 'owner@riverside.example').executeTakeFirstOrThrow());
    const before = await countUnreadTickets(t.db, actor);
    expect(before).toBeGreaterThan(0);
    const dashboard = await owner.get('/dashboard');
    expect(dashboard.text).toContain(`aria-label="${before} unread"`);
    const unread = await t.db
      .selectFrom('tickets')
      .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
      .select('tickets.id')
      .where('tickets.subject', 'like', 'context grid %')
      .where('tickets.practice_id', '=', actor.practice_id!)
      .where('tickets.visibility', '=', 'anyone')
      .where('tickets.last_public_author_id', '<>', actor.id)
      .where('ticket_reads.user_id', 'is', null)
      .executeTakeFirstOrThrow();
    const page = await owner.get(`/tickets/${unread.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(before - 1 ? `aria-label="${before - 1} unread"` : 'id="unread-badge"');
    expect(await countUnreadTickets(t.db, actor)).toBe(before - 1);
    // The live badge's fragment answers the same count, from the request's statement.
    const badge = await owner.get('/tickets/unread-badge');
    expect(badge.status).toBe(200);
    expect(badge.text).toContain(before - 1 ? `aria-label="${before - 1} unread"` : 'id="unread-badge"');
  });
});
