import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PracticeContact } from '../../src/portal/access.ts';
import type { PortalAccount } from '../../src/portal/account.ts';
import { formatCents } from '../../src/intl.ts';
import { TZDate } from '@date-fns/tz';
import { dateTimeFormat } from '../../src/intl.ts';

type Errors = Record<string, string | undefined>;

export function InvalidLinkPage() {
  return (
    <PortalLayout title="Link not valid">
      <h1>This link is not valid</h1>
      <p>Check that you opened the whole link from your message. If it still does not work, call your therapy office.</p>
    </PortalLayout>
  );
}

export function ExpiredLinkPage(props: { practice: PracticeContact }) {
  const { practice } = props;
  return (
    <PortalLayout title="Link expired" practiceName={practice.name}>
      <h1>This link has expired</h1>
      <p>
        For your security, portal links work for a limited time. Call the office at <PhoneLink phone={practice.phone} /> to check
        your balance or to pay by phone.
      </p>
    </PortalLayout>
  );
}

export function LockedLinkPage(props: { practice: PracticeContact; until: Date }) {
  const { practice } = props;
  return (
    <PortalLayout title="Link locked" practiceName={practice.name}>
      <h1>Too many tries</h1>
      <p class="blocked" role="alert">
        The date of birth did not match too many times, so this link is locked until {timeIn(props.until, practice.time_zone)}.
      </p>
      <p>
        Try again after that, or call the office at <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

/** After MAX_LIFETIME_DOB_FAILURES wrong dates a link never opens again: only the office can help. */
export function DeadLinkPage(props: { practice: PracticeContact }) {
  const { practice } = props;
  return (
    <PortalLayout title="Link locked" practiceName={practice.name}>
      <h1>This link no longer works</h1>
      <p class="blocked" role="alert">
        The date of birth did not match too many times, so this link has been locked for good.
      </p>
      <p>
        Please call the office at <PhoneLink phone={practice.phone} />. Your next message from {practice.name} will have a new link.
      </p>
    </PortalLayout>
  );
}

export function DateOfBirthPage(props: {
  practice: PracticeContact;
  token: string;
  values: { month?: string; day?: string; year?: string };
  error?: string;
  attemptsLeft: number;
}) {
  const { practice, values, error } = props;
  const describedBy = ['dob-hint', error ? 'dob-error' : ''].filter(Boolean).join(' ');
  return (
    <PortalLayout title="Confirm your identity" practiceName={practice.name}>
      <h1>Confirm it is you</h1>
      <p>To see your balance with {practice.name}, enter your date of birth.</p>
      {error ? (
        <div class="error-summary" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
      <form method="post" action={`/portal/${props.token}`} class="stack" novalidate>
        <fieldset class={error ? 'dob has-error' : 'dob'} aria-describedby={describedBy}>
          <legend>Date of birth</legend>
          <p class="hint" id="dob-hint">For example: 4 12 1980</p>
          {error ? (
            <p class="field-error" id="dob-error">
              {error}
            </p>
          ) : null}
          <div class="dob-fields">
            <div class="field">
              <label for="dob-month">Month</label>
              <input id="dob-month" name="month" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={2} size={2} autocomplete="bday-month" value={values.month ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="dob-day">Day</label>
              <input id="dob-day" name="day" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={2} size={2} autocomplete="bday-day" value={values.day ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="dob-year">Year</label>
              <input id="dob-year" name="year" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={4} size={4} autocomplete="bday-year" value={values.year ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
          </div>
        </fieldset>
        <button type="submit" class="primary wide-button">
          Continue
        </button>
      </form>
      <p class="muted">
        Questions? Call {practice.name} at <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

export function AccountPage(props: {
  account: PortalAccount;
  csrf: string;
  notice?: string;
  pay?: { values: Record<string, string>; errors: Errors };
}) {
  const { account, csrf } = props;
  const { practice } = account;
  const payable = account.cases.filter((c) => c.balance_cents > 0);
  const errors = props.pay?.errors ?? {};
  const values = props.pay?.values ?? {};
  return (
    <PortalLayout title="Your balance" practiceName={practice.name} signOut={{ csrf }}>
      <h1>Hello, {account.firstName}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <section class="card balance-card" aria-labelledby="balance-heading">
        <h2 id="balance-heading">{account.balanceCents > 0 ? 'Balance due' : 'Your balance'}</h2>
        <p class="balance-total" data-testid="balance-total">
          {formatCents(account.balanceCents)}
        </p>
        {account.balanceCents <= 0 && (account.payments.length || account.cases.length) ? (
          <p class="notice" role="status" data-testid="paid-in-full">
            Paid in full. Thank you! There is nothing to pay right now.
          </p>
        ) : null}
        {account.cases.length ? (
          <table class="portal-table">
            <caption class="visually-hidden">Balance by case</caption>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col" class="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {account.cases.map((c) => (
                <tr>
                  <td>
                    <a href={`/portal/cases/${c.id}`}>{c.title}</a>
                  </td>
                  <td class="num">{formatCents(c.balance_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      {account.balanceCents > 0 ? (
        account.onlinePayments && payable.length ? (
          <section class="card" aria-labelledby="pay-heading">
            <h2 id="pay-heading">Pay online</h2>
            {errors.form ? (
              <p class="error-summary" role="alert">
                {errors.form}
              </p>
            ) : null}
            <form method="post" action="/portal/payments" class="stack" novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <div class={errors.case_id ? 'field has-error' : 'field'}>
                <label for="case_id">Pay toward</label>
                <select id="case_id" name="case_id" aria-invalid={errors.case_id ? 'true' : undefined} aria-describedby={errors.case_id ? 'case_id-error' : undefined}>
                  {payable.map((c) => (
                    <option value={String(c.id)} selected={values.case_id === String(c.id)}>
                      {c.title} — {formatCents(c.balance_cents)}
                    </option>
                  ))}
                </select>
                {errors.case_id ? (
                  <p class="field-error" id="case_id-error">
                    {errors.case_id}
                  </p>
                ) : null}
              </div>
              <div class={errors.amount ? 'field has-error' : 'field'}>
                <label for="amount">Amount (US dollars)</label>
                <p class="hint" id="amount-hint">
                  Any amount up to the balance of that case.
                </p>
                <input
                  id="amount"
                  name="amount"
                  type="text"
                  inputmode="decimal"
                  autocomplete="off"
                  value={values.amount ?? (payable[0].balance_cents / 100).toFixed(2)}
                  aria-invalid={errors.amount ? 'true' : undefined}
                  aria-describedby={['amount-hint', errors.amount ? 'amount-error' : ''].filter(Boolean).join(' ')}
                />
                {errors.amount ? (
                  <p class="field-error" id="amount-error">
                    {errors.amount}
                  </p>
                ) : null}
              </div>
              <button type="submit" class="primary wide-button">
                Continue to payment
              </button>
              <p class="muted">Your card details are entered on Authorize.net’s secure page, never on this site.</p>
            </form>
          </section>
        ) : (
          <section class="card" aria-labelledby="pay-heading">
            <h2 id="pay-heading">How to pay</h2>
            <p data-testid="call-office">
              To pay by phone, call the office at <PhoneLink phone={practice.phone} />.
            </p>
          </section>
        )
      ) : null}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Payment history</h2>
        {account.payments.length ? (
          <table class="portal-table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Case</th>
                <th scope="col">How</th>
                <th scope="col" class="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {account.payments.map((p) => (
                <tr>
                  <td>{p.kind === 'payment' ? <a href={`/portal/receipts/${p.id}`}>{dateIn(p.posted_at, practice.time_zone)}</a> : dateIn(p.posted_at, practice.time_zone)}</td>
                  <td>{p.case_title}</td>
                  <td>{p.kind === 'refund' ? 'Refunded to your card' : p.source === 'portal' ? 'Online' : 'At the office'}</td>
                  <td class="num">{p.kind === 'refund' ? `−${formatCents(p.amount_cents)}` : formatCents(p.amount_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No payments yet.</p>
        )}
      </section>

      <section aria-labelledby="statements-heading">
        <h2 id="statements-heading">Statements</h2>
        {account.statements.length ? (
          <ul data-testid="statements">
            {account.statements.map((st) => (
              <li>
                <a href={`/portal/statements/${st.id}.pdf`} download>
                  Statement of {dayOf(st.statement_date)} (PDF)
                </a>{' '}
                <span class="muted">balance then {formatCents(st.balance_cents)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No statements yet.</p>
        )}
      </section>
      <p>
        <a href="/portal/notifications">Balance alerts by text or email</a>
      </p>
      <p class="muted">
        Questions about your bill? Call {practice.name} at <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

export function HostedFormPage(props: {
  practice: PracticeContact;
  csrf: string;
  request: { amount_cents: number; case_title: string; ref_id: string };
  form: { ok: true; token: string; hostedUrl: string } | { ok: false; message: string };
}) {
  const { practice, request, form } = props;
  return (
    <PortalLayout title="Pay online" practiceName={practice.name} signOut={{ csrf: props.csrf }}>
      <h1>Pay {formatCents(request.amount_cents)}</h1>
      <p>Toward: {request.case_title}</p>
      {form.ok ? (
        <form method="post" action={form.hostedUrl} class="stack">
          <input type="hidden" name="token" value={form.token} />
          <p>You will enter your card on Authorize.net’s secure payment page, then come back here.</p>
          <button type="submit" class="primary wide-button">
            Continue to secure payment
          </button>
        </form>
      ) : (
        <p class="warning" role="alert">
          {form.message} Please call the office at <PhoneLink phone={practice.phone} /> to pay by phone.
        </p>
      )}
      <CancelPaymentForm csrf={props.csrf} refId={request.ref_id} label="Cancel and go back" />
    </PortalLayout>
  );
}

/** GET /portal/cancel (Authorize.net's cancel link): nothing changes until the patient presses the button. */
export function CancelPaymentPage(props: { practice: PracticeContact; csrf: string; refId: string }) {
  return (
    <PortalLayout title="Cancel payment" practiceName={props.practice.name} signOut={{ csrf: props.csrf }}>
      <h1>Cancel this payment?</h1>
      <p>Nothing has been charged. Cancel the payment to go back to your balance.</p>
      <CancelPaymentForm csrf={props.csrf} refId={props.refId} label="Cancel the payment" />
      <p>
        <a href="/portal/account">Back to your balance</a>
      </p>
    </PortalLayout>
  );
}

function CancelPaymentForm(props: { csrf: string; refId: string; label: string }) {
  return (
    <form method="post" action="/portal/cancel" class="stack">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="ref" value={props.refId} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

export function ReturnPage(props: { status: 'processing' | 'paid' | 'unknown' }) {
  return (
    <PortalLayout title="Payment">
      {props.status === 'paid' ? (
        <>
          <h1>Thank you</h1>
          <p>Your payment was received. To see your balance again, open the link from your message.</p>
        </>
      ) : props.status === 'processing' ? (
        <>
          <h1>Your payment is being recorded</h1>
          <p>It will show on your balance within a few minutes. Open the link from your message again to check.</p>
        </>
      ) : (
        <>
          <h1>Payment not found</h1>
          <p>Open the link from your message again to see your balance.</p>
        </>
      )}
    </PortalLayout>
  );
}

export function SessionEndedPage() {
  return (
    <PortalLayout title="Signed out">
      <h1>Your portal session has ended</h1>
      <p>For your security the portal signs you out after a few minutes. Open the link from your message again to continue.</p>
    </PortalLayout>
  );
}

function timeIn(at: Date, timeZone: string): string {
  const t = new TZDate(at.getTime(), timeZone);
  return dateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(t);
}

/** '2026-11-02' -> 'Nov 2, 2026' (a calendar day, no time zone). */
function dayOf(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  return dateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

function dateIn(at: Date, timeZone: string): string {
  return dateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone }).format(at);
}
