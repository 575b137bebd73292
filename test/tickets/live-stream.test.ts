import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { createSession, invalidateSession } from '../../src/auth/sessions.ts';
import { recheckLiveActor, visibleChangedTickets } from '../../src/live/stream.ts';
import { startTicketFeed, type TicketChange } from '../../src/live/ticket-feed.ts';
import { openPGlite } from '../../src/db/database.ts';
import { TICKET_CHANGES_CHANNEL } from '../../src/tickets/events.ts';
import { sql } from 'kysely';

// What an event stream may send, re-checked with the user's session each time (docs/rules.md,
// "Live updates"); and the NOTIFY a ticket change sends, heard through PGlite's own listen().

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const policy = () => ({ idleMs: t.config.sessionIdleMs, maxMs: t.config.sessionMaxMs });
async function actorWithSession(email: string) {
  const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  const { session } = await createSession(t.db, t.clock.now(), policy(), user.id);
  return { actor: await loadActor(t.db, user), sessionId: session.id };
}

describe('A live stream’s checks', () => {
  it('end with sign-out, deactivation or an idle session', async () => {
    const { actor, sessionId } = await actorWithSession('frontdesk@riverside.example');
    expect((await recheckLiveActor(t.db, actor, sessionId, t.clock.now(), policy()))?.id).toBe(actor.id);
    await invalidateSession(t.db, sessionId);
    expect(await recheckLiveActor(t.db, actor, sessionId, t.clock.now(), policy())).toBeNull();

    const second = await actorWithSession('frontdesk@riverside.example');
    await t.db.updateTable('users').set({ active: false }).where('id', '=', actor.id).execute();
    expect(await recheckLiveActor(t.db, actor, second.sessionId, t.clock.now(), policy())).toBeNull();
    await t.db.updateTable('users').set({ active: true }).where('id', '=', actor.id).execute();
    expect(await recheckLiveActor(t.db, actor, second.sessionId, t.clock.now(), policy())).not.toBeNull();
    expect(await recheckLiveActor(t.db, actor, second.sessionId, new Date(t.clock.now().getTime() + policy().idleMs), policy())).toBeNull();

    // Limit Messaging Access given meanwhile: no more ticket news.
    const third = await actorWithSession('frontdesk@riverside.example');
    await t.db.updateTable('users').set({ limit_messaging: true }).where('id', '=', actor.id).execute();
    expect(await recheckLiveActor(t.db, actor, third.sessionId, t.clock.now(), policy())).toBeNull();
    await t.db.updateTable('users').set({ limit_messaging: false }).where('id', '=', actor.id).execute();
  });

  it('pass on only the changed threads the user can see', async () => {
    const ids = Object.fromEntries(
      (await t.db.selectFrom('tickets').select(['id', 'subject']).execute()).map((r) => [r.subject, r.id]),
    );
    const { actor } = await actorWithSession('frontdesk@riverside.example');
    const changed = [ids['Claim denied for knee visit (CO-197 authorization)'], ids['Change of billing contract owner'], ids['Schedule view freezes when switching providers'], ids['EOB submission for October remittance']];
    expect(await visibleChangedTickets(t.db, actor, changed)).toEqual([ids['Claim denied for knee visit (CO-197 authorization)']]);
  });
});

describe('The ticket feed on embedded PGlite', () => {
  it('hears a committed NOTIFY on the ticket channel, and nothing of a rolled-back one', async () => {
    const opened = await openPGlite();
    const feed = await startTicketFeed({ pglite: opened.pglite }, { warn() {}, info() {} } as never);
    const heard: TicketChange[] = [];
    feed.subscribe((c) => heard.push(c));
    try {
      await opened.db.transaction().execute(async (trx) => {
        await sql`select pg_notify(${TICKET_CHANGES_CHANNEL}, '7:42')`.execute(trx);
      });
      await opened.db
        .transaction()
        .execute(async (trx) => {
          await sql`select pg_notify(${TICKET_CHANGES_CHANNEL}, '7:43')`.execute(trx);
          throw new Error('roll back');
        })
        .catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toEqual([{ practiceId: 7, ticketId: 42 }]);
    } finally {
      await feed.close();
      await opened.close();
    }
  }, 120_000); // a fresh embedded database takes a while on a busy machine
});
