import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import {
  Forbidden,
  ownPractice,
  practiceAppointments,
  practiceAuditLog,
  practiceEmergencyNotices,
  practiceImports,
  practiceLedger,
  practiceMessages,
  practicePatients,
  practicePaymentRefunds,
  practicePaymentRequests,
  practicePaymentSettings,
  practicePortalLinks,
  practiceStatements,
  practiceUsers,
  type Actor,
} from '../../src/auth/permissions.ts';
import type { Role } from '../../src/db/schema.ts';

// The tenant scopes of src/auth/permissions.ts as a matrix (docs/rules.md, Tenancy): every scope,
// for every practice role and the vendor's team, over two practices that each own one row (or two)
// of every table. A practice's staff see their own practice's rows and never the other's; the
// vendor's team has no practice scope (refused), except the outbox and the audit trail, which a
// vendor admin reads for every practice and other vendor staff not at all.

let t: TestContext;
const practice = { A: 0, B: 0 };
const staffIds: Record<'A' | 'B', Record<Role, number>> = { A: {} as Record<Role, number>, B: {} as Record<Role, number> };

type Side = 'A' | 'B';
type Scope = (a: Actor) => Promise<{ p: number | null }[]>;

const SCOPES: Record<string, { rows: Scope; vendorAdminSeesAll?: boolean }> = {
  ownPractice: { rows: (a) => ownPractice(t.db, a).select('practices.id as p').execute() },
  practicePatients: { rows: (a) => practicePatients(t.db, a).select('patients.practice_id as p').execute() },
  practiceUsers: { rows: (a) => practiceUsers(t.db, a).select('users.practice_id as p').execute() },
  practiceAppointments: { rows: (a) => practiceAppointments(t.db, a).select('a.practice_id as p').execute() },
  practiceLedger: { rows: (a) => practiceLedger(t.db, a).select('ledger_entries.practice_id as p').execute() },
  practiceStatements: { rows: (a) => practiceStatements(t.db, a).select('s.practice_id as p').execute() },
  practiceImports: { rows: (a) => practiceImports(t.db, a).select('imports.practice_id as p').execute() },
  practiceEmergencyNotices: { rows: (a) => practiceEmergencyNotices(t.db, a).select('n.practice_id as p').execute() },
  practicePaymentSettings: { rows: (a) => practicePaymentSettings(t.db, a).select('payment_settings.practice_id as p').execute() },
  practicePaymentRequests: { rows: (a) => practicePaymentRequests(t.db, a).select('payment_requests.practice_id as p').execute() },
  practicePaymentRefunds: { rows: (a) => practicePaymentRefunds(t.db, a).select('payment_refunds.practice_id as p').execute() },
  practicePortalLinks: { rows: (a) => practicePortalLinks(t.db, a).select('portal_links.practice_id as p').execute() },
  practiceMessages: { rows: (a) => practiceMessages(t.db, a).select('m.practice_id as p').execute(), vendorAdminSeesAll: true },
  practiceAuditLog: { rows: (a) => practiceAuditLog(t.db, a).select('audit_log.practice_id as p').execute(), vendorAdminSeesAll: true },
};

const ROLE_NAMES: Record<Role, string> = { 1: 'Front Desk', 2: 'Clinician', 3: 'Therapy Director', 4: 'Practice Administrator', 5: 'Business Owner' };

function staff(side: Side, role: Role): Actor {
  return {
    id: staffIds[side][role], kind: 'staff', practice_id: practice[side], role, name: `${ROLE_NAMES[role]} ${side}`, email: `${role}@${side}.example`,
    limit_messaging: false, reporting: false, active: true, vendor_admin: false, departments: [], managedPracticeIds: [],
  };
}

function vendor(flags: Partial<Actor>): Actor {
  return {
    id: 0, kind: 'vendor', practice_id: null, role: null, name: 'StrataPT', email: 'team@stratapt.example',
    limit_messaging: false, reporting: false, active: true, vendor_admin: false, departments: ['billing'], managedPracticeIds: [], ...flags,
  };
}

