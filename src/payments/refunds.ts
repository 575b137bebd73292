import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { assertCan, practiceIdOf, practiceLedger, practicePaymentRefunds, practicePaymentRequests, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { parseAmountToCents } from '../ledger/money.ts';
import { formatCents } from '../intl.ts';
import { AuthorizeNetError, SETTLED_STATUS, UNSETTLED_STATUS, type AuthorizeNetClient, type TransactionDetails } from './authorize-net.ts';
import { cardLast4Of, ledgerRefForTransaction } from './posting.ts';

// Refunds and voids of portal payments, and staff decisions on payments held for review
// (docs/rules.md, "Payments"). Practice Administrators and above; every decision is audited.
//
// Authorize.net decides which one is possible: a transaction that has not settled yet (the same
// day) can only be voided, whole; a settled one can be refunded, in part or in full, never for
// more than was paid. A refund is asked for once: the form carries a key, the row for that key is
// written (and committed) before Authorize.net is called, and a second submission of the same form
// finds the row instead of calling again.

/** The key a refund form carries: one refund per key, however often the form is sent. */
export function newRefundKey(): string {
  return randomBytes(18).toString('base64url');
}

export type ClientFor = (practiceId: number) => Promise<AuthorizeNetClient | null>;

export type RefundRow = {
  id: number;
  action: 'refund' | 'void';
  amount_cents: number;
  reason: string;
  status: 'pending' | 'done' | 'failed';
  error: string | null;
  trans_id: string | null;
  created_at: Date;
  created_by_name: string;
};

export type RefundablePayment = {
  entryId: number;
  patientId: number;
  caseTitle: string;
  postedAt: Date;
  amountCents: number;
  transId: string;
  /** Refunded or being refunded. */
  refundedCents: number;
  remainingCents: number;
  refunds: RefundRow[];
};

/** A portal payment of one of the practice's patients, with what was refunded of it. */
export async function findRefundablePayment(db: Database, actor: Actor, patientId: number, entryId: number): Promise<RefundablePayment> {
  assertCan(actor, 'payments.refund');
  const entry = await practiceLedger(db, actor)
    .innerJoin('cases', 'cases.id', 'ledger_entries.case_id')
    .select(['ledger_entries.id', 'ledger_entries.patient_id', 'ledger_entries.posted_at', 'ledger_entries.amount_cents', 'ledger_entries.external_ref', 'cases.title'])
    .where('ledger_entries.id', '=', entryId)
    .where('ledger_entries.patient_id', '=', patientId)
    .where('ledger_entries.kind', '=', 'payment')
    .where('ledger_entries.external_ref', 'like', 'anet:%')
    .executeTakeFirst();
  if (!entry) throw new NotFound();
  const refunds = await refundsOf(db, actor, { paymentEntryId: entryId });
  const refundedCents = refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amount_cents, 0);
  return {
    entryId: entry.id,
    patientId: entry.patient_id,
    caseTitle: entry.title,
    postedAt: entry.posted_at,
    amountCents: entry.amount_cents,
    transId: entry.external_ref!.slice('anet:'.length),
    refundedCents,
    remainingCents: Math.max(0, entry.amount_cents - refundedCents),
    refunds,
  };
}

export type PaymentActions = {
  /** Ledger entry ids of portal payments with something left to refund. */
  refundable: number[];
  held: { id: number; amount_cents: number; review_reason: string | null }[];
};

/** What an administrator can do about a patient's online payments: the account page links to it. */
export async function paymentActions(db: Database, actor: Actor, patientId: number): Promise<PaymentActions> {
  assertCan(actor, 'payments.refund');
  const [refundable, held] = await Promise.all([
    refundableEntryIds(db, actor, patientId),
    practicePaymentRequests(db, actor)
      .select(['payment_requests.id', 'payment_requests.amount_cents', 'payment_requests.review_reason'])
      .where('payment_requests.patient_id', '=', patientId)
      .where('payment_requests.status', '=', 'review')
      .where('payment_requests.trans_id', 'is not', null)
      .orderBy('payment_requests.created_at')
      .execute(),
  ]);
  return { refundable, held };
}

