import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { portalAccount } from '../../src/portal/account.ts';
import type { PortalSession } from '../../src/portal/sessions.ts';

// The balance page reads everything in one statement, its lists as JSON arrays: each list keeps its
// own order, timestamps come back as dates, and nothing of another patient or practice is in it.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

describe('the portal balance page’s one statement', () => {
  it('cases by opening day, payments and refunds newest first with their times, statements newest first, online payments off then on', async () => {
    const now = t.clock.now();
    const practice = await t.db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
    const other = await t.db.selectFrom('practices').select('id').where('id', '!=', practice.id).executeTakeFirstOrThrow();
    const patient = await t.db
      .insertInto('patients')
      .values({ practice_id: practice.id, account_number: 'ORDER-1', first_name: 'Olive', last_name: 'Order', date_of_birth: '1980-05-05', created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const kase = async (title: string, openedOn: string) =>
      (await t.db.insertInto('cases').values({ practice_id: practice.id, patient_id: patient.id, title, opened_on: openedOn }).returning('id').executeTakeFirstOrThrow()).id;
    const shoulder = await kase('Shoulder', '2026-03-01');
    const knee = await kase('Knee', '2026-06-01');
    const empty = await kase('Nothing posted', '2026-07-01');
    const post = async (caseId: number, kind: 'responsibility' | 'payment' | 'refund', cents: number, at: string) =>
      (
        await t.db
          .insertInto('ledger_entries')
          .values({ practice_id: practice.id, patient_id: patient.id, case_id: caseId, kind, amount_cents: cents, posted_at: new Date(at) })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const anchor = await post(shoulder, 'responsibility', 20_000, '2026-03-02T15:00:00Z');
    await post(knee, 'responsibility', 9_000, '2026-06-02T15:00:00Z');
    const first = await post(shoulder, 'payment', 5_000, '2026-04-01T14:30:00Z');
    const latest = await post(knee, 'payment', 2_500, '2026-09-10T16:45:12.345Z');
    const refund = await post(shoulder, 'refund', 1_000, '2026-05-01T10:00:00Z');
    const statement = (cycle: 30 | 60, day: string, cents: number, generatedAt: string) => ({
      practice_id: practice.id, patient_id: patient.id, anchor_entry_id: anchor, anchor_at: new Date('2026-03-02T15:00:00Z'), cycle,
      statement_date: day, balance_cents: cents, delivery: 'electronic' as const, address_kind: null, content: JSON.stringify({}), generated_at: new Date(generatedAt),
    });
    const st30 = (await t.db.insertInto('statements').values(statement(30, '2026-04-01', 15_000, '2026-04-01T07:00:00Z')).returning('id').executeTakeFirstOrThrow()).id;
    const st60 = (await t.db.insertInto('statements').values(statement(60, '2026-05-01', 16_000, '2026-05-01T07:00:00Z')).returning('id').executeTakeFirstOrThrow()).id;

    const session: PortalSession = { id: 'x', practiceId: practice.id, patientId: patient.id, linkId: 0, expiresAt: now, language: 'en' };
    const account = await portalAccount(t.db, session, now, { ip: null });
    expect(account.practice).toEqual(practice);
    expect(account.firstName).toBe('Olive');
    // Newest case first; a case with nothing posted and no balance is left out.
    expect(account.cases).toEqual([
      { id: knee, title: 'Knee', balance_cents: 6_500 },
      { id: shoulder, title: 'Shoulder', balance_cents: 16_000 },
    ]);
    expect(account.cases.map((c) => c.id)).not.toContain(empty);
    expect(account.balanceCents).toBe(22_500);
    expect(account.payments.map((p) => [p.id, p.kind, p.case_title, p.amount_cents])).toEqual([
      [latest, 'payment', 'Knee', 2_500],
      [refund, 'refund', 'Shoulder', 1_000],
      [first, 'payment', 'Shoulder', 5_000],
    ]);
    expect(account.payments[0].posted_at).toBeInstanceOf(Date);
    expect(account.payments[0].posted_at.toISOString()).toBe('2026-09-10T16:45:12.345Z');
    expect(account.statements).toEqual([
      { id: st60, statement_date: '2026-05-01', balance_cents: 16_000 },
      { id: st30, statement_date: '2026-04-01', balance_cents: 15_000 },
    ]);
    expect(account.onlinePayments).toBe(false);

    // The same patient id under another practice's session reads nothing of this patient.
    await expect(portalAccount(t.db, { ...session, practiceId: other.id }, now, { ip: null })).rejects.toThrow();

    await t.db.insertInto('payment_settings').values({ practice_id: practice.id, api_login_id_enc: 'x', transaction_key_enc: 'x', signature_key_enc: 'x', api_login_id_last4: 'x', transaction_key_last4: 'x', signature_key_last4: 'x', updated_at: now }).execute();
    expect((await portalAccount(t.db, session, now, { ip: null })).onlinePayments).toBe(true);
  });
});
