import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { recordAudit } from '../audit/audit.ts';
import { formatCents } from '../intl.ts';
import { CAPTURED_STATUSES, type AuthorizeNetClient, type TransactionDetails } from './authorize-net.ts';

// A portal payment reaches the ledger from the verified webhook or from the patient's return,
// whichever comes first, exactly once per transaction id: the ledger row's external_ref
// 'anet:<transId>' is unique per practice and the insert does nothing on conflict.

export type PostOutcome =
  | { status: 'posted'; entryId: number; requestId: number }
  | { status: 'already_posted'; requestId: number }
  | { status: 'not_captured'; transactionStatus: string }
  | { status: 'unknown_request' }
  | { status: 'mismatch'; requestId: number; reason: string };

export function ledgerRefForTransaction(transId: string): string {
  return `anet:${transId}`;
}

/** Asks Authorize.net about the transaction, checks it against our request, and posts it. */
export async function confirmTransaction(
  db: Database,
  client: AuthorizeNetClient,
  practiceId: number,
  transId: string,
  via: 'webhook' | 'return',
  now: Date,
  logger?: Logger,
): Promise<PostOutcome> {
  const details = await client.transactionDetails(transId);
  const outcome = await postVerifiedTransaction(db, practiceId, details, via, now);
  logger?.info({ practiceId, transId, via, outcome: outcome.status }, 'authorize.net transaction checked');
  return outcome;
}

/** A return without a transaction id: the newest unsettled transactions carry our invoice number. */
export async function findTransactionIdByRef(client: AuthorizeNetClient, refId: string): Promise<string | null> {
  const list = await client.unsettledTransactions(100);
  return list.find((t) => t.invoiceNumber === refId)?.transId ?? null;
}

export async function postVerifiedTransaction(
  db: Database,
  practiceId: number,
  details: TransactionDetails,
  via: 'webhook' | 'return',
  now: Date,
): Promise<PostOutcome> {
  if (!CAPTURED_STATUSES.includes(details.transactionStatus) || (details.responseCode !== undefined && details.responseCode !== 1)) {
    return { status: 'not_captured', transactionStatus: details.transactionStatus };
  }
  const refId = details.order?.invoiceNumber;
  if (!refId) return { status: 'unknown_request' };
  const amount = details.settleAmount ?? details.authAmount;
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('payment_requests')
      .selectAll()
      .where('ref_id', '=', refId)
      .where('practice_id', '=', practiceId)
      .forUpdate()
      .executeTakeFirst();
    if (!request) return { status: 'unknown_request' } as const;
    if (amount !== request.amount_cents) {
      const reason = `Authorize.net captured ${amount === undefined ? 'no amount' : formatCents(amount)} for a request of ${formatCents(request.amount_cents)}`;
      if (request.status === 'pending') {
        await trx.updateTable('payment_requests').set({ status: 'review', review_reason: reason, trans_id: details.transId, updated_at: now }).where('id', '=', request.id).execute();
      }
      return { status: 'mismatch', requestId: request.id, reason } as const;
    }
    const inserted = await trx
      .insertInto('ledger_entries')
      .values({
        practice_id: request.practice_id,
        patient_id: request.patient_id,
        case_id: request.case_id,
        kind: 'payment',
        amount_cents: request.amount_cents,
        posted_at: now,
        external_ref: ledgerRefForTransaction(details.transId),
        note: 'Paid online through the patient portal',
        source: 'portal',
        created_by_user_id: null,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['practice_id', 'external_ref']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { status: 'already_posted', requestId: request.id } as const;
    await trx
      .updateTable('payment_requests')
      .set({
        status: 'paid',
        trans_id: sql<string>`coalesce(trans_id, ${details.transId})`,
        ledger_entry_id: sql<number>`coalesce(ledger_entry_id, ${inserted.id})`,
        posted_via: sql<'webhook' | 'return'>`coalesce(posted_via, ${via})`,
        paid_at: sql<Date>`coalesce(paid_at, ${now})`,
        card_last4: cardLast4Of(details),
        updated_at: now,
      })
      .where('id', '=', request.id)
      .execute();
    await recordAudit(trx, {
      at: now,
      actor: { kind: 'system', practice_id: request.practice_id },
      action: 'payment.posted',
      recordType: 'patient',
      recordId: request.patient_id,
      details: { requestId: request.id, entryId: inserted.id, caseId: request.case_id, transId: details.transId, via },
    });
    return { status: 'posted', entryId: inserted.id, requestId: request.id } as const;
  });
}

/** "XXXX1111" -> "1111"; null when Authorize.net names no card. */
export function cardLast4Of(details: TransactionDetails): string | null {
  const digits = (details.payment?.creditCard?.cardNumber ?? '').replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}

/**
 * The patient came back from the hosted form. Accept Hosted's redirect carries no transaction id,
 * so the transaction is found by our invoice number among the unsettled ones, then verified and
 * posted like a webhook would. 'processing' when Authorize.net does not know it yet.
 */
export async function confirmReturn(
  db: Database,
  clientFor: (practiceId: number) => Promise<AuthorizeNetClient | null>,
  refId: string,
  now: Date,
  logger?: Logger,
): Promise<{ status: 'paid' | 'processing' | 'unknown'; practiceId?: number; patientId?: number }> {
  const request = await db.selectFrom('payment_requests').select(['id', 'practice_id', 'patient_id', 'status']).where('ref_id', '=', refId).executeTakeFirst();
  if (!request) return { status: 'unknown' };
  const who = { practiceId: request.practice_id, patientId: request.patient_id };
  if (request.status === 'paid') return { status: 'paid', ...who };
  const client = await clientFor(request.practice_id);
  if (!client) return { status: 'processing', ...who };
  try {
    const transId = await findTransactionIdByRef(client, refId);
    if (!transId) return { status: 'processing', ...who };
    const outcome = await confirmTransaction(db, client, request.practice_id, transId, 'return', now, logger);
    return { status: outcome.status === 'posted' || outcome.status === 'already_posted' ? 'paid' : 'processing', ...who };
  } catch (err) {
    logger?.warn({ practiceId: request.practice_id, err: (err as Error).message }, 'authorize.net return: lookup failed');
    return { status: 'processing', ...who };
  }
}