async function refundableEntryIds(db: Database, actor: Actor, patientId: number): Promise<number[]> {
  const rows = await practiceLedger(db, actor)
    .leftJoin('payment_refunds', (j) => j.onRef('payment_refunds.payment_entry_id', '=', 'ledger_entries.id').on('payment_refunds.status', '!=', 'failed'))
    .select(['ledger_entries.id', 'ledger_entries.amount_cents', sql<number>`coalesce(sum(payment_refunds.amount_cents), 0)::bigint`.as('refunded')])
    .where('ledger_entries.patient_id', '=', patientId)
    .where('ledger_entries.kind', '=', 'payment')
    .where('ledger_entries.external_ref', 'like', 'anet:%')
    .groupBy(['ledger_entries.id', 'ledger_entries.amount_cents'])
    .execute();
  return rows.filter((r) => Number(r.refunded) < r.amount_cents).map((r) => r.id);
}

export type RefundInput = Record<string, string | undefined>;

/** What every decision on a payment is given: the gateway, the form as typed, the time. */
export type PaymentDecision = { clientFor: ClientFor; input: RefundInput; now: Date; logger?: Logger };
export type RefundResult =
  | { ok: true; status: 'done' | 'pending'; action: 'refund' | 'void'; amountCents: number }
  | { ok: false; errors: Record<string, string> };

const refundForm = z.object({
  amount: z.string().trim().min(1, 'Enter the amount to refund.'),
  reason: z.string().trim().min(3, 'Say why the money goes back (at least 3 characters).').max(500, 'Use at most 500 characters.'),
  key: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'The form expired: open it again.'),
});

/** Refunds (settled) or voids (unsettled) a portal payment, in Authorize.net and in the ledger. */
export async function refundPayment(db: Database, actor: Actor, request: PaymentDecision & { patientId: number; entryId: number }): Promise<RefundResult> {
  const { clientFor, input, now, logger } = request;
  const payment = await findRefundablePayment(db, actor, request.patientId, request.entryId);
  const practiceId = practiceIdOf(actor);
  const parsed = refundForm.safeParse(input);
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error);
  const key = parsed.success ? parsed.data.key : (input.key ?? '');

  // The same form again (a double click, a retried request): report what the first one did.
  const earlier = key ? await refundByKey(db, practiceId, key) : undefined;
  if (earlier) return outcomeOf(earlier);

  const cents = parseAmountToCents(input.amount);
  if (!errors.amount) {
    if (cents === null) errors.amount = 'Enter an amount in dollars and cents, such as 25.00.';
    else if (cents <= 0) errors.amount = 'Enter an amount above zero.';
    else if (cents > payment.remainingCents) errors.amount = `At most ${formatCents(payment.remainingCents)} of this payment can be refunded.`;
  }
  if (Object.keys(errors).length || !parsed.success || cents === null) return { ok: false, errors };

  const client = await clientFor(practiceId);
  if (!client) return { ok: false, errors: { form: 'Online payments are not set up for this practice (Settings → Credit Card Processing).' } };
  let details: TransactionDetails;
  try {
    details = await client.transactionDetails(payment.transId);
  } catch (err) {
    logger?.warn({ practiceId, err: (err as Error).message }, 'authorize.net refund: transaction lookup failed');
    return { ok: false, errors: { form: 'Authorize.net could not be asked about this payment. Nothing was refunded; try again in a few minutes.' } };
  }
  const plan = refundPlan(details, cents, payment.amountCents, payment.refundedCents);
  if ('error' in plan) return { ok: false, errors: { amount: plan.error } };

  const started = await startRefund(db, {
    practiceId,
    patientId: payment.patientId,
    paymentEntryId: payment.entryId,
    paymentRequestId: null,
    originalTransId: payment.transId,
    key,
    action: plan.action,
    amountCents: cents,
    reason: parsed.data.reason,
    actor,
    now,
    limitCents: payment.amountCents,
  });
  if (!started.ok) return started.existing ? outcomeOf(started.existing) : { ok: false, errors: { amount: 'Another refund of this payment was recorded meanwhile: open the payment again.' } };
  return completeRefund(db, client, started.id, details, actor, now, logger);
}

