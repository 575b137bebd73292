import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import type { Database } from '../db/database.ts';
import type { Config } from '../config.ts';
import { auditRowInsert, recordAudit } from '../audit/audit.ts';
import { parseAmountToCents } from '../ledger/money.ts';
import { formatCents, t } from '../intl.ts';
import type { LedgerKind } from '../ledger/ledger.ts';
import { practiceContact, type PracticeContact } from './access.ts';
import type { PortalSession } from './sessions.ts';
import { portalStatementsQuery, type PortalStatement } from './documents.ts';
import { authorizeNetClient, onlinePaymentsEnabled, practiceGateway } from '../payments/settings.ts';
import { signedAmount } from '../ledger/signed-amount.ts';

// What a verified patient sees: everything is keyed from the session's patient and practice,
// never from an id in the request, so no other patient's data can be reached.

export type PortalCase = { id: number; title: string; balance_cents: number };
export type PortalPayment = { id: number; kind: LedgerKind; posted_at: Date; amount_cents: number; case_title: string; source: string };
export type PortalAccount = {
  practice: PracticeContact;
  firstName: string;
  cases: PortalCase[];
  balanceCents: number;
  payments: PortalPayment[];
  statements: PortalStatement[];
  onlinePayments: boolean;
};

/**
 * The balance page in one statement, its audit row included: the practice's contact, the patient's
 * first name, whether online payments are on, and the cases, payments and statements as JSON arrays,
 * each in its own order (a subquery's order is the order json_agg reads it in). The audit row is
 * inserted by the same statement (a data-modifying `with`: one round trip fewer, docs/performance-log.md, "Issue 17"),
 * so a page that fails after it, as one whose session's patient is not at the practice would, still
 * leaves the attempt in the trail.
 */
export async function portalAccount(db: Database, session: PortalSession, now: Date, who: { ip: string | null }): Promise<PortalAccount> {
  const { practiceId, patientId } = session;
  const row = await db
    .with('viewed', () =>
      auditRowInsert(db, {
        at: now,
        actor: { kind: 'patient', practice_id: practiceId },
        action: 'portal.viewed',
        recordType: 'patient',
        recordId: patientId,
        ip: who.ip,
        details: { linkId: session.linkId },
      }),
    )
    .selectFrom('practices')
    .select((eb) => [
      'practices.id',
      'practices.name',
      'practices.phone',
      'practices.time_zone',
      eb.selectFrom('patients').select('patients.first_name').where('patients.id', '=', patientId).whereRef('patients.practice_id', '=', 'practices.id').as('first_name'),
      eb.exists(eb.selectFrom('payment_settings').select('payment_settings.practice_id').whereRef('payment_settings.practice_id', '=', 'practices.id')).as('online_payments'),
      jsonArrayFrom(caseBalancesQuery(db, practiceId, patientId)).as('cases'),
      jsonArrayFrom(
        eb
          .selectFrom('ledger_entries')
          .innerJoin('cases', 'cases.id', 'ledger_entries.case_id')
          .select(['ledger_entries.id', 'ledger_entries.kind', 'ledger_entries.posted_at', 'ledger_entries.amount_cents', 'ledger_entries.source', 'cases.title as case_title'])
          .where('ledger_entries.practice_id', '=', practiceId)
          .where('ledger_entries.patient_id', '=', patientId)
          .where('ledger_entries.kind', 'in', ['payment', 'refund'])
          .orderBy('ledger_entries.posted_at', 'desc')
          .orderBy('ledger_entries.id', 'desc')
          .limit(50),
      ).as('payments'),
      jsonArrayFrom(portalStatementsQuery(db, session)).as('statements'),
    ])
    .where('practices.id', '=', practiceId)
    .executeTakeFirstOrThrow();
  if (row.first_name === null) throw new Error('the portal session’s patient is not at its practice');
  const cases = row.cases.map(caseBalance);
  return {
    practice: { id: row.id, name: row.name, phone: row.phone, time_zone: row.time_zone },
    firstName: row.first_name,
    cases: cases.filter((c) => c.balance_cents !== 0 || c.entries > 0).map(({ entries: _e, ...c }) => c),
    balanceCents: cases.reduce((s, c) => s + c.balance_cents, 0),
    // JSON has no timestamps: posted_at arrives as its ISO text.
    payments: row.payments.map((p) => ({ ...p, posted_at: new Date(p.posted_at) })),
    statements: row.statements,
    onlinePayments: Boolean(row.online_payments),
  };
}

function caseBalancesQuery(db: Database, practiceId: number, patientId: number) {
  return db
    .selectFrom('cases')
    .leftJoin('ledger_entries', (j) => j.onRef('ledger_entries.case_id', '=', 'cases.id').onRef('ledger_entries.practice_id', '=', 'cases.practice_id'))
    .select([
      'cases.id',
      'cases.title',
      sql<number>`coalesce(sum(${signedAmount()}), 0)::bigint`.as('balance_cents'),
      sql<number>`count(ledger_entries.id)::bigint`.as('entries'),
    ])
    .where('cases.practice_id', '=', practiceId)
    .where('cases.patient_id', '=', patientId)
    .groupBy(['cases.id', 'cases.title', 'cases.opened_on'])
    .orderBy('cases.opened_on', 'desc')
    .orderBy('cases.id', 'desc');
}

