import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { BACKFILL } from '../../migrations/20261203_0500_first_vendor_response.ts';

// tickets.first_vendor_response_at, which the service report reads (docs/rules.md, "Service report"):
// StrataPT's first public reply. Set once by the first vendor reply through the app (not by the
// practice's messages, not by internal notes), never moved by a later reply; the migration's
// backfill gives the same value as looking up each thread's first vendor message.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function firstResponse(id: number): Promise<string | null> {
  const row = await t.db.selectFrom('tickets').select('first_vendor_response_at').where('id', '=', id).executeTakeFirstOrThrow();
  return row.first_vendor_response_at?.toISOString() ?? null;
}

/** Per thread, the first vendor-authored public message: what the report computed before the column. */
async function lookedUp(): Promise<Map<number, string | null>> {
  const { rows } = await sql<{ id: number; at: Date | null }>`
    select t.id, (select min(m.created_at) from ticket_messages m
                   where m.ticket_id = t.id and m.author_side = 'vendor' and not m.internal) as at
      from tickets t order by t.id`.execute(t.db);
  return new Map(rows.map((r) => [Number(r.id), r.at ? new Date(r.at).toISOString() : null]));
}

async function stored(): Promise<Map<number, string | null>> {
  const rows = await t.db.selectFrom('tickets').select(['id', 'first_vendor_response_at']).orderBy('id').execute();
  return new Map(rows.map((r) => [Number(r.id), r.first_vendor_response_at?.toISOString() ?? null]));
}

describe('first vendor response', () => {
  it('is set by the first vendor reply only: not by practice messages or internal notes, not moved by a second reply', { timeout: 120_000 }, async () => {
    // Signed in afresh at each step: a session from another moment of the manual clock has expired.
    const practice = { post: async (path: string, form: Record<string, string>) => (await t.as('frontdesk@riverside.example')).post(path, form) };
    const billing = { post: async (path: string, form: Record<string, string>) => (await t.as('billing@stratapt.example')).post(path, form) };
    t.clock.set('2026-11-23T15:05:00Z');
    expect((await practice.post('/tickets', { subject: 'First response fixture', type: 'billing', message: 'Our claim was denied.', visible_to: 'anyone' })).status).toBe(303);
    const id = (await t.db.selectFrom('tickets').select('id').where('subject', '=', 'First response fixture').executeTakeFirstOrThrow()).id;
    expect(await firstResponse(id)).toBeNull();

    t.clock.set('2026-11-23T15:30:00Z');
    expect((await practice.post(`/tickets/${id}/messages`, { message: 'Attaching the EOB later today.' })).status).toBe(303);
    expect(await firstResponse(id)).toBeNull();

    t.clock.set('2026-11-23T16:00:00Z');
    expect((await billing.post(`/vendor/tickets/${id}/notes`, { note: 'Looks like a coding error.' })).status).toBe(303);
    expect(await firstResponse(id)).toBeNull();

    t.clock.set('2026-11-23T17:15:00Z');
    expect((await billing.post(`/vendor/tickets/${id}/replies`, { message: 'We are resubmitting the claim.' })).status).toBe(303);
    expect(await firstResponse(id)).toBe('2026-11-23T17:15:00.000Z');

    t.clock.set('2026-11-23T18:00:00Z');
    expect((await practice.post(`/tickets/${id}/messages`, { message: 'Thanks!' })).status).toBe(303);
    t.clock.set('2026-11-23T21:00:00Z');
    expect((await billing.post(`/vendor/tickets/${id}/replies`, { message: 'Resubmitted.', response_window: '4' })).status).toBe(303);
    expect(await firstResponse(id)).toBe('2026-11-23T17:15:00.000Z');
  });

  it('is the opening message of a thread StrataPT starts (outreach), as the lookup has it', async () => {
    const riverside = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id;
    t.clock.set('2026-11-23T22:00:00Z');
    const res = await (await t.as('success@stratapt.example')).post('/vendor/tickets', {
      practice_id: String(riverside), department: 'success', audience: 'anyone', subject: 'Outreach fixture', message: 'Checking in after go-live.',
    });
    expect(res.status).toBe(303);
    const id = (await t.db.selectFrom('tickets').select('id').where('subject', '=', 'Outreach fixture').executeTakeFirstOrThrow()).id;
    expect(await firstResponse(id)).toBe('2026-11-23T22:00:00.000Z');
  });

  it('agrees with the per-thread lookup on the demo data and the threads above, and the backfill gives the same', async () => {
    const expected = await lookedUp();
    expect([...expected.values()].filter((v) => v !== null).length).toBeGreaterThan(3);
    expect([...expected.values()].filter((v) => v === null).length).toBeGreaterThan(0);
    expect(await stored()).toEqual(expected);

    await t.db.updateTable('tickets').set({ first_vendor_response_at: null }).execute();
    await sql.raw(BACKFILL).execute(t.db);
    expect(await stored()).toEqual(expected);
  });
});
