import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { startFakeAuthorizeNet, FAKE_CREDENTIALS, type FakeAuthorizeNet } from '../support/fake-authorize-net.ts';
import { AuthorizeNetClient, transactionDetailsSchema } from '../../src/payments/authorize-net.ts';
import { cardLast4Of, confirmReturn, findTransactionIdByRef, ledgerRefForTransaction, postVerifiedTransaction } from '../../src/payments/posting.ts';

// Payment posting as docs/rules.md (Portal access, Payments) states it: a captured transaction reaches
// the ledger exactly once, for the amount the patient asked; another amount is held for review, not
// posted; nothing else is posted. Called on src/payments/posting.ts with transaction details in
// Authorize.net's wire format (parsed by the client's own schema) and, for the patient's return, the
// local fake Authorize.net; a small world of its own, so a mutant is judged in seconds (issue 18).

let t: TestContext;
let fake: FakeAuthorizeNet;
let practice: number;
let otherPractice: number;
let n = 0;

beforeAll(async () => {
  fake = await startFakeAuthorizeNet();
  t = await createTestContext({ seed: false, now: '2026-11-24T16:00:00Z' });
  const make = async (name: string) => (await t.db.insertInto('practices').values({ name, phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 60 }).returning('id').executeTakeFirstOrThrow()).id;
  practice = await make('Riverside Physical Therapy');
  otherPractice = await make('Summit Sports Rehab');
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

/** A patient with a case and a pending payment request for `cents`. */
async function request(cents: number, practiceId = practice) {
  n++;
  const patient = (await t.db.insertInto('patients').values({ practice_id: practiceId, account_number: `PR-${n}`, first_name: 'Pat', last_name: `Payer${n}`, date_of_birth: '1980-01-01' }).returning('id').executeTakeFirstOrThrow()).id;
  const kase = (await t.db.insertInto('cases').values({ practice_id: practiceId, patient_id: patient, title: 'Knee', opened_on: '2026-11-01' }).returning('id').executeTakeFirstOrThrow()).id;
  const ref = `ref-${n}-${Date.now()}`;
  const id = (await t.db.insertInto('payment_requests').values({ practice_id: practiceId, patient_id: patient, case_id: kase, ref_id: ref, amount_cents: cents, created_at: t.clock.now(), updated_at: t.clock.now() }).returning('id').executeTakeFirstOrThrow()).id;
  return { id, patient, kase, ref };
}
const details = (o: Record<string, unknown>) =>
  transactionDetailsSchema.parse({ transId: `6000${++n}`, transactionStatus: 'capturedPendingSettlement', responseCode: 1, authAmount: 30, settleAmount: 30, payment: { creditCard: { cardNumber: 'XXXX4242' } }, ...o });
const requestRow = (id: number) =>
  t.db.selectFrom('payment_requests').select(['status', 'trans_id', 'ledger_entry_id', 'posted_via', 'paid_at', 'card_last4', 'review_reason', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
const ledger = (patient: number) => t.db.selectFrom('ledger_entries').selectAll().where('patient_id', '=', patient).execute();

describe('what is read from Authorize.net', () => {
  it("the card's last four digits, when the masked number has four", () => {
    const of = (cardNumber?: string) => cardLast4Of(transactionDetailsSchema.parse({ transId: '1', transactionStatus: 'x', ...(cardNumber === undefined ? {} : { payment: { creditCard: { cardNumber } } }) }));
    expect(of('XXXX1111')).toBe('1111');
    expect(of('1234')).toBe('1234');
    expect(of('XXXX-12-34-5678')).toBe('5678');
    expect(of('XXX123')).toBeNull();
    expect(of('XXXX')).toBeNull();
    expect(of(undefined)).toBeNull();
    expect(ledgerRefForTransaction('60001')).toBe('anet:60001');
  });
});

describe('posting a verified transaction', () => {
  it('posts a captured payment once: the ledger row, the request marked paid with how and when, the audit', async () => {
    const r = await request(3_000);
    const d = details({ transId: '7000001', order: { invoiceNumber: r.ref } });
    const now = t.clock.now();
    const out = await postVerifiedTransaction(t.db, practice, d, 'webhook', now);
    const rows = await ledger(r.patient);
    expect(rows).toHaveLength(1);
    expect(out).toEqual({ status: 'posted', entryId: rows[0]!.id, requestId: r.id });
    expect(rows[0]).toMatchObject({ practice_id: practice, patient_id: r.patient, case_id: r.kase, kind: 'payment', amount_cents: 3_000, posted_at: now, external_ref: 'anet:7000001', source: 'portal', created_by_user_id: null });
    expect(await requestRow(r.id)).toEqual({ status: 'paid', trans_id: '7000001', ledger_entry_id: rows[0]!.id, posted_via: 'webhook', paid_at: now, card_last4: '4242', review_reason: null, updated_at: now });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'details', 'actor_kind', 'practice_id']).where('record_type', '=', 'patient').where('record_id', '=', String(r.patient)).execute();
    expect(audit).toEqual([{ action: 'payment.posted', actor_kind: 'system', practice_id: practice, details: { requestId: r.id, entryId: rows[0]!.id, caseId: r.kase, transId: '7000001', via: 'webhook' } }]);

    // The patient's return a minute later: already posted; the first posting's facts stay.
    t.clock.advanceMinutes(1);
    expect(await postVerifiedTransaction(t.db, practice, d, 'return', t.clock.now())).toEqual({ status: 'already_posted', requestId: r.id });
    expect(await ledger(r.patient)).toHaveLength(1);
    expect(await requestRow(r.id)).toMatchObject({ posted_via: 'webhook', paid_at: now });
  });

  it('a settled transaction posts too, from its authorized amount when no settle amount is given', async () => {
    const r = await request(4_500);
    const d = details({ transactionStatus: 'settledSuccessfully', settleAmount: undefined, authAmount: '45.00', responseCode: undefined, order: { invoiceNumber: r.ref } });
    expect((await postVerifiedTransaction(t.db, practice, d, 'return', t.clock.now())).status).toBe('posted');
    expect((await ledger(r.patient)).map((e) => e.amount_cents)).toEqual([4_500]);
    expect((await requestRow(r.id)).posted_via).toBe('return');
  });

  it('nothing is posted for a transaction that was not captured, or declined', async () => {
    const r = await request(3_000);
    for (const o of [{ transactionStatus: 'declined' }, { transactionStatus: 'authorizedPendingCapture' }, { transactionStatus: 'voided' }, { responseCode: 2 }, { responseCode: 3 }]) {
      const d = details({ ...o, order: { invoiceNumber: r.ref } });
      expect(await postVerifiedTransaction(t.db, practice, d, 'webhook', t.clock.now())).toEqual({ status: 'not_captured', transactionStatus: d.transactionStatus });
    }
    expect(await ledger(r.patient)).toEqual([]);
    expect((await requestRow(r.id)).status).toBe('pending');
  });

  it("a transaction without our invoice number, or with another practice's, is an unknown request", async () => {
    const r = await request(3_000, otherPractice);
    expect(await postVerifiedTransaction(t.db, practice, details({}), 'webhook', t.clock.now())).toEqual({ status: 'unknown_request' });
    expect(await postVerifiedTransaction(t.db, practice, details({ order: {} }), 'webhook', t.clock.now())).toEqual({ status: 'unknown_request' });
    expect(await postVerifiedTransaction(t.db, practice, details({ order: { invoiceNumber: r.ref } }), 'webhook', t.clock.now())).toEqual({ status: 'unknown_request' });
    expect(await ledger(r.patient)).toEqual([]);
    expect((await postVerifiedTransaction(t.db, otherPractice, details({ order: { invoiceNumber: r.ref } }), 'webhook', t.clock.now())).status).toBe('posted');
  });

  it('another amount than asked is held for review with the reason in dollars, not posted; a request no longer pending is left as it is', async () => {
    const r = await request(3_000);
    const d = details({ transId: '7000002', settleAmount: 3, authAmount: 3, order: { invoiceNumber: r.ref } });
    const now = t.clock.now();
    const reason = 'Authorize.net captured $3.00 for a request of $30.00';
    expect(await postVerifiedTransaction(t.db, practice, d, 'webhook', now)).toEqual({ status: 'mismatch', requestId: r.id, reason });
    expect(await requestRow(r.id)).toMatchObject({ status: 'review', review_reason: reason, trans_id: '7000002', updated_at: now, ledger_entry_id: null });
    expect(await ledger(r.patient)).toEqual([]);

    // One cent more is another amount too; no amount at all says so.
    const s = await request(3_000);
    expect(await postVerifiedTransaction(t.db, practice, details({ settleAmount: 30.01, order: { invoiceNumber: s.ref } }), 'webhook', now)).toMatchObject({ status: 'mismatch', reason: 'Authorize.net captured $30.01 for a request of $30.00' });
    const u = await request(3_000);
    expect(await postVerifiedTransaction(t.db, practice, details({ settleAmount: undefined, authAmount: undefined, order: { invoiceNumber: u.ref } }), 'webhook', now)).toMatchObject({ status: 'mismatch', reason: 'Authorize.net captured no amount for a request of $30.00' });

    // Already decided (paid by staff): the reason is returned but the request is not touched.
    const p = await request(3_000);
    await t.db.updateTable('payment_requests').set({ status: 'paid', review_reason: null }).where('id', '=', p.id).execute();
    t.clock.advanceMinutes(1);
    expect((await postVerifiedTransaction(t.db, practice, details({ settleAmount: 3, order: { invoiceNumber: p.ref } }), 'webhook', t.clock.now())).status).toBe('mismatch');
    expect(await requestRow(p.id)).toMatchObject({ status: 'paid', review_reason: null, trans_id: null, updated_at: now });
  });
});

describe("the patient's return from the hosted form", () => {
  const client = () => new AuthorizeNetClient(fake.apiUrl, FAKE_CREDENTIALS);
  const charge = (invoiceNumber: string, amount: string) => {
    const transId = String(8_000_000 + ++n);
    fake.transactions.set(transId, { transId, amount, invoiceNumber, status: 'capturedPendingSettlement', submitTimeUTC: new Date().toISOString() });
    return transId;
  };

  it('finds the transaction by our invoice number among the unsettled ones, or none', async () => {
    const transId = charge('find-me', '10.00');
    charge('someone-else', '10.00');
    expect(await findTransactionIdByRef(client(), 'find-me')).toBe(transId);
    expect(await findTransactionIdByRef(client(), 'not-there')).toBeNull();
  });

  it('posts what Authorize.net captured for the request and says paid; names the practice and patient', async () => {
    const r = await request(2_000);
    const transId = charge(r.ref, '20.00');
    expect(await confirmReturn(t.db, async () => client(), r.ref, t.clock.now())).toEqual({ status: 'paid', practiceId: practice, patientId: r.patient });
    expect(await requestRow(r.id)).toMatchObject({ status: 'paid', posted_via: 'return', trans_id: transId, card_last4: '1111' });
    // Back again (a reload): paid, without asking Authorize.net.
    expect(await confirmReturn(t.db, async () => null, r.ref, t.clock.now())).toEqual({ status: 'paid', practiceId: practice, patientId: r.patient });
    expect(await ledger(r.patient)).toHaveLength(1);
  });

  it('processing while Authorize.net does not know it yet, holds it for review, is not configured, or cannot be reached; unknown for a ref we never issued', async () => {
    const r = await request(2_000);
    const who = { practiceId: practice, patientId: r.patient };
    expect(await confirmReturn(t.db, async () => client(), r.ref, t.clock.now())).toEqual({ status: 'processing', ...who });
    expect(await confirmReturn(t.db, async () => null, r.ref, t.clock.now())).toEqual({ status: 'processing', ...who });
    expect(await confirmReturn(t.db, async () => new AuthorizeNetClient('http://127.0.0.1:9/xml/v1/request.api', FAKE_CREDENTIALS, 2_000), r.ref, t.clock.now())).toEqual({ status: 'processing', ...who });
    charge(r.ref, '2.00');
    expect(await confirmReturn(t.db, async () => client(), r.ref, t.clock.now())).toEqual({ status: 'processing', ...who });
    expect((await requestRow(r.id)).status).toBe('review');
    expect(await ledger(r.patient)).toEqual([]);
    expect(await confirmReturn(t.db, async () => client(), 'never-issued', t.clock.now())).toEqual({ status: 'unknown' });
  });
});
