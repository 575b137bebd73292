import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { OnlinePaymentRow, PaymentSettingsSummary } from '../../src/payments/settings.ts';
import { formatCents } from '../../src/intl.ts';
import { TZDate } from '@date-fns/tz';
import { dateTimeFormat } from '../../src/intl.ts';
import { TableScroll } from '../components/table-scroll.tsx';

export function PaymentSettingsPage(props: {
  ctx: ViewContext;
  summary: PaymentSettingsSummary;
  payments: OnlinePaymentRow[];
  environment: 'sandbox' | 'production';
  webhookUrl: string;
  errors: FieldErrors;
  notice?: string;
}) {
  const { ctx, summary, errors } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  const masked = (v: string | undefined) => (v ? `Stored, ending in ${v}. Leave blank to keep it.` : undefined);
  return (
    <AppLayout ctx={ctx} title="Credit Card Processing">
      <p class="breadcrumb">
        <a href="/settings">Settings</a> › Credit Card Processing
      </p>
      <h1>Credit Card Processing</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <div class="row">
        <div class="grow">
          <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">Authorize.net</h2>
            <p>
              Status:{' '}
              <strong data-testid="payments-status">{summary.configured ? 'Configured — patients can pay online from the portal' : 'Not configured — the portal asks patients to call the office'}</strong>
            </p>
            <p>
              Environment: <strong>{props.environment === 'sandbox' ? 'Sandbox (test transactions)' : 'Production'}</strong>{' '}
              <span class="muted">(set by the server’s AUTHORIZE_NET_ENV)</span>
            </p>
            {summary.updatedAt ? (
              <p class="meta">
                Last changed {formatAt(summary.updatedAt, tz)}
                {summary.updatedByName ? ` by ${summary.updatedByName}` : ''}.
              </p>
            ) : null}
            {summary.configured ? (
              <>
                {summary.lastTestAt ? (
                  <p class={summary.lastTestOk ? 'notice' : 'blocked'} role="status" data-testid="connection-test">
                    Test connection {formatAt(summary.lastTestAt, tz)}: {summary.lastTestMessage}
                  </p>
                ) : null}
                <Form csrf={ctx.csrf} action="/settings/payments/connection-test">
                  <button type="submit">Test connection</button>
                </Form>
              </>
            ) : null}
          </section>

          <section class="card" aria-labelledby="credentials-heading">
            <h2 id="credentials-heading">{summary.configured ? 'Replace credentials' : 'Credentials'}</h2>
            <FormErrorSummary errors={errors} />
            <Form csrf={ctx.csrf} action="/settings/payments" class="stack" autocomplete="off">
              <TextField label="API Login ID" name="api_login_id" error={errors.api_login_id} hint={masked(summary.last4?.api_login_id)} autocomplete="off" spellcheck="false" />
              <TextField label="Transaction Key" name="transaction_key" type="password" error={errors.transaction_key} hint={masked(summary.last4?.transaction_key)} autocomplete="new-password" />
              <TextField label="Signature Key" name="signature_key" type="password" error={errors.signature_key} hint={masked(summary.last4?.signature_key) ?? 'In Authorize.net: Account › Settings › API Credentials & Keys › New Signature Key.'} autocomplete="new-password" />
              <button type="submit" class="primary">
                Save
              </button>
            </Form>
          </section>

          {summary.configured ? (
            <section class="card" aria-labelledby="remove-heading">
              <h2 id="remove-heading">Turn off online payments</h2>
              <Form csrf={ctx.csrf} action="/settings/payments/removal" data-confirm="Delete the stored credentials and turn off online payments?">
                <button type="submit" class="danger">Remove credentials</button>
              </Form>
            </section>
          ) : null}
          <section aria-labelledby="online-heading">
            <h2 id="online-heading">Online payments</h2>
            {props.payments.length ? (
              <TableScroll>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">Patient</th>
                      <th scope="col">Case</th>
                      <th scope="col">Amount</th>
                      <th scope="col">Status</th>
                      <th scope="col">Transaction</th>
                    </tr>
                  </thead>
                  <tbody>
                    {props.payments.map((p) => (
                      <tr>
                        <td>{formatAt(p.created_at, tz)}</td>
                        <td>
                          <a href={`/patients/${p.patient_id}`}>{p.patient_name}</a> <span class="muted">{p.account_number}</span>
                        </td>
                        <td>{p.case_title}</td>
                        <td>{formatCents(p.amount_cents)}</td>
                        <td>
                          {p.status === 'review' ? (
                            <a class="overdue-text" href={`/settings/payments/held/${p.id}`} title={p.review_reason ?? undefined}>
                              Needs review: the captured amount differs; not posted
                            </a>
                          ) : p.status === 'refunded' ? (
                            <a href={`/settings/payments/held/${p.id}`}>Refunded after review</a>
                          ) : p.posted_via === 'staff' ? (
                            <a href={`/settings/payments/held/${p.id}`}>Posted after review</a>
                          ) : (
                            `Posted (${p.posted_via === 'webhook' ? 'webhook' : 'patient return'})`
                          )}
                        </td>
                        <td>{p.trans_id ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            ) : (
              <p class="muted">No online payments yet.</p>
            )}
          </section>
        </div>
        <aside class="aside" aria-labelledby="setup-heading">
          <h2 id="setup-heading">Setting up</h2>
          <ol>
            <li>Sign in to your Authorize.net merchant interface.</li>
            <li>Under Account › Settings › API Credentials &amp; Keys, copy the API Login ID, create a Transaction Key and a Signature Key, and paste them here.</li>
            <li>
              Under Account › Settings › Webhooks, add an endpoint for the event <code>net.authorize.payment.authcapture.created</code> with this URL:
              <br />
              <code data-testid="webhook-url">{props.webhookUrl}</code>
            </li>
            <li>Click Test connection.</li>
          </ol>
          <p class="muted">Keys are stored encrypted and never shown again in full. Card numbers never reach StrataEMR: patients pay on Authorize.net’s hosted form.</p>
        </aside>
      </div>
    </AppLayout>
  );
}

function formatAt(at: Date, timeZone: string): string {
  return dateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new TZDate(at.getTime(), timeZone));
}