const caseBalance = (r: { id: number; title: string; balance_cents: number | string; entries: number | string }) => ({
  id: r.id,
  title: r.title,
  balance_cents: Number(r.balance_cents),
  entries: Number(r.entries),
});

async function caseBalances(db: Database, practiceId: number, patientId: number) {
  return (await caseBalancesQuery(db, practiceId, patientId).execute()).map(caseBalance);
}

export type PaymentRequestResult =
  | { ok: true; refId: string }
  | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/** The patient chose a case and an amount (above zero, at most that case's balance). */
export async function createPaymentRequest(
  db: Database,
  session: PortalSession,
  input: Record<string, string | undefined>,
  now: Date,
  who: { ip: string | null },
): Promise<PaymentRequestResult> {
  const values = { case_id: input.case_id ?? '', amount: input.amount ?? '' };
  const errors: Record<string, string> = {};
  if (!(await onlinePaymentsEnabled(db, session.practiceId))) return { ok: false, errors: { form: t(session.language, 'portal.payErrors.notAvailable') }, values };
  const cases = await caseBalances(db, session.practiceId, session.patientId);
  const chosen = cases.find((c) => String(c.id) === values.case_id);
  if (!chosen || chosen.balance_cents <= 0) errors.case_id = t(session.language, 'portal.payErrors.chooseCase');
  const cents = parseAmountToCents(values.amount);
  if (cents === null) errors.amount = t(session.language, 'portal.payErrors.amountFormat');
  else if (cents <= 0) errors.amount = t(session.language, 'portal.payErrors.amountPositive');
  else if (chosen && chosen.balance_cents > 0 && cents > chosen.balance_cents) errors.amount = t(session.language, 'portal.payErrors.amountMax', { amount: formatCents(chosen.balance_cents, session.language) });
  if (Object.keys(errors).length || !chosen || cents === null) return { ok: false, errors, values };
  const refId = newRefId();
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('payment_requests')
      .values({ practice_id: session.practiceId, patient_id: session.patientId, case_id: chosen.id, ref_id: refId, amount_cents: cents, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      at: now,
      actor: { kind: 'patient', practice_id: session.practiceId },
      action: 'portal.payment_started',
      recordType: 'patient',
      recordId: session.patientId,
      ip: who.ip,
      details: { requestId: row.id, caseId: chosen.id },
    });
  });
  return { ok: true, refId };
}

/** One of this session's patient's payment requests; undefined for anyone else's. */
export async function findPaymentRequest(db: Database, session: PortalSession, refId: string) {
  return db
    .selectFrom('payment_requests')
    .innerJoin('cases', 'cases.id', 'payment_requests.case_id')
    .select(['payment_requests.id', 'payment_requests.ref_id', 'payment_requests.amount_cents', 'payment_requests.status', 'payment_requests.case_id', 'cases.title as case_title'])
    .where('payment_requests.ref_id', '=', refId)
    .where('payment_requests.practice_id', '=', session.practiceId)
    .where('payment_requests.patient_id', '=', session.patientId)
    .executeTakeFirst();
}

export type HostedForm = { ok: true; token: string; hostedUrl: string } | { ok: false; message: string };

/** A fresh Accept Hosted token for a pending request, asked for right before the form is shown. */
export async function hostedPaymentForm(
  db: Database,
  config: Pick<Config, 'appSecret' | 'authorizeNet' | 'publicUrl'>,
  session: PortalSession,
  request: { ref_id: string; amount_cents: number; case_title: string },
): Promise<HostedForm> {
  const gateway = await practiceGateway(db, config, session.practiceId);
  if (!gateway) return { ok: false, message: t(session.language, 'portal.payErrors.notAvailable') };
  const practice = await practiceContact(db, session.practiceId);
  try {
    const token = await authorizeNetClient(config, gateway).hostedPaymentPageToken({
      refId: request.ref_id,
      invoiceNumber: request.ref_id,
      amountCents: request.amount_cents,
      description: `${practice.name} patient payment`,
      merchantName: practice.name,
      returnUrl: `${config.publicUrl}/portal/return?ref=${encodeURIComponent(request.ref_id)}`,
      cancelUrl: `${config.publicUrl}/portal/cancel?ref=${encodeURIComponent(request.ref_id)}`,
    });
    return { ok: true, token, hostedUrl: config.authorizeNet.hostedUrl };
  } catch {
    return { ok: false, message: t(session.language, 'portal.payErrors.formUnavailable') };
  }
}

export async function cancelPaymentRequest(db: Database, session: PortalSession, refId: string, now: Date): Promise<void> {
  await db
    .updateTable('payment_requests')
    .set({ status: 'cancelled', updated_at: now })
    .where('ref_id', '=', refId)
    .where('practice_id', '=', session.practiceId)
    .where('patient_id', '=', session.patientId)
    .where('status', '=', 'pending')
    .execute();
}

/** Invoice numbers are at most 20 characters at Authorize.net: "P" and 16 random base32 characters. */
function newRefId(): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return 'P' + encodeBase32UpperCaseNoPadding(bytes);
}