const practicesSeen = async (scope: Scope, actor: Actor) => [...new Set((await scope(actor)).map((r) => r.p))].sort((x, y) => (x ?? 0) - (y ?? 0));

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-24T16:00:00Z' });
  const now = t.clock.now();
  for (const side of ['A', 'B'] as const) {
    const db = t.db;
    const p = (
      await db.insertInto('practices').values({ name: `Practice ${side}`, phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    practice[side] = p;
    for (const role of [1, 2, 3, 4, 5] as Role[]) {
      staffIds[side][role] = (
        await db.insertInto('users').values({ kind: 'staff', practice_id: p, role, email: `${role}@${side}.scopes.example`, name: `${ROLE_NAMES[role]} ${side}` }).returning('id').executeTakeFirstOrThrow()
      ).id;
    }
    const by = staffIds[side][4];
    const patient = (
      await db.insertInto('patients').values({ practice_id: p, account_number: `${side}-1`, first_name: 'Pat', last_name: side, date_of_birth: '1980-04-12' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const kase = (await db.insertInto('cases').values({ practice_id: p, patient_id: patient, title: 'Knee', opened_on: '2026-10-01' }).returning('id').executeTakeFirstOrThrow()).id;
    const entry = (
      await db.insertInto('ledger_entries').values({ practice_id: p, patient_id: patient, case_id: kase, kind: 'responsibility', amount_cents: 5000, posted_at: now }).returning('id').executeTakeFirstOrThrow()
    ).id;
    await db.insertInto('appointments').values({ practice_id: p, patient_id: patient, starts_at: now, provider_name: 'Dr. Lee', location: 'Main' }).execute();
    await db
      .insertInto('statements')
      .values({ practice_id: p, patient_id: patient, anchor_entry_id: entry, anchor_at: now, cycle: 30, statement_date: '2026-11-24', balance_cents: 5000, delivery: 'mail', content: JSON.stringify({}), generated_at: now })
      .execute();
    await db
      .insertInto('imports')
      .values({ practice_id: p, kind: 'patients', sha256: `sha-${side}`, filename: 'p.csv', size_bytes: 10, created_by_user_id: by, created_at: now, updated_at: now, errors: JSON.stringify([]) })
      .execute();
    await db
      .insertInto('emergency_notices')
      .values({
        practice_id: p, created_by_user_id: by, reason: 'weather', window_start: now, window_end: new Date(now.getTime() + 3_600_000), message: 'Closed today.',
        channels: sql`${sql.val(['sms'])}::text[]`, request_key: `key-${side}`, sent_at: now,
      })
      .execute();
    await db
      .insertInto('payment_settings')
      .values({ practice_id: p, api_login_id_enc: 'x', transaction_key_enc: 'x', signature_key_enc: 'x', api_login_id_last4: '1234', transaction_key_last4: '1234', signature_key_last4: '1234', updated_at: now })
      .execute();
    await db.insertInto('payment_requests').values({ practice_id: p, patient_id: patient, case_id: kase, ref_id: `ref-${side}`, amount_cents: 5000, created_at: now, updated_at: now }).execute();
    const request = (await db.selectFrom('payment_requests').select('id').where('practice_id', '=', p).executeTakeFirstOrThrow()).id;
    await db
      .insertInto('payment_refunds')
      .values({ practice_id: p, patient_id: patient, payment_request_id: request, original_trans_id: `t-${side}`, action: 'refund', amount_cents: 100, reason: 'Overpaid', request_key: `refund-${side}`, status: 'done', created_by_user_id: by, created_at: now })
      .execute();
    await db.insertInto('portal_links').values({ practice_id: p, patient_id: patient, token_hash: `hash-${side}`, created_at: now, expires_at: now }).execute();
    await db
      .insertInto('consent_events')
      .values({ practice_id: p, patient_id: patient, kind: 'balance_alert', channel: 'sms', subscribed: true, wording: 'Yes.', actor_kind: 'staff', source: 'staff', at: now })
      .execute();
    await db.insertInto('print_batches').values({ practice_id: p, batch_date: '2026-11-24', created_at: now }).execute();
    await db.insertInto('audit_log').values({ practice_id: p, at: now, actor_kind: 'staff', actor_user_id: by, action: 'matrix.test', details: JSON.stringify({}) }).execute();
    await db
      .insertInto('outbox_messages')
      .values({
        practice_id: p, patient_id: patient, kind: 'balance_alert', channel: 'sms', recipient: '+15550100101', body: 'Hello', headers: JSON.stringify({}),
        reason: JSON.stringify({}), dedupe_key: `matrix-${side}`, next_attempt_at: now, created_at: now, updated_at: now,
      })
      .execute();
  }
});
afterAll(() => t.close());

describe('tenant scopes × roles × two practices', () => {
  for (const [name, scope] of Object.entries(SCOPES)) {
    describe(name, () => {
      for (const side of ['A', 'B'] as const) {
        const other: Side = side === 'A' ? 'B' : 'A';
        for (const role of [1, 2, 3, 4, 5] as Role[]) {
          it(`${ROLE_NAMES[role]} of practice ${side} sees practice ${side}'s rows and none of practice ${other}'s`, async () => {
            const rows = await scope.rows(staff(side, role));
            expect(rows.length).toBeGreaterThan(0);
            expect(await practicesSeen(scope.rows, staff(side, role))).toEqual([practice[side]]);
          });
        }
      }

      if (scope.vendorAdminSeesAll) {
        it('a vendor admin sees both practices; other vendor staff (a department, an account manager) see none', async () => {
          expect(await practicesSeen(scope.rows, vendor({ vendor_admin: true, departments: [] }))).toEqual(expect.arrayContaining([practice.A, practice.B]));
          expect(await scope.rows(vendor({}))).toEqual([]);
          expect(await scope.rows(vendor({ departments: ['success'], managedPracticeIds: [practice.A] }))).toEqual([]);
        });
      } else {
        it('the vendor team has no practice scope: refused for department staff, account managers and admins alike', () => {
          for (const v of [vendor({}), vendor({ departments: ['success'], managedPracticeIds: [practice.A] }), vendor({ vendor_admin: true })]) {
            expect(() => scope.rows(v)).toThrow(Forbidden);
          }
        });
      }
    });
  }
});