/** Void when the money has not settled (whole amount only), refund when it has. */
function refundPlan(details: TransactionDetails, cents: number, paidCents: number, refundedCents: number): { action: 'refund' | 'void' } | { error: string } {
  if (details.transactionStatus === UNSETTLED_STATUS) {
    if (cents !== paidCents || refundedCents > 0) {
      return { error: `This payment has not settled yet, so it can only be voided whole (${formatCents(paidCents)}) today; a part of it can be refunded once it settles, usually the next day.` };
    }
    return { action: 'void' };
  }
  if (details.transactionStatus === SETTLED_STATUS) return { action: 'refund' };
  return { error: `Authorize.net reports this payment as “${details.transactionStatus}”: it cannot be refunded here. Check it in Authorize.net.` };
}

type StartRefund = {
  practiceId: number;
  patientId: number;
  paymentEntryId: number | null;
  paymentRequestId: number | null;
  originalTransId: string;
  key: string;
  action: 'refund' | 'void';
  amountCents: number;
  reason: string;
  actor: Actor;
  now: Date;
  /** The most that may be refunded of this payment over all its refunds. */
  limitCents: number;
};

/**
 * Writes the refund row, committed before Authorize.net is called. The payment's row is locked so
 * two refunds of one payment cannot both pass the "never more than was paid" check.
 */
