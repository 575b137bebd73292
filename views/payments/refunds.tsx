import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, SelectField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import { formatDateTime } from '../patients/format.ts';
import type { ViewContext } from '../../src/web/context.ts';
import type { HeldPayment, RefundablePayment, RefundRow } from '../../src/payments/refunds.ts';
import { formatCents } from '../../src/intl.ts';

type FormState = { values: Record<string, string | undefined>; errors: FieldErrors };

/** Refund (or void) a portal payment from the patient's ledger. */
export function RefundPage(props: { ctx: ViewContext; payment: RefundablePayment; patientName: string; form: FormState; formKey: string }) {
  const { ctx, payment, form } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={ctx} title="Refund a payment">
      <p>
        <a href={`/patients/${payment.patientId}#ledger`}>{props.patientName}</a> ›
      </p>
      <h1>Refund a payment</h1>
      <dl class="summary">
        <dt>Paid online</dt>
        <dd>
          {formatCents(payment.amountCents)} on {formatDateTime(payment.postedAt, tz)} for {payment.caseTitle}
        </dd>
        <dt>Authorize.net transaction</dt>
        <dd>{payment.transId}</dd>
        <dt>Already refunded</dt>
        <dd data-testid="refunded">{formatCents(payment.refundedCents)}</dd>
      </dl>
      <RefundHistory refunds={payment.refunds} tz={tz} />
      {payment.remainingCents > 0 ? (
        <Form csrf={ctx.csrf} action={`/patients/${payment.patientId}/payments/${payment.entryId}/refunds`} class="narrow-form">
          <FormErrorSummary errors={form.errors} />
          {form.errors.form ? (
            <p class="field-error" role="alert">
              {form.errors.form}
            </p>
          ) : null}
          <input type="hidden" name="key" value={form.values.key ?? props.formKey} />
          <TextField
            label="Amount to refund"
            name="amount"
            value={form.values.amount ?? (payment.remainingCents / 100).toFixed(2)}
            error={form.errors.amount}
            hint={`Up to ${formatCents(payment.remainingCents)}. The same day as the payment, Authorize.net can only void it whole; after it settles, any part can be refunded.`}
            inputmode="decimal"
            required
          />
          <TextArea label="Reason" name="reason" rows={3} value={form.values.reason} error={form.errors.reason} hint="Kept in the audit trail." required />
          <button type="submit" class="button danger">
            Refund to the card
          </button>
        </Form>
      ) : (
        <p class="notice">This payment has been refunded in full.</p>
      )}
    </AppLayout>
  );
}

/** A payment Authorize.net captured that did not match its request: post it or give it back. */
export function HeldPaymentPage(props: {
  ctx: ViewContext;
  held: HeldPayment;
  post: FormState;
  refund: FormState;
  formKey: string;
}) {
  const { ctx, held } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={ctx} title="Payment held for review">
      <p>
        <a href="/settings">Settings</a> › <a href="/settings/payments">Credit Card Processing</a> ›
      </p>
      <h1>Payment held for review</h1>
      <dl class="summary">
        <dt>Patient</dt>
        <dd>
          <a href={`/patients/${held.patientId}#ledger`}>{held.patientName}</a> <span class="muted">{held.accountNumber}</span>
        </dd>
        <dt>Asked to pay</dt>
        <dd>
          {formatCents(held.requestedCents)} for {held.caseTitle}, {formatDateTime(held.createdAt, tz)}
        </dd>
        <dt>Why it was held</dt>
        <dd>{held.reason ?? 'It did not match its request.'}</dd>
        <dt>Authorize.net transaction</dt>
        <dd>{held.transId}</dd>
      </dl>
      {held.status !== 'review' ? (
        <p class="notice" role="status" data-testid="held-outcome">
          {held.status === 'paid' ? 'Posted to the ledger' : 'Refunded to the card'} by {held.resolvedByName ?? 'staff'}
          {held.resolvedAt ? ` on ${formatDateTime(held.resolvedAt, tz)}` : ''}: {held.resolutionNote}
        </p>
      ) : (
        <div class="two-forms">
          <section aria-labelledby="post-heading">
            <h2 id="post-heading">Post it to a case</h2>
            <p>The amount Authorize.net captured is posted as a payment.</p>
            <Form csrf={ctx.csrf} action={`/settings/payments/held/${held.id}/posting`}>
              <FormErrorSummary errors={props.post.errors} />
              {props.post.errors.form ? <p class="field-error" role="alert">{props.post.errors.form}</p> : null}
              <SelectField
                label="Case"
                name="case_id"
                value={props.post.values.case_id ?? String(held.caseId)}
                options={held.cases.map((c) => ({ value: String(c.id), label: c.title }))}
                error={props.post.errors.case_id}
              />
              <TextArea label="Reason" name="reason" rows={3} value={props.post.values.reason} error={props.post.errors.reason} required />
              <button type="submit" class="button">
                Post payment
              </button>
            </Form>
          </section>
          <section aria-labelledby="refund-heading">
            <h2 id="refund-heading">Give it back</h2>
            <p>The whole captured amount goes back to the card; nothing is posted.</p>
            <Form csrf={ctx.csrf} action={`/settings/payments/held/${held.id}/refunds`}>
              <FormErrorSummary errors={props.refund.errors} />
              {props.refund.errors.form ? <p class="field-error" role="alert">{props.refund.errors.form}</p> : null}
              <input type="hidden" name="key" value={props.refund.values.key ?? props.formKey} />
              <TextArea
                label="Reason"
                name="refund_reason"
                rows={3}
                value={props.refund.values.refund_reason}
                error={props.refund.errors.refund_reason}
                required
              />
              <button type="submit" class="button danger">
                Refund to the card
              </button>
            </Form>
          </section>
        </div>
      )}
      <RefundHistory refunds={held.refunds} tz={tz} />
    </AppLayout>
  );
}

function RefundHistory(props: { refunds: RefundRow[]; tz: string }) {
  if (!props.refunds.length) return null;
  return (
    <section aria-labelledby="refunds-heading">
      <h2 id="refunds-heading">Refunds</h2>
      <ul data-testid="refund-history">
        {props.refunds.map((r) => (
          <li>
            {r.action === 'void' ? 'Voided' : 'Refunded'} {formatCents(r.amount_cents)} · {r.created_by_name} · {formatDateTime(r.created_at, props.tz)} ·{' '}
            {r.status === 'done' ? `done (transaction ${r.trans_id})` : r.status === 'pending' ? 'waiting for Authorize.net' : `failed: ${r.error}`} — {r.reason}
          </li>
        ))}
      </ul>
    </section>
  );
}
