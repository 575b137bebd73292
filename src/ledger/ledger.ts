import { sql } from 'kysely';
import { z } from 'zod';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import { practiceIdOf, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { parseAmountToCents } from './money.ts';
import { balanceDelta, signedAmount } from './signed-amount.ts';
import { localDate } from '../intl.ts';
import { fieldErrors } from '../web/field-errors.ts';

// The ledger per case: patient-responsibility charges, payments and adjustments in integer cents.
// Balance = responsibility − payments − adjustments. Every row says who posted it and when.

export type { LedgerKind } from './labels.ts';
import type { LedgerKind } from './labels.ts';


export type LedgerRow = {
  id: number;
  kind: LedgerKind;
  amount_cents: number;
  posted_at: Date;
  note: string | null;
  source: string;
  external_ref: string | null;
  created_at: Date;
  created_by_name: string | null;
  /** What this row adds to the balance (negative for payments and adjustments). */
  delta_cents: number;
  /** The case's balance after this row. */
  running_cents: number;
};

export type CaseLedger = {
  id: number;
  title: string;
  opened_on: string;
  closed_on: string | null;
  entries: LedgerRow[];
  responsibility_cents: number;
  payments_cents: number;
  adjustments_cents: number;
  refunds_cents: number;
  balance_cents: number;
};

export type PatientLedger = {
  cases: CaseLedger[];
  balance_cents: number;
  responsibility_cents: number;
  payments_cents: number;
  adjustments_cents: number;
  refunds_cents: number;
};


/** All cases of one patient with their ledgers, oldest entry first, with running balances. */
export async function patientLedger(db: Database, practiceId: number, patientId: number): Promise<PatientLedger> {
  const [cases, entries] = await Promise.all([
    db
      .selectFrom('cases')
      .select(['id', 'title', 'opened_on', 'closed_on'])
      .where('practice_id', '=', practiceId)
      .where('patient_id', '=', patientId)
      .orderBy('opened_on', 'desc')
      .orderBy('id', 'desc')
      .execute(),
    db
      .selectFrom('ledger_entries')
      .leftJoin('users', 'users.id', 'ledger_entries.created_by_user_id')
      .select([
        'ledger_entries.id',
        'ledger_entries.case_id',
        'ledger_entries.kind',
        'ledger_entries.amount_cents',
        'ledger_entries.posted_at',
        'ledger_entries.note',
        'ledger_entries.source',
        'ledger_entries.external_ref',
        'ledger_entries.created_at',
        'users.name as created_by_name',
      ])
      .where('ledger_entries.practice_id', '=', practiceId)
      .where('ledger_entries.patient_id', '=', patientId)
      .orderBy('ledger_entries.posted_at')
      .orderBy('ledger_entries.id')
      .execute(),
  ]);
  const totals = { balance_cents: 0, responsibility_cents: 0, payments_cents: 0, adjustments_cents: 0, refunds_cents: 0 };
  const out: CaseLedger[] = cases.map((c) => {
    let running = 0;
    const sums = { responsibility: 0, payment: 0, adjustment: 0, refund: 0 };
    const rows: LedgerRow[] = [];
    for (const e of entries) {
      if (e.case_id !== c.id) continue;
      const delta = balanceDelta(e.kind, e.amount_cents);
      running += delta;
      sums[e.kind] += e.amount_cents;
      const { case_id: _case, ...rest } = e;
      rows.push({ ...rest, delta_cents: delta, running_cents: running });
    }
    totals.balance_cents += running;
    totals.responsibility_cents += sums.responsibility;
    totals.payments_cents += sums.payment;
    totals.adjustments_cents += sums.adjustment;
    totals.refunds_cents += sums.refund;
    return {
      ...c,
      entries: rows,
      responsibility_cents: sums.responsibility,
      payments_cents: sums.payment,
      adjustments_cents: sums.adjustment,
      refunds_cents: sums.refund,
      balance_cents: running,
    };
  });
  return { cases: out, ...totals };
}

/**
 * Recomputes every account's balance summary (patients.balance_cents, last_responsibility_at) from
 * the ledger. The trigger keeps them current; this is for bulk loads that bypass triggers
 * (session_replication_role = replica), such as the benchmark's generated dataset.
 */
export async function refreshPatientBalances(db: Database): Promise<number> {
  const result = await sql`
    update patients p
       set balance_cents = coalesce(s.balance, 0), last_responsibility_at = s.last_responsibility_at
      from (select p2.id,
                   sum(${signedAmount('l')}) as balance,
                   max(l.posted_at) filter (where l.kind = 'responsibility') as last_responsibility_at
              from patients p2 left join ledger_entries l on l.patient_id = p2.id
             group by p2.id) s
     where s.id = p.id
       and (p.balance_cents is distinct from coalesce(s.balance, 0) or p.last_responsibility_at is distinct from s.last_responsibility_at)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** The patient's balance over all cases. */
export async function balanceOfPatient(db: Database, patientId: number): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries')
    .select(sql<number>`coalesce(sum(${signedAmount()}), 0)::bigint`.as('balance'))
    .where('patient_id', '=', patientId)
    .executeTakeFirst();
  return Number(row?.balance ?? 0);
}

const postingSchema = z.object({
  kind: z.enum(['responsibility', 'payment', 'adjustment'], { error: 'Choose what to record.' }),
  case_id: z.coerce.number({ error: 'Choose a case.' }).int('Choose a case.').positive('Choose a case.'),
  amount: z.string().trim().min(1, 'Enter an amount.'),
  posted_on: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.'),
  note: z.string().trim().max(500, 'Use at most 500 characters.').optional().default(''),
});

export type PostingInput = Record<string, string | undefined>;
export type PostingResult = { ok: true; id: number } | { ok: false; errors: Record<string, string> };

/** Records a patient responsibility, a payment or an adjustment at the desk. */
export async function postLedgerEntry(db: Database, actor: Actor, patientId: number, input: PostingInput, now: Date): Promise<PostingResult> {
  const practiceId = practiceIdOf(actor);
  const parsed = postingSchema.safeParse(input);
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error);
  const v = parsed.success ? parsed.data : null;
  const cents = parseAmountToCents(input.amount);
  if (!errors.amount) {
    if (cents === null) errors.amount = 'Enter an amount in dollars and cents, such as 100.00.';
    else if (cents <= 0) errors.amount = 'Enter an amount above zero.';
    else if (cents > 10_000_000) errors.amount = 'Enter an amount up to $100,000.00.';
  }
  const practice = await db.selectFrom('practices').select('time_zone').where('id', '=', practiceId).executeTakeFirstOrThrow();
  let postedAt: Date | null = null;
  if (v && !errors.posted_on) {
    postedAt = postingTime(v.posted_on, now, practice.time_zone);
    if (!postedAt) errors.posted_on = 'Enter a real date.';
    else if (postedAt.getTime() > now.getTime()) errors.posted_on = 'The date cannot be in the future.';
    else if (now.getTime() - postedAt.getTime() > 3 * 365 * 86_400_000) errors.posted_on = 'The date is more than three years ago.';
  }
  if (v && !errors.case_id) {
    const found = await db
      .selectFrom('cases')
      .select('id')
      .where('id', '=', v.case_id)
      .where('patient_id', '=', patientId)
      .where('practice_id', '=', practiceId)
      .executeTakeFirst();
    if (!found) errors.case_id = 'Choose one of this patient’s cases.';
  }
  if (Object.keys(errors).length || !v || cents === null || !postedAt) return { ok: false, errors };
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('ledger_entries')
      .values({
        practice_id: practiceId,
        patient_id: patientId,
        case_id: v.case_id,
        kind: v.kind,
        amount_cents: cents,
        posted_at: postedAt,
        note: v.note || null,
        source: 'desk',
        created_by_user_id: actor.id,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'ledger.posted',
      recordType: 'patient',
      recordId: patientId,
      details: { entryId: row.id, caseId: v.case_id, kind: v.kind },
    });
    return row.id;
  });
  return { ok: true, id };
}

/**
 * When a desk entry dated `day` (the practice's calendar) was posted: now if it is today,
 * otherwise noon that day in the practice's time zone. Null for an impossible date.
 */
export function postingTime(day: string, now: Date, timeZone: string): Date | null {
  const [y, m, d] = day.split('-').map(Number);
  const local = new TZDate(y, m - 1, d, 12, 0, 0, timeZone);
  if (local.getFullYear() !== y || local.getMonth() !== m - 1 || local.getDate() !== d) return null;
  if (localDate(now, timeZone) === day) return now;
  return new Date(local.getTime());
}