async function startRefund(db: Database, r: StartRefund): Promise<{ ok: true; id: number } | { ok: false; existing?: RefundRecord }> {
  return db.transaction().execute(async (trx) => {
    if (r.paymentEntryId !== null) {
      await trx.selectFrom('ledger_entries').select('id').where('id', '=', r.paymentEntryId).forUpdate().execute();
    } else {
      await trx.selectFrom('payment_requests').select('id').where('id', '=', r.paymentRequestId!).forUpdate().execute();
    }
    const existing = await refundByKey(trx, r.practiceId, r.key);
    if (existing) return { ok: false, existing };
    const taken = await trx
      .selectFrom('payment_refunds')
      .select(sql<number>`coalesce(sum(amount_cents), 0)::bigint`.as('cents'))
      .where('practice_id', '=', r.practiceId)
      .where('status', '!=', 'failed')
      .where((eb) => (r.paymentEntryId !== null ? eb('payment_entry_id', '=', r.paymentEntryId) : eb('payment_request_id', '=', r.paymentRequestId!)))
      .executeTakeFirstOrThrow();
    if (Number(taken.cents) + r.amountCents > r.limitCents) return { ok: false };
    const row = await trx
      .insertInto('payment_refunds')
      .values({
        practice_id: r.practiceId,
        patient_id: r.patientId,
        payment_entry_id: r.paymentEntryId,
        payment_request_id: r.paymentRequestId,
        original_trans_id: r.originalTransId,
        request_key: r.key,
        action: r.action,
        amount_cents: r.amountCents,
        reason: r.reason,
        created_by_user_id: r.actor.id,
        created_at: r.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  });
}

/** Calls Authorize.net for a started refund and records the outcome: the ledger row on success. */
async function completeRefund(
  db: Database,
  client: AuthorizeNetClient,
  refundId: number,
  details: TransactionDetails,
  actor: Actor,
  now: Date,
  logger?: Logger,
): Promise<RefundResult> {
  const refund = await db.selectFrom('payment_refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();
  const refId = `rf${refund.id}`;
  let transId: string;
  try {
    transId =
      refund.action === 'void'
        ? await client.voidTransaction({ refId, refTransId: refund.original_trans_id })
        : await client.refundTransaction({ refId, refTransId: refund.original_trans_id, amountCents: refund.amount_cents, cardLast4: cardLast4(details) });
  } catch (err) {
    const message =
      err instanceof AuthorizeNetError && err.code
        ? `Authorize.net refused: ${err.message}`
        : 'Authorize.net could not be reached. Check the transaction in Authorize.net before trying again: a refund it received would show there.';
    await db.updateTable('payment_refunds').set({ status: 'failed', error: message, completed_at: now }).where('id', '=', refund.id).execute();
    logger?.warn({ practiceId: refund.practice_id, refundId: refund.id, code: err instanceof AuthorizeNetError ? err.code : null }, 'authorize.net refund failed');
    return { ok: false, errors: { form: message } };
  }
  await db.transaction().execute(async (trx) => {
    let ledgerEntryId: number | null = null;
    if (refund.payment_entry_id !== null) {
      const payment = await trx.selectFrom('ledger_entries').select(['case_id']).where('id', '=', refund.payment_entry_id).executeTakeFirstOrThrow();
      const entry = await trx
        .insertInto('ledger_entries')
        .values({
          practice_id: refund.practice_id,
          patient_id: refund.patient_id,
          case_id: payment.case_id,
          kind: 'refund',
          amount_cents: refund.amount_cents,
          posted_at: now,
          external_ref: refund.action === 'void' ? `anet-void:${refund.original_trans_id}` : `anet-refund:${transId}`,
          note: refund.action === 'void' ? 'Online payment voided' : 'Refunded to the card',
          source: 'portal',
          created_by_user_id: actor.id,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ledgerEntryId = entry.id;
    } else {
      await trx
        .updateTable('payment_requests')
        .set({ status: 'refunded', resolved_by_user_id: actor.id, resolved_at: now, resolution_note: refund.reason, updated_at: now })
        .where('id', '=', refund.payment_request_id!)
        .execute();
    }
    await trx
      .updateTable('payment_refunds')
      .set({ status: 'done', trans_id: transId, ledger_entry_id: ledgerEntryId, completed_at: now })
      .where('id', '=', refund.id)
      .execute();
    await recordAudit(trx, {
      at: now,
      actor,
      action: refund.action === 'void' ? 'payment.voided' : 'payment.refunded',
      recordType: 'patient',
      recordId: refund.patient_id,
      details: { refundId: refund.id, amountCents: refund.amount_cents, originalTransId: refund.original_trans_id, transId, paymentRequestId: refund.payment_request_id },
    });
  });
  return { ok: true, status: 'done', action: refund.action, amountCents: refund.amount_cents };
}

function cardLast4(details: TransactionDetails): string {
  const last4 = cardLast4Of(details);
  if (!last4) throw new AuthorizeNetError('the transaction names no card to refund');
  return last4;
}

type RefundRecord = { id: number; action: 'refund' | 'void'; amount_cents: number; status: 'pending' | 'done' | 'failed'; error: string | null };

async function refundByKey(db: Database, practiceId: number, key: string): Promise<RefundRecord | undefined> {
  return db
    .selectFrom('payment_refunds')
    .select(['id', 'action', 'amount_cents', 'status', 'error'])
    .where('practice_id', '=', practiceId)
    .where('request_key', '=', key)
    .executeTakeFirst();
}

function outcomeOf(r: RefundRecord): RefundResult {
  if (r.status === 'failed') return { ok: false, errors: { form: r.error ?? 'This refund did not go through.' } };
  return { ok: true, status: r.status, action: r.action, amountCents: r.amount_cents };
}

async function refundsOf(db: Database, actor: Actor, of: { paymentEntryId: number } | { paymentRequestId: number }): Promise<RefundRow[]> {
  return practicePaymentRefunds(db, actor)
    .innerJoin('users', 'users.id', 'payment_refunds.created_by_user_id')
    .select([
      'payment_refunds.id',
      'payment_refunds.action',
      'payment_refunds.amount_cents',
      'payment_refunds.reason',
      'payment_refunds.status',
      'payment_refunds.error',
      'payment_refunds.trans_id',
      'payment_refunds.created_at',
      'users.name as created_by_name',
    ])
    .where((eb) =>
      'paymentEntryId' in of ? eb('payment_refunds.payment_entry_id', '=', of.paymentEntryId) : eb('payment_refunds.payment_request_id', '=', of.paymentRequestId),
    )
    .orderBy('payment_refunds.created_at', 'desc')
    .orderBy('payment_refunds.id', 'desc')
    .execute();
}

// ---- Payments held for review ----

export type HeldPayment = {
  id: number;
  patientId: number;
  patientName: string;
  accountNumber: string;
  caseId: number;
  caseTitle: string;
  requestedCents: number;
  transId: string;
  reason: string | null;
  createdAt: Date;
  status: 'review' | 'paid' | 'refunded';
  resolvedAt: Date | null;
  resolutionNote: string | null;
  resolvedByName: string | null;
  cases: { id: number; title: string }[];
  refunds: RefundRow[];
};

/** A payment Authorize.net captured that did not match its request (amount, case), and what became of it. */
export async function findHeldPayment(db: Database, actor: Actor, requestId: number): Promise<HeldPayment> {
  assertCan(actor, 'payments.refund');
  const row = await practicePaymentRequests(db, actor)
    .innerJoin('patients', 'patients.id', 'payment_requests.patient_id')
    .innerJoin('cases', 'cases.id', 'payment_requests.case_id')
    .leftJoin('users', 'users.id', 'payment_requests.resolved_by_user_id')
    .select([
      'payment_requests.id',
      'payment_requests.practice_id',
      'payment_requests.patient_id',
      'payment_requests.case_id',
      'payment_requests.amount_cents',
      'payment_requests.trans_id',
      'payment_requests.review_reason',
      'payment_requests.created_at',
      'payment_requests.status',
      'payment_requests.resolved_at',
      'payment_requests.resolution_note',
      'patients.first_name',
      'patients.last_name',
      'patients.account_number',
      'cases.title as case_title',
      'users.name as resolved_by_name',
    ])
    .where('payment_requests.id', '=', requestId)
    .where('payment_requests.trans_id', 'is not', null)
    .where((eb) => eb.or([eb('payment_requests.status', '=', 'review'), eb('payment_requests.resolved_at', 'is not', null)]))
    .executeTakeFirst();
  if (!row || (row.status !== 'review' && row.status !== 'paid' && row.status !== 'refunded')) throw new NotFound();
  const cases = await db
    .selectFrom('cases')
    .select(['id', 'title'])
    .where('practice_id', '=', row.practice_id) // the request was loaded through the actor's scope
    .where('patient_id', '=', row.patient_id)
    .orderBy('opened_on', 'desc')
    .execute();
  return {
    id: row.id,
    patientId: row.patient_id,
    patientName: `${row.first_name} ${row.last_name}`,
    accountNumber: row.account_number,
    caseId: row.case_id,
    caseTitle: row.case_title,
    requestedCents: row.amount_cents,
    transId: row.trans_id!,
    reason: row.review_reason,
    createdAt: row.created_at,
    status: row.status,
    resolvedAt: row.resolved_at,
    resolutionNote: row.resolution_note,
    resolvedByName: row.resolved_by_name,
    cases,
    refunds: await refundsOf(db, actor, { paymentRequestId: row.id }),
  };
}

const decisionForm = z.object({
  reason: z.string().trim().min(3, 'Say why (at least 3 characters).').max(500, 'Use at most 500 characters.'),
});

export type DecisionResult = { ok: true; amountCents: number } | { ok: false; errors: Record<string, string> };

/** Posts what Authorize.net actually captured to the case the administrator chose. */
export async function postHeldPayment(db: Database, actor: Actor, requestId: number, decision: PaymentDecision): Promise<DecisionResult> {
  const { clientFor, input, now } = decision;
  const held = await findHeldPayment(db, actor, requestId);
  const errors: Record<string, string> = {};
  const parsed = decisionForm.safeParse(input);
  if (!parsed.success) errors.reason = parsed.error.issues[0].message;
  const caseId = Number(input.case_id);
  if (!held.cases.some((c) => c.id === caseId)) errors.case_id = 'Choose one of this patient’s cases.';
  if (held.status !== 'review') errors.form = 'This payment was already decided.';
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  const client = await clientFor(practiceIdOf(actor));
  if (!client) return { ok: false, errors: { form: 'Online payments are not set up for this practice (Settings → Credit Card Processing).' } };
  let captured: number | undefined;
  let last4: string | null = null;
  try {
    const details = await client.transactionDetails(held.transId);
    captured = details.settleAmount ?? details.authAmount;
    last4 = cardLast4Of(details);
  } catch {
    return { ok: false, errors: { form: 'Authorize.net could not be asked about this payment. Nothing was posted; try again in a few minutes.' } };
  }
  if (!captured || captured <= 0) return { ok: false, errors: { form: 'Authorize.net reports no captured amount for this payment.' } };
  const posted = await db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('payment_requests').select('status').where('id', '=', held.id).forUpdate().executeTakeFirstOrThrow();
    if (locked.status !== 'review') return false;
    const entry = await trx
      .insertInto('ledger_entries')
      .values({
        practice_id: practiceIdOf(actor),
        patient_id: held.patientId,
        case_id: caseId,
        kind: 'payment',
        amount_cents: captured,
        posted_at: now,
        external_ref: ledgerRefForTransaction(held.transId),
        note: 'Paid online through the patient portal (posted after review)',
        source: 'portal',
        created_by_user_id: actor.id,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['practice_id', 'external_ref']).doNothing())
      .returning('id')
      .executeTakeFirst();
    await trx
      .updateTable('payment_requests')
      .set({
        status: 'paid',
        posted_via: 'staff',
        ledger_entry_id: entry?.id ?? null,
        paid_at: now,
        card_last4: last4,
        resolved_by_user_id: actor.id,
        resolved_at: now,
        resolution_note: parsed.data.reason,
        updated_at: now,
      })
      .where('id', '=', held.id)
      .execute();
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'payment.review_posted',
      recordType: 'patient',
      recordId: held.patientId,
      details: { requestId: held.id, entryId: entry?.id ?? null, caseId, amountCents: captured, transId: held.transId },
    });
    return true;
  });
  if (!posted) return { ok: false, errors: { form: 'This payment was already decided.' } };
  return { ok: true, amountCents: captured };
}

/** Gives a held payment back whole (void or refund, as Authorize.net allows); nothing reaches the ledger. */
export async function refundHeldPayment(db: Database, actor: Actor, requestId: number, decision: PaymentDecision): Promise<RefundResult> {
  const { clientFor, input, now, logger } = decision;
  const held = await findHeldPayment(db, actor, requestId);
  const practiceId = practiceIdOf(actor);
  const parsed = decisionForm.safeParse({ reason: input.refund_reason });
  const key = String(input.key ?? '');
  const earlier = /^[A-Za-z0-9_-]{16,64}$/.test(key) ? await refundByKey(db, practiceId, key) : undefined;
  if (earlier) return outcomeOf(earlier);
  const errors: Record<string, string> = {};
  if (!parsed.success) errors.refund_reason = parsed.error.issues[0].message;
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(key)) errors.form = 'The form expired: open it again.';
  if (held.status !== 'review') errors.form = 'This payment was already decided.';
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  const client = await clientFor(practiceId);
  if (!client) return { ok: false, errors: { form: 'Online payments are not set up for this practice (Settings → Credit Card Processing).' } };
  let details: TransactionDetails;
  try {
    details = await client.transactionDetails(held.transId);
  } catch {
    return { ok: false, errors: { form: 'Authorize.net could not be asked about this payment. Nothing was refunded; try again in a few minutes.' } };
  }
  const captured = details.settleAmount ?? details.authAmount ?? 0;
  if (captured <= 0) return { ok: false, errors: { form: 'Authorize.net reports no captured amount for this payment.' } };
  const plan = refundPlan(details, captured, captured, 0);
  if ('error' in plan) return { ok: false, errors: { form: plan.error } };
  const started = await startRefund(db, {
    practiceId,
    patientId: held.patientId,
    paymentEntryId: null,
    paymentRequestId: held.id,
    originalTransId: held.transId,
    key,
    action: plan.action,
    amountCents: captured,
    reason: parsed.data.reason,
    actor,
    now,
    limitCents: captured,
  });
  if (!started.ok) return started.existing ? outcomeOf(started.existing) : { ok: false, errors: { form: 'This payment is already being refunded.' } };
  return completeRefund(db, client, started.id, details, actor, now, logger);
}
