import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PracticeContact } from '../../src/portal/access.ts';
import type { PortalAccount } from '../../src/portal/account.ts';
import type { Language } from '../../src/db/schema.ts';
import { formatCents, localeOf, t } from '../../src/intl.ts';
import { TZDate } from '@date-fns/tz';
import { dateTimeFormat } from '../../src/intl.ts';

type Errors = Record<string, string | undefined>;

type Page = { lang: Language; path?: string };

export function InvalidLinkPage(props: Page) {
  const { lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.invalid.title')}>
      <h1>{t(lang, 'portal.invalid.heading')}</h1>
      <p>{t(lang, 'portal.invalid.text')}</p>
    </PortalLayout>
  );
}

export function ExpiredLinkPage(props: Page & { practice: PracticeContact }) {
  const { practice, lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.expired.title')} practiceName={practice.name}>
      <h1>{t(lang, 'portal.expired.heading')}</h1>
      <p>
        {t(lang, 'portal.expired.before')} <PhoneLink phone={practice.phone} /> {t(lang, 'portal.expired.after')}
      </p>
    </PortalLayout>
  );
}

export function LockedLinkPage(props: Page & { practice: PracticeContact; until: Date }) {
  const { practice, lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.locked.title')} practiceName={practice.name}>
      <h1>{t(lang, 'portal.locked.heading')}</h1>
      <p class="blocked" role="alert">
        {t(lang, 'portal.locked.text', { time: timeIn(props.until, practice.time_zone, lang) })}
      </p>
      <p>
        {t(lang, 'portal.locked.tryAgain')} <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

/** After MAX_LIFETIME_DOB_FAILURES wrong dates a link never opens again: only the office can help. */
export function DeadLinkPage(props: Page & { practice: PracticeContact }) {
  const { practice, lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.dead.title')} practiceName={practice.name}>
      <h1>{t(lang, 'portal.dead.heading')}</h1>
      <p class="blocked" role="alert">
        {t(lang, 'portal.dead.text')}
      </p>
      <p>
        {t(lang, 'portal.dead.callBefore')} <PhoneLink phone={practice.phone} />. {t(lang, 'portal.dead.callAfter', { practice: practice.name })}
      </p>
    </PortalLayout>
  );
}

export function DateOfBirthPage(props: Page & {
  practice: PracticeContact;
  token: string;
  values: { month?: string; day?: string; year?: string };
  error?: string;
  attemptsLeft: number;
}) {
  const { practice, values, error, lang } = props;
  const describedBy = ['dob-hint', error ? 'dob-error' : ''].filter(Boolean).join(' ');
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.dob.title')} practiceName={practice.name}>
      <h1>{t(lang, 'portal.dob.heading')}</h1>
      <p>{t(lang, 'portal.dob.intro', { practice: practice.name })}</p>
      {error ? (
        <div class="error-summary" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
      <form method="post" action={`/portal/${props.token}`} class="stack" novalidate>
        <fieldset class={error ? 'dob has-error' : 'dob'} aria-describedby={describedBy}>
          <legend>{t(lang, 'portal.dob.legend')}</legend>
          <p class="hint" id="dob-hint">{t(lang, 'portal.dob.hint')}</p>
          {error ? (
            <p class="field-error" id="dob-error">
              {error}
            </p>
          ) : null}
          <div class="dob-fields">
            <div class="field">
              <label for="dob-month">{t(lang, 'portal.dob.month')}</label>
              <input id="dob-month" name="month" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={2} size={2} autocomplete="bday-month" value={values.month ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="dob-day">{t(lang, 'portal.dob.day')}</label>
              <input id="dob-day" name="day" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={2} size={2} autocomplete="bday-day" value={values.day ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="dob-year">{t(lang, 'portal.dob.year')}</label>
              <input id="dob-year" name="year" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={4} size={4} autocomplete="bday-year" value={values.year ?? ''} aria-invalid={error ? 'true' : undefined} />
            </div>
          </div>
        </fieldset>
        <button type="submit" class="primary wide-button">
          {t(lang, 'portal.dob.continue')}
        </button>
      </form>
      <p class="muted">
        {t(lang, 'portal.questions', { practice: practice.name })} <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

export function AccountPage(props: Page & {
  account: PortalAccount;
  csrf: string;
  notice?: string;
  pay?: { values: Record<string, string>; errors: Errors };
}) {
  const { account, csrf, lang } = props;
  const { practice } = account;
  const money = (cents: number) => formatCents(cents, lang);
  const payable = account.cases.filter((c) => c.balance_cents > 0);
  const errors = props.pay?.errors ?? {};
  const values = props.pay?.values ?? {};
  return (
    <PortalLayout lang={lang} path="/portal/account" title={t(lang, 'portal.account.title')} practiceName={practice.name} signOut={{ csrf }}>
      <h1>{t(lang, 'portal.account.hello', { name: account.firstName })}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <section class="card balance-card" aria-labelledby="balance-heading">
        <h2 id="balance-heading">{account.balanceCents > 0 ? t(lang, 'portal.account.balanceDue') : t(lang, 'portal.account.yourBalance')}</h2>
        <p class="balance-total" data-testid="balance-total">
          {money(account.balanceCents)}
        </p>
        {account.balanceCents <= 0 && (account.payments.length || account.cases.length) ? (
          <p class="notice" role="status" data-testid="paid-in-full">
            {t(lang, 'portal.account.paidInFull')}
          </p>
        ) : null}
        {account.cases.length ? (
          <table class="portal-table">
            <caption class="visually-hidden">{t(lang, 'portal.account.byCase')}</caption>
            <thead>
              <tr>
                <th scope="col">{t(lang, 'portal.account.case')}</th>
                <th scope="col" class="num">
                  {t(lang, 'portal.account.balance')}
                </th>
              </tr>
            </thead>
            <tbody>
              {account.cases.map((c) => (
                <tr>
                  <td>
                    <a href={`/portal/cases/${c.id}`}>{c.title}</a>
                  </td>
                  <td class="num">{money(c.balance_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      {account.balanceCents > 0 ? (
        account.onlinePayments && payable.length ? (
          <section class="card" aria-labelledby="pay-heading">
            <h2 id="pay-heading">{t(lang, 'portal.account.payOnline')}</h2>
            {errors.form ? (
              <p class="error-summary" role="alert">
                {errors.form}
              </p>
            ) : null}
            <form method="post" action="/portal/payments" class="stack" novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <div class={errors.case_id ? 'field has-error' : 'field'}>
                <label for="case_id">{t(lang, 'portal.account.payToward')}</label>
                <select id="case_id" name="case_id" aria-invalid={errors.case_id ? 'true' : undefined} aria-describedby={errors.case_id ? 'case_id-error' : undefined}>
                  {payable.map((c) => (
                    <option value={String(c.id)} selected={values.case_id === String(c.id)}>
                      {c.title} — {money(c.balance_cents)}
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
                <label for="amount">{t(lang, 'portal.account.amount')}</label>
                <p class="hint" id="amount-hint">
                  {t(lang, 'portal.account.amountHint')}
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
                {t(lang, 'portal.account.continueToPayment')}
              </button>
              <p class="muted">{t(lang, 'portal.account.cardNote')}</p>
            </form>
          </section>
        ) : (
          <section class="card" aria-labelledby="pay-heading">
            <h2 id="pay-heading">{t(lang, 'portal.account.howToPay')}</h2>
            <p data-testid="call-office">
              {t(lang, 'portal.account.payByPhone')} <PhoneLink phone={practice.phone} />.
            </p>
          </section>
        )
      ) : null}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t(lang, 'portal.account.history')}</h2>
        {account.payments.length ? (
          <table class="portal-table">
            <thead>
              <tr>
                <th scope="col">{t(lang, 'portal.account.date')}</th>
                <th scope="col">{t(lang, 'portal.account.case')}</th>
                <th scope="col">{t(lang, 'portal.account.how')}</th>
                <th scope="col" class="num">
                  {t(lang, 'portal.account.amountColumn')}
                </th>
              </tr>
            </thead>
            <tbody>
              {account.payments.map((p) => (
                <tr>
                  <td>{p.kind === 'payment' ? <a href={`/portal/receipts/${p.id}`}>{dateIn(p.posted_at, practice.time_zone, lang)}</a> : dateIn(p.posted_at, practice.time_zone, lang)}</td>
                  <td>{p.case_title}</td>
                  <td>{t(lang, p.kind === 'refund' ? 'portal.account.refunded' : p.source === 'portal' ? 'portal.account.online' : 'portal.account.atOffice')}</td>
                  <td class="num">{p.kind === 'refund' ? `−${money(p.amount_cents)}` : money(p.amount_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">{t(lang, 'portal.account.noPayments')}</p>
        )}
      </section>

      <section aria-labelledby="statements-heading">
        <h2 id="statements-heading">{t(lang, 'portal.account.statements')}</h2>
        {account.statements.length ? (
          <ul data-testid="statements">
            {account.statements.map((st) => (
              <li>
                <a href={`/portal/statements/${st.id}.pdf`} download>
                  {t(lang, 'portal.account.statementOf', { day: dayOf(st.statement_date, lang) })}
                </a>{' '}
                <span class="muted">{t(lang, 'portal.account.balanceThen', { amount: money(st.balance_cents) })}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">{t(lang, 'portal.account.noStatements')}</p>
        )}
      </section>
      <p>
        <a href="/portal/notifications">{t(lang, 'portal.account.alertsLink')}</a>
      </p>
      <p class="muted">
        {t(lang, 'portal.account.billQuestions', { practice: practice.name })} <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}

export function HostedFormPage(props: Page & {
  practice: PracticeContact;
  csrf: string;
  request: { amount_cents: number; case_title: string; ref_id: string };
  form: { ok: true; token: string; hostedUrl: string } | { ok: false; message: string };
}) {
  const { practice, request, form, lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.pay.title')} practiceName={practice.name} signOut={{ csrf: props.csrf }}>
      <h1>{t(lang, 'portal.pay.heading', { amount: formatCents(request.amount_cents, lang) })}</h1>
      <p>{t(lang, 'portal.pay.toward', { case: request.case_title })}</p>
      {form.ok ? (
        <form method="post" action={form.hostedUrl} class="stack">
          <input type="hidden" name="token" value={form.token} />
          <p>{t(lang, 'portal.pay.hostedNote')}</p>
          <button type="submit" class="primary wide-button">
            {t(lang, 'portal.pay.continueSecure')}
          </button>
        </form>
      ) : (
        <p class="warning" role="alert">
          {form.message} {t(lang, 'portal.pay.byPhone')} <PhoneLink phone={practice.phone} /> {t(lang, 'portal.pay.byPhoneAfter')}
        </p>
      )}
      <CancelPaymentForm csrf={props.csrf} refId={request.ref_id} label={t(lang, 'portal.pay.cancelAndBack')} />
    </PortalLayout>
  );
}

/** GET /portal/cancel (Authorize.net's cancel link): nothing changes until the patient presses the button. */
export function CancelPaymentPage(props: Page & { practice: PracticeContact; csrf: string; refId: string }) {
  const { lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.cancel.title')} practiceName={props.practice.name} signOut={{ csrf: props.csrf }}>
      <h1>{t(lang, 'portal.cancel.heading')}</h1>
      <p>{t(lang, 'portal.cancel.text')}</p>
      <CancelPaymentForm csrf={props.csrf} refId={props.refId} label={t(lang, 'portal.cancel.button')} />
      <p>
        <a href="/portal/account">{t(lang, 'portal.cancel.back')}</a>
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

export function ReturnPage(props: Page & { status: 'processing' | 'paid' | 'unknown' }) {
  const { lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.return.title')}>
      {props.status === 'paid' ? (
        <>
          <h1>{t(lang, 'portal.return.paidHeading')}</h1>
          <p>{t(lang, 'portal.return.paidText')}</p>
        </>
      ) : props.status === 'processing' ? (
        <>
          <h1>{t(lang, 'portal.return.processingHeading')}</h1>
          <p>{t(lang, 'portal.return.processingText')}</p>
        </>
      ) : (
        <>
          <h1>{t(lang, 'portal.return.unknownHeading')}</h1>
          <p>{t(lang, 'portal.return.unknownText')}</p>
        </>
      )}
    </PortalLayout>
  );
}

export function SessionEndedPage(props: Page) {
  const { lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.ended.title')}>
      <h1>{t(lang, 'portal.ended.heading')}</h1>
      <p>{t(lang, 'portal.ended.text')}</p>
    </PortalLayout>
  );
}

function timeIn(at: Date, timeZone: string, lang: Language): string {
  const zoned = new TZDate(at.getTime(), timeZone);
  return dateTimeFormat(localeOf(lang), { hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(zoned);
}

/** '2026-11-02' -> 'Nov 2, 2026' ('2 nov 2026'): a calendar day, no time zone. */
function dayOf(isoDay: string, lang: Language): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  return dateTimeFormat(localeOf(lang), { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

function dateIn(at: Date, timeZone: string, lang: Language): string {
  return dateTimeFormat(localeOf(lang), { month: 'short', day: 'numeric', year: 'numeric', timeZone }).format(at);
}
